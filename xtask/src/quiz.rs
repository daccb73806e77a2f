//! Quizzes in the book: `{{#quiz ../quizzes/NAME.toml}}` on a page becomes a multiple-choice
//! quiz that the reader answers and scores in the browser (`book/theme/quiz.js`). Built into the
//! runner, so the book needs no extra tool and works offline.
//!
//! A quiz file:
//!
//! ```toml
//! [[question]]
//! prompt = "Which of these does the compiler reject?"
//! choices = ["a data race on a shared `u64`", "a deadlock"]
//! answer = 0            # index into `choices`
//! explanation = "Sharing a `&mut u64` across threads does not compile; a deadlock does."
//! ```

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use regex::Regex;
use serde::Deserialize;

/// `{{#quiz FILE}}`; with a backslash in front it is literal text.
pub static QUIZ_DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\\?)\{\{#quiz\s+([^\s}]+)\s*\}\}").unwrap());

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    pub choices: Vec<String>,
    pub answer: usize,
    pub explanation: String,
}

pub fn load(path: &Path) -> Result<Quiz> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read quiz {}", path.display()))?;
    let quiz: Quiz =
        toml::from_str(&text).with_context(|| format!("{} is not a valid quiz", path.display()))?;
    if quiz.questions.is_empty() {
        bail!("{} has no questions", path.display());
    }
    for (i, q) in quiz.questions.iter().enumerate() {
        if q.choices.len() < 2 || q.answer >= q.choices.len() {
            bail!(
                "{}: question {} needs at least two choices and an `answer` index among them",
                path.display(),
                i + 1
            );
        }
    }
    Ok(quiz)
}

/// The quiz as HTML; `id` keeps the radio groups of two quizzes on one page apart.
pub fn render(quiz: &Quiz, id: &str) -> String {
    let mut html = String::new();
    let _ = writeln!(html, "<div class=\"quiz\" id=\"quiz-{id}\">");
    for (qi, q) in quiz.questions.iter().enumerate() {
        let _ = writeln!(
            html,
            "<fieldset class=\"quiz-question\" data-answer=\"{}\">\n<legend>{}. {}</legend>",
            q.answer,
            qi + 1,
            inline(&q.prompt)
        );
        for (ci, choice) in q.choices.iter().enumerate() {
            let _ = writeln!(
                html,
                "<label class=\"quiz-choice\"><input type=\"radio\" name=\"quiz-{id}-{qi}\" value=\"{ci}\"> {}</label>",
                inline(choice)
            );
        }
        let _ = writeln!(
            html,
            "<p class=\"quiz-explanation\" hidden>{}</p>\n</fieldset>",
            inline(&q.explanation)
        );
    }
    let _ = writeln!(
        html,
        "<button type=\"button\" class=\"quiz-check\">Check my answers</button>\n<p class=\"quiz-score\" aria-live=\"polite\"></p>\n</div>"
    );
    html
}

/// Escapes HTML and turns `code` spans into `<code>`, the only markup quiz text uses.
fn inline(text: &str) -> String {
    let escaped = text
        .trim()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiz_renders_one_radio_group_per_question() {
        let quiz: Quiz = toml::from_str(
            r#"
            [[question]]
            prompt = "Is `a < b`?"
            choices = ["yes", "no"]
            answer = 1
            explanation = "No."
            "#,
        )
        .unwrap();
        let html = render(&quiz, "t");
        assert!(html.contains("<legend>1. Is <code>a &lt; b</code>?</legend>"));
        assert_eq!(html.matches("name=\"quiz-t-0\"").count(), 2);
        assert!(html.contains("data-answer=\"1\""));
    }
}
