//! Traps: the classic wrong versions of a solution, which the exercise's tests must catch.
//!
//! A starter full of `todo!()` fails every test, which proves little about the tests. The trap
//! file next to a solution names the bugs a section warns about, each as one edit to the
//! solution; `verify` applies each edit to a copy and requires at least one test (or loom
//! model) to fail. So "a test catches the trap" is checked on every run, not claimed.
//!
//! `solutions/<part>/<section>/traps.toml`:
//!
//! ```toml
//! [[trap]]
//! name = "the stage ignores a failed send and keeps producing"
//! file = "src/lib.rs"
//! find = "if tx.send(item).is_err() {\n    return;\n}"
//! replace = "let _ = tx.send(item);"
//! ```
//!
//! `find` must occur exactly once in the file (leading whitespace on each line is ignored).

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::check::grade_in;
use crate::course::{Course, Exercise, Tree, collect_files};
use crate::grade::Outcome;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrapFile {
    #[serde(rename = "trap", default)]
    traps: Vec<Trap>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trap {
    pub name: String,
    pub file: String,
    pub find: String,
    pub replace: String,
}

pub fn load(course: &Course, exercise: &Exercise) -> Result<Vec<Trap>> {
    let path = course
        .exercise_dir(exercise, Tree::Solution)
        .join("traps.toml");
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let file: TrapFile =
        toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
    Ok(file.traps)
}

/// Grades the solution with one trap applied. `Ok(true)` when some test caught it.
pub fn caught(course: &Course, exercise: &Exercise, index: usize, trap: &Trap) -> Result<bool> {
    let (workspace, crate_dir) = copy_solution(course, exercise, index)?;
    let target = crate_dir.join(&trap.file);
    let text = fs::read_to_string(&target)
        .with_context(|| format!("trap `{}`: cannot read {}", trap.name, trap.file))?;
    let patched = apply(&text, &trap.find, &trap.replace)
        .with_context(|| format!("trap `{}` in {}", trap.name, trap.file))?;
    fs::write(&target, patched)?;

    let graded = grade_in(course, exercise, &workspace, false)?;
    if let Outcome::CompileError(e) = &graded.tests {
        bail!(
            "trap `{}` does not compile, so it proves nothing:\n{e}",
            trap.name
        );
    }
    Ok(!graded.all_passed())
}

/// Copies the solution crate into a workspace of its own under `target/traps/`, with its test
/// paths made absolute. Returns the workspace, and the crate directory inside it.
///
/// Cargo names build artifacts by the package's path relative to its workspace, so every
/// copy sits at a different relative path (`trap-<n>`): otherwise two traps of one exercise
/// would share, and reuse, each other's build in the shared target directory.
fn copy_solution(course: &Course, exercise: &Exercise, index: usize) -> Result<(PathBuf, PathBuf)> {
    let from = course.exercise_dir(exercise, Tree::Solution);
    let workspace_dir = course
        .root
        .join("target/traps")
        .join(format!("{}-{index}", exercise.name));
    let member = format!("trap-{index}");
    let to = workspace_dir.join(&member);
    if workspace_dir.exists() {
        fs::remove_dir_all(&workspace_dir)
            .with_context(|| format!("cannot clear {}", workspace_dir.display()))?;
    }
    let mut files = Vec::new();
    collect_files(&from.join("src"), &mut files)?;
    for file in files {
        let dest = to.join(file.strip_prefix(&from)?);
        fs::create_dir_all(dest.parent().expect("a file has a parent"))?;
        fs::copy(&file, &dest)?;
    }

    let mut manifest: toml::Table = toml::from_str(&fs::read_to_string(from.join("Cargo.toml"))?)?;
    if let Some(tests) = manifest.get_mut("test").and_then(|t| t.as_array_mut()) {
        for test in tests {
            if let Some(path) = test.get("path").and_then(|p| p.as_str()) {
                let absolute = crate::course::normalize(&from.join(path));
                test.as_table_mut()
                    .expect("a [[test]] is a table")
                    .insert("path".into(), absolute.to_string_lossy().to_string().into());
            }
        }
    }
    fs::write(to.join("Cargo.toml"), toml::to_string(&manifest)?)?;

    // The workspace: the solutions' shared tables, with this one member.
    let solutions = course.workspace(Tree::Solution);
    let mut workspace: toml::Table =
        toml::from_str(&fs::read_to_string(solutions.join("Cargo.toml"))?)?;
    if let Some(ws) = workspace
        .get_mut("workspace")
        .and_then(|w| w.as_table_mut())
    {
        ws.insert("members".into(), vec![toml::Value::from(member)].into());
        ws.remove("exclude");
    }
    fs::write(
        workspace_dir.join("Cargo.toml"),
        toml::to_string(&workspace)?,
    )?;
    // The same dependency versions as the solutions, so nothing new is resolved or fetched.
    fs::copy(
        solutions.join("Cargo.lock"),
        workspace_dir.join("Cargo.lock"),
    )?;
    Ok((workspace_dir, to))
}

/// Replaces the one occurrence of `find` in `text`, comparing lines without their indentation.
fn apply(text: &str, find: &str, replace: &str) -> Result<String> {
    let want: Vec<&str> = find.trim().lines().map(str::trim).collect();
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            lines.len() - i >= want.len()
                && want.iter().zip(&lines[i..]).all(|(w, l)| l.trim() == *w)
        })
        .collect();
    let [start] = starts.as_slice() else {
        bail!(
            "`find` must occur exactly once, and occurs {} times",
            starts.len()
        );
    };
    let indent: String = lines[*start]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let mut out: Vec<String> = lines[..*start].iter().map(|l| l.to_string()).collect();
    out.extend(replace.trim().lines().map(|l| format!("{indent}{l}")));
    out.extend(lines[start + want.len()..].iter().map(|l| l.to_string()));
    Ok(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trap_replaces_its_one_match_keeping_the_indentation() {
        let text = "fn f() {\n    if x {\n        return;\n    }\n    y();\n}\n";
        let out = apply(text, "if x {\n    return;\n}", "z();").unwrap();
        assert_eq!(out, "fn f() {\n    z();\n    y();\n}\n");
    }

    #[test]
    fn a_trap_that_matches_twice_or_never_is_refused() {
        assert!(apply("a\na\n", "a", "b").is_err());
        assert!(apply("a\n", "c", "b").is_err());
    }
}
