//! Circuit breaker: an injected clock, and where a lock guard ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

// ANCHOR: clock
/// Where time comes from. Code that needs "now" asks a `Clock`, never `Instant::now()`.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// A clock that moves only when a test says so.
pub struct ManualClock {
    now: Mutex<Instant>,
}

impl ManualClock {
    pub fn new() -> Self {
        // Any starting point will do: only differences between readings mean anything.
        Self {
            now: Mutex::new(Instant::now()),
        }
    }

    pub fn advance(&self, by: Duration) {
        *self.now.lock() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock()
    }
}
// ANCHOR_END: clock

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

// ANCHOR: cooldown
/// Allows an action at most once per `period`: the timer of an open breaker, on its own.
pub struct Cooldown {
    clock: Arc<dyn Clock>,
    period: Duration,
    last: Option<Instant>,
}

impl Cooldown {
    pub fn new(clock: Arc<dyn Clock>, period: Duration) -> Self {
        Self {
            clock,
            period,
            last: None,
        }
    }

    pub fn try_fire(&mut self) -> bool {
        let now = self.clock.now();
        match self.last {
            Some(last) if now.duration_since(last) < self.period => false,
            _ => {
                self.last = Some(now);
                true
            }
        }
    }
}
// ANCHOR_END: cooldown

/// Counts calls in flight and their outcomes: the bookkeeping of a breaker, without its states.
#[derive(Default)]
pub struct Tally {
    counts: Mutex<Counts>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub in_flight: u32,
    pub ok: u32,
    pub failed: u32,
}

impl Tally {
    pub fn counts(&self) -> Counts {
        *self.counts.lock()
    }
}

// ANCHOR: released
impl Tally {
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        // The guard is a temporary here: it is dropped at the end of the statement.
        self.counts.lock().in_flight += 1;
        let result = f(); // no guard is alive, so other callers go on meanwhile
        let mut counts = self.counts.lock();
        counts.in_flight -= 1;
        if result.is_ok() {
            counts.ok += 1;
        } else {
            counts.failed += 1;
        }
        result
    }
}
// ANCHOR_END: released

// ANCHOR: held
impl Tally {
    /// Wrong: `counts` lives to the end of the function, so `f` runs under the lock.
    pub fn call_holding_the_lock<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let mut counts = self.counts.lock();
        counts.in_flight += 1;
        let result = f(); // every other caller waits here until `f` returns
        counts.in_flight -= 1;
        if result.is_ok() {
            counts.ok += 1;
        } else {
            counts.failed += 1;
        }
        result
    }
}
// ANCHOR_END: held

// ANCHOR: scrutinee
impl Tally {
    /// Wrong too, and harder to see: a temporary in a `match` scrutinee lives until the end
    /// of the `match`, so the guard from `lock()` is still alive in every arm.
    pub fn call_if_idle<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Option<Result<T, E>> {
        match self.counts.lock().in_flight {
            0 => Some(f()), // still under the lock
            _ => None,
        }
    }
}
// ANCHOR_END: scrutinee

// ANCHOR: scrutinee_fixed
impl Tally {
    /// Reading the value in its own statement ends the guard before the `match`.
    pub fn call_if_idle_fixed<T, E>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        let in_flight = self.counts.lock().in_flight;
        match in_flight {
            0 => Some(f()), // no guard alive
            _ => None,
        }
    }
}
// ANCHOR_END: scrutinee_fixed

// ANCHOR: cooldown_test
#[test]
fn a_cooldown_fires_again_once_its_period_has_passed() {
    let clock = Arc::new(ManualClock::new());
    let mut cooldown = Cooldown::new(clock.clone(), Duration::from_secs(5));

    assert!(cooldown.try_fire());
    assert!(!cooldown.try_fire());
    clock.advance(Duration::from_millis(4_999));
    assert!(!cooldown.try_fire());
    clock.advance(Duration::from_millis(1));
    assert!(cooldown.try_fire());
}
// ANCHOR_END: cooldown_test

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_free_while_the_call_runs() {
        let tally = Tally::default();
        let _ = tally.call(|| {
            assert!(!tally.counts.is_locked());
            Ok::<_, ()>(())
        });
        assert_eq!(tally.counts().ok, 1);
    }

    #[test]
    fn a_guard_held_across_the_call_keeps_the_lock_taken() {
        let tally = Tally::default();
        let _ = tally.call_holding_the_lock(|| {
            assert!(tally.counts.is_locked());
            Err::<(), _>("failed")
        });
        assert_eq!(tally.counts().failed, 1);
    }

    #[test]
    fn a_guard_in_a_match_scrutinee_lives_through_the_arms() {
        let tally = Tally::default();
        let _ = tally.call_if_idle(|| {
            assert!(tally.counts.is_locked());
            Ok::<_, ()>(())
        });
        let _ = tally.call_if_idle_fixed(|| {
            assert!(!tally.counts.is_locked());
            Ok::<_, ()>(())
        });
    }
}
