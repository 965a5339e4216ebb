//! Rate limits: wrong passwords slow the next tries of the account and of the client
//! address with a growing delay; password mail is counted in sliding windows. One daemon on
//! SQLite keeps the counts in memory (a restart forgets them, which only helps a person
//! slowed down by mistake); nodes sharing PostgreSQL keep them in the database, so that a
//! try counts on every node.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::domain::throttle::*;
use crate::service::{Ctx, ServiceError, throttles};

/// Where the counts are kept.
#[derive(Clone)]
pub enum Limits {
    Here(Arc<Throttle>),
    Shared(Ctx),
}

impl Limits {
    pub fn for_ctx(ctx: &Ctx) -> Self {
        if ctx.db.is_postgres() {
            Limits::Shared(ctx.clone())
        } else {
            Limits::Here(Arc::default())
        }
    }

    /// See [`Throttle::begin`].
    pub async fn begin(
        &self,
        keys: &[(&str, Backoff)],
    ) -> Result<Result<(), Duration>, ServiceError> {
        match self {
            Limits::Here(t) => Ok(t.begin(keys, Instant::now())),
            Limits::Shared(ctx) => throttles::begin(ctx, keys).await,
        }
    }

    /// See [`Throttle::forgive`].
    pub async fn forgive(&self, key: &str) -> Result<(), ServiceError> {
        match self {
            Limits::Here(t) => {
                t.forgive(key);
                Ok(())
            }
            Limits::Shared(ctx) => throttles::forgive(ctx, key).await,
        }
    }

    /// See [`Throttle::clear`].
    pub async fn clear(&self, key: &str) -> Result<(), ServiceError> {
        match self {
            Limits::Here(t) => {
                t.clear(key);
                Ok(())
            }
            Limits::Shared(ctx) => throttles::clear(ctx, key).await,
        }
    }

    /// See [`Throttle::wait`].
    pub async fn wait(&self, key: &str, limit: Limit) -> Result<Option<Duration>, ServiceError> {
        match self {
            Limits::Here(t) => Ok(t.wait(key, limit, Instant::now())),
            Limits::Shared(ctx) => throttles::wait(ctx, key, limit).await,
        }
    }

    /// See [`Throttle::record`].
    pub async fn record(&self, key: &str, limit: Limit) -> Result<(), ServiceError> {
        match self {
            Limits::Here(t) => {
                t.record(key, limit, Instant::now());
                Ok(())
            }
            Limits::Shared(ctx) => throttles::record(ctx, key, limit).await,
        }
    }
}

/// Failed tries of one key.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    forget: Duration,
}

/// Keys are kept at most this many; past it, forgotten ones are swept.
const MAX_KEYS: usize = 50_000;

#[derive(Default)]
pub struct Throttle {
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
    failures: Mutex<HashMap<String, Failures>>,
}

impl Throttle {
    /// How long until `key` may act again under `limit`; `None` when it may now.
    pub fn wait(&self, key: &str, limit: Limit, now: Instant) -> Option<Duration> {
        let mut map = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let q = map.get_mut(key)?;
        prune(q, limit.window, now);
        (q.len() >= limit.max).then(|| limit.window.saturating_sub(now.duration_since(q[0])))
    }

