//! The runner's verdicts, snapshotted. Each fixture under `tests/fixtures/course` behaves the
//! way a learner's code might; the report for it is what a learner would read.

use std::path::{Path, PathBuf};

use xtask::grade::{self, Mode, Outcome, Request, Verdict};
use xtask::report::{self, Part};

fn fixture_course() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/course")
}

/// Grades one fixture exercise in a target directory of its own, so that tests running in
/// parallel never share a build or a report.
fn grade(case: &str) -> (Outcome, String) {
    let course = fixture_course();
    let request = Request {
        workspace: course.clone(),
        package: case.to_string(),
        config: course.join(".config/nextest.toml"),
        target_dir: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/fixtures")
            .join(case),
        mode: Mode::Tests,
        show_progress: false,
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
