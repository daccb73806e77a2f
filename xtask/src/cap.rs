//! A bound on what a test may print. nextest keeps every byte a test writes; a learner's loop
//! that prints on every iteration can write gigabytes before the time limit ends it. While
//! grading, the runner makes itself the test binaries' cargo "target runner": each test runs as
//! `xtask cap-output -- <test binary> <args>`, which passes the first [`HEAD`] bytes of each
//! stream through, keeps only the last [`TAIL`], drops the middle, and says how much it dropped.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Bytes of each stream passed through as they arrive.
pub const HEAD: usize = 64 * 1024;
/// Bytes of each stream kept from the end.
pub const TAIL: usize = 64 * 1024;
/// The line that replaces what was dropped: `[course runner: N bytes cut]`.
pub const CUT_MARKER: &str = "[course runner: ";
/// Written when the test returned but something it started still holds its output.
pub const LEAK_MARKER: &str =
    "[course runner: the test returned, but a process it started still holds its output]";
/// How long the output may stay open after the test process ended.
const LEAK_GRACE: Duration = Duration::from_millis(200);

/// Runs `program args...` with its output bounded, and ends the way it ended.
pub fn run(program: &str, args: &[String]) -> ExitCode {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot start the test binary {program}: {e}");
            return ExitCode::from(101);
        }
    };
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (done_tx, done) = mpsc::channel();
    let done_err = done_tx.clone();
    std::thread::spawn(move || {
        bound(stdout, io::stdout());
        let _ = done_tx.send(());
    });
    std::thread::spawn(move || {
        bound(stderr, io::stderr());
        let _ = done_err.send(());
    });
    let status = child.wait();
    // Both streams end when the test process ends, unless a process it started inherited them
    // and is still running: that is a leak, reported instead of waited for.
    for _ in 0..2 {
        if done.recv_timeout(LEAK_GRACE).is_err() {
            eprintln!("\n{LEAK_MARKER}");
            break;
        }
    }
    match status {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(code as u8),
            None => die_like(status),
        },
        Err(_) => ExitCode::from(101),
    }
}

/// Copies `from` to `to`: the head as it comes, then only a rolling tail, written at the end.
fn bound(mut from: impl Read, mut to: impl Write) {
    let mut passed = 0usize;
    let mut tail: VecDeque<u8> = VecDeque::with_capacity(TAIL);
    let mut dropped = 0usize;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut chunk = &buf[..n];
        if passed < HEAD {
            let take = chunk.len().min(HEAD - passed);
            let _ = to.write_all(&chunk[..take]);
            let _ = to.flush();
            passed += take;
            chunk = &chunk[take..];
        }
        for &byte in chunk {
            if tail.len() == TAIL {
                tail.pop_front();
                dropped += 1;
            }
            tail.push_back(byte);
        }
    }
    if dropped > 0 {
        let _ = write!(to, "\n{CUT_MARKER}{dropped} bytes cut]\n");
    }
    let (a, b) = tail.as_slices();
    let _ = to.write_all(a);
    let _ = to.write_all(b);
    let _ = to.flush();
}

/// The test died of a signal: die of the same one, so nextest reports what really happened.
#[cfg(unix)]
fn die_like(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = status.signal() {
        // SAFETY: restoring the default action and raising a signal on our own process has no
        // memory-safety preconditions.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
    ExitCode::from(101)
}

#[cfg(not(unix))]
fn die_like(_status: std::process::ExitStatus) -> ExitCode {
    ExitCode::from(101)
}
