//! The tests for the pipeline. None of them sleeps: the tests wait for a message from the
//! pipeline (an item, a count from the source, a stage saying goodbye), each wait bounded so
//! that a stuck pipeline fails with an explanation instead of hanging.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded, unbounded};
use pipeline::Pipeline;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// The capacity of every channel in these tests.
const CAPACITY: usize = 2;

/// How many numbers a counted source holds. Far more than any test reads, and finite, so that
/// a stage that ignores a hang-up runs out at last and the test can say how far it went.
const LIMIT: usize = 10_000;

/// How many numbers `three_stages` takes from its source while nobody reads: each stage fills
/// its channel and holds one more item, waiting to send it.
const ALL_STAGES_FULL: usize = 3 * (CAPACITY + 1);

/// How long a test waits for something that a correct pipeline does at once.
const PATIENCE: Duration = Duration::from_secs(4);

/// The numbers 0, 1, 2, ... (up to `LIMIT`) for `Pipeline::generate`, counting each number the
/// generator takes. Each new count is also sent to the returned receiver, so that a test can
/// wait for the generator to reach a count.
fn counted_numbers() -> (
    impl Iterator<Item = i64> + Send + 'static,
    Arc<AtomicUsize>,
    Receiver<usize>,
) {
    let taken = Arc::new(AtomicUsize::new(0));
    // Unbounded on purpose: this side channel must never slow the generator down.
    let (progress_tx, progress) = unbounded();
    let counter = Arc::clone(&taken);
    let numbers = (0..LIMIT as i64).inspect(move |_| {
        let count = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = progress_tx.send(count);
    });
    (numbers, taken, progress)
}

/// Waits until the generator has taken `count` numbers from its source.
fn wait_until_taken(progress: &Receiver<usize>, count: usize, why: &str) {
    let mut taken = 0;
    while taken < count {
        taken = match progress.recv_timeout(PATIENCE) {
            Ok(taken) => taken,
            Err(RecvTimeoutError::Timeout) => panic!(
                "while nobody read, the generator took only {taken} numbers from its source and \
                 then stopped; {why}, so it should get to {count}. Is every channel \
                 `bounded(capacity)`, and does every stage run on its own thread?"
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "the generator dropped its source after taking {taken} numbers; {why}, so it \
                 should get to {count} before it waits"
            ),
        };
    }
}

/// Reads the output until it ends (every stage has hung up), waiting at most `PATIENCE` for
/// each item.
fn drain<T>(output: &Receiver<T>) -> Vec<T> {
    let mut items = Vec::new();
    loop {
        match output.recv_timeout(PATIENCE) {
            Ok(item) => items.push(item),
            Err(RecvTimeoutError::Disconnected) => return items,
            Err(RecvTimeoutError::Timeout) => panic!(
                "after {} items the output neither sent another item nor ended within \
                 {PATIENCE:?}. The output ends when the last stage returns and drops its \
                 Sender: does every stage return when its input runs out?",
                items.len()
            ),
        }
    }
}

/// Calls `pipeline.join()` on a helper thread, waiting at most `PATIENCE` for it. Returns what
/// `join` did: `Ok` if it returned, `Err` with the panic if it panicked.
fn join_within<T: Send + 'static>(pipeline: Pipeline<T>) -> thread::Result<()> {
    let (done_tx, done) = bounded(1);
    let joiner = thread::spawn(move || {
        pipeline.join();
        let _ = done_tx.send(());
    });
    match done.recv_timeout(PATIENCE) {
        Err(RecvTimeoutError::Timeout) => panic!(
            "join did not return within {PATIENCE:?}. join should first drop the output, so \
             that the last stage's send fails, and then join each stage thread. Joining first \
             waits forever on a stage blocked on a full channel; a stage that keeps going after \
             its send fails never ends either."
        ),
        // Returned (Ok) or panicked (Disconnected): either way the helper thread is done.
        Ok(()) | Err(RecvTimeoutError::Disconnected) => joiner.join(),
    }
}

/// Says goodbye (sends its name) when dropped. A stage's closure that owns one is dropped when
/// the stage thread ends, so the goodbye tells a test that the stage has ended.
struct Farewell {
    stage: &'static str,
    to: Sender<&'static str>,
}

impl Drop for Farewell {
    fn drop(&mut self) {
        let _ = self.to.send(self.stage);
    }
}

