//! Three small tools built on atomics, each with the weakest `Ordering` that is still correct:
//!
//! - [`Counter`]: a shared count (`fetch_add`) and an increment that never passes a limit
//!   (a `compare_exchange` loop).
//! - [`StopFlag`] and [`run_until_stopped`]: a flag that workers poll to know when to quit.
//! - [`Mailbox`]: a message of two words published once and read by any thread.
//!
//! ```
//! use atomic_operations::Mailbox;
//!
//! let mailbox = Mailbox::new();
//! assert_eq!(mailbox.try_read(), None);
//! assert!(mailbox.publish([7, 11]));
//! assert_eq!(mailbox.try_read(), Some([7, 11]));
//! ```

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
        // Relaxed: the count publishes no other data; the add only has to be indivisible.
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The current count.
    pub fn get(&self) -> usize {
        // Relaxed: a reader that needs every increment first joins the incrementing threads,
        // and the join is what orders their adds before this load.
        self.count.load(Ordering::Relaxed)
    }

    /// Adds one unless the count has already reached `limit`. Returns whether it added.
    pub fn increment_up_to(&self, limit: usize) -> bool {
        // Relaxed: the first read is only a guess; the compare_exchange below checks it.
        let mut seen = self.count.load(Ordering::Relaxed);
        while seen < limit {
            // Relaxed on both outcomes: only the count itself is at stake, and a
            // read-modify-write always acts on the latest value, whatever the ordering.
            match self.count.compare_exchange_weak(
                seen,
                seen + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                // Another thread moved the count (or a weak exchange failed spuriously):
                // retry from the value that is there now.
                Err(current) => seen = current,
            }
        }
        false
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
        // Relaxed: the flag carries no data to the workers; they only need to see it soon,
        // and a store becomes visible to other threads' loads whatever its ordering.
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// Whether [`stop`](Self::stop) has been called.
    pub fn is_stopped(&self) -> bool {
        // Relaxed: pairs with the Relaxed store in `stop`; nothing is read on its strength.
        self.stopped.load(Ordering::Relaxed)
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
    let mut rounds = 0;
    while !flag.is_stopped() {
        work();
        rounds += 1;
    }
    rounds
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
        // Relaxed: the swap only decides who writes; its atomicity alone makes one winner.
        if self.claimed.swap(true, Ordering::Relaxed) {
            return false;
        }
        let [first, second] = &self.words;
        // Relaxed: the Release store to `ready` below publishes these writes.
        first.store(message[0], Ordering::Relaxed);
        second.store(message[1], Ordering::Relaxed);
        // Release: every write above happens-before any Acquire load that reads this `true`.
        self.ready.store(true, Ordering::Release);
        true
    }

    /// The message, if one has been published.
    pub fn try_read(&self) -> Option<[usize; 2]> {
        // Acquire: pairs with the Release store in `publish`, so seeing `true` means seeing
        // both words as the publisher wrote them.
        if !self.ready.load(Ordering::Acquire) {
            return None;
        }
        let [first, second] = &self.words;
        // Relaxed: the Acquire load above already ordered these reads after the writes.
        Some([
            first.load(Ordering::Relaxed),
            second.load(Ordering::Relaxed),
        ])
    }
}

impl Default for Mailbox {
    fn default() -> Self {
        Self::new()
    }
}
