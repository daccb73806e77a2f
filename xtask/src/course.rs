//! The course catalogue: which sections exist, in which order, and which exercise each teaches.
//!
//! There is one source of truth for the order: `book/src/SUMMARY.md`. A page claims its
//! exercise with `{{#exercise NAME}}`; the exercise's own `Cargo.toml` carries its description
//! and hints. Everything here is read from those files on every run (a few dozen small files),
//! so nothing can go stale.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use regex::Regex;
use serde::Deserialize;

/// `[text](path)` entries of SUMMARY.md, in order. Draft chapters have an empty path.
static SUMMARY_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[-*]?\s*\[([^\]]+)\]\(([^)]*)\)").unwrap());
/// The directive a page uses to claim its exercise. A backslash before it (`\{{#exercise x}}`)
/// makes it literal text, as with mdBook's own directives.
pub static EXERCISE_DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\\?)\{\{#exercise\s+([A-Za-z0-9_-]+)\s*\}\}").unwrap());
const PAGE_ONLY_MARKER: &str = "<!-- page only -->";

/// The whole course, as found on disk.
#[derive(Debug)]
pub struct Course {
    pub root: PathBuf,
    /// Every chapter of SUMMARY.md, in book order.
    pub sections: Vec<Section>,
    /// Every exercise crate, in course order (the order of the pages that claim them;
    /// unclaimed exercises come last, sorted by name).
    pub exercises: Vec<Exercise>,
}

/// One chapter of the book.
#[derive(Debug, Clone)]
pub struct Section {
    /// The part of the book (`# Heading` in SUMMARY.md) this section belongs to; empty before
    /// the first heading.
    pub part: String,
    pub title: String,
    /// Path relative to `book/src`; `None` for a draft chapter.
    pub page: Option<PathBuf>,
    /// Exercise names this page claims (normally zero or one).
    pub claims: Vec<String>,
    pub page_only: bool,
    /// SUMMARY.md lists a page that does not exist.
    pub missing: bool,
}

/// One exercise: a crate under `exercises/` with its twin under `solutions/`.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// The package name, which every runner command takes.
    pub name: String,
    /// Path relative to `exercises/` (and to `solutions/`), e.g. `patterns/pipeline`.
    pub rel: PathBuf,
    /// One line: what the learner builds.
    pub description: String,
    pub meta: Meta,
    /// The page that claims this exercise, relative to `book/src`.
    pub page: Option<PathBuf>,
}

/// `[package.metadata.course]` of an exercise's Cargo.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Meta {
    #[serde(default)]
    pub hints: Vec<String>,
    /// `tests/loom.rs` holds loom models, graded under `--cfg loom`.
    #[serde(default)]
    pub loom: bool,
    /// The solution's tests also run under Miri in `verify`.
    #[serde(default)]
    pub miri: bool,
    /// The starter does not compile on purpose.
    #[serde(default)]
    pub compile_fail: bool,
}

/// Which copy of an exercise to grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    /// The learner's working copy under `exercises/`.
    Starter,
    /// The reference solution under `solutions/`.
    Solution,
}

impl Course {
    pub fn load(root: &Path) -> Result<Course> {
        let sections = read_summary(&root.join("book/src"))?;
        let mut found = find_exercises(&root.join("exercises"))?;

        let mut exercises = Vec::new();
        for section in &sections {
            for name in &section.claims {
                if let Some(mut exercise) = found.remove(name) {
                    exercise.page = section.page.clone();
                    exercises.push(exercise);
                }
            }
        }
        // Unclaimed exercises are still gradable; `verify` reports them.
        exercises.extend(found.into_values());

        Ok(Course {
            root: root.to_path_buf(),
            sections,
            exercises,
        })
    }

