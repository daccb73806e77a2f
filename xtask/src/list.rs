//! `list`: the course in order, with what is done, current and still to come.

use anstyle::{AnsiColor, Style};
use anyhow::Result;

use crate::check::current;
use crate::course::Course;
use crate::progress::Store;

const DONE: Style = AnsiColor::Green.on_default().bold();
const CURRENT: Style = AnsiColor::Yellow.on_default().bold();
const PART: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

pub fn list(course: &Course) -> Result<()> {
    let progress = Store::new(&course.root).load()?;
    let current = current(course, &progress).map(|e| e.name.as_str());
    let width = course
        .sections
        .iter()
        .map(|s| s.title.len())
        .max()
        .unwrap_or(0);

    let mut part = None;
    for section in &course.sections {
        if part != Some(&section.part) && !section.part.is_empty() {
            anstream::println!("\n{PART}{}{PART:#}", section.part);
        }
        part = Some(&section.part);
        let title = &section.title;
        let exercise = section
            .claims
            .first()
            .and_then(|name| course.exercises.iter().find(|e| &e.name == name));
        let line = match exercise {
            Some(exercise) => {
                let (mark, style) = if progress.passed.contains(&exercise.name) {
                    ("done", DONE)
                } else if Some(exercise.name.as_str()) == current {
                    ("current", CURRENT)
                } else {
                    ("pending", Style::new())
                };
                format!(
                    "  {style}{mark:<8}{style:#} {title:<width$}  {}",
                    exercise.name
                )
            }
            None if section.page.is_some() && !section.missing => {
                format!(
                    "  {DIM}{:<8}{DIM:#} {title:<width$}  {DIM}(reading){DIM:#}",
                    "page"
                )
            }
            None => format!(
                "  {DIM}{:<8} {title:<width$}  (not written yet){DIM:#}",
                "soon"
            ),
        };
        anstream::println!("{line}");
    }
    let total = course.exercises.len();
    let done = course
        .exercises
        .iter()
        .filter(|e| progress.passed.contains(&e.name))
        .count();
    println!();
    match current {
        Some(name) => println!(
            "{done} of {total} exercises done. Current: `{name}`; grade it with `cargo xtask check`."
        ),
        None => println!("{done} of {total} exercises done. Every exercise passes."),
    }
    Ok(())
}
