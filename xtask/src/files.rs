//! `reset` and `solution`: the commands that touch the learner's files, and never lose them.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use similar::TextDiff;

use crate::course::{Course, Exercise, Tree, collect_files};
use crate::progress::Store;
use crate::shipped;

/// Where a learner's previous versions are kept, under the repository root (git-ignored).
pub const BACKUP_DIR: &str = ".backups";

/// `reset EX`: copies the learner's files aside, then restores the starter as shipped.
/// With `tests_only`, restores only the test files and leaves the learner's code alone.
pub fn reset(course: &Course, name: &str, tests_only: bool) -> Result<()> {
    let exercise = course.find(name)?;
    let dir = course.exercise_dir(exercise, Tree::Starter);
    let mut shipped = shipped::shipped_contents(course, exercise)?;
    if tests_only {
        shipped.retain(|(rel, _)| rel.starts_with("tests"));
    }

    let backup = backup(course, exercise)?;
    for (rel, content) in &shipped {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !tests_only {
        // Files the learner added are safe in the backup; the starter does not have them.
        let mut present = Vec::new();
        collect_files(&dir.join("src"), &mut present)?;
        collect_files(&dir.join("tests"), &mut present)?;
        for path in present {
            let rel = path.strip_prefix(&dir)?;
            if !shipped.iter().any(|(r, _)| r == rel) {
                fs::remove_file(&path)?;
            }
        }
        Store::new(&course.root).record(&exercise.name, false)?;
    }
    let what = if tests_only {
        "the test files"
    } else {
        "the starter"
    };
    match backup {
        Some(backup) => println!(
            "Restored {what} of `{name}`. Your previous files are kept in {}",
            backup
                .strip_prefix(&course.root)
                .unwrap_or(&backup)
                .display()
        ),
        None => println!("Restored {what} of `{name}`."),
    }
    Ok(())
}

/// Copies the learner's `src/` and `tests/` of an exercise into a new, dated backup folder.
pub fn backup(course: &Course, exercise: &Exercise) -> Result<Option<PathBuf>> {
    let dir = course.exercise_dir(exercise, Tree::Starter);
    let mut files = Vec::new();
    collect_files(&dir.join("src"), &mut files)?;
    collect_files(&dir.join("tests"), &mut files)?;
    if files.is_empty() {
        return Ok(None);
    }
    let base = course
        .root
        .join(BACKUP_DIR)
        .join(&exercise.name)
        .join(timestamp());
    let mut target = base.clone();
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = PathBuf::from(format!("{}-{n}", base.display()));
    }
    for file in files {
        let to = target.join(file.strip_prefix(&dir)?);
        fs::create_dir_all(to.parent().expect("a file has a parent"))?;
        fs::copy(&file, &to)
            .with_context(|| format!("cannot back up {} to {}", file.display(), to.display()))?;
    }
    Ok(Some(target))
}

/// `solution EX`: prints the reference solution, or its diff against the learner's version.
/// It reads the learner's files and writes nothing.
pub fn solution(course: &Course, name: &str, diff: bool, force: bool) -> Result<()> {
    let exercise = course.find(name)?;
    let passed = Store::new(&course.root).load()?.passed.contains(name);
    if !passed && !force {
        bail!(
            "`{name}` does not pass yet, so its solution stays hidden. Try `cargo xtask hint {name}`; to see it anyway, run `cargo xtask solution {name} --show`"
        );
    }
    let solution_dir = course.exercise_dir(exercise, Tree::Solution);
    let starter_dir = course.exercise_dir(exercise, Tree::Starter);
    for rel in exercise.source_files(&solution_dir)? {
        let theirs = fs::read_to_string(solution_dir.join(&rel))?;
        let shown = Path::new("solutions").join(&exercise.rel).join(&rel);
        if diff {
            let mine = fs::read_to_string(starter_dir.join(&rel)).unwrap_or_default();
            let mine_name = Path::new("exercises").join(&exercise.rel).join(&rel);
            let text = TextDiff::from_lines(&mine, &theirs)
                .unified_diff()
                .header(&mine_name.to_string_lossy(), &shown.to_string_lossy())
                .to_string();
            if text.is_empty() {
                println!("{}: identical to the solution", mine_name.display());
            } else {
                print!("{text}");
            }
        } else {
            println!("// ===== {} =====\n{theirs}", shown.display());
        }
    }
    Ok(())
}

/// `2026-11-26T12-01-33` in UTC, for backup folder names that sort by time.
fn timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}-{:02}-{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
