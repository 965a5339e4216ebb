//! Unit tests of business calendars: parsing hours, lunch breaks, holidays, daylight saving,
//! and properties over random calendars.

use super::*;

fn hours(text: &str) -> DayHours {
    DayHours::parse(text).unwrap()
}

fn bucharest() -> Calendar {
    let w = hours("09:00-18:00");
    let days = [
        w.clone(),
        w.clone(),
        w.clone(),
        w.clone(),
        w,
        DayHours::default(),
        DayHours::default(),
    ];
    let holidays = romanian_holidays(2026).into_iter().collect();
    Calendar::business(chrono_tz::Europe::Bucharest, days, holidays).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn windows_parse_and_refuse_nonsense() {
    assert_eq!(
        Window::parse("09:00-18:00"),
        Ok(Some(Window {
            start: 540,
            end: 1080
        }))
    );
    assert_eq!(Window::parse(""), Ok(None));
    assert_eq!(
        Window::parse("00:00-24:00"),
        Ok(Some(Window {
            start: 0,
            end: 1440
        }))
    );
    assert!(Window::parse("18:00-09:00").is_err());
    assert!(Window::parse("9-18").is_err());
    assert!(Window::parse("25:00-26:00").is_err());
    let w = |start, end| Window { start, end };
    assert_eq!(
        hours("14:00-18:00, 09:00-13:00"),
        DayHours(vec![w(540, 780), w(840, 1080)]),
        "in time order"
    );
    assert_eq!(
        hours("09:00-13:00,13:00-18:00"),
        DayHours(vec![w(540, 1080)]),
        "touching windows are one"
    );
    assert!(hours(" closed ").is_day_off());
    assert!(
        DayHours::parse("09:00-14:00, 13:00-18:00").is_err(),
        "overlapping"
    );
    assert!(DayHours::parse("09:00-13:00,").is_err(), "an empty window");
    assert!(DayHours::parse("09:00-13:00, closed").is_err());
    assert_eq!(
        hours("9:00 - 13:00"),
        DayHours(vec![w(540, 780)]),
        "as people type it"
    );
    let many: Vec<String> = (0..7)
        .map(|h| format!("{:02}:00-{:02}:30", 8 + h, 8 + h))
        .collect();
    assert!(DayHours::parse(&many[..6].join(",")).is_ok());
    assert!(
        DayHours::parse(&many.join(","))
            .unwrap_err()
            .contains("at most 6")
    );
}

#[test]
fn a_lunch_break_does_not_count() {
    let w = hours("09:00-13:00, 14:00-18:00");
    let days = [
        w.clone(),
        w.clone(),
        w.clone(),
        w.clone(),
        w,
        DayHours::default(),
        DayHours::default(),
    ];
    let c = Calendar::business(chrono_tz::Europe::Bucharest, days, BTreeSet::new()).unwrap();
    // Wednesday 4 March 2026 (UTC+2): 12:00 to 15:00 local is 2 working hours.
    assert_eq!(
        c.working_between(utc("2026-03-04T10:00:00Z"), utc("2026-03-04T13:00:00Z")),
        Duration::hours(2)
    );
    // A 30-minute goal set at 12:50 falls due at 14:20, after the break.
    assert_eq!(
        c.add_working(utc("2026-03-04T10:50:00Z"), Duration::minutes(30)),
        Some(utc("2026-03-04T12:20:00Z"))
    );
    assert_eq!(
        c.working_between(utc("2026-03-04T00:00:00Z"), utc("2026-03-05T00:00:00Z")),
        Duration::hours(8)
    );
}

#[test]
fn orthodox_easter_and_the_holidays_it_moves() {
    assert_eq!(orthodox_easter(2026), NaiveDate::from_ymd_opt(2026, 4, 12));
    assert_eq!(orthodox_easter(2027), NaiveDate::from_ymd_opt(2027, 5, 2));
    assert_eq!(orthodox_easter(2025), NaiveDate::from_ymd_opt(2025, 4, 20));
    let h = romanian_holidays(2026);
    assert!(
        h.contains(&NaiveDate::from_ymd_opt(2026, 4, 10).unwrap()),
        "Good Friday"
    );
    assert!(
        h.contains(&NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
        "Rusalii Monday and Children's Day"
    );
    assert!(h.contains(&NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
}

#[test]
fn only_working_hours_count() {
    let c = bucharest();
    // Friday 2026-03-06 17:00 Bucharest (15:00Z) to Monday 10:00 (08:00Z): 1 h + 1 h.
    assert_eq!(
        c.working_between(utc("2026-03-06T15:00:00Z"), utc("2026-03-09T08:00:00Z")),
        Duration::hours(2)
    );
    // A 30-minute goal set at Friday 17:50 falls due Monday 09:20.
    assert_eq!(
        c.add_working(utc("2026-03-06T15:50:00Z"), Duration::minutes(30)),
        Some(utc("2026-03-09T07:20:00Z"))
    );
    // Night time does not count at all.
    assert_eq!(
        c.working_between(utc("2026-03-03T17:00:00Z"), utc("2026-03-04T06:00:00Z")),
        Duration::zero()
    );
}

#[test]
fn holidays_and_daylight_saving_are_honoured() {
    let c = bucharest();
    // Monday 30 November and Tuesday 1 December are holidays: from Monday 17:00 to
    // Wednesday 10:00 only Wednesday's first hour counts.
    assert_eq!(
        c.working_between(utc("2026-11-30T15:00:00Z"), utc("2026-12-02T08:00:00Z")),
        Duration::hours(1)
    );
    // Summer time (UTC+3) from 29 March: 09:00 local is 06:00Z on Monday 30 March.
    assert_eq!(
        c.working_between(utc("2026-03-30T06:00:00Z"), utc("2026-03-30T15:00:00Z")),
        Duration::hours(9)
    );
    assert_eq!(
        c.working_between(utc("2026-03-27T07:00:00Z"), utc("2026-03-27T16:00:00Z")),
        Duration::hours(9)
    );
}

#[test]
fn windows_on_the_days_the_clocks_change() {
    // Bucharest: 03:00 became 04:00 on Sunday 29 March 2026, 04:00 became 03:00 on
    // Sunday 25 October 2026.
    let sunday_only = |text: &str| {
        let off = DayHours::default;
        Calendar::business(
            chrono_tz::Europe::Bucharest,
            [off(), off(), off(), off(), off(), off(), hours(text)],
            BTreeSet::new(),
        )
        .unwrap()
    };
    // A window inside the skipped hour does not exist that day; the next Sunday it does.
    let c = sunday_only("03:15-03:45, 10:00-11:00");
    assert_eq!(
        c.working_between(utc("2026-03-28T12:00:00Z"), utc("2026-03-30T00:00:00Z")),
        Duration::hours(1)
    );
    assert_eq!(
        c.working_between(utc("2026-04-04T12:00:00Z"), utc("2026-04-06T00:00:00Z")),
        Duration::minutes(90)
    );
    // 02:45-04:00 holds the repeated hour: 2 h 15 min of working time that night.
    let c = sunday_only("02:45-04:00");
    assert_eq!(
        c.working_between(utc("2026-10-24T12:00:00Z"), utc("2026-10-26T00:00:00Z")),
        Duration::minutes(135)
    );
    assert_eq!(
        c.add_working(utc("2026-10-24T12:00:00Z"), Duration::minutes(135)),
        Some(utc("2026-10-25T02:00:00Z"))
    );
}

#[test]
fn always_is_wall_clock_time() {
    let c = Calendar::always();
    assert_eq!(
        c.working_between(utc("2026-03-07T00:00:00Z"), utc("2026-03-08T00:00:00Z")),
        Duration::hours(24)
    );
    assert_eq!(
        c.add_working(utc("2026-03-07T00:00:00Z"), Duration::hours(5)),
        Some(utc("2026-03-07T05:00:00Z"))
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        // Two years around now, to the second.
        (0i64..2 * 366 * 86_400).prop_map(|s| utc("2026-01-01T00:00:00Z") + Duration::seconds(s))
    }

    fn calendar() -> impl Strategy<Value = Calendar> {
        let off = DayHours::default;
        prop_oneof![
            Just(Calendar::always()),
            Just(bucharest()),
            Just({
                let (w, n) = (hours("00:00-24:00"), hours("22:00-24:00"));
                Calendar::business(
                    chrono_tz::America::New_York,
                    [w.clone(), off(), n, w.clone(), off(), w, off()],
                    BTreeSet::new(),
                )
                .unwrap()
            }),
            Just({
                // Split days, and on Sundays (when the clocks change) windows around the
                // small hours that daylight saving moves.
                let (split, night) = (
                    hours("01:30-03:30, 08:00-12:00, 13:00-17:00"),
                    hours("00:00-02:30, 02:45-04:00"),
                );
                Calendar::business(
                    chrono_tz::Europe::Bucharest,
                    [
                        split.clone(),
                        split.clone(),
                        off(),
                        split,
                        night.clone(),
                        off(),
                        night,
                    ],
                    BTreeSet::new(),
                )
                .unwrap()
            })
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn working_time_adds_up_over_any_split(c in calendar(), mut t in proptest::collection::vec(instant(), 3)) {
            t.sort();
            let whole = c.working_between(t[0], t[2]);
            prop_assert_eq!(whole, c.working_between(t[0], t[1]) + c.working_between(t[1], t[2]));
            prop_assert!(whole <= t[2] - t[0]);
        }

        #[test]
        fn adding_working_time_is_undone_by_measuring_it(c in calendar(), from in instant(), minutes in 0i64..20_000) {
            let amount = Duration::minutes(minutes);
            let due = c.add_working(from, amount).unwrap();
            prop_assert_eq!(c.working_between(from, due), amount);
            // And it is the first such instant: a second earlier is not enough.
            if minutes > 0 {
                prop_assert!(c.working_between(from, due - Duration::seconds(1)) < amount);
            }
        }
    }
}

#[test]
fn next_open_is_now_within_hours_else_the_next_window() {
    let c = bucharest();
    // Friday 2026-12-04 10:00 in Bucharest (UTC+2): open.
    let friday = utc("2026-12-04T08:00:00Z");
    assert_eq!(c.next_open(friday), Some(friday));
    // Friday 19:00: back on Monday 09:00 (07:00 UTC).
    assert_eq!(
        c.next_open(utc("2026-12-04T17:00:00Z")),
        Some(utc("2026-12-07T07:00:00Z"))
    );
    // Christmas Eve evening: the 25th and 26th are holidays, then the weekend.
    assert_eq!(
        c.next_open(utc("2026-12-24T18:00:00Z")),
        Some(utc("2026-12-28T07:00:00Z"))
    );
    assert_eq!(Calendar::always().next_open(friday), Some(friday));
}
