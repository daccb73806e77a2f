//! Plain tests on real threads. They check what a run can show: nothing lost, nothing over the
//! limit, workers that stop, messages that arrive whole. What a run cannot show (a message
//! read before its words arrive) is for the loom models in `tests/loom.rs`.

// Under `--cfg loom` the crate uses loom's atomics, which work only inside `loom::model`.
#![cfg(not(loom))]

use std::sync::atomic::{self, AtomicBool};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use atomic_operations::{Counter, Mailbox, StopFlag, run_until_stopped};

/// How long a test waits for a worker before calling it stuck. A correct solution answers in
/// microseconds; the bound only turns a hang into a message.
const PATIENCE: Duration = Duration::from_secs(5);

#[test]
fn a_new_counter_reads_zero() {
    assert_eq!(
        Counter::new().get(),
        0,
        "a counter that was never incremented"
    );
}

#[test]
fn increments_from_many_threads_are_never_lost() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 10_000;
    let counter = Counter::new();
    let start = Barrier::new(THREADS);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                start.wait();
                for _ in 0..PER_THREAD {
                    counter.increment();
                }
            });
        }
    });
    assert_eq!(
        counter.get(),
        THREADS * PER_THREAD,
        "{THREADS} threads each called increment {PER_THREAD} times. A smaller total means \
         increments were lost: a separate load and store lets two threads read the same value \
         and both write it plus one. Use one read-modify-write (`fetch_add`)."
    );
}

#[test]
fn increment_up_to_stops_exactly_at_the_limit() {
    let counter = Counter::new();
    let added: Vec<bool> = (0..5).map(|_| counter.increment_up_to(3)).collect();
    assert_eq!(
        added,
        [true, true, true, false, false],
        "with a limit of 3, the first three calls should add and every later one refuse"
    );
    assert_eq!(counter.get(), 3, "the count after reaching a limit of 3");
}

#[test]
fn racing_bounded_increments_never_pass_the_limit() {
    const THREADS: usize = 8;
    const ATTEMPTS: usize = 1_000;
    // Fewer slots than attempts, so the threads fight over the last ones.
    const LIMIT: usize = 3_000;
    let counter = Counter::new();
    let start = Barrier::new(THREADS + 1);
    let workers_done = AtomicBool::new(false);

    let (successes, highest_seen) = thread::scope(|s| {
        let observer = s.spawn(|| {
            start.wait();
            let mut highest = 0;
            // The flag is a test-side stop signal; SeqCst keeps this test free of ordering
            // questions of its own.
            while !workers_done.load(atomic::Ordering::SeqCst) {
                highest = highest.max(counter.get());
            }
            highest
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    (0..ATTEMPTS)
                        .filter(|_| counter.increment_up_to(LIMIT))
                        .count()
                })
            })
            .collect();
        // Join every worker before unwrapping, so the observer is told to stop even when a
        // worker panicked.
        let joined: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        workers_done.store(true, atomic::Ordering::SeqCst);
        let highest_seen = observer.join().unwrap();
        let successes: usize = joined.into_iter().map(Result::unwrap).sum();
        (successes, highest_seen)
    });

    assert_eq!(
        successes,
        LIMIT,
        "{} attempts raced for {LIMIT} slots, so exactly {LIMIT} should succeed. More means two \
         threads both saw room for one more and both took it: the check and the add must be a \
         single compare_exchange, retried when another thread got there first.",
        THREADS * ATTEMPTS
    );
    assert_eq!(counter.get(), LIMIT, "the count after the race");
    assert!(
        highest_seen <= LIMIT,
        "an observer saw the count at {highest_seen}, past the limit of {LIMIT}. Adding first \
         and taking it back when over the limit lets other threads see the overshoot; only \
         write a value that is within the limit."
    );
}

#[test]
fn a_flag_reads_stopped_only_after_stop() {
    let flag = StopFlag::new();
    assert!(!flag.is_stopped(), "a new flag should not be stopped");
    flag.stop();
    assert!(flag.is_stopped(), "the flag after stop()");
    flag.stop();
    assert!(
        flag.is_stopped(),
        "stopping twice should leave the flag stopped"
    );
}

#[test]
fn a_worker_stopped_before_it_starts_runs_no_rounds() {
    let flag = StopFlag::new();
    flag.stop();
    let rounds = run_until_stopped(&flag, || {
        panic!("run_until_stopped ran a round although the flag was already stopped")
    });
    assert_eq!(
        rounds, 0,
        "the flag is checked before each round, so none should run"
    );
}

