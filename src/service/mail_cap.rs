//! The cap on automatic mail for all addresses together: a flood of mail from many
//! forged senders must not make us a source of mail ourselves.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Automatic mails queued in the last hour, counted per minute.
#[derive(Debug)]
pub struct HourlyCap {
    /// (minute since the epoch, mails queued in it), one slot per minute of the hour.
    minutes: Mutex<[(i64, u32); 60]>,
}

impl Default for HourlyCap {
    fn default() -> Self {
        Self {
            minutes: Mutex::new([(i64::MIN, 0); 60]),
        }
    }
}

impl HourlyCap {
    /// Counts one more mail at `now` if fewer than `limit` were queued in the hour before;
    /// false when the cap is reached (the mail is held back and not counted).
    pub fn take(&self, now: DateTime<Utc>, limit: i64) -> bool {
        let minute = now.timestamp().div_euclid(60);
        let mut minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
        let in_hour: i64 = minutes
            .iter()
            .filter(|(m, _)| *m > minute - 60 && *m <= minute)
            .map(|(_, n)| i64::from(*n))
            .sum();
        if in_hour >= limit {
            return false;
        }
        let slot = &mut minutes[minute.rem_euclid(60) as usize];
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn at_most_limit_an_hour_then_the_oldest_minutes_free_room() {
        let cap = HourlyCap::default();
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!((0..3).all(|i| cap.take(t0 + Duration::seconds(i * 10), 5)));
        assert!((0..2).all(|_| cap.take(t0 + Duration::minutes(30), 5)));
        assert!(!cap.take(t0 + Duration::minutes(59), 5), "five in the hour");
        assert!(
            cap.take(t0 + Duration::minutes(60), 5),
            "the first minute's three are an hour old"
        );
        assert!(cap.take(t0 + Duration::minutes(61), 5));
        assert!(
            cap.take(t0 + Duration::minutes(89), 5),
            "two, one and one in the hour before"
        );
        assert!(!cap.take(t0 + Duration::minutes(89), 5));
        assert!(
            cap.take(t0 + Duration::minutes(91), 5),
            "minute 30's two have gone too"
        );
    }
}
