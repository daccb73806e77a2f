//! Atomic operations: a counter, a compare-exchange loop, a publish through a flag, and the
//! one case where only `SeqCst` will do.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

// ANCHOR: counter
/// Runs `threads` threads that each count `per_thread` hits, and returns the total.
pub fn count_hits(threads: usize, per_thread: usize) -> usize {
    let hits = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    // Relaxed: the count carries no other data, and a read-modify-write never
                    // loses an update, whatever its ordering.
                    hits.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    // Relaxed: the scope joined every thread, and a join orders the joined thread's work
    // before whatever follows it.
    hits.load(Ordering::Relaxed)
}
// ANCHOR_END: counter

// ANCHOR: peak
/// Raises `peak` to `seen` if `seen` is higher.
pub fn record_peak(peak: &AtomicUsize, seen: usize) {
    // Relaxed everywhere: only the value of `peak` itself is at stake.
    let mut current = peak.load(Ordering::Relaxed);
    while seen > current {
        match peak.compare_exchange_weak(current, seen, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            // Someone else changed `peak` first: look at the new value and decide again.
            Err(actual) => current = actual,
        }
    }
}
// ANCHOR_END: peak

// ANCHOR: hand_over
/// One thread writes `value` and raises a flag; this thread waits for the flag, then reads.
pub fn hand_over(value: usize) -> usize {
    let data = AtomicUsize::new(0);
    let ready = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            // (1) Relaxed: the Release store below carries this write along.
            data.store(value, Ordering::Relaxed);
            // (2) Release: everything this thread wrote before goes with the flag.
            ready.store(true, Ordering::Release);
        });
        // (3) Acquire: once this reads `true`, everything before (2) is visible here.
        while !ready.load(Ordering::Acquire) {
            std::hint::spin_loop();
        }
        // (4) Relaxed: (3) already ordered this read after (1).
        data.load(Ordering::Relaxed)
    })
}
// ANCHOR_END: hand_over

// ANCHOR: seq_cst
/// Two threads each raise their own flag, then look at the other's.
/// Returns whether the first saw the second's flag, and whether the second saw the first's.
pub fn raise_then_look() -> (bool, bool) {
    let first = AtomicBool::new(false);
    let second = AtomicBool::new(false);
    // SeqCst: the four operations fall into one order that both threads agree on.
    thread::scope(|s| {
        let first_saw = s.spawn(|| {
            first.store(true, Ordering::SeqCst);
            second.load(Ordering::SeqCst)
        });
        let second_saw = s.spawn(|| {
            second.store(true, Ordering::SeqCst);
            first.load(Ordering::SeqCst)
        });
        (first_saw.join().unwrap(), second_saw.join().unwrap())
    })
}
// ANCHOR_END: seq_cst

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relaxed_counter_loses_no_hits() {
        assert_eq!(count_hits(8, 10_000), 80_000);
    }

    #[test]
    fn the_peak_only_goes_up() {
        let peak = AtomicUsize::new(0);
        for seen in [3, 1, 7, 7, 2] {
            record_peak(&peak, seen);
        }
        assert_eq!(peak.load(Ordering::Relaxed), 7);
    }

    #[test]
    fn racing_peaks_keep_the_highest() {
        let peak = AtomicUsize::new(0);
        thread::scope(|s| {
            for start in 0..4 {
                let peak = &peak;
                s.spawn(move || {
                    for seen in (start..1_000).step_by(4) {
                        record_peak(peak, seen);
                    }
                });
            }
        });
        assert_eq!(peak.load(Ordering::Relaxed), 999);
    }

    #[test]
    fn the_reader_sees_the_value_written_before_the_flag() {
        assert_eq!(hand_over(42), 42);
    }

    #[test]
    fn with_seq_cst_at_least_one_thread_sees_the_other_flag() {
        for _ in 0..200 {
            assert_ne!(raise_then_look(), (false, false));
        }
    }
}