#[test]
fn stop_ends_every_worker_polling_the_flag() {
    const WORKERS: usize = 4;
    let flag = Arc::new(StopFlag::new());
    let (started_tx, started_rx) = mpsc::channel();
    let (rounds_tx, rounds_rx) = mpsc::channel();
    // Plain threads, not scoped ones: if a worker never stops, the test can still fail with a
    // message instead of waiting forever for it.
    for _ in 0..WORKERS {
        let flag = Arc::clone(&flag);
        let started_tx = started_tx.clone();
        let rounds_tx = rounds_tx.clone();
        thread::spawn(move || {
            let mut first_round = Some(started_tx);
            let rounds = run_until_stopped(&flag, || {
                if let Some(started) = first_round.take() {
                    started.send(()).unwrap();
                }
            });
            rounds_tx.send(rounds).unwrap();
        });
    }
    drop((started_tx, rounds_tx));

    for _ in 0..WORKERS {
        match started_rx.recv_timeout(PATIENCE) {
            Ok(()) => {}
            Err(RecvTimeoutError::Disconnected) => {
                panic!("a worker ended (or panicked) before running a single round")
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "a worker did not start its first round within {PATIENCE:?}; does \
                 run_until_stopped call `work` while the flag is not stopped?"
            ),
        }
    }
    flag.stop();
    for _ in 0..WORKERS {
        let rounds = rounds_rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!(
                "a worker was still running {PATIENCE:?} after stop(). The worker must check \
                 the flag on every round, and stop() must set the flag that is_stopped() reads."
            )
        });
        assert!(
            rounds >= 1,
            "a worker that ran a round reported {rounds} rounds"
        );
    }
}

#[test]
fn an_empty_mailbox_reads_none() {
    assert_eq!(
        Mailbox::new().try_read(),
        None,
        "nothing was published, so there is nothing to read"
    );
}

#[test]
fn a_published_message_reads_back_whole_and_stays() {
    let mailbox = Mailbox::new();
    assert!(
        mailbox.publish([7, 11]),
        "the first publish should be accepted"
    );
    assert_eq!(mailbox.try_read(), Some([7, 11]), "the first read");
    assert_eq!(
        mailbox.try_read(),
        Some([7, 11]),
        "reading does not take the message out; a second read sees it too"
    );
}

#[test]
fn only_the_first_publish_is_delivered() {
    let mailbox = Mailbox::new();
    assert!(
        mailbox.publish([1, 2]),
        "the first publish should be accepted"
    );
    assert!(
        !mailbox.publish([3, 4]),
        "a second publish should be refused: the mailbox holds one message, once"
    );
    assert_eq!(
        mailbox.try_read(),
        Some([1, 2]),
        "the refused publish must not change the message"
    );
}

#[test]
fn a_reader_on_another_thread_reads_the_published_message() {
    let mailbox = Mailbox::new();
    let read = thread::scope(|s| {
        // A channel rather than a barrier: if publish panics, the sender is dropped and the
        // reader stops waiting.
        let (published_tx, published_rx) = mpsc::channel();
        let mailbox = &mailbox;
        let reader = s.spawn(move || {
            published_rx.recv().ok()?;
            mailbox.try_read()
        });
        mailbox.publish([40, 2]);
        published_tx.send(()).unwrap();
        reader.join().unwrap()
    });
    assert_eq!(
        read,
        Some([40, 2]),
        "the reader ran after publish had returned"
    );
}

#[test]
fn racing_publishers_deliver_exactly_one_whole_message() {
    const PUBLISHERS: usize = 8;
    let mailbox = Mailbox::new();
    let start = Barrier::new(PUBLISHERS);
    let accepted: Vec<usize> = thread::scope(|s| {
        let publishers: Vec<_> = (0..PUBLISHERS)
            .map(|id| {
                let (mailbox, start) = (&mailbox, &start);
                s.spawn(move || {
                    start.wait();
                    mailbox.publish([id, id + 100]).then_some(id)
                })
            })
            .collect();
        publishers
            .into_iter()
            .filter_map(|p| p.join().unwrap())
            .collect()
    });
    assert_eq!(
        accepted.len(),
        1,
        "publishers {accepted:?} were all told their message was accepted; exactly one should \
         be. Deciding who writes needs one atomic step (a swap or compare_exchange), not a \
         check followed by a store."
    );
    let winner = accepted[0];
    assert_eq!(
        mailbox.try_read(),
        Some([winner, winner + 100]),
        "publisher {winner} won, so its message, and only its message, should be in the mailbox"
    );
}
