//! `book` and `serve`: build the book with the mdBook library, turning each page's
//! `{{#exercise NAME}}` into its exercise card, and serve it on loopback.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use mdbook_driver::MDBook;
use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use regex::{Captures, Regex};

use crate::course::{Course, EXERCISE_DIRECTIVE, Exercise};
use crate::quiz;

/// Builds the book into `book/build` and returns the path of its index page.
pub fn build(course: &Course) -> Result<PathBuf> {
    let started = Instant::now();
    let book_dir = course.root.join("book");
    let mut book = MDBook::load(&book_dir)
        .map_err(|e| anyhow!("{e:#}"))
        .with_context(|| format!("cannot load the book in {}", book_dir.display()))?;
    book.with_preprocessor(ExerciseCards {
        root: course.root.clone(),
        exercises: course.exercises.clone(),
    });
    book.with_preprocessor(Quizzes);
    book.build()
        .map_err(|e| anyhow!("{e:#}"))
        .context("the book did not build")?;
    let out = book.build_dir_for("html");
    eprintln!(
        "Built the book into {} in {:.1} s",
        out.strip_prefix(&course.root).unwrap_or(&out).display(),
        started.elapsed().as_secs_f64()
    );
    Ok(out.join("index.html"))
}

/// `book [--open]`.
pub fn book(course: &Course, open: bool) -> Result<()> {
    let index = build(course)?;
    if open {
        open_in_browser(&index);
    } else {
        println!(
            "Open {} in a browser, or run `cargo xtask book --open`.",
            index.display()
        );
    }
    let progress = crate::progress::Store::new(&course.root).load()?;
    if let Some(exercise) = crate::check::current(course, &progress) {
        println!(
            "Begin with the Getting started page. Your current exercise is `{}`: edit it, then run `cargo xtask check`.",
            exercise.name
        );
    }
    Ok(())
}

fn open_in_browser(target: &Path) {
    let target = target.to_string_lossy().to_string();
    let openers: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("open", &[])]
    } else if cfg!(windows) {
        &[("cmd", &["/C", "start", ""])]
    } else {
        &[("xdg-open", &[]), ("sensible-browser", &[])]
    };
    for (program, args) in openers {
        let opened = std::process::Command::new(program)
            .args(*args)
            .arg(&target)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if opened {
            println!("Opened {target} in your browser.");
            return;
        }
    }
    println!("Could not start a browser here; open {target} yourself.");
}

/// `serve`: builds, serves `book/build` on 127.0.0.1, and rebuilds when a source changes.
pub fn serve(course: &Course, port: u16, open: bool) -> Result<()> {
    build(course)?;
    let out = course.root.join("book/build");
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let url = format!("http://127.0.0.1:{port}/");
    println!(
        "Serving the book at {url} (Ctrl-C to stop). Pages rebuild when you save; refresh to see them."
    );
    if open {
        open_in_browser(Path::new(&url));
    }

    let root = course.root.clone();
    std::thread::spawn(move || {
        if let Err(e) = rebuild_on_change(&root) {
            eprintln!("warning: automatic rebuilds stopped: {e:#}");
        }
    });

    for request in server.incoming_requests() {
        let response = match resolve(&out, request.url()) {
            Some(path) => match fs::read(&path) {
                Ok(bytes) => tiny_http::Response::from_data(bytes).with_header(
                    tiny_http::Header::from_bytes(&b"Content-Type"[..], content_type(&path))
                        .expect("a valid header"),
                ),
                Err(_) => not_found(),
            },
            None => not_found(),
        };
        let _ = request.respond(response);
    }
    Ok(())
}

fn not_found() -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    tiny_http::Response::from_string("not found").with_status_code(404)
}

/// Maps a URL path to a file inside the build directory; refuses anything that escapes it.
fn resolve(out: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let mut file = out.to_path_buf();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment.contains('\\') {
            return None;
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "application/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        _ => "application/octet-stream",
    }
}

fn rebuild_on_change(root: &Path) -> Result<()> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading a file raises events too (the build itself reads every page); only a change
        // to a file may trigger a rebuild, or the book would rebuild forever.
        if let Ok(event) = event
            && matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            )
        {
            let _ = tx.send(());
        }
    })?;
    for dir in [
        "book/src",
        "book/theme",
        "book/quizzes",
        "book/snippets/src",
        "exercises",
    ] {
        watcher.watch(&root.join(dir), RecursiveMode::Recursive)?;
    }
    while rx.recv().is_ok() {
        // An editor's save is several events; rebuild once they settle.
        while rx.recv_timeout(Duration::from_millis(300)).is_ok() {}
        // Reload the catalogue too: a changed hint or description changes a card.
        if let Err(e) = Course::load(root).and_then(|course| build(&course)) {
            eprintln!("the book did not rebuild: {e:#}");
        }
    }
    Ok(())
}

