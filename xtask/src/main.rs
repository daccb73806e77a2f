//! `cargo xtask`: the course runner. This file only parses the command line and dispatches;
//! each command lives in a module of its own.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use xtask::course::{Course, Tree};
use xtask::{book, check, files, hint, list, shipped, verify};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Read the book, solve the exercises, grade them.",
    after_help = "Start with `cargo xtask book --open`, then `cargo xtask check`."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Grade an exercise (default: the current one, the first not yet passed).
    Check {
        exercise: Option<String>,
        /// Grade the reference solution instead of your copy.
        #[arg(long)]
        solution: bool,
    },
    /// Grade the current exercise again on every save.
    Watch { exercise: Option<String> },
    /// Every section in order, with what is done, current and pending.
    List,
    /// Show the next hint for an exercise (default: the current one).
    Hint {
        exercise: Option<String>,
        /// Show every hint revealed so far.
        #[arg(long)]
        all: bool,
    },
    /// Restore an exercise's starter; your version is backed up first.
    Reset {
        exercise: String,
        /// Restore only the test files, keeping your code.
        #[arg(long)]
        tests: bool,
    },
    /// Show the reference solution of an exercise you have passed.
    Solution {
        exercise: String,
        /// Show it as a diff against your version.
        #[arg(long)]
        diff: bool,
        /// Show it even though the exercise does not pass yet.
        #[arg(long)]
        show: bool,
    },
    /// Build the book into book/build.
    Book {
        /// Open it in a browser.
        #[arg(long)]
        open: bool,
    },
    /// Serve the book on 127.0.0.1 and rebuild it on every change.
    Serve {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        #[arg(long)]
        open: bool,
    },
    /// Prove the course: every starter fails, every solution passes, the book builds.
    Verify {
        /// Verify one exercise only.
        exercise: Option<String>,
    },
    /// Maintainers: record the exercises' files as shipped (xtask/shipped.toml).
    Seal,
    /// Internal: runs a test binary with its output bounded (the runner sets this up).
    #[command(hide = true)]
    CapOutput {
        program: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Cmd::CapOutput { program, args } = &cli.command {
        return xtask::cap::run(program, args);
    }
    match run(cli.command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Cmd) -> anyhow::Result<bool> {
    let course = Course::load(&repo_root())?;
    match command {
        Cmd::Check { exercise, solution } => {
            let tree = if solution {
                Tree::Solution
            } else {
                Tree::Starter
            };
            check::check(&course, exercise.as_deref(), tree)
        }
        Cmd::Watch { exercise } => check::watch(&course, exercise.as_deref()).map(|()| true),
        Cmd::List => list::list(&course).map(|()| true),
        Cmd::Hint { exercise, all } => hint::hint(&course, exercise.as_deref(), all).map(|()| true),
        Cmd::Reset { exercise, tests } => files::reset(&course, &exercise, tests).map(|()| true),
        Cmd::Seal => shipped::seal(&course).map(|()| true),
        Cmd::Solution {
            exercise,
            diff,
            show,
        } => files::solution(&course, &exercise, diff, show).map(|()| true),
        Cmd::Book { open } => book::book(&course, open).map(|()| true),
        Cmd::Serve { port, open } => book::serve(&course, port, open).map(|()| true),
        Cmd::Verify { exercise } => verify::verify(&course, exercise.as_deref()),
        Cmd::CapOutput { .. } => unreachable!("handled before the course is loaded"),
    }
}

/// The repository root: the runner always lives in `<root>/xtask`.
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the repository")
        .to_path_buf()
}
