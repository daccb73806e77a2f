//! Pipeline: each stage is a thread, and a bounded channel joins it to the next.

use crossbeam_channel::{Receiver, bounded};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};

/// How many items each channel holds before its sender has to wait.
const CAPACITY: usize = 2;

// ANCHOR: generate
/// The first stage: sends each item, then returns. Returning drops `tx`, and that ends the
/// stream for whoever reads `rx`.
pub fn generate<T: Send + 'static>(
    items: impl Iterator<Item = T> + Send + 'static,
) -> (Receiver<T>, JoinHandle<()>) {
    let (tx, rx) = bounded(CAPACITY);
    let handle = thread::spawn(move || {
        for item in items {
            if tx.send(item).is_err() {
                return; // every receiver is gone: nobody will read what we make
            }
        }
    });
    (rx, handle)
}
// ANCHOR_END: generate

// ANCHOR: square
/// A middle stage: owns its input, and the loop ends when every upstream sender is gone.
pub fn square(input: Receiver<i64>) -> (Receiver<i64>, JoinHandle<()>) {
    let (tx, rx) = bounded(CAPACITY);
    let handle = thread::spawn(move || {
        for n in input {
            if tx.send(n * n).is_err() {
                return; // returning drops `input`, so the stage before us stops too
            }
        }
    });
    (rx, handle)
}
// ANCHOR_END: square

// ANCHOR: first_squares
/// The first `how_many` squares of 1, 2, 3, ... from an endless generator.
pub fn first_squares(how_many: usize) -> Vec<i64> {
    let (numbers, generator) = generate(1..);
    let (squares, squarer) = square(numbers);
    let first = squares.iter().take(how_many).collect();
    // Hang up. The squarer's next send fails, so it returns and drops its input; then the
    // generator's send fails too. Both threads end, so both joins return.
    drop(squares);
    squarer.join().unwrap();
    generator.join().unwrap();
    first
}
// ANCHOR_END: first_squares

// ANCHOR: parse
#[derive(Debug, PartialEq)]
pub struct NotANumber(pub String);

/// Parses each line. The first bad line goes downstream as an error, and the stage stops
/// there: nothing after it would be used.
pub fn parse(lines: Receiver<String>) -> (Receiver<Result<i64, NotANumber>>, JoinHandle<()>) {
    let (tx, rx) = bounded(CAPACITY);
    let handle = thread::spawn(move || {
        for line in lines {
            let parsed = line.trim().parse().map_err(|_| NotANumber(line));
            let failed = parsed.is_err();
            if tx.send(parsed).is_err() || failed {
                return;
            }
        }
    });
    (rx, handle)
}
// ANCHOR_END: parse

// ANCHOR: total
/// Adds up the lines, or returns the first one that is not a number.
pub fn total(lines: Vec<String>) -> Result<i64, NotANumber> {
    let (lines, generator) = generate(lines.into_iter());
    let (numbers, parser) = parse(lines);
    // Summing into a `Result` stops at the first `Err` and returns it.
    let total = numbers.iter().sum();
    drop(numbers);
    parser.join().unwrap();
    generator.join().unwrap();
    total
}
// ANCHOR_END: total

// ANCHOR: trap_ignore
/// WRONG: throws away the error from `send`, so it squares every input, read or not.
pub fn square_for_nobody(
    input: Receiver<i64>,
    worked: Arc<AtomicUsize>,
) -> (Receiver<i64>, JoinHandle<()>) {
    let (tx, rx) = bounded(CAPACITY);
    let handle = thread::spawn(move || {
        for n in input {
            worked.fetch_add(1, Ordering::Relaxed);
            let _ = tx.send(n * n); // the error said "stop"; this line ignores it
        }
    });
    (rx, handle)
}
// ANCHOR_END: trap_ignore

// ANCHOR: trap_unbounded
/// WRONG for a stage: an unbounded channel never makes the sender wait.
pub fn run_ahead(count: i64) -> Receiver<i64> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let producer = thread::spawn(move || {
        for n in 0..count {
            tx.send(n).unwrap();
        }
    });
    producer.join().unwrap(); // returns although nobody has read a single item
    rx // every item is still in memory, waiting
}
// ANCHOR_END: trap_unbounded

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_generator_stops_when_the_consumer_hangs_up() {
        // If either stage ignored the hang-up, a join would never return.
        assert_eq!(first_squares(3), [1, 4, 9]);
    }

    #[test]
    fn the_stream_ends_when_the_first_stage_runs_out() {
        let (numbers, generator) = generate(vec![1, 2, 3].into_iter());
        let (squares, squarer) = square(numbers);
        let all: Vec<i64> = squares.iter().collect();
        assert_eq!(all, [1, 4, 9]);
        squarer.join().unwrap();
        generator.join().unwrap();
    }

    #[test]
    fn total_adds_up_good_lines() {
        let lines = ["1", " 2", "3 "].map(String::from).to_vec();
        assert_eq!(total(lines), Ok(6));
    }

    #[test]
    fn total_returns_the_first_bad_line() {
        let lines = ["1", "two", "three", "4"].map(String::from).to_vec();
        assert_eq!(total(lines), Err(NotANumber("two".into())));
    }

    #[test]
    fn the_parser_stops_after_the_first_error() {
        let lines = ["1", "two", "3"].map(String::from).to_vec();
        let (lines, generator) = generate(lines.into_iter());
        let (parsed, parser) = parse(lines);
        let all: Vec<_> = parsed.iter().collect();
        assert_eq!(all, [Ok(1), Err(NotANumber("two".into()))]);
        parser.join().unwrap();
        generator.join().unwrap();
    }

    #[test]
    fn a_stage_that_ignores_send_errors_does_all_the_work_for_nobody() {
        let worked = Arc::new(AtomicUsize::new(0));
        let (numbers, generator) = generate(0..1000);
        let (squares, squarer) = square_for_nobody(numbers, Arc::clone(&worked));
        assert_eq!(squares.recv(), Ok(0));
        drop(squares); // the consumer hangs up after one item
        squarer.join().unwrap();
        generator.join().unwrap();
        assert_eq!(worked.load(Ordering::Relaxed), 1000);
    }

    #[test]
    fn an_unbounded_channel_lets_the_producer_finish_without_a_reader() {
        assert_eq!(run_ahead(10_000).len(), 10_000);
    }
}
