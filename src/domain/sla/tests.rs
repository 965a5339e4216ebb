//! Unit tests of the SLA clocks: working time counted only while a ticket's status runs the
//! clock.

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
    assert_eq!((c.state, c.due_at), (Clock::Paused, None));
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
