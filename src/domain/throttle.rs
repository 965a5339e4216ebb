//! Rate limits as rules: at most so many events per window, and a growing delay after wrong
//! passwords. Where the counts are kept (in memory, in the database) is not decided here.

use std::time::Duration;

/// One limit: at most `max` events per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: usize,
    pub window: Duration,
}

/// Reset and new-link mails asked for one account; from one address.
pub const MAIL_PER_ACCOUNT: Limit = Limit {
    max: 3,
    window: Duration::from_secs(60 * 60),
};
pub const MAIL_PER_IP: Limit = Limit {
    max: 20,
    window: Duration::from_secs(60 * 60),
};

/// A growing delay after wrong passwords: the first `free` failures cost nothing; from
/// then on each try must wait `first`, doubled with every further failure up to `max`,
/// after the last failure. Failures are forgotten `forget` after the last one.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub free: u32,
    pub first: Duration,
    pub max: Duration,
    pub forget: Duration,
}

/// Wrong passwords for one account (from anywhere): 5 free, then 5 s, 10 s, 20 s … 15 min.
pub const LOGIN_PER_ACCOUNT: Backoff = Backoff {
    free: 5,
    first: Duration::from_secs(5),
    max: Duration::from_secs(15 * 60),
    forget: Duration::from_secs(60 * 60),
};
/// Wrong passwords from one address (which may be an office behind NAT): 30 free.
pub const LOGIN_PER_IP: Backoff = Backoff {
    free: 30,
    first: Duration::from_secs(5),
    max: Duration::from_secs(15 * 60),
    forget: Duration::from_secs(60 * 60),
};

impl Backoff {
    /// The wait after `failures` failures, the last `since_last` ago; `None` when a try may
    /// run now.
    pub fn wait(&self, failures: u32, since_last: Duration) -> Option<Duration> {
        let past_free = failures.checked_sub(self.free)?;
        let delay = self
            .first
            .saturating_mul(1u32.checked_shl(past_free.min(31)).unwrap_or(u32::MAX))
            .min(self.max);
        delay.checked_sub(since_last).filter(|d| !d.is_zero())
    }
}
