//! `verify`: the maintainer's proof that the course holds together.
//!
//! For every exercise: the starter compiles and fails, the solution passes the same tests (and
//! its loom models), survives repeated runs, and is clippy- and rustfmt-clean. Then: the book
//! and the exercises agree, the book builds with no broken link, and the book's snippets and
//! the runner's own tests pass. One line per check, and a closing count.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use anyhow::{Context, Result};

use crate::check::{Graded, grade_exercise, nextest_config};
use crate::course::{Course, Exercise, Tree};
use crate::grade::{self, Outcome};
use crate::links;

/// How many times `verify` runs each solution's tests in a row; one failure is a flake.
pub const STRESS_COUNT: u32 = 20;

const OK: Style = AnsiColor::Green.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();
const SKIP: Style = AnsiColor::Yellow.on_default().bold();

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
    skipped: usize,
}

impl Tally {
    fn skip(&mut self, name: &str, why: &str) {
        self.skipped += 1;
        anstream::println!("{SKIP}skip{SKIP:#}  {name:<22} {why}");
    }

    fn line(&mut self, name: &str, result: Result<String, String>, started: Instant) {
        let secs = started.elapsed().as_secs_f64();
        match result {
            Ok(detail) => {
                self.passed += 1;
                anstream::println!("{OK}ok{OK:#}    {name:<22} {detail} {DIM}({secs:.1} s){DIM:#}");
            }
            Err(problem) => {
                anstream::println!(
                    "{BAD}FAIL{BAD:#}  {name:<22} {} {DIM}({secs:.1} s){DIM:#}",
                    first_line(&problem)
                );
                let rest: Vec<&str> = problem.lines().skip(1).collect();
                if !rest.is_empty() {
                    println!("{}", indent(&rest.join("\n")));
                }
                self.failed.push(name.to_string());
            }
        }
    }
}

pub fn verify(course: &Course, only: Option<&str>) -> Result<bool> {
    let started = Instant::now();
    let mut tally = Tally::default();
    let exercises: Vec<&Exercise> = match only {
        Some(name) => vec![course.find(name)?],
        None => course.exercises.iter().collect(),
    };

    let t = Instant::now();
    let problems = structure_problems(course)?;
    tally.line(
        "course structure",
        if problems.is_empty() {
            Ok(format!(
                "{} sections, {} written, {} exercises; pages and exercises agree",
                course.sections.len(),
                course.sections.iter().filter(|s| s.page.is_some()).count(),
                course.exercises.len()
            ))
        } else {
            Err(format!(
                "{} problem(s):\n{}",
                problems.len(),
                problems.join("\n")
            ))
        },
        t,
    );

    for exercise in &exercises {
        let t = Instant::now();
        let result = verify_exercise(course, exercise);
        tally.line(
            &exercise.name,
            result.map_err(|e| format!("{e:#}")).and_then(|r| r),
            t,
        );
    }

    if only.is_none() {
        let t = Instant::now();
        tally.line("format and lints", formatting(course), t);

        let t = Instant::now();
        let book = crate::book::build(course)
            .map_err(|e| format!("{e:#}"))
            .and_then(|index| {
                let out = index
                    .parent()
                    .expect("index.html has a folder")
                    .to_path_buf();
                let broken = links::check(&out).map_err(|e| format!("{e:#}"))?;
                if broken.is_empty() {
                    Ok(
                        "built into book/build; every local link and #fragment resolves"
                            .to_string(),
                    )
                } else {
                    Err(format!(
                        "{} broken link(s):\n{}",
                        broken.len(),
                        broken.join("\n")
                    ))
                }
            });
        tally.line("book", book, t);

        let t = Instant::now();
        tally.line(
            "snippets and runner",
            run_quiet(
                course,
                &course.root,
                &[
                    "nextest",
                    "run",
                    "--package",
                    "book-snippets",
                    "--package",
                    "xtask",
                    "--no-fail-fast",
                ],
            )
            .map(|_| "the book's code and the runner's own tests pass".to_string()),
            t,
        );

        let t = Instant::now();
        match browser_tests_available(course) {
            Ok(()) => tally.line("browser", browser_tests(course), t),
            Err(why) if std::env::var_os("COURSE_REQUIRE_BROWSER").is_some() => {
                tally.line("browser", Err(format!("required but {why}")), t)
            }
            Err(why) => tally.skip("browser", &format!("skipped: {why}")),
        }
    }

    let failed = tally.failed.len();
    println!(
        "\nverify took {:.0} s{}",
        started.elapsed().as_secs_f64(),
        if failed > 0 {
            format!("; failed: {}", tally.failed.join(", "))
        } else {
            String::new()
        }
    );
    // The plain closing line CI reads.
    println!(
        "verify: {} passed, {} failed, {} skipped",
        tally.passed, failed, tally.skipped
    );
    Ok(failed == 0)
}

