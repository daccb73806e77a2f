//! A circuit breaker: after too many failures it stops calling a service for a while, then
//! lets a few probe calls through to see whether the service has recovered.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use circuit_breaker::{CallError, CircuitBreaker, Config, ManualClock, State};
//!
//! let clock = Arc::new(ManualClock::new());
//! let config = Config {
//!     failure_threshold: 1,
//!     open_timeout: Duration::from_secs(10),
//!     half_open_probes: 1,
//! };
//! let breaker = CircuitBreaker::new(config, clock.clone());
//!
//! assert_eq!(breaker.call(|| Err::<(), _>("down")), Err(CallError::Failed("down")));
//! assert_eq!(breaker.call(|| Ok::<_, &str>(())), Err(CallError::Rejected));
//! clock.advance(Duration::from_secs(10));
//! assert_eq!(breaker.state(), State::HalfOpen);
//! ```

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
    // Guards the state machine only. No guard is alive while the service runs.
    inner: Mutex<Inner>,
}

struct Inner {
    phase: Phase,
    // Bumped on every change of phase, so a call can tell whether the phase that admitted it
    // is over by the time it finishes.
    generation: u64,
}

enum Phase {
    Closed { failures: u32 },
    Open { since: Instant },
    HalfOpen { admitted: u32, succeeded: u32 },
}

impl Inner {
    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.generation += 1;
    }
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
        let mut inner = self.inner.lock();
        self.expire_open(&mut inner);
        match inner.phase {
            Phase::Closed { .. } => State::Closed,
            Phase::Open { .. } => State::Open,
            Phase::HalfOpen { .. } => State::HalfOpen,
        }
    }

    /// Runs `f` if the breaker admits it, and records whether it succeeded.
    ///
    /// A panic in `f` passes through and records nothing, so a probe that panics keeps its
    /// half-open slot.
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        let generation = self.admit().ok_or(CallError::Rejected)?;
        // `admit` has released the lock: a slow service holds up only its own caller.
        let result = f();
        self.record(generation, result.is_ok());
        result.map_err(CallError::Failed)
    }

    /// Decides under the lock whether a call may run; returns the generation that admitted it.
    fn admit(&self) -> Option<u64> {
        let mut inner = self.inner.lock();
        self.expire_open(&mut inner);
        match &mut inner.phase {
            Phase::Closed { .. } => {}
            Phase::Open { .. } => return None,
            // Count probes when they start, not when they finish: otherwise every call that
            // arrives while the first probes are still running would get through too.
            Phase::HalfOpen { admitted, .. } if *admitted < self.config.half_open_probes => {
                *admitted += 1;
            }
            Phase::HalfOpen { .. } => return None,
        }
        Some(inner.generation)
    }

    fn record(&self, generation: u64, ok: bool) {
        let mut inner = self.inner.lock();
        // The breaker moved on while the call ran (it tripped, or a probe failed): this
        // outcome belongs to a phase that is over, and must not count in the new one.
        if inner.generation != generation {
            return;
        }
        let now = self.clock.now();
        let next = match (&mut inner.phase, ok) {
            (Phase::Closed { failures }, true) => {
                *failures = 0;
                None
            }
            (Phase::Closed { failures }, false) => {
                *failures += 1;
                (*failures >= self.config.failure_threshold).then_some(Phase::Open { since: now })
            }
            (Phase::HalfOpen { succeeded, .. }, true) => {
                *succeeded += 1;
                (*succeeded == self.config.half_open_probes)
                    .then_some(Phase::Closed { failures: 0 })
            }
            (Phase::HalfOpen { .. }, false) => Some(Phase::Open { since: now }),
            // Entering Open bumps the generation, so no call admitted earlier gets here.
            (Phase::Open { .. }, _) => unreachable!("no call is admitted while open"),
        };
        if let Some(next) = next {
            inner.enter(next);
        }
    }

    /// Open turns into half-open lazily, whenever someone looks after the timeout has passed.
    fn expire_open(&self, inner: &mut Inner) {
        if let Phase::Open { since } = inner.phase
            && self.clock.now().duration_since(since) >= self.config.open_timeout
        {
            inner.enter(Phase::HalfOpen {
                admitted: 0,
                succeeded: 0,
            });
        }
    }
}
