//! A circuit breaker: after too many failures it stops calling a service for a while, then
//! lets a few probe calls through to see whether the service has recovered.
//!
//! The types, `new` and the clock are given. Your part is `state` and `call`, plus any
//! private helpers you like. Run the tests with `cargo xtask check circuit-breaker`.

// Quiets the warnings about what the starter leaves unused; delete it once `call` works.
#![allow(dead_code, unused_variables)]

mod clock;

pub use clock::{Clock, ManualClock, SystemClock};

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// What the breaker does with the next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Every call runs; consecutive failures are counted.
    Closed,
    /// Every call is rejected without running, until `open_timeout` has passed.
    Open,
    /// Up to `half_open_probes` calls run to test the service; the rest are rejected.
    HalfOpen,
}

/// How the breaker is tuned.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Consecutive failures that open a closed breaker.
    pub failure_threshold: u32,
    /// How long an open breaker rejects calls before it lets probes through.
    pub open_timeout: Duration,
    /// How many probes half-open admits; that many successes close the breaker.
    pub half_open_probes: u32,
}

/// Why a call through the breaker did not return the service's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallError<E> {
    /// The breaker did not run the call.
    Rejected,
    /// The call ran and the service failed with this error.
    Failed(E),
}

/// A circuit breaker that many threads can share by reference.
pub struct CircuitBreaker {
    config: Config,
    clock: Arc<dyn Clock>,
    // Guards the state machine only. No guard may be alive while the service runs.
    inner: Mutex<Inner>,
}

struct Inner {
    phase: Phase,
    // Bump it on every change of phase, so a call can tell whether the phase that admitted it
    // is over by the time it finishes.
    generation: u64,
}

/// Each state, with what it needs to remember. Change it if your design needs something else.
enum Phase {
    /// `failures`: consecutive failures so far.
    Closed { failures: u32 },
    /// `since`: when the breaker opened, on `clock`.
    Open { since: Instant },
    /// `admitted`: probes let through so far; `succeeded`: probes that came back `Ok`.
    HalfOpen { admitted: u32, succeeded: u32 },
}

impl CircuitBreaker {
    /// A closed breaker that reads the time from `clock`.
    ///
    /// # Panics
    ///
    /// If `failure_threshold` or `half_open_probes` is zero.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Self {
        assert!(
            config.failure_threshold > 0,
            "failure_threshold must be at least 1"
        );
        assert!(
            config.half_open_probes > 0,
            "half_open_probes must be at least 1"
        );
        Self {
            config,
            clock,
            inner: Mutex::new(Inner {
                phase: Phase::Closed { failures: 0 },
                generation: 0,
            }),
        }
    }

    /// The state now. An open breaker whose timeout has passed is half-open.
    pub fn state(&self) -> State {
        todo!("lock, turn Open into HalfOpen if open_timeout has passed, then report the phase")
    }

    /// Runs `f` if the breaker admits it, and records whether it succeeded.
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        todo!("admit under the lock, drop the guard, run `f`, then lock again to record it")
    }
}
