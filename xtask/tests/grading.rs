//! The runner's verdicts, snapshotted. Each fixture under `tests/fixtures/course` behaves the
//! way a learner's code might; the report for it is what a learner would read.

use std::path::{Path, PathBuf};

use xtask::grade::{self, Mode, Outcome, Request, Verdict};
use xtask::report::{self, Part};

fn fixture_course() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/course")
}

/// The course's own nextest config, with a 2 s time limit instead of 10 s so that the
/// timeout cases finish quickly. Everything else is graded exactly as a learner's code is.
fn fixture_config(target_dir: &Path) -> PathBuf {
    let course_config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.config/nextest.toml");
    let text = std::fs::read_to_string(course_config).unwrap();
    let grade_limit = r#"slow-timeout = { period = "5s", terminate-after = 2"#;
    assert!(
        text.contains(grade_limit),
        "the grade profile's time limit has changed; update this test"
    );
    let text = text.replace(
        grade_limit,
        r#"slow-timeout = { period = "1s", terminate-after = 2"#,
    );
    std::fs::create_dir_all(target_dir).unwrap();
    let path = target_dir.join("fixture-nextest.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Grades one fixture exercise in a target directory of its own, so that tests running in
/// parallel never share a build or a report.
fn grade(case: &str) -> (Outcome, String) {
    grade_in(case, case)
}

fn grade_in(case: &str, target: &str) -> (Outcome, String) {
    let course = fixture_course();
    let target_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/fixtures")
        .join(target);
    let request = Request {
        workspace: course.clone(),
        package: case.to_string(),
        config: fixture_config(&target_dir),
        target_dir,
        mode: Mode::Tests,
        show_progress: false,
        output_cap: Some(PathBuf::from(env!("CARGO_BIN_EXE_xtask"))),
    };
    let outcome = grade::run(&request).expect("the runner itself must not fail");
    let timeout = grade::grade_timeout(&request.config).expect("the fixture sets a time limit");
    let text = report::render(
        case,
        &[Part {
            title: "tests",
            outcome: &outcome,
        }],
        timeout,
    );
    (outcome, anstream::adapter::strip_str(&text).to_string())
}

#[test]
fn a_passing_exercise_is_reported_done() {
    let (outcome, text) = grade("all-pass");
    assert!(outcome.all_passed());
    insta::assert_snapshot!(text);
}

#[test]
fn a_failing_assertion_shows_its_message_and_line() {
    let (outcome, text) = grade("failing-assert");
    assert!(!outcome.all_passed());
    insta::assert_snapshot!(text);
}

#[test]
fn a_compile_error_is_shown_as_cargo_renders_it() {
    let (outcome, text) = grade("compile-error");
    assert!(matches!(outcome, Outcome::CompileError(_)));
    insta::assert_snapshot!(text);
}

#[test]
fn a_deadlock_becomes_a_timeout_verdict() {
    let (outcome, text) = grade("deadlock");
    let Outcome::Ran(results) = &outcome else {
        panic!("expected the deadlock fixture to compile and run, got {outcome:?}");
    };
    assert!(matches!(results[0].verdict, Verdict::TimedOut { .. }));
    insta::assert_snapshot!(text);
}

#[test]
fn a_panic_in_a_spawned_thread_is_reported_with_its_message() {
    let (outcome, text) = grade("thread-panic");
    assert!(!outcome.all_passed());
    insta::assert_snapshot!(text);
}

#[test]
fn a_lost_wakeup_becomes_a_timeout_verdict() {
    let (outcome, text) = grade("lost-wakeup");
    assert!(has_verdict(&outcome, |v| matches!(
        v,
        Verdict::TimedOut { .. }
    )));
    insta::assert_snapshot!(text);
}

#[test]
fn a_livelock_becomes_a_timeout_verdict() {
    let (outcome, text) = grade("livelock");
    assert!(has_verdict(&outcome, |v| matches!(
        v,
        Verdict::TimedOut { .. }
    )));
    insta::assert_snapshot!(text);
}

#[test]
fn a_panic_in_a_thread_nobody_joined_is_pointed_out() {
    let (outcome, text) = grade("dropped-panic");
    let Outcome::Ran(results) = &outcome else {
        panic!("expected the fixture to run, got {outcome:?}");
    };
    assert_eq!(results[0].verdict, Verdict::Passed);
    assert_eq!(results[0].unseen_panics.len(), 1);
    insta::assert_snapshot!(text);
}

#[test]
fn an_abort_is_a_crash_verdict() {
    let (outcome, text) = grade("abort");
    assert!(has_verdict(&outcome, |v| matches!(
        v,
        Verdict::Crashed { .. }
    )));
    insta::assert_snapshot!(text);
}

#[test]
fn a_stack_overflow_is_a_crash_verdict() {
    let (outcome, text) = grade("stack-overflow");
    assert!(has_verdict(&outcome, |v| matches!(
        v,
        Verdict::Crashed { .. }
    )));
    insta::assert_snapshot!(text);
}

#[test]
fn unbounded_output_is_cut_to_a_tail() {
    let (outcome, text) = grade("flood");
    assert!(has_verdict(
        &outcome,
        |v| matches!(v, Verdict::TimedOut { output } if output.cut_bytes > 0)
    ));
    assert!(
        text.len() < 8 * 1024,
        "the report must stay short, got {} bytes",
        text.len()
    );
    // How far the loop got varies from run to run; the snapshot keeps the shape.
    let text = regex::Regex::new(r"step \d+|over \d+ MB")
        .unwrap()
        .replace_all(&text, "[..]");
    insta::assert_snapshot!(text);
}

#[test]
fn a_child_process_left_running_is_a_leak_verdict() {
    let (outcome, text) = grade("leak");
    assert!(has_verdict(&outcome, |v| matches!(
        v,
        Verdict::Leaked { .. }
    )));
    insta::assert_snapshot!(text);
}

#[test]
fn a_renamed_source_file_is_a_compile_error() {
    let (outcome, text) = grade("missing-file");
    assert!(matches!(outcome, Outcome::CompileError(_)));
    insta::assert_snapshot!(text);
}

#[test]
fn grading_works_normally_after_a_deadlock() {
    let (outcome, _) = grade_in("deadlock", "after-deadlock");
    assert!(!outcome.all_passed());
    let (outcome, _) = grade_in("all-pass", "after-deadlock");
    assert!(outcome.all_passed());
}

fn has_verdict(outcome: &Outcome, want: impl Fn(&Verdict) -> bool) -> bool {
    matches!(outcome, Outcome::Ran(results) if results.iter().any(|r| want(&r.verdict)))
}
