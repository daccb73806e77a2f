//! `hint`: one more hint each time it is asked, per exercise.

use anyhow::Result;

use crate::check::named_or_current;
use crate::course::Course;
use crate::progress::Store;

pub fn hint(course: &Course, name: Option<&str>, all: bool) -> Result<()> {
    let store = Store::new(&course.root);
    let Some(exercise) = named_or_current(course, name, &store)? else {
        println!("Every exercise passes; there is nothing left to hint at.");
        return Ok(());
    };
    let hints = &exercise.meta.hints;
    if hints.is_empty() {
        println!(
            "`{}` has no hints. Its book page explains the idea.",
            exercise.name
        );
        return Ok(());
    }
    let progress = store.update(|progress| {
        let shown = progress
            .hints_shown
            .entry(exercise.name.clone())
            .or_insert(0);
        if *shown < hints.len() {
            *shown += 1;
            true
        } else {
            false
        }
    })?;
    let shown = progress.hints_shown[&exercise.name];
    let from = if all { 0 } else { shown - 1 };
    for (i, text) in hints.iter().enumerate().take(shown).skip(from) {
        println!(
            "Hint {} of {} for `{}`:\n\n{}\n",
            i + 1,
            hints.len(),
            exercise.name,
            text.trim()
        );
    }
    if shown < hints.len() {
        println!(
            "Run `cargo xtask hint {}` again for the next one.",
            exercise.name
        );
    } else if !all && shown > 1 {
        println!(
            "That was the last hint. `cargo xtask hint {} --all` shows them all again.",
            exercise.name
        );
    }
    Ok(())
}
