//! Grading: run an exercise's tests with cargo-nextest and turn its JUnit report into verdicts.
//!
//! nextest runs every test in its own process with a time limit, so a deadlocked or crashing
//! test becomes a verdict instead of a hung runner. The runner never reads nextest's human
//! output: it reads the JUnit file the `grade` profile writes.

use std::fs;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use regex::Regex;
use serde::Deserialize;

use crate::cap;

/// What to grade and where.
#[derive(Debug, Clone)]
pub struct Request {
    /// The cargo workspace holding the package.
    pub workspace: PathBuf,
    pub package: String,
    /// nextest's config (the course's `.config/nextest.toml`).
    pub config: PathBuf,
    /// Cargo's target directory (loom runs use one of their own).
    pub target_dir: PathBuf,
    pub mode: Mode,
    /// Print a status line while cargo builds.
    pub show_progress: bool,
    /// The runner's own executable, run as each test's target runner to bound its output
    /// (see [`crate::cap`]); `None` runs the tests directly.
    pub output_cap: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every test binary, in the `grade` profile.
    Tests,
    /// Only `tests/loom.rs`, built optimised with `--cfg loom`, in the `loom` profile.
    Loom,
}

impl Mode {
    fn profile(self) -> &'static str {
        match self {
            Mode::Tests => "grade",
            Mode::Loom => "loom",
        }
    }
}

/// The outcome of one grading run.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The tests ran; one result per test, in a stable order.
    Ran(Vec<TestResult>),
    /// The code did not compile; cargo's rendered diagnostics.
    CompileError(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The test binary (`pipeline`, `loom`, or the library's unit tests).
    pub binary: String,
    pub name: String,
    pub verdict: Verdict,
    /// Panics in threads of a passing test: nobody joined them, so the test never saw them.
    pub unseen_panics: Vec<Panic>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Passed,
    /// The test panicked: an assertion, an `unwrap`, a `todo!()`.
    Failed {
        panics: Vec<Panic>,
        output: Output,
    },
    /// nextest ended the test at the profile's time limit.
    TimedOut {
        output: Output,
    },
    /// The test process died without a panic (abort, signal, stack overflow).
    Crashed {
        how: String,
        output: Output,
    },
    /// The test returned, but a process it started was still running and holding its output.
    Leaked {
        output: Output,
    },
}

/// The end of what a test printed: at most [`OUTPUT_KEPT`] bytes, and how much was cut.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    pub tail: String,
    pub cut_bytes: usize,
}

/// How much of a test's output the runner keeps; a test printing without end cannot make the
/// report (or the runner's memory) grow with it.
pub const OUTPUT_KEPT: usize = 16 * 1024;

/// One `thread '...' panicked at ...` report from a test's stderr.
#[derive(Debug, Clone, PartialEq)]
pub struct Panic {
    pub thread: String,
    pub location: String,
    pub message: String,
}

impl Outcome {
    pub fn all_passed(&self) -> bool {
        match self {
            Outcome::Ran(results) => {
                !results.is_empty() && results.iter().all(|r| r.verdict == Verdict::Passed)
            }
            Outcome::CompileError(_) => false,
        }
    }

    pub fn counts(&self) -> (usize, usize) {
        match self {
            Outcome::Ran(results) => (
                results
                    .iter()
                    .filter(|r| r.verdict == Verdict::Passed)
                    .count(),
                results.len(),
            ),
            Outcome::CompileError(_) => (0, 0),
        }
    }
}

