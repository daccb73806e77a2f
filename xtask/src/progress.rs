//! The learner's progress: which exercises passed. One small JSON file at the repository root,
//! git-ignored, replaced atomically (write a temporary file, then rename), so a runner killed
//! mid-write leaves either the old file or the new one, never half of one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = ".progress.json";

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    /// Exercises whose last `check` passed every test.
    #[serde(default)]
    pub passed: BTreeSet<String>,
    /// How many hints `cargo xtask hint` has shown, per exercise.
    #[serde(default)]
    pub hints_shown: BTreeMap<String, usize>,
}

/// The progress file of a course, and a lock that serialises runners that change it.
pub struct Store {
    path: PathBuf,
}

impl Store {
    pub fn new(root: &Path) -> Store {
        Store {
            path: root.join(FILE_NAME),
        }
    }

    /// Reads the progress. A missing file is a fresh start; an unreadable one is kept aside
    /// (never deleted) and reported, and grading starts from an empty record.
    pub fn load(&self) -> Result<Progress> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Progress::default()),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", self.path.display()));
            }
        };
        match serde_json::from_str(&text) {
            Ok(progress) => Ok(progress),
            Err(e) => {
                let aside = self.path.with_extension("json.corrupt");
                fs::rename(&self.path, &aside).with_context(|| {
                    format!("cannot move the unreadable {} aside", self.path.display())
                })?;
                eprintln!(
                    "warning: {} was unreadable ({e}); it was moved to {} and progress starts afresh. \
                     `cargo xtask check` on each exercise you finished records it again.",
                    self.path.display(),
                    aside.display()
                );
                Ok(Progress::default())
            }
        }
    }

    /// Records one exercise's result.
    pub fn record(&self, exercise: &str, passed: bool) -> Result<()> {
        self.update(|progress| {
            if passed {
                progress.passed.insert(exercise.to_string())
            } else {
                progress.passed.remove(exercise)
            }
        })
        .map(drop)
    }

    /// A read-modify-write under an exclusive lock, so two runners never lose each other's
    /// update. `change` returns whether it changed anything; only then is the file written.
    pub fn update(&self, change: impl FnOnce(&mut Progress) -> bool) -> Result<Progress> {
        let _lock = self.lock()?;
        let mut progress = self.load()?;
        if change(&mut progress) {
            self.save(&progress)?;
        }
        Ok(progress)
    }

    fn save(&self, progress: &Progress) -> Result<()> {
        let tmp = self
            .path
            .with_extension(format!("json.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(serde_json::to_string_pretty(progress)?.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        };
        write().with_context(|| format!("cannot write {}", self.path.display()))
    }

    fn lock(&self) -> Result<File> {
        let lock_path = self.path.with_extension("json.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        file.lock()
            .with_context(|| format!("cannot lock {}", lock_path.display()))?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.record("pipeline", true).unwrap();
        store.record("atomics", true).unwrap();
        store.record("atomics", false).unwrap();
        let progress = store.load().unwrap();
        assert_eq!(
            progress.passed.into_iter().collect::<Vec<_>>(),
            ["pipeline"]
        );
    }

    #[test]
    fn a_corrupted_file_is_kept_aside_and_progress_restarts() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), "{\"passed\": [\"pipe").unwrap();
        let store = Store::new(dir.path());
        assert_eq!(store.load().unwrap(), Progress::default());
        assert!(dir.path().join(".progress.json.corrupt").exists());
        store.record("pipeline", true).unwrap();
        assert!(store.load().unwrap().passed.contains("pipeline"));
    }
}
