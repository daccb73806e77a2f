//! Several callers at once. A "held" call is one whose service blocks until the test releases
//! it, so the test knows exactly what is in flight. Threads meet on channels; a bounded wait
//! only turns a hang into a message. Every held call is released when its `HeldCall` is
//! finished or dropped, so a failing assertion never leaves a thread stuck.

use std::panic::resume_unwind;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::Duration;

use circuit_breaker::{CallError, CircuitBreaker, Config, ManualClock, State};

const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a test waits for something that takes microseconds on a correct breaker.
const PATIENCE: Duration = Duration::from_secs(5);

type Answer = Result<&'static str, CallError<&'static str>>;

fn breaker(failure_threshold: u32, half_open_probes: u32) -> (CircuitBreaker, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let config = Config {
        failure_threshold,
        open_timeout: OPEN_TIMEOUT,
        half_open_probes,
    };
    (CircuitBreaker::new(config, clock.clone()), clock)
}

/// A call that is inside the service, blocked there until released.
struct HeldCall<'scope> {
    release: Sender<()>,
    handle: ScopedJoinHandle<'scope, Answer>,
}

impl HeldCall<'_> {
    /// Lets the service return, and gives back what the caller got.
    fn finish(self) -> Answer {
        let _ = self.release.send(());
        match self.handle.join() {
            Ok(answer) => answer,
            Err(panic) => resume_unwind(panic),
        }
    }
}

/// Starts a call on its own thread and returns once its service is running.
fn start_held_call<'scope>(
    scope: &'scope Scope<'scope, '_>,
    breaker: &'scope CircuitBreaker,
    service_answer: Result<&'static str, &'static str>,
    what: &str,
) -> HeldCall<'scope> {
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let handle = scope.spawn(move || {
        breaker.call(move || {
            let _ = entered_tx.send(());
            // Returns when released, or when the test drops the sender while failing.
            let _ = release_rx.recv();
            service_answer
        })
    });
    match entered_rx.recv_timeout(PATIENCE) {
        Ok(()) => HeldCall { release, handle },
        // The closure was dropped without running: the call was rejected, or it panicked.
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(answer) => panic!(
                "{what}: expected the breaker to run the service, but the call returned \
                 {answer:?} without running it"
            ),
            Err(panic) => resume_unwind(panic),
        },
        Err(RecvTimeoutError::Timeout) => panic!(
            "{what}: the service had not started after {PATIENCE:?}. If another call is inside \
             the service right now, the breaker's lock is probably held across the call"
        ),
    }
}

/// Runs `f` on another thread and waits a bounded time for its result.
fn within_patience<'scope, R: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    f: impl FnOnce() -> R + Send + 'scope,
    if_it_hangs: &str,
) -> R {
    let (tx, rx) = mpsc::channel();
    let handle = scope.spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(result) => result,
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => resume_unwind(panic),
            Ok(()) => unreachable!("the thread ended without sending a result or panicking"),
        },
        Err(RecvTimeoutError::Timeout) => panic!("no answer after {PATIENCE:?}: {if_it_hangs}"),
    }
}

#[test]
fn a_slow_call_does_not_block_other_callers() {
    let (breaker, _clock) = breaker(3, 1);
    thread::scope(|s| {
        let slow = start_held_call(s, &breaker, Ok("slow"), "the slow call");

        let quick = within_patience(
            s,
            || breaker.call(|| Ok::<_, &str>("quick")),
            "a second call was stuck while a slow call was inside the service. The lock seems \
             to be held during the protected call, so one slow service call blocks every \
             caller. Decide under the lock, drop the guard, run the call, then lock again to \
             record the outcome.",
        );
        assert_eq!(
            quick,
            Ok("quick"),
            "a closed breaker should run the second call and return its value"
        );

        let state = within_patience(
            s,
            || breaker.state(),
            "state() was stuck while a slow call was inside the service: the lock seems to be \
             held during the protected call.",
        );
        assert_eq!(state, State::Closed);

        assert_eq!(
            slow.finish(),
            Ok("slow"),
            "the slow call, once released, should get its own value back"
        );
    });
}

#[test]
fn half_open_admits_only_its_k_probes() {
    let (breaker, clock) = breaker(1, 2);
    let _ = breaker.call(|| Err::<(), _>("service down"));
    clock.advance(OPEN_TIMEOUT);
    let third_ran = AtomicBool::new(false);

    thread::scope(|s| {
        let first = start_held_call(s, &breaker, Ok("probe 1"), "probe 1 of 2 in half-open");
        let second = start_held_call(s, &breaker, Ok("probe 2"), "probe 2 of 2 in half-open");

        let third = within_patience(
            s,
            || {
                breaker.call(|| {
                    third_ran.store(true, Ordering::Relaxed);
                    Ok::<_, &str>("third")
                })
            },
            "with both probes in flight, a third call neither ran nor was rejected. A \
             half-open breaker should reject extra calls at once, not wait for a probe to finish.",
        );
        assert_eq!(
            third,
            Err(CallError::Rejected),
            "half_open_probes = 2 and both probes are still in flight, so a third call must be \
             rejected; got {third:?}. Count probes when they are admitted, not when they finish: \
             the Go version lets every call through while half-open, which floods a service \
             that is only just recovering."
        );
        assert!(
            !third_ran.load(Ordering::Relaxed),
            "the rejected third call ran the service anyway"
        );

        assert_eq!(first.finish(), Ok("probe 1"));
        assert_eq!(second.finish(), Ok("probe 2"));
    });

    assert_eq!(
        breaker.state(),
        State::Closed,
        "both probes succeeded (half_open_probes = 2), so the breaker should be closed"
    );
}

#[test]
fn a_call_admitted_before_the_trip_does_not_count_as_a_probe() {
    let (breaker, clock) = breaker(2, 1);
    thread::scope(|s| {
        let late = start_held_call(s, &breaker, Ok("late"), "a slow call while closed");

        let state = within_patience(
            s,
            || {
                let _ = breaker.call(|| Err::<(), _>("service down"));
                let _ = breaker.call(|| Err::<(), _>("service down"));
                breaker.state()
            },
            "two failing calls were stuck while a slow call was inside the service: the lock \
             seems to be held during the protected call.",
        );
        assert_eq!(
            state,
            State::Open,
            "two failures in a row (threshold 2) should open the breaker, even with another call \
             in flight"
        );

        clock.advance(OPEN_TIMEOUT);
        assert_eq!(breaker.state(), State::HalfOpen);

        assert_eq!(
            late.finish(),
            Ok("late"),
            "the slow call still gets the service's value, whatever the breaker did meanwhile"
        );
    });

    assert_eq!(
        breaker.state(),
        State::HalfOpen,
        "a call admitted while the breaker was closed finished after it had opened and turned \
         half-open. Its success counted as a probe, and with half_open_probes = 1 that closed \
         the breaker before any real probe ran. Remember which phase admitted each call (the \
         starter's `generation`), and ignore outcomes from a phase that is over."
    );
    assert_eq!(
        breaker.call(|| Ok::<_, &str>("probe")),
        Ok("probe"),
        "the half-open breaker should still admit its one real probe"
    );
    assert_eq!(breaker.state(), State::Closed);
}