/// All per-exercise checks. The outer error is the runner failing; the inner one the course.
fn verify_exercise(course: &Course, exercise: &Exercise) -> Result<Result<String, String>> {
    let mut notes = Vec::new();

    let starter = grade_exercise(course, exercise, Tree::Starter, false)?;
    if exercise.meta.compile_fail {
        if !matches!(starter.tests, Outcome::CompileError(_)) {
            return Ok(Err(
                "starter compiles, but the exercise is marked compile-fail".into(),
            ));
        }
        notes.push("starter does not compile, as intended".to_string());
    } else {
        if let Outcome::CompileError(e) = &starter.tests {
            return Ok(Err(format!("starter does not compile:\n{e}")));
        }
        if starter.all_passed() {
            return Ok(Err(
                "every test passes on the starter: the tests cannot fail".into(),
            ));
        }
        notes.push(format!("starter fails {}", failing(&starter)));
    }

    let solution = grade_exercise(course, exercise, Tree::Solution, false)?;
    if !solution.all_passed() {
        let report = solution.render(&exercise.name, course);
        return Ok(Err(format!("the solution does not pass:\n{report}")));
    }
    let (passed, total) = solution.tests.counts();
    notes.push(format!("solution passes {passed}/{total}"));
    if let Some(loom) = &solution.loom {
        let (passed, total) = loom.counts();
        notes.push(format!("loom {passed}/{total}"));
    }

    let traps = crate::traps::load(course, exercise)?;
    for (i, trap) in traps.iter().enumerate() {
        match crate::traps::caught(course, exercise, i, trap) {
            Ok(true) => {}
            Ok(false) => {
                return Ok(Err(format!(
                    "trap `{}` passes every test: the tests do not catch it",
                    trap.name
                )));
            }
            Err(e) => return Ok(Err(format!("{e:#}"))),
        }
    }
    if !traps.is_empty() {
        notes.push(format!("{} traps caught", traps.len()));
    }

    let workspace = course.workspace(Tree::Solution);
    let config =
        grade::config_with_store(&nextest_config(course), &course.root.join("target/nextest"))?;
    let stress = run_quiet(
        course,
        &workspace,
        &[
            "nextest",
            "run",
            "--profile",
            "grade",
            "--package",
            &exercise.name,
            "--config-file",
            &config.to_string_lossy(),
            "--stress-count",
            &STRESS_COUNT.to_string(),
        ],
    );
    if let Err(e) = stress {
        return Ok(Err(format!(
            "the solution flaked in {STRESS_COUNT} repeated runs:\n{e}"
        )));
    }
    notes.push(format!("{STRESS_COUNT}x stress"));

    let clippy = run_quiet(
        course,
        &workspace,
        &[
            "clippy",
            "--quiet",
            "--package",
            &exercise.name,
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    );
    if let Err(e) = clippy {
        return Ok(Err(format!("clippy finds problems in the solution:\n{e}")));
    }
    notes.push("clippy".into());

    if exercise.meta.miri {
        match miri_available() {
            true => {
                if let Err(e) = run_quiet(
                    course,
                    &workspace,
                    &["+nightly", "miri", "test", "--package", &exercise.name],
                ) {
                    return Ok(Err(format!("Miri finds undefined behaviour:\n{e}")));
                }
                notes.push("miri".into());
            }
            false => notes.push(
                "miri skipped (install: rustup toolchain install nightly --component miri)".into(),
            ),
        }
    }
    Ok(Ok(notes.join(", ")))
}

fn failing(graded: &Graded) -> String {
    let count = |o: &Outcome| {
        let (passed, total) = o.counts();
        (total - passed, total)
    };
    let (f, t) = count(&graded.tests);
    match &graded.loom {
        Some(loom) => {
            let (lf, lt) = count(loom);
            format!("{f}/{t} (loom {lf}/{lt})")
        }
        None => format!("{f}/{t}"),
    }
}

/// The browser tests need Node.js, Chromium, and playwright-core (installed here on first use).
fn browser_tests_available(course: &Course) -> Result<(), String> {
    let works = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !works("node", "--version") {
        return Err("Node.js is not installed (it drives the browser)".into());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Err(format!(
            "Chromium is not at {chromium} (Debian/Ubuntu: `apt-get install chromium`, or set CHROMIUM)"
        ));
    }
    let tests = course.root.join("book/tests");
    if !tests.join("node_modules/playwright-core").exists() {
        eprintln!("Installing playwright-core for the browser tests (npm ci in book/tests)...");
        let installed = Command::new("npm")
            .current_dir(&tests)
            .args(["ci", "--no-audit", "--no-fund"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            return Err("`npm ci` in book/tests failed, so playwright-core is missing".into());
        }
    }
    Ok(())
}

fn browser_tests(course: &Course) -> Result<String, String> {
    let output = Command::new("node")
        .current_dir(&course.root)
        .arg("book/tests/browser.mjs")
        .arg(course.root.join("book/build"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.success() {
        let summary = stdout
            .lines()
            .rev()
            .find(|l| l.contains("passed"))
            .unwrap_or("");
        return Ok(format!(
            "headless Chromium: {summary}; screenshots in .screenshots/"
        ));
    }
    Err(format!(
        "the browser tests failed:\n{}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    ))
}

fn miri_available() -> bool {
    Command::new("cargo")
        .args(["+nightly", "miri", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn formatting(course: &Course) -> Result<String, String> {
    for workspace in [
        course.workspace(Tree::Starter),
        course.workspace(Tree::Solution),
    ] {
        run_quiet(course, &workspace, &["fmt", "--all", "--check"])
            .map_err(|e| format!("`cargo fmt` would change files:\n{e}"))?;
    }
    // Starters are left out of clippy on purpose: their `todo!()` bodies leave unused code.
    run_quiet(
        course,
        &course.root,
        &[
            "clippy",
            "--quiet",
            "--package",
            "xtask",
            "--package",
            "book-snippets",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )
    .map_err(|e| format!("clippy finds problems in the runner or the snippets:\n{e}"))?;
    Ok("rustfmt on everything; clippy on the runner and the snippets".into())
}

/// Runs a cargo command, returning its combined output as the error when it fails.
fn run_quiet(course: &Course, dir: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new("cargo")
        .current_dir(dir)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env("INSTA_UPDATE", "no")
        .env("NEXTEST_HIDE_PROGRESS_BAR", "1")
        .env_remove("RUSTFLAGS")
        .env("CARGO_TARGET_DIR", course.root.join("target"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).to_string();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(tail(&text, 60))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("      {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Disagreements between the book, the exercises and the solutions.
pub fn structure_problems(course: &Course) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let names: BTreeSet<&str> = course.exercises.iter().map(|e| e.name.as_str()).collect();

    for section in &course.sections {
        let Some(page) = &section.page else { continue };
        let page = page.display();
        if section.missing {
            problems.push(format!(
                "SUMMARY.md lists book/src/{page}, which does not exist"
            ));
            continue;
        }
        match section.claims.as_slice() {
            [] if !section.page_only => problems.push(format!(
                "book/src/{page} claims no exercise: add `{{{{#exercise NAME}}}}`, or mark it `<!-- page only -->`"
            )),
            [] => {}
            [_] => {}
            many => problems.push(format!(
                "book/src/{page} claims several exercises ({}); one page, one exercise",
                many.join(", ")
            )),
        }
        for claim in &section.claims {
            if !names.contains(claim.as_str()) {
                problems.push(format!(
                    "book/src/{page} claims `{claim}`, but there is no exercise of that name"
                ));
            }
        }
    }

    for exercise in &course.exercises {
        let claimed_by: Vec<String> = course
            .sections
            .iter()
            .filter(|s| s.claims.contains(&exercise.name))
            .filter_map(|s| s.page.as_ref().map(|p| p.display().to_string()))
            .collect();
        match claimed_by.len() {
            0 => problems.push(format!(
                "exercise `{}` is linked by no page: add `{{{{#exercise {}}}}}` to its page",
                exercise.name, exercise.name
            )),
            1 => {}
            _ => problems.push(format!(
                "exercise `{}` is claimed by several pages: {}",
                exercise.name,
                claimed_by.join(", ")
            )),
        }
        problems.extend(exercise_problems(course, exercise)?);
    }

    if crate::shipped::load(course)? != crate::shipped::current(course)? {
        problems.push(format!(
            "{} does not match the exercises' files: after changing a starter or a test, run `cargo xtask seal`",
            crate::shipped::MANIFEST
        ));
    }

    let root_deps = workspace_dependencies(&course.root.join("Cargo.toml"))?;
    let solution_deps = workspace_dependencies(&course.root.join("solutions/Cargo.toml"))?;
    if root_deps != solution_deps {
        problems.push(
            "[workspace.dependencies] differ between Cargo.toml and solutions/Cargo.toml".into(),
        );
    }

    // Every solution crate must belong to an exercise.
    let solutions = course.root.join("solutions");
    for part in fs::read_dir(&solutions).context("cannot read solutions/")? {
        let part = part?.path();
        if !part.is_dir()
            || part
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        for section in fs::read_dir(&part)? {
            let section = section?.path();
            let rel = section.strip_prefix(&solutions)?.to_path_buf();
            if section.join("Cargo.toml").is_file()
                && !course.exercises.iter().any(|e| e.rel == rel)
            {
                problems.push(format!(
                    "solutions/{} has no exercise at exercises/{}",
                    rel.display(),
                    rel.display()
                ));
            }
        }
    }
    Ok(problems)
}

fn exercise_problems(course: &Course, exercise: &Exercise) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let name = &exercise.name;
    let starter_dir = course.exercise_dir(exercise, Tree::Starter);
    let solution_dir = course.exercise_dir(exercise, Tree::Solution);
    if exercise.rel.file_name().is_none_or(|d| d != name.as_str()) {
        problems.push(format!(
            "exercises/{}: the directory name and the package name `{name}` differ",
            exercise.rel.display()
        ));
    }
    if exercise.description.trim().is_empty() {
        problems.push(format!("`{name}` has no `description` in its Cargo.toml"));
    }
    if exercise.meta.hints.is_empty() {
        problems.push(format!(
            "`{name}` has no hints in [package.metadata.course]"
        ));
    }

    let starter: toml::Value = read_toml(&starter_dir.join("Cargo.toml"))?;
    let solution_manifest = solution_dir.join("Cargo.toml");
    if !solution_manifest.is_file() {
        problems.push(format!(
            "`{name}` has no solution: solutions/{}/Cargo.toml is missing",
            exercise.rel.display()
        ));
        return Ok(problems);
    }
    let solution: toml::Value = read_toml(&solution_manifest)?;
    let package_name = |v: &toml::Value| {
        v.get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .map(str::to_string)
    };
    if package_name(&solution).as_deref() != Some(name.as_str()) {
        problems.push(format!(
            "solutions/{}/Cargo.toml must keep the package name `{name}`",
            exercise.rel.display()
        ));
    }
    for table in [
        "dependencies",
        "dev-dependencies",
        "build-dependencies",
        "target",
    ] {
        if starter.get(table) != solution.get(table) {
            problems.push(format!(
                "`{name}`: [{table}] differs between the exercise and the solution; the exercise must list every dependency the solution uses"
            ));
        }
    }

    // The solution's tests are exactly the exercise's test files.
    let expected: BTreeSet<PathBuf> = exercise
        .test_files(&starter_dir)?
        .into_iter()
        .map(|f| starter_dir.join(f))
        .collect();
    let mut pointed = BTreeSet::new();
    for test in solution
        .get("test")
        .and_then(|t| t.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let Some(path) = test.get("path").and_then(|p| p.as_str()) else {
            problems.push(format!("`{name}`: a [[test]] of the solution has no path"));
            continue;
        };
        let resolved = crate::course::normalize(&solution_dir.join(path));
        if !resolved.starts_with(&starter_dir) {
            problems.push(format!(
                "`{name}`: the solution's test `{path}` is not one of the exercise's files (tests are written once)"
            ));
        }
        pointed.insert(resolved);
    }
    for missing in expected.difference(&pointed) {
        problems.push(format!(
            "`{name}`: {} has no [[test]] entry in the solution, so the solution is not graded by it",
            missing.strip_prefix(&course.root).unwrap_or(missing).display()
        ));
    }
    let has_solution_tests_dir = solution_dir.join("tests").exists();
    if has_solution_tests_dir {
        problems.push(format!(
            "`{name}`: solutions/{}/tests exists; tests live only in the exercise",
            exercise.rel.display()
        ));
    }

    let loom_file = starter_dir.join("tests/loom.rs").is_file();
    if exercise.meta.loom != loom_file {
        problems.push(format!(
            "`{name}`: `loom = {}` in its metadata, but tests/loom.rs {}",
            exercise.meta.loom,
            if loom_file { "exists" } else { "is missing" }
        ));
    }
    Ok(problems)
}

fn read_toml(path: &Path) -> Result<toml::Value> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))
}

fn workspace_dependencies(manifest: &Path) -> Result<Option<toml::Value>> {
    Ok(read_toml(manifest)?
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .cloned())
}