    /// Counts one event of `key`.
    pub fn record(&self, key: &str, limit: Limit, now: Instant) {
        let mut map = self.events.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > MAX_KEYS {
            // Bounded memory: forget keys whose windows have passed.
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < limit.window)
            });
        }
        let q = map.entry(key.to_string()).or_default();
        prune(q, limit.window, now);
        q.push_back(now);
        while q.len() > limit.max {
            q.pop_front();
        }
    }

    /// A try under several backoffs at once: refused with the longest wait while any key
    /// must still wait; otherwise counted as a failure of every key at once, before the
    /// password is checked, so that a flood of concurrent tries cannot all pass together.
    /// A try that turns out right is taken back with `forgive`.
    pub fn begin(&self, keys: &[(&str, Backoff)], now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > MAX_KEYS {
            map.retain(|_, f| now.duration_since(f.last) < f.forget);
        }
        let mut longest = None;
        for (key, backoff) in keys {
            let f = map
                .get(*key)
                .filter(|f| now.duration_since(f.last) < backoff.forget);
            if let Some(wait) = f.and_then(|f| backoff.wait(f.count, now.duration_since(f.last))) {
                longest = longest.max(Some(wait));
            }
        }
        if let Some(wait) = longest {
            return Err(wait);
        }
        for (key, backoff) in keys {
            let f = map.entry(key.to_string()).or_insert(Failures {
                count: 0,
                last: now,
                forget: backoff.forget,
            });
            if now.duration_since(f.last) >= backoff.forget {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
        }
        Ok(())
    }

    /// Takes back one try counted by `begin` (the password was right, or it was never checked).
    pub fn forgive(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = map.get_mut(key) {
            f.count = f.count.saturating_sub(1);
            if f.count == 0 {
                map.remove(key);
            }
        }
    }

    /// Forgets `key` (a successful sign-in clears the account's failures).
    pub fn clear(&self, key: &str) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

fn prune(q: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_passes() {
        let t = Throttle::default();
        let limit = Limit {
            max: 3,
            window: Duration::from_secs(60),
        };
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(t.wait("a", limit, start), None, "event {i}");
            t.record("a", limit, start + Duration::from_secs(i));
        }
        let wait = t.wait("a", limit, start + Duration::from_secs(10)).unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(
            t.wait("b", limit, start),
            None,
            "other keys are not affected"
        );
        assert_eq!(
            t.wait("a", limit, start + Duration::from_secs(60)),
            None,
            "the oldest event left the window"
        );
        t.clear("a");
        assert_eq!(t.wait("a", limit, start + Duration::from_secs(10)), None);
    }

    const B: Backoff = Backoff {
        free: 2,
        first: Duration::from_secs(5),
        max: Duration::from_secs(60),
        forget: Duration::from_secs(600),
    };

    #[test]
    fn wrong_passwords_make_the_next_try_wait_longer_and_longer() {
        let t = Throttle::default();
        let start = Instant::now();
        let at = |n: u64| start + Duration::from_secs(n);
        assert_eq!(t.begin(&[("a", B)], at(0)), Ok(()));
        assert_eq!(
            t.begin(&[("a", B)], at(0)),
            Ok(()),
            "the free failures cost nothing"
        );
        assert_eq!(
            t.begin(&[("a", B)], at(1)),
            Err(Duration::from_secs(4)),
            "then 5 s after the last failure"
        );
        assert_eq!(
            t.begin(&[("b", B)], at(1)),
            Ok(()),
            "other keys are not affected"
        );
        assert_eq!(
            t.begin(&[("a", B)], at(5)),
            Ok(()),
            "the wait has passed: one more try"
        );
        assert_eq!(
            t.begin(&[("a", B)], at(14)),
            Err(Duration::from_secs(1)),
            "10 s after the third failure"
        );
        assert_eq!(t.begin(&[("a", B)], at(15)), Ok(()));
        assert_eq!(
            t.begin(&[("a", B)], at(16)),
            Err(Duration::from_secs(19)),
            "then 20 s"
        );
        for n in 0..10 {
            t.begin(&[("c", B)], at(n * 100)).unwrap();
        }
        assert_eq!(
            t.begin(&[("c", B)], at(900)),
            Err(Duration::from_secs(60)),
            "never more than the cap"
        );
        assert_eq!(
            t.begin(&[("c", B)], at(900 + 600)),
            Ok(()),
            "failures are forgotten after a quiet spell"
        );
        assert_eq!(
            t.begin(&[("c", B)], at(1501)),
            Ok(()),
            "counted from zero again"
        );
    }

    #[test]
    fn a_try_is_counted_before_the_check_and_a_right_one_is_taken_back() {
        let t = Throttle::default();
        let now = Instant::now();
        // Concurrent tries: the third is refused before any password was checked.
        assert!(t.begin(&[("acct", B), ("ip", B)], now).is_ok());
        assert!(t.begin(&[("acct", B), ("ip", B)], now).is_ok());
        assert!(t.begin(&[("acct", B), ("ip", B)], now).is_err());
        assert!(
            t.begin(&[("other", B), ("ip", B)], now).is_err(),
            "the address waits too"
        );
        t.forgive("ip");
        t.clear("acct");
        assert!(
            t.begin(&[("acct", B), ("ip", B)], now).is_ok(),
            "a right password took its try back"
        );
    }
}