/// A pipeline of three stages over a counted source: generate, square, and a filter that keeps
/// everything (so that the counts in the tests are exact). Each stage owns a `Farewell` that
/// says goodbye on the returned receiver when the stage ends.
fn three_stages() -> (
    Pipeline<i64>,
    Arc<AtomicUsize>,
    Receiver<usize>,
    Receiver<&'static str>,
) {
    let (numbers, taken, progress) = counted_numbers();
    let (farewell_tx, farewells) = unbounded();
    let farewell = |stage| Farewell {
        stage,
        to: farewell_tx.clone(),
    };
    let (generate, square, keep) = (farewell("generate"), farewell("map"), farewell("filter"));
    let numbers = numbers.inspect(move |_| {
        let _owned_by_this_stage = &generate;
    });
    let pipeline = Pipeline::generate(CAPACITY, numbers)
        .map(move |n| {
            let _owned_by_this_stage = &square;
            n * n
        })
        .filter(move |_| {
            let _owned_by_this_stage = &keep;
            true
        });
    (pipeline, taken, progress, farewells)
}

#[test]
fn squaring_then_keeping_the_evens_of_one_to_five_gives_4_and_16() {
    let pipeline = Pipeline::generate(CAPACITY, 1..=5)
        .map(|n: i64| n * n)
        .filter(|n| n % 2 == 0);
    let got = drain(pipeline.output());
    join_within(pipeline).expect("no stage should panic");
    assert_eq!(
        got,
        [4, 16],
        "1..=5 squared is 1, 4, 9, 16, 25, and the evens of those are 4 and 16"
    );
}

#[test]
fn items_come_out_in_the_order_they_went_in() {
    let pipeline = Pipeline::generate(CAPACITY, 0..1000)
        .map(|n: i64| n * n)
        .filter(|n| n % 3 != 0);
    let got = drain(pipeline.output());
    join_within(pipeline).expect("no stage should panic");
    let expected: Vec<i64> = (0..1000).map(|n| n * n).filter(|n| n % 3 != 0).collect();
    assert_eq!(got.len(), expected.len(), "wrong number of items came out");
    if let Some(i) = (0..got.len()).find(|&i| got[i] != expected[i]) {
        panic!(
            "item {i} is {}, expected {}. One thread per stage, reading its input in a loop, \
             keeps the order; items only get reordered when a stage hands them to several \
             threads",
            got[i], expected[i]
        );
    }
}

#[test]
fn the_generator_waits_while_the_consumer_is_not_reading() {
    let (numbers, taken, progress) = counted_numbers();
    let pipeline = Pipeline::generate(CAPACITY, numbers);
    assert_eq!(
        pipeline.output().capacity(),
        Some(CAPACITY),
        "the output channel should be `bounded({CAPACITY})` (None means unbounded): an \
         unbounded channel lets the generator run arbitrarily far ahead of its reader"
    );
    // Nobody reads. The generator fills the channel, takes one more number, and blocks in send.
    wait_until_taken(
        &progress,
        CAPACITY + 1,
        &format!("the channel has room for {CAPACITY} numbers, and the generator holds one more"),
    );
    join_within(pipeline).expect("no stage should panic");
    let taken = taken.load(Ordering::SeqCst);
    assert!(
        taken <= CAPACITY + 1,
        "while nobody read, the generator took {taken} numbers from its source; a channel of \
         capacity {CAPACITY} holds {CAPACITY}, plus one the generator holds while it waits, so \
         at most {}. More means it did not wait for the reader: is the channel bounded, and \
         does the generator return when send fails?",
        CAPACITY + 1
    );
}

#[test]
fn every_stage_holds_at_most_its_channel_plus_one_item_in_hand() {
    let (pipeline, taken, progress, _farewells) = three_stages();
    assert_eq!(
        pipeline.output().capacity(),
        Some(CAPACITY),
        "the last stage's channel should be `bounded({CAPACITY})` (None means unbounded)"
    );
    // Nobody reads. Each of the three stages fills its channel and holds one more item.
    wait_until_taken(
        &progress,
        ALL_STAGES_FULL,
        "each of the 3 stages can fill its channel and hold one more item",
    );
    join_within(pipeline).expect("no stage should panic");
    let taken = taken.load(Ordering::SeqCst);
    assert!(
        taken <= ALL_STAGES_FULL,
        "while nobody read, the generator took {taken} numbers; three stages with channels of \
         capacity {CAPACITY} can hold at most 3 x ({CAPACITY} + 1) = {ALL_STAGES_FULL}. More \
         means some channel is unbounded or larger than the capacity"
    );
}

#[derive(Debug, PartialEq)]
enum Problem {
    TooLarge(i64),
    Negative(i64),
}

