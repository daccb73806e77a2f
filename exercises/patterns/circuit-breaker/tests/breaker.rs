//! The state machine, one call at a time. Time moves only when a test advances the clock.

use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use circuit_breaker::{CallError, CircuitBreaker, Config, ManualClock, State};

const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
const JUST_UNDER: Duration = Duration::from_millis(9_999);
const ONE_MS: Duration = Duration::from_millis(1);

type Answer = Result<(), CallError<&'static str>>;

fn breaker(failure_threshold: u32, half_open_probes: u32) -> (CircuitBreaker, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let config = Config {
        failure_threshold,
        open_timeout: OPEN_TIMEOUT,
        half_open_probes,
    };
    (CircuitBreaker::new(config, clock.clone()), clock)
}

fn succeed(breaker: &CircuitBreaker) -> Answer {
    breaker.call(|| Ok(()))
}

fn fail(breaker: &CircuitBreaker) -> Answer {
    breaker.call(|| Err("service down"))
}

fn outcome(answer: Answer) -> &'static str {
    match answer {
        Ok(()) => "ok",
        Err(CallError::Failed(_)) => "failed",
        Err(CallError::Rejected) => "rejected",
    }
}

/// Trips a breaker whose threshold is 1, then lets the open timeout pass.
fn half_open(breaker: &CircuitBreaker, clock: &ManualClock) {
    let _ = fail(breaker);
    clock.advance(OPEN_TIMEOUT);
    assert_eq!(
        breaker.state(),
        State::HalfOpen,
        "setup: one failure (threshold 1) and then the full open timeout should leave the \
         breaker half-open"
    );
}

#[test]
fn the_breaker_opens_after_threshold_consecutive_failures() {
    let (breaker, _clock) = breaker(3, 1);
    for failures in 1..=2 {
        let answer = fail(&breaker);
        assert_eq!(
            answer,
            Err(CallError::Failed("service down")),
            "a closed breaker runs the call and hands back the service's error"
        );
        assert_eq!(
            breaker.state(),
            State::Closed,
            "after {failures} failure(s) with failure_threshold = 3 the breaker should still be \
             closed"
        );
    }
    let _ = fail(&breaker);
    assert_eq!(
        breaker.state(),
        State::Open,
        "the third consecutive failure reaches failure_threshold = 3 and should open the breaker"
    );
}

#[test]
fn a_success_resets_the_failure_count() {
    let (breaker, _clock) = breaker(3, 1);
    let _ = fail(&breaker);
    let _ = fail(&breaker);
    assert_eq!(
        succeed(&breaker),
        Ok(()),
        "a closed breaker runs every call"
    );
    let _ = fail(&breaker);
    let _ = fail(&breaker);
    assert_eq!(
        breaker.state(),
        State::Closed,
        "fail, fail, succeed, fail, fail: the success should reset the count, so only two \
         failures in a row so far (threshold 3). Got {:?}: are failures counted in total instead \
         of in a row?",
        breaker.state()
    );
    let _ = fail(&breaker);
    assert_eq!(
        breaker.state(),
        State::Open,
        "a third failure in a row should open the breaker"
    );
}

#[test]
fn an_open_breaker_rejects_without_calling_the_service() {
    let (breaker, _clock) = breaker(1, 1);
    let _ = fail(&breaker);
    let ran = Cell::new(false);
    let answer = breaker.call(|| {
        ran.set(true);
        Ok::<_, &str>(())
    });
    assert_eq!(
        answer,
        Err(CallError::Rejected),
        "an open breaker should answer Rejected; got {answer:?}"
    );
    assert!(
        !ran.get(),
        "an open breaker ran the service: failing fast means not calling it at all"
    );
}

