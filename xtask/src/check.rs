//! `check` and `watch`: grade an exercise and show the verdict.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};

use crate::course::{Course, Exercise, Tree};
use crate::grade::{self, Mode, Outcome, Request};
use crate::progress::{Progress, Store};
use crate::report::{self, Part};
use crate::shipped::{self, Drift};

/// The result of grading one exercise: its plain tests and, where it has them, its loom models.
pub struct Graded {
    pub tests: Outcome,
    pub loom: Option<Outcome>,
}

impl Graded {
    pub fn all_passed(&self) -> bool {
        self.tests.all_passed() && self.loom.as_ref().is_none_or(Outcome::all_passed)
    }

    pub fn render(&self, exercise: &str, course: &Course) -> String {
        let mut parts = vec![Part {
            title: "tests",
            outcome: &self.tests,
        }];
        if let Some(loom) = &self.loom {
            parts.push(Part {
                title: "loom models (every interleaving, LOOM_MAX_PREEMPTIONS=2)",
                outcome: loom,
            });
        }
        let timeout =
            grade::grade_timeout(&nextest_config(course)).unwrap_or(Duration::from_secs(10));
        report::render(exercise, &parts, timeout)
    }
}

pub fn nextest_config(course: &Course) -> PathBuf {
    course.root.join(".config/nextest.toml")
}

/// Grades one exercise in one tree. The loom models run only once the plain tests compile.
pub fn grade_exercise(
    course: &Course,
    exercise: &Exercise,
    tree: Tree,
    show_progress: bool,
) -> Result<Graded> {
    grade_in(course, exercise, &course.workspace(tree), show_progress)
}

/// Grades an exercise's package in a given cargo workspace (a tree of the course, or a copy of
/// a solution with a trap in it), under the course's grading lock and build directory.
pub fn grade_in(
    course: &Course,
    exercise: &Exercise,
    workspace: &Path,
    show_progress: bool,
) -> Result<Graded> {
    let target = course.root.join("target");
    let _lock = grading_lock(&target)?;
    let mut request = Request {
        workspace: workspace.to_path_buf(),
        package: exercise.name.clone(),
        config: nextest_config(course),
        target_dir: target.clone(),
        mode: Mode::Tests,
        show_progress,
        output_cap: std::env::current_exe().ok(),
    };
    let tests = grade::run(&request)?;
    let loom = if exercise.meta.loom && !matches!(tests, Outcome::CompileError(_)) {
        request.mode = Mode::Loom;
        // loom needs every crate built with `--cfg loom`; a target dir of its own keeps the
        // normal build from being thrown away each time.
        request.target_dir = target.join("loom");
        Some(grade::run(&request)?)
    } else {
        None
    };
    Ok(Graded { tests, loom })
}

/// One grading at a time per course: two runners would share build and report files. A second
/// runner says that it waits, then waits.
pub fn grading_lock(target: &Path) -> Result<File> {
    fs::create_dir_all(target).with_context(|| format!("cannot create {}", target.display()))?;
    let path = target.join(".grading.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            eprintln!(
                "Another `cargo xtask` is grading in this course; waiting for it to finish..."
            );
            file.lock()
                .with_context(|| format!("cannot lock {}", path.display()))?;
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    Ok(file)
}

/// The exercise to work on: the first in course order that has not passed.
pub fn current<'c>(course: &'c Course, progress: &Progress) -> Option<&'c Exercise> {
    course
        .exercises
        .iter()
        .find(|e| !progress.passed.contains(&e.name))
}

/// The exercise a command names, or the current one; `None` once every exercise passes.
pub fn named_or_current<'c>(
    course: &'c Course,
    name: Option<&str>,
    store: &Store,
) -> Result<Option<&'c Exercise>> {
    match name {
        Some(name) => course.find(name).map(Some),
        None => Ok(current(course, &store.load()?)),
    }
}

/// `cargo xtask check [EX]`: returns whether every test passed.
pub fn check(course: &Course, name: Option<&str>, tree: Tree) -> Result<bool> {
    let store = Store::new(&course.root);
    let Some(exercise) = named_or_current(course, name, &store)? else {
        println!("Every exercise passes. Well done! `cargo xtask list` shows the whole course.");
        return Ok(true);
    };
    let (_, counted) = check_one(course, exercise, tree, &store)?;
    Ok(counted)
}

/// Grades and reports one exercise; returns the grading and whether it counts as passed
/// (every test passed, with the course's own test files).
fn check_one(
    course: &Course,
    exercise: &Exercise,
    tree: Tree,
    store: &Store,
) -> Result<(Graded, bool)> {
    let what = course.exercise_dir(exercise, tree);
    eprintln!(
        "Grading `{}` ({})...",
        exercise.name,
        what.strip_prefix(&course.root).unwrap_or(&what).display()
    );
    let drift = match tree {
        Tree::Starter => shipped::drift(course, exercise, false)?,
        Tree::Solution => Vec::new(),
    };
    let tests_tampered = explain_drift(&exercise.name, &drift);
    let graded = grade_exercise(course, exercise, tree, true)?;
    anstream::print!("{}", graded.render(&exercise.name, course));
    if tree == Tree::Starter {
        if tests_tampered {
            store.record(&exercise.name, false)?;
            anstream::println!(
                "{WARN}Not recorded as done:{WARN:#} the test files are not the course's. `cargo xtask reset {} --tests` restores them and keeps your code.",
                exercise.name
            );
            return Ok((graded, false));
        }
        store.record(&exercise.name, graded.all_passed())?;
        if graded.all_passed() {
            let progress = store.load()?;
            match current(course, &progress) {
                Some(next) => println!(
                    "Next: `{}`{}. Grade it with `cargo xtask check {}`.",
                    next.name,
                    next.page
                        .as_ref()
                        .map(|p| format!(" (book page {})", p.display()))
                        .unwrap_or_default(),
                    next.name
                ),
                None => println!("That was the last exercise: the whole course passes."),
            }
        }
    }
    let counted = graded.all_passed();
    Ok((graded, counted))
}

