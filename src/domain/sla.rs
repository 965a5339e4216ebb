//! SLA clocks: time to assignment and time to resolution, counting only the working time
//! (per the business calendar) a ticket spends in a running status.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::business_hours::Calendar;
use super::ticket::{Clock, Status};

/// One entry of a ticket's status history: it entered `status` at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entered {
    pub at: DateTime<Utc>,
    pub status: Status,
}

/// Which of a ticket's two goals a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    Assignment,
    Resolution,
}

impl Goal {
    pub fn as_str(self) -> &'static str {
        match self {
            Goal::Assignment => "assignment",
            Goal::Resolution => "resolution",
        }
    }

    pub fn parse(s: &str) -> Option<Goal> {
        [Goal::Assignment, Goal::Resolution]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// What the API and the console show of a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub goal_seconds: i64,
    pub elapsed_seconds: i64,
    pub remaining_seconds: i64,
    /// `running`, `paused` (waiting for the customer or a partner) or `stopped`.
    pub state: Clock,
    pub paused: bool,
    /// The goal was reached (assigned / resolved): the clock no longer runs.
    pub stopped: bool,
    /// At least `warn_percent` of the goal is used.
    pub warning: bool,
    pub breached: bool,
    /// When the goal is (or was) missed if the clock keeps running; none while paused
    /// or stopped.
    pub due_at: Option<DateTime<Utc>>,
}

impl ClockView {
    /// The alerts this clock has reached, `warning` before `breach`; a stopped clock
    /// (goal met, or the ticket resolved) raises none.
    pub fn alerts(&self) -> Vec<&'static str> {
        if self.stopped {
            return vec![];
        }
        [(self.warning, "warning"), (self.breached, "breach")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, k)| k)
            .collect()
    }
}

/// The working time spent in running statuses between the first entry and `until`
/// (history in time order).
pub fn running_time(calendar: &Calendar, history: &[Entered], until: DateTime<Utc>) -> Duration {
    let mut total = Duration::zero();
    for (i, e) in history.iter().enumerate() {
        let end = history.get(i + 1).map_or(until, |next| next.at).min(until);
        if e.status.clock() == Clock::Running && end > e.at {
            total += calendar.working_between(e.at, end);
        }
    }
    total
}

/// How a clock is read: the calendar, the share of the goal that warns, and the instant.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub calendar: &'a Calendar,
    pub warn_percent: i64,
    pub now: DateTime<Utc>,
}

impl Reading<'_> {
    fn view(&self, goal: Duration, elapsed: Duration, clock: Clock) -> ClockView {
        let remaining = goal - elapsed;
        let due_at = match clock {
            Clock::Running if remaining > Duration::zero() => {
                self.calendar.add_working(self.now, remaining)
            }
            Clock::Running => Some(self.now - (elapsed - goal)),
            _ => None,
        };
        ClockView {
            goal_seconds: goal.num_seconds(),
            elapsed_seconds: elapsed.num_seconds(),
            remaining_seconds: remaining.num_seconds(),
            state: clock,
            paused: clock == Clock::Paused,
            stopped: clock == Clock::Stopped,
            warning: elapsed.num_seconds() * 100 >= goal.num_seconds() * self.warn_percent,
            breached: elapsed > goal,
            due_at,
        }
    }

    /// Time to assignment: runs from creation until the first assignment.
    pub fn assignment(
        &self,
        history: &[Entered],
        assigned_at: Option<DateTime<Utc>>,
        goal: Duration,
    ) -> ClockView {
        let until = assigned_at.unwrap_or(self.now).min(self.now);
        let clock = match history.last().map(|e| e.status.clock()) {
            _ if assigned_at.is_some() => Clock::Stopped,
            Some(c) => c,
            None => Clock::Running,
        };
        self.view(goal, running_time(self.calendar, history, until), clock)
    }

    /// Time to resolution: runs in the running statuses until the ticket is resolved.
    pub fn resolution(&self, history: &[Entered], goal: Duration) -> ClockView {
        let clock = history.last().map_or(Clock::Running, |e| e.status.clock());
        self.view(goal, running_time(self.calendar, history, self.now), clock)
    }
}

#[cfg(test)]
mod tests;
