//! The learner's files: an edited test file is noticed, `reset` restores the shipped files
//! and keeps the learner's version first, and `solution` writes nothing.

use std::fs;
use std::path::Path;
use std::process::Command;

use xtask::course::Course;
use xtask::{files, shipped};

const STARTER: &str = "pub fn answer() -> u64 {\n    todo!(\"return the answer\")\n}\n";
const TEST: &str = "#[test]\nfn answers() {\n    assert_eq!(tiny::answer(), 42);\n}\n";

/// A one-exercise course in a fresh git repository, sealed as shipped.
fn tiny_course(dir: &Path) -> Course {
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "book/src/SUMMARY.md",
        "# Summary\n\n- [Tiny](part/tiny.md)\n",
    );
    write("book/src/part/tiny.md", "# Tiny\n\n{{#exercise tiny}}\n");
    write(
        "exercises/part/tiny/Cargo.toml",
        "[package]\nname = \"tiny\"\ndescription = \"Answer.\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[package.metadata.course]\nhints = [\"42\"]\n",
    );
    write("exercises/part/tiny/src/lib.rs", STARTER);
    write("exercises/part/tiny/tests/answer.rs", TEST);
    write(
        "solutions/part/tiny/src/lib.rs",
        "pub fn answer() -> u64 {\n    42\n}\n",
    );
    fs::create_dir_all(dir.join("xtask")).unwrap();
    let course = Course::load(dir).unwrap();
    shipped::seal(&course).unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .current_dir(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?} failed");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "course"]);
    course
}

#[test]
fn an_edited_or_deleted_test_file_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let course = tiny_course(dir.path());
    let exercise = course.find("tiny").unwrap();
    assert!(shipped::drift(&course, exercise, true).unwrap().is_empty());

    let test = dir.path().join("exercises/part/tiny/tests/answer.rs");
    fs::write(&test, TEST.replace("42", "0")).unwrap();
    assert_eq!(
        shipped::drift(&course, exercise, true).unwrap(),
        [shipped::Drift::Changed("tests/answer.rs".into())]
    );
    fs::remove_file(&test).unwrap();
    assert_eq!(
        shipped::drift(&course, exercise, true).unwrap(),
        [shipped::Drift::Missing("tests/answer.rs".into())]
    );
    // The learner's own code changing is the point of the exercise, not drift of the tests.
    fs::write(
        dir.path().join("exercises/part/tiny/src/lib.rs"),
        "// mine\n",
    )
    .unwrap();
    fs::write(&test, TEST).unwrap();
    assert!(shipped::drift(&course, exercise, true).unwrap().is_empty());
}

#[test]
fn reset_restores_the_shipped_files_and_backs_up_the_learners() {
    let dir = tempfile::tempdir().unwrap();
    let course = tiny_course(dir.path());
    let ex = dir.path().join("exercises/part/tiny");
    let mine = "pub fn answer() -> u64 {\n    41 + 1\n}\n";
    fs::write(ex.join("src/lib.rs"), mine).unwrap();
    fs::write(ex.join("src/extra.rs"), "// a module I added\n").unwrap();
    fs::write(ex.join("tests/answer.rs"), "// I broke the test\n").unwrap();
    // Committing the edits must not change what "shipped" means.
    Command::new("git")
        .current_dir(dir.path())
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qam",
            "mine",
        ])
        .status()
        .unwrap();

    files::reset(&course, "tiny", true).unwrap();
    assert_eq!(
        fs::read_to_string(ex.join("tests/answer.rs")).unwrap(),
        TEST
    );
    assert_eq!(
        fs::read_to_string(ex.join("src/lib.rs")).unwrap(),
        mine,
        "--tests keeps the code"
    );

    files::reset(&course, "tiny", false).unwrap();
    assert_eq!(fs::read_to_string(ex.join("src/lib.rs")).unwrap(), STARTER);
    assert!(!ex.join("src/extra.rs").exists());

    // Both versions of the learner's work are in backups, nothing lost.
    let backups: Vec<_> = fs::read_dir(dir.path().join(".backups/tiny"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 2);
    for backup in &backups {
        assert_eq!(fs::read_to_string(backup.join("src/lib.rs")).unwrap(), mine);
    }
    assert!(backups.iter().any(|b| b.join("src/extra.rs").exists()));
}

#[test]
fn showing_the_solution_leaves_the_learners_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let course = tiny_course(dir.path());
    let lib = dir.path().join("exercises/part/tiny/src/lib.rs");
    fs::write(&lib, "// work in progress\n").unwrap();
    files::solution(&course, "tiny", true, true).unwrap();
    files::solution(&course, "tiny", false, true).unwrap();
    assert_eq!(fs::read_to_string(&lib).unwrap(), "// work in progress\n");
    assert!(
        files::solution(&course, "tiny", false, false).is_err(),
        "hidden until it passes"
    );
}