#[test]
fn an_error_stops_the_upstream_stage() {
    let (numbers, taken, _progress) = counted_numbers();
    let pipeline = Pipeline::generate(CAPACITY, numbers.map(Ok)).try_map(|n| {
        if n >= 3 {
            Err(Problem::TooLarge(n))
        } else {
            Ok(n * n)
        }
    });
    let got = drain(pipeline.output());
    join_within(pipeline).expect("no stage should panic");
    assert_eq!(
        got.len(),
        4,
        "expected 3 squares, then the error, then the end of the output; got {} items, \
         starting {:?}. A stage that meets an error should send it on and return",
        got.len(),
        &got[..got.len().min(6)]
    );
    assert_eq!(got, [Ok(0), Ok(1), Ok(4), Err(Problem::TooLarge(3))]);
    let taken = taken.load(Ordering::SeqCst);
    let most = 4 + CAPACITY + 1;
    assert!(
        taken <= most,
        "the generator took {taken} numbers, but try_map stopped at the 4th, so the generator \
         should stop within {CAPACITY} (its channel) + 1 (in hand) more: at most {most}. A \
         stage that ignores the error from send keeps working for nobody; an unbounded channel \
         lets the generator run ahead before the error even happens"
    );
}

#[test]
fn an_error_from_upstream_is_passed_on_and_ends_the_stage() {
    let items = vec![Ok(1), Ok(2), Err(Problem::Negative(-3)), Ok(4), Ok(5)];
    let pipeline = Pipeline::generate(CAPACITY, items).try_map(|n| Ok(n * 10));
    let got = drain(pipeline.output());
    join_within(pipeline).expect("no stage should panic");
    assert_eq!(
        got,
        [Ok(10), Ok(20), Err(Problem::Negative(-3))],
        "try_map should apply its function to Ok values, pass the first Err on unchanged, and \
         then stop"
    );
}

#[test]
fn dropping_the_output_ends_every_stage_thread() {
    let (pipeline, taken, _progress, farewells) = three_stages();
    let first: Vec<i64> = (0..3)
        .map(|_| {
            pipeline
                .output()
                .recv_timeout(PATIENCE)
                .expect("the pipeline should send its first items")
        })
        .collect();
    assert_eq!(first, [0, 1, 4]);
    // Hang up without joining: the stages must notice on their own.
    drop(pipeline);
    let mut running = vec!["generate", "map", "filter"];
    while !running.is_empty() {
        match farewells.recv_timeout(PATIENCE) {
            Ok(stage) => running.retain(|&s| s != stage),
            Err(_) => panic!(
                "after the consumer dropped the output, these stages were still running: \
                 {running:?}. When send fails, nobody downstream will ever read again: the \
                 stage must return"
            ),
        }
    }
    let taken = taken.load(Ordering::SeqCst);
    assert!(
        taken < LIMIT,
        "the generator took all {taken} numbers of its source although the consumer hung up \
         after 3 items. Either a stage ignored the error from send and kept working for nobody, \
         or a channel is unbounded and the generator ran ahead before the hang-up"
    );
}

#[test]
fn join_hangs_up_and_waits_for_every_stage_thread() {
    let (pipeline, _taken, progress, farewells) = three_stages();
    // Nobody reads: let every stage fill its channel and block in send.
    wait_until_taken(
        &progress,
        ALL_STAGES_FULL,
        "each of the 3 stages can fill its channel and hold one more item",
    );
    join_within(pipeline).expect("no stage should panic");
    let ended: Vec<&str> = farewells.try_iter().collect();
    assert_eq!(
        ended.len(),
        3,
        "when join returned, only these stages had ended: {ended:?}. join must wait for the \
         JoinHandle of every stage"
    );
}

/// What the stage in `a_panic_in_a_stage_comes_out_of_join` panics with, on purpose.
struct OnPurpose;

#[test]
fn a_panic_in_a_stage_comes_out_of_join() {
    // Keep the expected panic quiet; any other panic is reported as usual.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.payload().is::<OnPurpose>() {
            report(info);
        }
    }));
    let pipeline = Pipeline::generate(CAPACITY, 0..10).map(|n: i64| {
        if n == 3 {
            std::panic::panic_any(OnPurpose);
        }
        n
    });
    let got = drain(pipeline.output());
    assert_eq!(
        got,
        [0, 1, 2],
        "the stage panicked at 3: its Sender was dropped, so the output ends there"
    );
    assert!(
        join_within(pipeline).is_err(),
        "join returned normally although the map stage panicked. join should look at what \
         each JoinHandle returns and pass a panic on (std::panic::resume_unwind)"
    );
}
