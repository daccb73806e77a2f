//! loom models. loom runs each closure under every interleaving of its threads (up to a
//! preemption bound) and lets a load return any value the memory model allows, including a
//! stale one. A bug that real hardware shows once in a million runs, or never on x86, shows
//! up here every time.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;

use atomic_operations::{Counter, Mailbox};

#[test]
fn a_reader_that_sees_the_message_sees_all_of_it() {
    loom::model(|| {
        let mailbox = Arc::new(Mailbox::new());
        let publisher = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || {
                mailbox.publish([1, 2]);
            })
        };
        let read = mailbox.try_read();
        assert!(
            read.is_none() || read == Some([1, 2]),
            "try_read returned {read:?}, but the only message ever published was [1, 2]. The \
             reader saw `ready` without the words written before it. With Relaxed on either \
             side of the flag, the earlier writes do not travel with it: store `ready` with \
             Release and load it with Acquire, so the words happen-before the read."
        );
        publisher.join().unwrap();
    });
}

#[test]
fn racing_publishers_deliver_one_whole_message() {
    loom::model(|| {
        let mailbox = Arc::new(Mailbox::new());
        let second = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || mailbox.publish([3, 4]))
        };
        let first_won = mailbox.publish([1, 2]);
        let second_won = second.join().unwrap();
        assert!(
            first_won != second_won,
            "both publishers were told {first_won}; exactly one should win. Claim the mailbox \
             with one atomic step (swap or compare_exchange) before writing the words."
        );
        let expected = if first_won { [1, 2] } else { [3, 4] };
        assert_eq!(
            mailbox.try_read(),
            Some(expected),
            "after both publishers returned, the mailbox should hold the winner's message whole"
        );
    });
}

#[test]
fn two_threads_racing_for_the_last_slot_never_both_get_it() {
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || counter.increment_up_to(1))
            })
            .collect();
        let seen = counter.get();
        assert!(
            seen <= 1,
            "while two threads raced for one slot, the count read {seen}. Adding first and \
             taking it back when over the limit lets others see the overshoot: write only a \
             value that is within the limit."
        );
        let winners = racers
            .into_iter()
            .map(|racer| racer.join().unwrap())
            .filter(|&won| won)
            .count();
        assert_eq!(
            winners, 1,
            "with a limit of 1, {winners} threads were told they got the slot; exactly one \
             should. A load, a check and a store are three steps another thread can slip \
             between: use compare_exchange and retry when it fails."
        );
        assert_eq!(counter.get(), 1, "the count after the race for one slot");
    });
}

#[test]
fn increments_from_two_threads_both_count() {
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        let other = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || counter.increment())
        };
        counter.increment();
        other.join().unwrap();
        assert_eq!(
            counter.get(),
            2,
            "two increments were made, one on each thread. Fewer means one was lost between a \
             load and a store: use fetch_add."
        );
    });
}
