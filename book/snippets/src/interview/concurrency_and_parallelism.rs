//! Examples of the "Concurrency and parallelism" page.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: cores
/// How many worker threads to start: one per core that can run at the same time, or one if
/// the platform cannot tell.
pub fn worker_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
// ANCHOR_END: cores

// ANCHOR: counter
/// Counts to `2 * per_thread` from two threads, twice: once with an atomic, once with a mutex.
/// With a plain `let mut count = 0` captured by both threads, this would not compile.
pub fn count_from_two_threads(per_thread: u64) -> (u64, u64) {
    let atomic = AtomicU64::new(0);
    let locked = Mutex::new(0u64);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..per_thread {
                    // Relaxed: only the total matters, and the scope's join publishes it.
                    atomic.fetch_add(1, Ordering::Relaxed);
                    *locked.lock().unwrap() += 1;
                }
            });
        }
    });
    (atomic.into_inner(), locked.into_inner().unwrap())
}
// ANCHOR_END: counter

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_at_least_one_worker() {
        assert!(worker_count() >= 1);
    }

    #[test]
    fn no_increment_is_lost() {
        assert_eq!(count_from_two_threads(10_000), (20_000, 20_000));
    }
}