#[test]
fn the_open_timeout_moves_the_breaker_to_half_open() {
    let (breaker, clock) = breaker(1, 1);
    let _ = fail(&breaker);
    clock.advance(JUST_UNDER);
    assert_eq!(
        breaker.state(),
        State::Open,
        "1 ms before open_timeout (10 s) has passed, the breaker should still be open"
    );
    assert_eq!(
        succeed(&breaker),
        Err(CallError::Rejected),
        "1 ms before open_timeout has passed, calls should still be rejected"
    );
    clock.advance(ONE_MS);
    assert_eq!(
        breaker.state(),
        State::HalfOpen,
        "once open_timeout (10 s) has passed on the breaker's clock it should be half-open. \
         Does the breaker read the clock it was given, and compare with the configured \
         open_timeout? (The Go version never uses its `timeout` field.)"
    );
}

#[test]
fn a_failed_probe_reopens_the_breaker() {
    let (breaker, clock) = breaker(1, 2);
    half_open(&breaker, &clock);
    assert_eq!(
        fail(&breaker),
        Err(CallError::Failed("service down")),
        "a half-open breaker should run its probe and hand back the service's error"
    );
    assert_eq!(
        breaker.state(),
        State::Open,
        "a failed probe should reopen the breaker at once, whatever half_open_probes is"
    );
    clock.advance(JUST_UNDER);
    assert_eq!(
        breaker.state(),
        State::Open,
        "the open timeout should restart when the probe fails; 1 ms before it has passed \
         again, the breaker is still open. Got {:?}: is the time of the first trip kept?",
        breaker.state()
    );
    clock.advance(ONE_MS);
    assert_eq!(breaker.state(), State::HalfOpen);
}

#[test]
fn k_successful_probes_close_the_breaker() {
    let (breaker, clock) = breaker(1, 3);
    half_open(&breaker, &clock);
    for probe in 1..=2 {
        assert_eq!(succeed(&breaker), Ok(()), "probe {probe} of 3 should run");
        assert_eq!(
            breaker.state(),
            State::HalfOpen,
            "after {probe} successful probe(s) of half_open_probes = 3 the breaker should stay \
             half-open"
        );
    }
    assert_eq!(succeed(&breaker), Ok(()), "probe 3 of 3 should run");
    assert_eq!(
        breaker.state(),
        State::Closed,
        "three successful probes (half_open_probes = 3) should close the breaker"
    );
}

#[test]
fn a_closed_breaker_counts_failures_afresh_after_recovering() {
    let (breaker, clock) = breaker(2, 1);
    let _ = fail(&breaker);
    let _ = fail(&breaker);
    clock.advance(OPEN_TIMEOUT);
    assert_eq!(succeed(&breaker), Ok(()), "the probe should run");
    assert_eq!(
        breaker.state(),
        State::Closed,
        "half_open_probes = 1, so one successful probe should close the breaker"
    );
    let _ = fail(&breaker);
    assert_eq!(
        breaker.state(),
        State::Closed,
        "one failure after closing should not reopen a breaker whose threshold is 2: the \
         failures from before the trip are history"
    );
}

#[test]
fn the_state_trace_of_a_scripted_run() {
    // Threshold 2, open timeout 10 s, 2 probes. `ok` and `fail` are calls whose service
    // succeeds or fails; `+9s` advances the clock by 9 s.
    let (breaker, clock) = breaker(2, 2);
    let script = "ok fail ok fail fail ok +9s +1s ok fail +10s ok ok fail";

    let mut trace = format!("{:<7}{:<11}{}\n", "step", "caller got", "state after");
    for step in script.split_whitespace() {
        let got = match step {
            "ok" => outcome(succeed(&breaker)),
            "fail" => outcome(fail(&breaker)),
            wait => {
                let secs = wait.trim_matches(['+', 's']).parse().unwrap();
                clock.advance(Duration::from_secs(secs));
                "-"
            }
        };
        writeln!(trace, "{step:<7}{got:<11}{:?}", breaker.state()).unwrap();
    }

    insta::assert_snapshot!(trace, @r"
    step   caller got state after
    ok     ok         Closed
    fail   failed     Closed
    ok     ok         Closed
    fail   failed     Closed
    fail   failed     Open
    ok     rejected   Open
    +9s    -          Open
    +1s    -          HalfOpen
    ok     ok         HalfOpen
    fail   failed     Open
    +10s   -          HalfOpen
    ok     ok         HalfOpen
    ok     ok         Closed
    fail   failed     Closed
    ");
}
