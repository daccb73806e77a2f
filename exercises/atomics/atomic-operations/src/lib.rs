//! Atomic operations: three small tools, each with the weakest `Ordering` that is still correct.
//!
//! - [`Counter`]: a shared count (`fetch_add`) and an increment that never passes a limit
//!   (a `compare_exchange` loop).
//! - [`StopFlag`] and [`run_until_stopped`]: a flag that workers poll to know when to quit.
//! - [`Mailbox`]: a message of two words published once and read by any thread.
//!
//! The types and their fields are ready; fill in the bodies marked `todo!`. Every atomic
//! operation takes an `Ordering`: for each one, ask whether other data has to travel with it.
//! The plain tests run on real threads; `tests/loom.rs` checks your orderings under every
//! interleaving, including the ones your machine never shows.

// While the bodies are `todo!()`, the fields and arguments look unused to the compiler.
// Delete this line once your code uses them all.
#![allow(unused)]

/// The atomics this crate uses: loom's when the tests run under `--cfg loom`, so a model can
/// explore every interleaving and weak-memory outcome, and std's otherwise.
mod sync {
    #[cfg(loom)]
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    #[cfg(not(loom))]
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
}

use sync::{AtomicBool, AtomicUsize, Ordering};

/// A count shared between threads.
#[derive(Debug)]
pub struct Counter {
    count: AtomicUsize,
}

impl Counter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self {
            count: AtomicUsize::new(0),
        }
    }

    /// Adds one.
    pub fn increment(&self) {
        todo!("add one to `count` in a single read-modify-write")
    }

    /// The current count.
    pub fn get(&self) -> usize {
        todo!("load `count`")
    }

    /// Adds one unless the count has already reached `limit`. Returns whether it added.
    pub fn increment_up_to(&self, limit: usize) -> bool {
        todo!("a compare_exchange loop: from the value you saw to that value plus one")
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

/// A flag that tells workers to stop. Once set, it stays set.
#[derive(Debug)]
pub struct StopFlag {
    stopped: AtomicBool,
}

impl StopFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self {
            stopped: AtomicBool::new(false),
        }
    }

    /// Asks every worker polling this flag to stop.
    pub fn stop(&self) {
        todo!("store `true` in `stopped`")
    }

    /// Whether [`stop`](Self::stop) has been called.
    pub fn is_stopped(&self) -> bool {
        todo!("load `stopped`")
    }
}

impl Default for StopFlag {
    fn default() -> Self {
        Self::new()
    }
}

/// Calls `work` over and over until `flag` is stopped, checking the flag before each round.
/// Returns how many rounds ran.
pub fn run_until_stopped(flag: &StopFlag, mut work: impl FnMut()) -> usize {
    todo!("loop: check `flag`, call `work()`, count the round")
}

/// A mailbox for one message of two words: published once, then read by any thread.
#[derive(Debug)]
pub struct Mailbox {
    /// Set by the one `publish` call that gets to write the message.
    claimed: AtomicBool,
    /// The message. It means something only once `ready` is true.
    words: [AtomicUsize; 2],
    /// Set after both words are written.
    ready: AtomicBool,
}

impl Mailbox {
    /// An empty mailbox.
    pub fn new() -> Self {
        Self {
            claimed: AtomicBool::new(false),
            words: [AtomicUsize::new(0), AtomicUsize::new(0)],
            ready: AtomicBool::new(false),
        }
    }

    /// Publishes `message`. Only the first call publishes and returns `true`; later calls
    /// (or a call racing with the first) leave the mailbox as it is and return `false`.
    pub fn publish(&self, message: [usize; 2]) -> bool {
        todo!("claim the mailbox, write the words, then set `ready`")
    }

    /// The message, if one has been published.
    pub fn try_read(&self) -> Option<[usize; 2]> {
        todo!("check `ready` first; only then read the words")
    }
}

impl Default for Mailbox {
    fn default() -> Self {
        Self::new()
    }
}