const WARN: anstyle::Style = anstyle::AnsiColor::Yellow.on_default().bold();

/// Says what differs from the shipped files; returns whether a test file does.
fn explain_drift(name: &str, drift: &[Drift]) -> bool {
    let mut tests_tampered = false;
    for item in drift {
        let (rel, how) = match item {
            Drift::Changed(rel) => (rel, "was changed"),
            Drift::Missing(rel) => (rel, "is missing"),
        };
        if rel.starts_with("tests/") {
            tests_tampered = true;
            anstream::eprintln!(
                "{WARN}warning:{WARN:#} the test file {rel} {how}. The tests grade your work, so they are the course's, not yours to edit; this run is not recorded as a pass. `cargo xtask reset {name} --tests` restores them and keeps your code."
            );
        } else if matches!(item, Drift::Missing(_)) {
            anstream::eprintln!(
                "{WARN}note:{WARN:#} {rel}, which the exercise shipped with, is missing (renamed or deleted?). The crate is built from it. `cargo xtask reset {name}` restores the starter; your files are backed up first."
            );
        }
    }
    tests_tampered
}

/// `cargo xtask watch`: re-grades the current exercise whenever one of its files changes, and
/// moves on to the next one when it passes.
pub fn watch(course: &Course, name: Option<&str>) -> Result<()> {
    let store = Store::new(&course.root);
    let (events, changes) = mpsc::channel::<()>();
    let watcher = notify::recommended_watcher(move |_event: notify::Result<notify::Event>| {
        let _ = events.send(());
    });
    // Without events (some network and container file systems), the once-a-second
    // fingerprint below still notices every save.
    let watching = watcher.and_then(|mut watcher| {
        use notify::Watcher as _;
        watcher.watch(
            &course.root.join("exercises"),
            notify::RecursiveMode::Recursive,
        )?;
        Ok(watcher)
    });
    if watching.is_err() {
        eprintln!(
            "note: file-change events are unavailable here; checking for changes every second instead."
        );
    }

    let mut pinned = match name {
        Some(name) => Some(course.find(name)?.clone()),
        None => None,
    };
    loop {
        let exercise = match &pinned {
            Some(exercise) => exercise.clone(),
            None => match current(course, &store.load()?) {
                Some(exercise) => exercise.clone(),
                None => {
                    println!("Every exercise passes. Well done!");
                    return Ok(());
                }
            },
        };
        let dir = course.exercise_dir(&exercise, Tree::Starter);
        let (_, passed) = check_one(course, &exercise, Tree::Starter, &store)?;
        if passed {
            // On to the current exercise (the first not yet passed), graded right away.
            pinned = None;
            continue;
        }
        println!(
            "\nWatching {} for changes (Ctrl-C to stop)...",
            dir.strip_prefix(&course.root).unwrap_or(&dir).display()
        );
        // Wait for a change to this exercise's files. Events only wake the loop early: merely
        // reading a file (as the compiler does) raises events too, so the decision is a cheap
        // fingerprint of the files, which also catches file systems that deliver no events.
        let before = fingerprint(&exercise, course)?;
        loop {
            match changes.recv_timeout(Duration::from_secs(1)) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                // No watcher: the fingerprint alone, once a second.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_secs(1))
                }
            }
            if fingerprint(&exercise, course)? != before {
                // An editor's save is often several writes: grade once they settle.
                while changes.recv_timeout(Duration::from_millis(300)).is_ok() {}
                break;
            }
        }
        // Drain the burst of events the save produced.
        while changes.try_recv().is_ok() {}
        println!();
    }
}

/// Modification times and sizes of an exercise's files: changes when any file is saved.
fn fingerprint(exercise: &Exercise, course: &Course) -> Result<Vec<(PathBuf, SystemTime, u64)>> {
    let dir = course.exercise_dir(exercise, Tree::Starter);
    let mut files = Vec::new();
    crate::course::collect_files(&dir.join("src"), &mut files)?;
    crate::course::collect_files(&dir.join("tests"), &mut files)?;
    files.sort();
    Ok(files
        .into_iter()
        .filter_map(|f| {
            let meta = std::fs::metadata(&f).ok()?;
            Some((f, meta.modified().ok()?, meta.len()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_grader_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = grading_lock(dir.path()).unwrap();
        let (acquired_tx, acquired) = mpsc::channel();
        let target = dir.path().to_path_buf();
        let second = std::thread::spawn(move || {
            let lock = grading_lock(&target).unwrap();
            acquired_tx.send(()).unwrap();
            drop(lock);
        });
        // While the first holds the lock, the second must not get it. (A slow start of the
        // second thread can only make this pass for the wrong reason, never fail.)
        assert!(
            acquired.recv_timeout(Duration::from_millis(200)).is_err(),
            "two graders held the lock at once"
        );
        drop(first);
        acquired
            .recv_timeout(Duration::from_secs(10))
            .expect("the second grader never got the lock after the first let go");
        second.join().unwrap();
    }
}
