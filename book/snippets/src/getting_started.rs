//! The Go-to-Rust map of the "Getting started" page.

use std::time::Duration;

use crossbeam_channel::{Receiver, bounded, select};

// ANCHOR: scope
/// Sums each chunk on its own thread. The scope joins every thread before it returns, so the
/// threads may borrow `data`, and no thread outlives the call.
pub fn parallel_sum(data: &[u64], chunks: usize) -> u64 {
    let size = data.len().div_ceil(chunks.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(size)
            .map(|chunk| s.spawn(move || chunk.iter().sum::<u64>()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}
// ANCHOR_END: scope

// ANCHOR: channel
/// Produces `0..n` on a bounded channel. Returning drops the sender, which ends the
/// consumer's `for` loop: there is no `close` to forget.
pub fn numbers(n: u64) -> Receiver<u64> {
    let (tx, rx) = bounded(4);
    std::thread::spawn(move || {
        for i in 0..n {
            if tx.send(i).is_err() {
                return; // the consumer is gone: stop producing
            }
        }
    });
    rx
}
// ANCHOR_END: channel

// ANCHOR: select
/// Takes the first value from either channel, or gives up after `patience`.
pub fn first_of(a: &Receiver<u64>, b: &Receiver<u64>, patience: Duration) -> Option<u64> {
    select! {
        recv(a) -> v => v.ok(),
        recv(b) -> v => v.ok(),
        default(patience) => None,
    }
}
// ANCHOR_END: select

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_threads_sum_every_chunk() {
        let data: Vec<u64> = (1..=100).collect();
        assert_eq!(parallel_sum(&data, 4), 5050);
        assert_eq!(parallel_sum(&[], 4), 0);
    }

    #[test]
    fn the_stream_ends_when_the_sender_is_dropped() {
        let got: Vec<u64> = numbers(5).iter().collect();
        assert_eq!(got, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn select_takes_whichever_channel_is_ready() {
        let (tx, a) = bounded(1);
        let (_keep, b) = bounded::<u64>(1);
        tx.send(7).unwrap();
        assert_eq!(first_of(&a, &b, Duration::from_secs(5)), Some(7));
        assert_eq!(first_of(&a, &b, Duration::from_millis(1)), None);
    }
}
