//! Turns grading outcomes into the text a learner reads.

use std::fmt::Write;
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use crate::grade::{Outcome, Output, Panic, TestResult, Verdict};

const PASS: Style = AnsiColor::Green.on_default().bold();
const FAIL: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// Lines of a test's own output shown under a crash or a timeout.
const OUTPUT_TAIL_LINES: usize = 12;

/// One graded part of an exercise: its plain tests, or its loom models.
pub struct Part<'a> {
    pub title: &'a str,
    pub outcome: &'a Outcome,
}

/// Renders the verdict for one exercise. `timeout` is the grade profile's per-test limit.
pub fn render(exercise: &str, parts: &[Part<'_>], timeout: Duration) -> String {
    let mut out = String::new();
    for part in parts {
        let _ = writeln!(out, "{}", heading(exercise, part));
        match part.outcome {
            Outcome::CompileError(diagnostics) => {
                let _ = writeln!(out, "\n{diagnostics}\n");
                let _ = writeln!(
                    out,
                    "{FAIL}The code does not compile{FAIL:#}, so no test ran. Fix the first error above and save; later errors often follow from it."
                );
            }
            Outcome::Ran(results) if results.is_empty() => {
                let _ = writeln!(out, "  {WARN}no tests found{WARN:#}");
            }
            Outcome::Ran(results) => {
                let multi_binary = results.iter().any(|r| r.binary != results[0].binary);
                for result in results {
                    render_result(&mut out, result, multi_binary, timeout);
                }
            }
        }
        out.push('\n');
    }
    let all_passed = parts.iter().all(|p| p.outcome.all_passed());
    let (passed, total) = parts.iter().fold((0, 0), |(p, t), part| {
        let (pp, tt) = part.outcome.counts();
        (p + pp, t + tt)
    });
    if all_passed {
        let _ = writeln!(
            out,
            "{PASS}All {total} tests pass.{PASS:#} `{exercise}` is done."
        );
    } else if parts
        .iter()
        .any(|p| matches!(p.outcome, Outcome::CompileError(_)))
    {
        let _ = writeln!(out, "{FAIL}Not yet:{FAIL:#} `{exercise}` does not compile.");
    } else {
        let _ = writeln!(
            out,
            "{FAIL}Not yet:{FAIL:#} {passed} of {total} tests pass. Stuck? `cargo xtask hint {exercise}`"
        );
    }
    out
}

fn heading(exercise: &str, part: &Part<'_>) -> String {
    match part.outcome {
        Outcome::Ran(_) => {
            let (passed, total) = part.outcome.counts();
            format!("{}: {} ({passed}/{total} passed)", exercise, part.title)
        }
        Outcome::CompileError(_) => format!("{}: {}", exercise, part.title),
    }
}

fn render_result(out: &mut String, result: &TestResult, multi_binary: bool, timeout: Duration) {
    let name = if multi_binary {
        format!("{}::{}", result.binary, result.name)
    } else {
        result.name.clone()
    };
    match &result.verdict {
        Verdict::Passed => {
            let _ = writeln!(out, "  {PASS}PASS{PASS:#}     {name}");
            if !result.unseen_panics.is_empty() {
                let _ = writeln!(
                    out,
                    "{}",
                    indent(&format!(
                        "{WARN}note:{WARN:#} a thread panicked while this test ran, and the test still passed. If the test expects that panic, all is well; if not, look for a JoinHandle that is dropped or never joined, which hides a thread's failure:"
                    ))
                );
                render_panics(out, &result.name, &result.unseen_panics);
            }
        }
        Verdict::Failed { panics, .. } => {
            let _ = writeln!(out, "  {FAIL}FAIL{FAIL:#}     {name}");
            render_panics(out, &result.name, panics);
        }
        Verdict::TimedOut { output } => {
            let _ = writeln!(out, "  {FAIL}TIMEOUT{FAIL:#}  {name}");
            let _ = writeln!(
                out,
                "{}",
                indent(&format!(
                    "still running after {} s, so it was stopped. A test here finishes in well under a second, so this is almost always:\n  - a deadlock: two threads each wait for a lock or message the other holds;\n  - a lost wakeup: a thread waits for a notification or item that is never sent;\n  - a thread that never ends, so joining it never returns (is every sender dropped, every loop told to stop?).",
                    timeout.as_secs()
                ))
            );
            render_tail(out, output);
        }
        Verdict::Crashed { how, output } => {
            let _ = writeln!(out, "  {FAIL}CRASH{FAIL:#}    {name}");
            let _ = writeln!(out, "{}", indent(&format!("{how}.")));
            render_tail(out, output);
        }
        Verdict::Leaked { output } => {
            let _ = writeln!(out, "  {FAIL}LEAK{FAIL:#}     {name}");
            let _ = writeln!(
                out,
                "{}",
                indent(
                    "the test returned, but a process it started was still running afterwards. Wait for every child process (or kill it) before returning."
                )
            );
            render_tail(out, output);
        }
    }
}

fn render_panics(out: &mut String, test: &str, panics: &[Panic]) {
    // The first panic is the cause. What follows it is often an echo: the test thread's
    // `unwrap` of a join result, a scope re-panicking, or a library cleaning up after the
    // first panic. Echoes are dropped, repeats are counted, and at most three are shown.
    let spawned_panicked = panics.iter().any(|p| p.thread != test);
    let mut distinct: Vec<(&Panic, usize)> = Vec::new();
    for (i, panic) in panics.iter().enumerate() {
        let echo = i > 0
            && (panic.location.starts_with("/rustc/")
                || panic.location.contains("/.cargo/registry/")
                || (spawned_panicked && panic.thread == test && is_join_echo(&panic.message)));
        if echo {
            continue;
        }
        match distinct
            .iter_mut()
            .find(|(seen, _)| seen.message == panic.message && seen.location == panic.location)
        {
            Some((_, count)) => *count += 1,
            None => distinct.push((panic, 1)),
        }
    }
    for (panic, count) in distinct.iter().take(3) {
        let origin = if panic.thread == test {
            String::new()
        } else if panic.thread == "<unnamed>" {
            "in a spawned thread, ".to_string()
        } else {
            format!("in thread '{}', ", panic.thread)
        };
        let times = if *count > 1 {
            format!(", {count} times")
        } else {
            String::new()
        };
        let _ = writeln!(out, "{}", indent(&panic.message));
        let _ = writeln!(
            out,
            "{}",
            indent(&format!(
                "{DIM}({origin}at {}{times}){DIM:#}",
                panic.location
            ))
        );
    }
    if distinct.len() > 3 {
        let _ = writeln!(
            out,
            "{}",
            indent(&format!("{DIM}...and {} more{DIM:#}", distinct.len() - 3))
        );
    }
}

/// The test thread's reaction to a spawned thread's panic, which adds nothing to it.
fn is_join_echo(message: &str) -> bool {
    message.starts_with("called `Result::unwrap()` on an `Err` value: Any")
        || message == "a scoped thread panicked"
}

fn render_tail(out: &mut String, output: &Output) {
    if output.tail.trim().is_empty() {
        return;
    }
    let lines: Vec<&str> = output.tail.lines().collect();
    let start = lines.len().saturating_sub(OUTPUT_TAIL_LINES);
    let cut = if output.cut_bytes > 0 || start > 0 {
        format!(
            " (it printed more{}; only the end is kept)",
            if output.cut_bytes >= 1 << 20 {
                format!(", over {} MB", output.cut_bytes >> 20)
            } else {
                String::new()
            }
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{}",
        indent(&format!(
            "{DIM}the last {} line(s) it printed{cut}:{DIM:#}",
            lines.len() - start
        ))
    );
    for line in &lines[start..] {
        let line: String = if line.chars().count() > 160 {
            line.chars().take(160).chain("...".chars()).collect()
        } else {
            line.to_string()
        };
        let _ = writeln!(out, "{}", indent(&format!("  {line}")));
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("           {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