/// Runs nextest for one package and reads the verdicts.
pub fn run(request: &Request) -> Result<Outcome> {
    let profile = request.mode.profile();
    let store = request.target_dir.join("nextest");
    let config = config_with_store(&request.config, &store)?;
    let junit = store.join(profile).join(format!("{profile}.xml"));
    // A stale report must never be read as this run's.
    match fs::remove_file(&junit) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", junit.display())),
    }

    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(&request.workspace)
        .args(["nextest", "run", "--profile", profile, "--package"])
        .arg(&request.package)
        .arg("--config-file")
        .arg(&config)
        // Through the environment, not `--target-dir`: nextest puts its reports under the
        // target directory cargo reports, which only the environment changes.
        .env("CARGO_TARGET_DIR", &request.target_dir)
        .args(["--no-tests", "pass", "--color", "never"])
        // Panic reports without backtraces: the learner needs the message and the line.
        .env("RUST_BACKTRACE", "0")
        // A mismatched snapshot is a failure with a diff, never a new file on disk.
        .env("INSTA_UPDATE", "no")
        .env("NEXTEST_HIDE_PROGRESS_BAR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // When the runner itself runs under nextest (its own tests do), the outer run's settings
    // must not leak into the inner one.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NEXTEST") && key != "NEXTEST_HIDE_PROGRESS_BAR" {
            cmd.env_remove(key);
        }
    }
    if let Some(exe) = &request.output_cap {
        cmd.arg("--config").arg(format!(
            "target.'cfg(all())'.runner = [{:?}, \"cap-output\", \"--\"]",
            exe.to_string_lossy()
        ));
    }
    if request.mode == Mode::Loom {
        cmd.args(["--cargo-profile", "release", "-E", "binary(loom)"])
            .env("RUSTFLAGS", "--cfg loom")
            // Bounded exploration: small models finish in seconds and still find ordering bugs.
            .env(
                "LOOM_MAX_PREEMPTIONS",
                std::env::var("LOOM_MAX_PREEMPTIONS").unwrap_or_else(|_| "2".into()),
            );
    } else {
        cmd.env_remove("RUSTFLAGS");
    }

    let mut child = cmd
        .spawn()
        .context("Failed to run `cargo nextest`. Is cargo on your PATH?")?;
    // Drain stdout on its own thread, so a full pipe can never stall nextest.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let stdout_reader = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
    });
    let stderr = read_stderr(child.stderr.take().expect("stderr is piped"), request);
    let status = child.wait().context("cargo nextest did not finish")?;
    let _ = stdout_reader.join();

    if stderr.contains("no such command: `nextest`") || stderr.contains("no such subcommand") {
        bail!(MISSING_NEXTEST);
    }
    match status.code() {
        // 101: cargo could not build the test binaries.
        Some(101) => Ok(Outcome::CompileError(compiler_output(&stderr))),
        // 0: all passed; 100: some failed; 4: no tests to run.
        Some(0 | 100 | 4) => {
            let xml = match fs::read_to_string(&junit) {
                Ok(xml) => xml,
                Err(_) if status.code() == Some(4) => return Ok(Outcome::Ran(Vec::new())),
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!(
                            "nextest finished but wrote no report at {}:\n{}",
                            junit.display(),
                            stderr.trim()
                        )
                    });
                }
            };
            Ok(Outcome::Ran(parse_junit(&xml, &request.package)?))
        }
        _ => bail!(
            "cargo nextest stopped before running the tests ({}):\n{}",
            status,
            stderr.trim()
        ),
    }
}

/// nextest keeps its reports under `<workspace>/target/nextest` whatever the target directory,
/// so two workspaces (exercises, solutions) or two target directories would share one report
/// file. The runner gives each target directory its own store: a copy of the course's config
/// with `store.dir` set, written next to the build it describes.
pub fn config_with_store(config: &Path, store: &Path) -> Result<PathBuf> {
    let text = fs::read_to_string(config)
        .with_context(|| format!("cannot read nextest's config {}", config.display()))?;
    let mut value: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", config.display()))?;
    let mut store_table = toml::Table::new();
    store_table.insert("dir".into(), store.to_string_lossy().to_string().into());
    value.insert("store".into(), store_table.into());
    fs::create_dir_all(store).with_context(|| format!("cannot create {}", store.display()))?;
    let path = store.join("grading-config.toml");
    let rendered = toml::to_string(&value).context("cannot write nextest's config")?;
    if fs::read_to_string(&path).ok().as_deref() != Some(rendered.as_str()) {
        fs::write(&path, rendered).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(path)
}

pub const MISSING_NEXTEST: &str = "cargo-nextest is not installed; the runner grades with it. Install it with: cargo install cargo-nextest --locked";

/// Collects nextest's stderr; while cargo compiles, shows one status line so a long first
/// build does not look like a hang.
fn read_stderr(stderr: impl Read, request: &Request) -> String {
    let started = Instant::now();
    let mut shown = false;
    let mut text = String::new();
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if request.show_progress && std::io::stderr().is_terminal() {
            let trimmed = line.trim_start();
            if let Some(what) = trimmed.strip_prefix("Compiling ") {
                let what = what.split(' ').next().unwrap_or(what);
                eprint!(
                    "\r\x1b[2K  building {what} ({}s; the first build of a crate takes longest)",
                    started.elapsed().as_secs()
                );
                shown = true;
            }
        }
        if request.show_progress
            && let Some(caps) = SLOW_LINE.captures(&line)
        {
            if shown {
                eprint!("\r\x1b[2K");
                shown = false;
            }
            let test = caps[2].split_whitespace().last().unwrap_or("a test");
            eprintln!(
                "  {test} has been running for {} s: it may be stuck; waiting for the time limit...",
                caps[1].trim_end_matches(".000")
            );
        }
        // Keep a bounded amount: cargo's own output is small, but never trust that.
        if text.len() < 1 << 20 {
            text.push_str(&line);
            text.push('\n');
        }
    }
    if shown {
        eprint!("\r\x1b[2K");
    }
    text
}

