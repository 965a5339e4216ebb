//! Rate limits for sign-in and password mail, per account and per client address:
//! sliding windows kept in memory (a restart forgets them, which only helps a person
//! locked out by mistake).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One limit: at most `max` events per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: usize,
    pub window: Duration,
}

/// Failed sign-ins of one account; of one address (which may be an office behind NAT).
pub const LOGIN_PER_ACCOUNT: Limit = Limit { max: 5, window: Duration::from_secs(15 * 60) };
pub const LOGIN_PER_IP: Limit = Limit { max: 30, window: Duration::from_secs(15 * 60) };
/// Reset and new-link mails asked for one account; from one address.
pub const MAIL_PER_ACCOUNT: Limit = Limit { max: 3, window: Duration::from_secs(60 * 60) };
pub const MAIL_PER_IP: Limit = Limit { max: 20, window: Duration::from_secs(60 * 60) };

#[derive(Default)]
pub struct Throttle {
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
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
        if map.len() > 50_000 {
            // Bounded memory: forget keys whose windows have passed.
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < limit.window));
        }
        let q = map.entry(key.to_string()).or_default();
        prune(q, limit.window, now);
        q.push_back(now);
        while q.len() > limit.max {
            q.pop_front();
        }
    }

    /// Forgets `key` (a successful sign-in clears the account's failures).
    pub fn clear(&self, key: &str) {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
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
        let limit = Limit { max: 3, window: Duration::from_secs(60) };
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(t.wait("a", limit, start), None, "event {i}");
            t.record("a", limit, start + Duration::from_secs(i));
        }
        let wait = t.wait("a", limit, start + Duration::from_secs(10)).unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(t.wait("b", limit, start), None, "other keys are not affected");
        assert_eq!(t.wait("a", limit, start + Duration::from_secs(60)), None, "the oldest event left the window");
        t.clear("a");
        assert_eq!(t.wait("a", limit, start + Duration::from_secs(10)), None);
    }
}
