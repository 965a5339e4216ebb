//! SLA clocks: time to assignment and time to resolution, counting only the time a
//! ticket spends in a running status (24×7 for now; business calendars come later).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::ticket::{Clock, Status};

/// One entry of a ticket's status history: it entered `status` at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entered {
    pub at: DateTime<Utc>,
    pub status: Status,
}

/// What the API shows of a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockView {
    pub goal_seconds: i64,
    pub elapsed_seconds: i64,
    pub remaining_seconds: i64,
    pub paused: bool,
    /// The goal was reached (assigned / resolved): the clock no longer runs.
    pub stopped: bool,
    pub breached: bool,
}

/// The running time between the first entry and `until` (history in time order).
pub fn running_time(history: &[Entered], until: DateTime<Utc>) -> Duration {
    let mut total = Duration::zero();
    for (i, e) in history.iter().enumerate() {
        let end = history.get(i + 1).map_or(until, |next| next.at).min(until);
        if e.status.clock() == Clock::Running && end > e.at {
            total += end - e.at;
        }
    }
    total
}

fn view(goal: Duration, elapsed: Duration, paused: bool, stopped: bool) -> ClockView {
    ClockView {
        goal_seconds: goal.num_seconds(),
        elapsed_seconds: elapsed.num_seconds(),
        remaining_seconds: (goal - elapsed).num_seconds(),
        paused,
        stopped,
        breached: elapsed > goal,
    }
}

/// Time to assignment: runs from creation until the first assignment.
pub fn assignment_clock(
    history: &[Entered],
    assigned_at: Option<DateTime<Utc>>,
    goal: Duration,
    now: DateTime<Utc>,
) -> ClockView {
    let until = assigned_at.unwrap_or(now).min(now);
    let status = history.last().map(|e| e.status);
    let stopped = assigned_at.is_some() || status.is_some_and(|s| s.clock() == Clock::Stopped);
    let paused = !stopped && status.is_some_and(|s| s.clock() == Clock::Paused);
    view(goal, running_time(history, until), paused, stopped)
}

/// Time to resolution: runs in the running statuses until the ticket is resolved.
pub fn resolution_clock(history: &[Entered], goal: Duration, now: DateTime<Utc>) -> ClockView {
    let clock = history.last().map_or(Clock::Running, |e| e.status.clock());
    view(goal, running_time(history, now), clock == Clock::Paused, clock == Clock::Stopped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn paused_time_does_not_count() {
        let h = [
            Entered { at: at(0), status: Status::WaitingForSupport },
            Entered { at: at(10), status: Status::InProgress },
            Entered { at: at(20), status: Status::WaitingForCustomer },
            Entered { at: at(80), status: Status::InProgress },
            Entered { at: at(90), status: Status::WaitingForThirdParty },
        ];
        assert_eq!(running_time(&h, at(200)), Duration::minutes(30));
        let c = resolution_clock(&h, Duration::hours(24), at(200));
        assert!(c.paused && !c.stopped && !c.breached);
        assert_eq!(c.elapsed_seconds, 30 * 60);
    }

    #[test]
    fn assignment_clock_stops_at_assignment_and_breaches_after_the_goal() {
        let h = [Entered { at: at(0), status: Status::WaitingForSupport }];
        let c = assignment_clock(&h, None, Duration::minutes(30), at(31));
        assert!(c.breached && !c.stopped);
        assert_eq!(c.remaining_seconds, -60);
        let h = [
            Entered { at: at(0), status: Status::WaitingForSupport },
            Entered { at: at(12), status: Status::InProgress },
        ];
        let c = assignment_clock(&h, Some(at(12)), Duration::minutes(30), at(500));
        assert!(c.stopped && !c.breached);
        assert_eq!(c.elapsed_seconds, 12 * 60);
    }

    #[test]
    fn resolved_stops_the_clock() {
        let h = [
            Entered { at: at(0), status: Status::InProgress },
            Entered { at: at(60), status: Status::Resolved },
        ];
        let c = resolution_clock(&h, Duration::hours(4), at(10_000));
        assert!(c.stopped && !c.breached);
        assert_eq!(c.elapsed_seconds, 3600);
    }
}
