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
    pub state: &'static str,
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
            state: match clock {
                Clock::Running => "running",
                Clock::Paused => "paused",
                Clock::Stopped => "stopped",
            },
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
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn reading(calendar: &Calendar, now: DateTime<Utc>) -> Reading<'_> {
        Reading {
            calendar,
            warn_percent: 80,
            now,
        }
    }

    #[test]
    fn paused_time_does_not_count() {
        let h = [
            Entered {
                at: at(0),
                status: Status::WaitingForSupport,
            },
            Entered {
                at: at(10),
                status: Status::InProgress,
            },
            Entered {
                at: at(20),
                status: Status::WaitingForCustomer,
            },
            Entered {
                at: at(80),
                status: Status::InProgress,
            },
            Entered {
                at: at(90),
                status: Status::WaitingForThirdParty,
            },
        ];
        let always = Calendar::always();
        assert_eq!(running_time(&always, &h, at(200)), Duration::minutes(30));
        let c = reading(&always, at(200)).resolution(&h, Duration::hours(24));
        assert!(c.paused && !c.stopped && !c.breached && !c.warning);
        assert_eq!((c.state, c.due_at), ("paused", None));
        assert_eq!(c.elapsed_seconds, 30 * 60);
    }

    #[test]
    fn assignment_clock_stops_at_assignment_and_breaches_after_the_goal() {
        let always = Calendar::always();
        let h = [Entered {
            at: at(0),
            status: Status::WaitingForSupport,
        }];
        let c = reading(&always, at(24)).assignment(&h, None, Duration::minutes(30));
        assert!(c.warning && !c.breached, "24 of 30 minutes is 80 %");
        assert_eq!(c.due_at, Some(at(30)));
        assert_eq!(
            reading(&always, at(10))
                .assignment(&h, None, Duration::minutes(30))
                .alerts(),
            Vec::<&str>::new()
        );
        assert_eq!(
            reading(&always, at(24))
                .assignment(&h, None, Duration::minutes(30))
                .alerts(),
            vec!["warning"]
        );
        let c = reading(&always, at(31)).assignment(&h, None, Duration::minutes(30));
        assert_eq!(c.alerts(), vec!["warning", "breach"]);
        assert!(c.breached && !c.stopped);
        assert_eq!(c.remaining_seconds, -60);
        assert_eq!(
            c.due_at,
            Some(at(30)),
            "a missed goal says when it was missed"
        );
        let h = [
            Entered {
                at: at(0),
                status: Status::WaitingForSupport,
            },
            Entered {
                at: at(12),
                status: Status::InProgress,
            },
        ];
        let c = reading(&always, at(500)).assignment(&h, Some(at(12)), Duration::minutes(30));
        assert!(c.stopped && !c.breached);
        assert!(c.alerts().is_empty(), "a met goal raises nothing");
        assert_eq!(c.elapsed_seconds, 12 * 60);
    }

    #[test]
    fn resolved_stops_the_clock() {
        let h = [
            Entered {
                at: at(0),
                status: Status::InProgress,
            },
            Entered {
                at: at(60),
                status: Status::Resolved,
            },
        ];
        let c = reading(&Calendar::always(), at(10_000)).resolution(&h, Duration::hours(4));
        assert!(c.stopped && !c.breached);
        assert_eq!(c.elapsed_seconds, 3600);
    }

    /// Monday to Friday, 09:00-18:00 in Bucharest.
    fn weekdays_9_to_18() -> Calendar {
        let w = crate::domain::business_hours::DayHours::parse("09:00-18:00").unwrap();
        let off = Default::default;
        let days = [w.clone(), w.clone(), w.clone(), w.clone(), w, off(), off()];
        Calendar::business(chrono_tz::Europe::Bucharest, days, Default::default()).unwrap()
    }

    #[test]
    fn business_hours_clock_counts_only_working_time() {
        let cal = weekdays_9_to_18();
        // Friday 2026-03-06 17:50 local (15:50Z): 10 minutes that day, the rest on Monday.
        let opened = Utc.with_ymd_and_hms(2026, 3, 6, 15, 50, 0).unwrap();
        let h = [Entered {
            at: opened,
            status: Status::WaitingForSupport,
        }];
        let saturday = Utc.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap();
        let c = reading(&cal, saturday).assignment(&h, None, Duration::minutes(30));
        assert_eq!(c.elapsed_seconds, 600);
        assert_eq!(
            c.due_at,
            Some(Utc.with_ymd_and_hms(2026, 3, 9, 7, 20, 0).unwrap()),
            "Monday 09:20 local"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Pausing a running ticket for any span and resuming it takes away exactly the
            /// working time of the pause: nothing lost, nothing invented.
            #[test]
            fn a_pause_removes_exactly_its_own_working_time(
                start in 0i64..20_000, pause_after in 0i64..20_000, pause_for in 0i64..20_000, look in 0i64..60_000,
                status in prop_oneof![Just(Status::WaitingForCustomer), Just(Status::WaitingForThirdParty)],
                business in any::<bool>(),
            ) {
                let cal = if business {
                    weekdays_9_to_18()
                } else {
                    Calendar::always()
                };
                let (t0, t1) = (at(start), at(start + pause_after));
                let t2 = at(start + pause_after + pause_for);
                let now = at(start + look);
                let running = [Entered { at: t0, status: Status::InProgress }];
                let paused = [
                    Entered { at: t0, status: Status::InProgress },
                    Entered { at: t1, status },
                    Entered { at: t2, status: Status::InProgress },
                ];
                let pause = cal.working_between(t1.min(now), t2.min(now));
                prop_assert_eq!(running_time(&cal, &paused, now), running_time(&cal, &running, now) - pause);
            }
        }
    }
}