    /// Finds an exercise by name, or explains which names are close.
    pub fn find(&self, name: &str) -> Result<&Exercise> {
        if let Some(exercise) = self.exercises.iter().find(|e| e.name == name) {
            return Ok(exercise);
        }
        let mut close: Vec<(f64, &str)> = self
            .exercises
            .iter()
            .map(|e| (strsim::jaro_winkler(name, &e.name), e.name.as_str()))
            .filter(|(score, candidate)| *score > 0.75 || candidate.contains(name))
            .collect();
        close.sort_by(|a, b| b.0.total_cmp(&a.0));
        let suggestion = match close.as_slice() {
            [] => "Run `cargo xtask list` to see every exercise.".to_string(),
            [(_, one)] => format!("Did you mean `{one}`?"),
            many => format!(
                "Did you mean one of: {}?",
                many.iter()
                    .take(3)
                    .map(|(_, n)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        bail!("there is no exercise named `{name}`. {suggestion}")
    }

    pub fn exercise_dir(&self, exercise: &Exercise, tree: Tree) -> PathBuf {
        self.tree_root(tree).join(&exercise.rel)
    }

    /// The cargo workspace a tree belongs to.
    pub fn tree_root(&self, tree: Tree) -> PathBuf {
        match tree {
            Tree::Starter => self.root.join("exercises"),
            Tree::Solution => self.root.join("solutions"),
        }
    }

    pub fn workspace(&self, tree: Tree) -> PathBuf {
        match tree {
            Tree::Starter => self.root.clone(),
            Tree::Solution => self.root.join("solutions"),
        }
    }
}

impl Exercise {
    /// The files a learner edits, relative to the exercise directory.
    pub fn source_files(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        collect_files(&dir.join("src"), &mut files)?;
        files.sort();
        Ok(files
            .into_iter()
            .filter_map(|f| f.strip_prefix(dir).ok().map(Path::to_path_buf))
            .collect())
    }

    /// The test files that grade this exercise, relative to the exercise directory.
    pub fn test_files(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        collect_files(&dir.join("tests"), &mut files)?;
        files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
        files.sort();
        Ok(files
            .into_iter()
            .filter_map(|f| f.strip_prefix(dir).ok().map(Path::to_path_buf))
            .collect())
    }
}

pub fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn read_summary(src: &Path) -> Result<Vec<Section>> {
    let summary_path = src.join("SUMMARY.md");
    let summary = fs::read_to_string(&summary_path).with_context(|| {
        format!(
            "cannot read the book's table of contents {}",
            summary_path.display()
        )
    })?;
    let mut sections = Vec::new();
    let mut part = String::new();
    for line in summary.lines() {
        if line.trim() == "---" {
            // A separator ends the numbered parts; what follows are appendices.
            part = "Appendices".to_string();
            continue;
        }
        if let Some(heading) = line.strip_prefix("# ") {
            if heading.trim() != "Summary" {
                part = heading.trim().to_string();
            }
            continue;
        }
        let Some(caps) = SUMMARY_LINK.captures(line) else {
            continue;
        };
        let title = caps[1].trim().to_string();
        let target = caps[2].trim();
        if target.is_empty() {
            sections.push(Section {
                part: part.clone(),
                title,
                page: None,
                claims: Vec::new(),
                page_only: false,
                missing: false,
            });
            continue;
        }
        let page = PathBuf::from(target);
        // A missing page does not stop grading; `verify` reports it.
        let text = fs::read_to_string(src.join(&page)).ok();
        let missing = text.is_none();
        let text = text.unwrap_or_default();
        sections.push(Section {
            part: part.clone(),
            missing,
            title,
            claims: EXERCISE_DIRECTIVE
                .captures_iter(&text)
                .filter(|c| c[1].is_empty())
                .map(|c| c[2].to_string())
                .collect(),
            page_only: text.contains(PAGE_ONLY_MARKER),
            page: Some(page),
        });
    }
    Ok(sections)
}

#[derive(Deserialize)]
struct Manifest {
    package: Package,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Option<PackageMetadata>,
}

#[derive(Deserialize)]
struct PackageMetadata {
    #[serde(default)]
    course: Option<Meta>,
}

/// Every `exercises/<part>/<section>/Cargo.toml`, keyed by package name.
fn find_exercises(dir: &Path) -> Result<BTreeMap<String, Exercise>> {
    let mut found = BTreeMap::new();
    let parts = fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for part in parts {
        let part = part?.path();
        if !part.is_dir() {
            continue;
        }
        for section in fs::read_dir(&part)? {
            let section = section?.path();
            let manifest_path = section.join("Cargo.toml");
            if !manifest_path.is_file() {
                continue;
            }
            let text = fs::read_to_string(&manifest_path)
                .with_context(|| format!("cannot read {}", manifest_path.display()))?;
            let manifest: Manifest = toml::from_str(&text)
                .with_context(|| format!("{} is not a valid manifest", manifest_path.display()))?;
            let rel = section.strip_prefix(dir)?.to_path_buf();
            let package = manifest.package;
            found.insert(
                package.name.clone(),
                Exercise {
                    name: package.name,
                    rel,
                    description: package.description.unwrap_or_default(),
                    meta: package.metadata.and_then(|m| m.course).unwrap_or_default(),
                    page: None,
                },
            );
        }
    }
    Ok(found)
}

/// Resolves `.` and `..` in a path without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