/// The in-process preprocessor that renders `{{#quiz FILE}}` (see [`crate::quiz`]).
struct Quizzes;

impl Preprocessor for Quizzes {
    fn name(&self) -> &str {
        "quizzes"
    }

    fn run(
        &self,
        ctx: &PreprocessorContext,
        book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let src = ctx.root.join(&ctx.config.book.src);
        expand_directives(book, &quiz::QUIZ_DIRECTIVE, |chapter, file, n| {
            // The quiz path is relative to the page, like mdBook's own includes.
            let dir = chapter
                .source_path
                .as_ref()
                .and_then(|p| p.parent())
                .map(|p| src.join(p))
                .unwrap_or_else(|| src.clone());
            Ok(quiz::render(&quiz::load(&dir.join(file))?, &n.to_string()))
        })
    }
}

/// Replaces each directive on every page with `render(page, ARGUMENT, n)`, where `n` counts
/// the directives of one page from 1. `directive` captures an escaping backslash (group 1) and
/// the argument (group 2): an escaped directive stays on the page as text, minus the
/// backslash. The first error stops the build, naming its page.
fn expand_directives(
    mut book: Book,
    directive: &Regex,
    mut render: impl FnMut(&Chapter, &str, usize) -> Result<String>,
) -> Result<Book> {
    let mut error = None;
    book.for_each_mut(|item| {
        let BookItem::Chapter(chapter) = item else {
            return;
        };
        let mut n = 0;
        let content = directive.replace_all(&chapter.content, |caps: &Captures<'_>| {
            if !caps[1].is_empty() {
                return caps[0][1..].to_string();
            }
            n += 1;
            render(chapter, &caps[2], n).unwrap_or_else(|e| {
                error.get_or_insert(anyhow!("{}: {e:#}", chapter.name));
                String::new()
            })
        });
        if let Cow::Owned(content) = content {
            chapter.content = content;
        }
    });
    match error {
        Some(e) => Err(e),
        None => Ok(book),
    }
}

/// The in-process preprocessor that renders exercise cards.
struct ExerciseCards {
    root: PathBuf,
    exercises: Vec<Exercise>,
}

impl Preprocessor for ExerciseCards {
    fn name(&self) -> &str {
        "exercise-cards"
    }

    fn run(
        &self,
        _ctx: &PreprocessorContext,
        book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        expand_directives(book, &EXERCISE_DIRECTIVE, |_, name, _| self.card(name))
    }
}

impl ExerciseCards {
    fn card(&self, name: &str) -> Result<String> {
        let Some(exercise) = self.exercises.iter().find(|e| e.name == name) else {
            bail!("the page claims exercise `{name}`, but no crate under exercises/ has that name");
        };
        let dir = self.root.join("exercises").join(&exercise.rel);
        // Point at the files with work in them; a complete helper module needs no edit.
        let all = exercise.source_files(&dir)?;
        let with_todo: Vec<_> = all
            .iter()
            .filter(|f| fs::read_to_string(dir.join(f)).is_ok_and(|t| t.contains("todo!(")))
            .cloned()
            .collect();
        let files = if with_todo.is_empty() { all } else { with_todo };
        let mut card = String::new();
        let _ = write!(
            card,
            "<div class=\"exercise-card\" id=\"exercise-{name}\">\n\n### Exercise: `{name}`\n\n{}\n\n",
            exercise.description
        );
        let paths: Vec<String> = files
            .iter()
            .map(|f| format!("`exercises/{}/{}`", exercise.rel.display(), f.display()))
            .collect();
        let _ = write!(
            card,
            "Open {}, replace each `todo!()`, and grade your work:\n\n```console\ncargo xtask check {name}\n```\n\n",
            paths.join(" and ")
        );
        card.push_str(
            "`cargo xtask watch` grades again on every save. The tests are in the exercise's `tests/` folder: read them, but do not change them.\n\n",
        );
        if !exercise.meta.hints.is_empty() {
            let _ = write!(
                card,
                "Stuck? `cargo xtask hint {name}` reveals one hint at a time, or open them here:\n\n"
            );
            for (i, hint) in exercise.meta.hints.iter().enumerate() {
                let _ = write!(
                    card,
                    "<details>\n<summary>Hint {}</summary>\n\n{}\n\n</details>\n\n",
                    i + 1,
                    hint.trim()
                );
            }
        }
        card.push_str("</div>\n");
        Ok(card)
    }
}