/// nextest's `SLOW [> 5.000s] (...) binary test` status line.
static SLOW_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*SLOW \[>\s*([\d.]+)s\]\s*(?:\([^)]*\)\s*)?(.*)$").unwrap());

/// Keeps what the learner needs from a failed build: the compiler's diagnostics.
fn compiler_output(stderr: &str) -> String {
    static NOISE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^\s*(Compiling|Checking|Finished|Blocking|Downloaded|Downloading|Updating|Locking|Adding|Fresh)\b|^warning: build failed, waiting for other jobs to finish|^error: command `.*` exited with code|^error: could not compile `",
        )
        .unwrap()
    });
    let kept: Vec<&str> = stderr.lines().filter(|l| !NOISE.is_match(l)).collect();
    kept.join("\n").trim().to_string()
}

#[derive(Deserialize)]
struct JunitRun {
    #[serde(rename = "testsuite", default)]
    suites: Vec<JunitSuite>,
}

#[derive(Deserialize)]
struct JunitSuite {
    #[serde(rename = "@name")]
    name: String,
    #[serde(rename = "testcase", default)]
    cases: Vec<JunitCase>,
}

#[derive(Deserialize)]
struct JunitCase {
    #[serde(rename = "@name")]
    name: String,
    #[serde(default)]
    failure: Option<JunitFailure>,
    #[serde(default)]
    error: Option<JunitFailure>,
    #[serde(rename = "system-out", default)]
    stdout: Option<String>,
    #[serde(rename = "system-err", default)]
    stderr: Option<String>,
}

#[derive(Deserialize)]
struct JunitFailure {
    #[serde(rename = "@type", default)]
    kind: String,
    #[serde(rename = "@message", default)]
    message: String,
    #[serde(rename = "$text", default)]
    text: String,
}

pub fn parse_junit(xml: &str, package: &str) -> Result<Vec<TestResult>> {
    let run: JunitRun =
        quick_xml::de::from_str(xml).context("cannot read nextest's JUnit report")?;
    let mut results = Vec::new();
    for suite in run.suites {
        // Binary ids are `package` (unit tests) or `package::test_file`.
        let binary = suite
            .name
            .strip_prefix(package)
            .map(|rest| rest.trim_start_matches("::"))
            .filter(|rest| !rest.is_empty())
            .unwrap_or("unit tests")
            .to_string();
        for case in suite.cases {
            let verdict = verdict_of(&case);
            let unseen_panics = if verdict == Verdict::Passed {
                parse_panics(tail_of(case.stderr.as_deref().unwrap_or("")).0)
            } else {
                Vec::new()
            };
            results.push(TestResult {
                binary: binary.clone(),
                name: case.name,
                verdict,
                unseen_panics,
            });
        }
    }
    results.sort_by(|a, b| (&a.binary, &a.name).cmp(&(&b.binary, &b.name)));
    Ok(results)
}

fn verdict_of(case: &JunitCase) -> Verdict {
    let Some(failure) = case.failure.as_ref().or(case.error.as_ref()) else {
        if case
            .stderr
            .as_deref()
            .is_some_and(|e| e.contains(cap::LEAK_MARKER))
        {
            return Verdict::Leaked {
                output: test_output(
                    case.stdout.as_deref().unwrap_or(""),
                    case.stderr.as_deref().unwrap_or(""),
                ),
            };
        }
        return Verdict::Passed;
    };
    let (stderr, _) = tail_of(case.stderr.as_deref().unwrap_or(""));
    let output = test_output(
        case.stdout.as_deref().unwrap_or(""),
        case.stderr.as_deref().unwrap_or(""),
    );
    let kind = failure.kind.to_lowercase();
    if kind.contains("timeout") {
        return Verdict::TimedOut { output };
    }
    if kind.contains("leak") {
        return Verdict::Leaked { output };
    }
    let mut panics = parse_panics(stderr);
    if panics.is_empty() {
        panics = parse_panics(&failure.text);
    }
    if panics.is_empty() {
        return Verdict::Crashed {
            how: crash_description(&failure.kind, &failure.message, stderr),
            output,
        };
    }
    Verdict::Failed { panics, output }
}

/// The last [`OUTPUT_KEPT`] bytes of `text` (cut at a line start), and how many bytes were cut.
fn tail_of(text: &str) -> (&str, usize) {
    if text.len() <= OUTPUT_KEPT {
        return (text, 0);
    }
    let mut start = text.len() - OUTPUT_KEPT;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let start = text[start..].find('\n').map_or(start, |i| start + i + 1);
    (&text[start..], start)
}

/// What a test printed (stdout, then stderr), minus libtest's own framing lines, bounded.
fn test_output(stdout: &str, stderr: &str) -> Output {
    static LIBTEST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(running \d+ tests?|test .* \.\.\. .*|failures:|    \S+|test result: .*|successes:)$")
            .unwrap()
    });
    static CUT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"{}(\d+) bytes cut\]",
            regex::escape(cap::CUT_MARKER)
        ))
        .unwrap()
    });
    static THREAD_ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"thread '([^']*)' \(\d+\)").unwrap());
    let (stdout, cut_out) = tail_of(stdout);
    let (stderr, cut_err) = tail_of(stderr);
    let cut_by_cap: usize = CUT
        .captures_iter(stdout)
        .chain(CUT.captures_iter(stderr))
        .filter_map(|c| c[1].parse::<usize>().ok())
        .sum();
    let mut lines: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty() && !LIBTEST.is_match(l))
        .collect();
    lines.extend(stderr.lines().filter(|l| !l.trim().is_empty()));
    lines.retain(|l| !l.starts_with(cap::CUT_MARKER));
    Output {
        tail: THREAD_ID
            .replace_all(&lines.join("\n"), "thread '$1'")
            .into_owned(),
        cut_bytes: cut_out + cut_err + cut_by_cap,
    }
}

fn crash_description(kind: &str, message: &str, stderr: &str) -> String {
    if stderr.contains("has overflowed its stack") {
        return "the stack overflowed: a recursion that never reaches its base case, or a very large value on the stack".into();
    }
    let detail = if message.is_empty() { kind } else { message };
    let detail = detail.trim_start_matches("test ");
    if detail.contains("SIGABRT") || detail.contains("abort") {
        "the process aborted: std::process::abort, a panic while already panicking, or a failed allocation"
            .into()
    } else if detail.contains("SIGSEGV") {
        "the process crashed with a segmentation fault (invalid memory access in unsafe code)"
            .into()
    } else {
        format!("the test process ended without a panic ({detail})")
    }
}

static PANIC_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^thread '([^']*)'(?: \(\d+\))? panicked at ([^\n]*?):?$").unwrap()
});

/// Splits a test's stderr into its panic reports.
pub fn parse_panics(stderr: &str) -> Vec<Panic> {
    let mut panics = Vec::new();
    let mut current: Option<(Panic, Vec<&str>)> = None;
    let finish = |current: &mut Option<(Panic, Vec<&str>)>, panics: &mut Vec<Panic>| {
        if let Some((mut panic, lines)) = current.take() {
            panic.message = lines.join("\n").trim_end().to_string();
            panics.push(panic);
        }
    };
    for line in stderr.lines() {
        if let Some(caps) = PANIC_HEADER.captures(line) {
            finish(&mut current, &mut panics);
            current = Some((
                Panic {
                    thread: caps[1].to_string(),
                    location: caps[2].to_string(),
                    message: String::new(),
                },
                Vec::new(),
            ));
        } else if let Some((_, lines)) = current.as_mut() {
            if line.starts_with("note: run with `RUST_BACKTRACE")
                || line.starts_with("stack backtrace:")
                || line.starts_with("note: Some details are omitted")
            {
                finish(&mut current, &mut panics);
            } else {
                lines.push(line);
            }
        }
    }
    finish(&mut current, &mut panics);
    panics
}

