//! The exercise files as the course ships them, recorded in `xtask/shipped.toml` as git blob
//! ids. `check` compares the test files against it (tests grade the learner's work, so they
//! are not the learner's to change), and `reset` restores files from it through git, even if
//! the learner has committed changes on top.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::course::{Course, Exercise, Tree};

pub const MANIFEST: &str = "xtask/shipped.toml";

/// Exercise name -> file (relative to the exercise directory) -> git blob id.
pub type Shipped = BTreeMap<String, BTreeMap<String, String>>;

/// A shipped file that is not as shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Changed(String),
    Missing(String),
}

/// The id git gives a file's content (`git hash-object`), computed without running git.
pub fn blob_id(content: &[u8]) -> String {
    let mut hasher = sha1_smol::Sha1::new();
    hasher.update(format!("blob {}\0", content.len()).as_bytes());
    hasher.update(content);
    hasher.digest().to_string()
}

pub fn load(course: &Course) -> Result<Shipped> {
    let path = course.root.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Shipped::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))
}

/// What the manifest should say for the exercises as they are now on disk.
pub fn current(course: &Course) -> Result<Shipped> {
    let mut shipped = Shipped::new();
    for exercise in &course.exercises {
        let dir = course.exercise_dir(exercise, Tree::Starter);
        let mut files = BTreeMap::new();
        let rels = exercise
            .source_files(&dir)?
            .into_iter()
            .chain(exercise.test_files(&dir)?);
        for rel in rels {
            let content = fs::read(dir.join(&rel))?;
            files.insert(slash_path(&rel), blob_id(&content));
        }
        shipped.insert(exercise.name.clone(), files);
    }
    Ok(shipped)
}

/// `seal`: records the exercises as they are now as the shipped version (maintainers only).
pub fn seal(course: &Course) -> Result<()> {
    let shipped = current(course)?;
    let header = "# The exercises' starter and test files as shipped, by git blob id.\n\
                  # `cargo xtask check` compares test files against it; `cargo xtask reset`\n\
                  # restores from it. Maintainers regenerate it with `cargo xtask seal`.\n\n";
    let path = course.root.join(MANIFEST);
    fs::write(&path, format!("{header}{}", toml::to_string(&shipped)?))
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("Recorded {} exercises in {MANIFEST}.", shipped.len());
    Ok(())
}

/// Shipped files of one exercise that are changed or gone; `tests_only` limits it to `tests/`.
pub fn drift(course: &Course, exercise: &Exercise, tests_only: bool) -> Result<Vec<Drift>> {
    let shipped = load(course)?;
    let Some(files) = shipped.get(&exercise.name) else {
        return Ok(Vec::new());
    };
    let dir = course.exercise_dir(exercise, Tree::Starter);
    let mut drift = Vec::new();
    for (rel, id) in files {
        if tests_only && !rel.starts_with("tests/") {
            continue;
        }
        match fs::read(dir.join(rel)) {
            Ok(content) if blob_id(&content) == *id => {}
            Ok(_) => drift.push(Drift::Changed(rel.clone())),
            Err(_) => drift.push(Drift::Missing(rel.clone())),
        }
    }
    Ok(drift)
}

/// The shipped content of each file of an exercise, read from git's object store.
pub fn shipped_contents(course: &Course, exercise: &Exercise) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let shipped = load(course)?;
    let Some(files) = shipped.get(&exercise.name) else {
        bail!(
            "{MANIFEST} does not list `{}`, so its shipped files are unknown",
            exercise.name
        );
    };
    let mut contents = Vec::new();
    for (rel, id) in files {
        let output = Command::new("git")
            .current_dir(&course.root)
            .args(["cat-file", "blob", id])
            .output()
            .context(
                "Failed to run `git`; restoring a shipped file needs the course's git clone",
            )?;
        if !output.status.success() {
            bail!(
                "git does not have the shipped version of {rel} (object {id}); is this a git clone of the course?"
            );
        }
        contents.push((PathBuf::from(rel), output.stdout));
    }
    Ok(contents)
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