/// How long the `grade` profile lets a test run, read from the nextest config, for the
/// timed-out verdict's wording.
pub fn grade_timeout(config: &Path) -> Option<Duration> {
    let text = fs::read_to_string(config).ok()?;
    let value: toml::Value = toml::from_str(&text).ok()?;
    let slow = value.get("profile")?.get("grade")?.get("slow-timeout")?;
    let period = slow.get("period")?.as_str()?;
    let count = slow.get("terminate-after")?.as_integer()?;
    let secs: u64 = period.strip_suffix('s')?.parse().ok()?;
    Some(Duration::from_secs(secs * count as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_in_spawned_threads_are_kept_apart() {
        let stderr = "\nthread '<unnamed>' (2215) panicked at tests/t.rs:4:51:\nboom in thread\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\nthread 'thread_panic' (2214) panicked at tests/t.rs:4:84:\ncalled `Result::unwrap()` on an `Err` value: Any { .. }\n";
        let panics = parse_panics(stderr);
        assert_eq!(panics.len(), 2);
        assert_eq!(panics[0].thread, "<unnamed>");
        assert_eq!(panics[0].location, "tests/t.rs:4:51");
        assert_eq!(panics[0].message, "boom in thread");
        assert_eq!(panics[1].thread, "thread_panic");
    }

    #[test]
    fn multi_line_assertions_keep_left_and_right() {
        let stderr = "thread 'a' (1) panicked at tests/t.rs:3:29:\nassertion `left == right` failed: sum\n  left: 2\n right: 3\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        let panics = parse_panics(stderr);
        assert_eq!(
            panics[0].message,
            "assertion `left == right` failed: sum\n  left: 2\n right: 3"
        );
    }
}
