//! Business calendars: which instants count as working time (working windows per weekday,
//! such as a morning and an afternoon around a lunch break, in a time zone, minus
//! holidays), or every instant (24×7). Pure: instants come in as arguments.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// One working window of a weekday, as minutes after local midnight: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u32,
    pub end: u32,
}

impl Window {
    /// `"09:00-18:00"`; `""` or `"closed"` is no window. `"00:00-24:00"` is the whole day.
    pub fn parse(text: &str) -> Result<Option<Window>, String> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("closed") {
            return Ok(None);
        }
        let minutes = |hm: &str| -> Option<u32> {
            let (h, m) = hm.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not like 09:00-18:00"))?;
        match (minutes(a), minutes(b)) {
            (Some(start), Some(end)) if start < end => Ok(Some(Window { start, end })),
            _ => Err(format!(
                "{text:?} is not like 09:00-18:00 (start before end)"
            )),
        }
    }
}

/// The working hours of one weekday: windows in time order, apart from one another
/// (none: a day off), at most `MAX_WINDOWS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayHours(Vec<Window>);

impl DayHours {
    /// `"09:00-18:00"`, or windows apart by commas, `"09:00-13:00, 14:00-18:00"`; `""` or
    /// `"closed"` is a day off. Windows that touch are one; windows that overlap are refused.
    pub fn parse(text: &str) -> Result<DayHours, String> {
        /// More would be a timetable, not working hours (and each costs the day table a span).
        const MAX_WINDOWS: usize = 6;
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("closed") {
            return Ok(DayHours::default());
        }
        if text.split(',').count() > MAX_WINDOWS {
            return Err(format!("{trimmed:?}: at most {MAX_WINDOWS} windows a day"));
        }
        let mut windows = Vec::new();
        for part in text.split(',') {
            windows.push(
                Window::parse(part)?.ok_or_else(|| format!("{trimmed:?} has an empty window"))?,
            );
        }
        windows.sort_by_key(|w| w.start);
        let mut hours: Vec<Window> = Vec::with_capacity(windows.len());
        for w in windows {
            match hours.last_mut() {
                Some(last) if w.start < last.end => {
                    return Err(format!("{trimmed:?}: the windows overlap"));
                }
                Some(last) if w.start == last.end => last.end = w.end,
                _ => hours.push(w),
            }
        }
        Ok(DayHours(hours))
    }

    pub fn is_day_off(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Clone)]
pub struct Calendar {
    /// Every instant counts.
    always: bool,
    tz: Tz,
    /// Monday first.
    days: [DayHours; 7],
    holidays: BTreeSet<NaiveDate>,
    /// The working intervals of every date from `FIRST_DAY` on, as Unix seconds, worked
    /// out once, on first use: the clocks of a queue page ask for thousands of days, and
    /// each would otherwise cost time-zone conversions and a holiday lookup. A calendar
    /// that is only checked (the configuration's, a form's) never builds it; clones share it.
    table: Arc<OnceLock<Table>>,
}

/// The working intervals of consecutive dates: date `i`'s are `spans[starts[i]..starts[i + 1]]`.
#[derive(Default)]
struct Table {
    starts: Vec<u32>,
    spans: Vec<Span>,
}

/// A working interval as Unix seconds, `[start, end)`.
type Span = (i64, i64);

/// Two calendars are the same when they count the same time; the table follows from that.
impl PartialEq for Calendar {
    fn eq(&self, other: &Self) -> bool {
        (self.always, self.tz, &self.days, &self.holidays)
            == (other.always, other.tz, &other.days, &other.holidays)
    }
}

impl Eq for Calendar {}

impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar")
            .field("always", &self.always)
            .field("tz", &self.tz)
            .field("days", &self.days)
            .field("holidays", &self.holidays)
            .finish_non_exhaustive()
    }
}

/// The span of dates the table covers; dates outside it are worked out when asked.
const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
const TABLE_DAYS: usize = 101 * 366;

/// How far `add_working` looks ahead before it gives up (a calendar with no working day).
const HORIZON_DAYS: i64 = 3 * 366;

impl Calendar {
    /// 24×7: working time is wall-clock time.
    pub fn always() -> Self {
        Calendar {
            always: true,
            tz: chrono_tz::UTC,
            days: Default::default(),
            holidays: BTreeSet::new(),
            table: Arc::default(),
        }
    }

    pub fn business(
        tz: Tz,
        days: [DayHours; 7],
        holidays: BTreeSet<NaiveDate>,
    ) -> Result<Self, String> {
        if days.iter().all(DayHours::is_day_off) {
            return Err("a business calendar needs at least one working day".into());
        }
        Ok(Calendar {
            always: false,
            tz,
            days,
            holidays,
            table: Arc::default(),
        })
    }

    /// The working intervals of a local date, in time order (none on a day off).
    fn spans_on(&self, date: NaiveDate) -> Cow<'_, [Span]> {
        let table = self.table.get_or_init(|| {
            let mut table = Table {
                starts: Vec::with_capacity(TABLE_DAYS + 1),
                spans: Vec::with_capacity(TABLE_DAYS),
            };
            for d in 0..TABLE_DAYS as i64 {
                table.starts.push(table.spans.len() as u32);
                table
                    .spans
                    .extend(self.compute_spans(FIRST_DAY + Duration::days(d)));
            }
            table.starts.push(table.spans.len() as u32);
            table
        });
        let index = usize::try_from((date - FIRST_DAY).num_days())
            .ok()
            .filter(|&i| i < TABLE_DAYS);
        match index {
            Some(i) => {
                Cow::Borrowed(&table.spans[table.starts[i] as usize..table.starts[i + 1] as usize])
            }
            None => Cow::Owned(self.compute_spans(date)),
        }
    }

    /// The working intervals of a local date, in UTC (a window that daylight saving
    /// leaves empty is left out).
    fn compute_spans(&self, date: NaiveDate) -> Vec<Span> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let hours = &self.days[date.weekday().num_days_from_monday() as usize];
        hours
            .0
            .iter()
            .map(|w| {
                (
                    self.instant(date, w.start).timestamp(),
                    self.instant(date, w.end).timestamp(),
                )
            })
            .filter(|(a, b)| a < b)
            .collect()
    }

    /// The working intervals of a local date, as instants.
    fn windows_on(
        &self,
        date: NaiveDate,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let spans = self.spans_on(date);
        (0..spans.len()).filter_map(move |i| {
            let (a, b) = spans[i];
            Some((
                DateTime::from_timestamp(a, 0)?,
                DateTime::from_timestamp(b, 0)?,
            ))
        })
    }

    /// A local wall-clock time as an instant; across a DST gap, the first valid instant
    /// after it; in a DST overlap, the earlier one.
    fn instant(&self, date: NaiveDate, minute: u32) -> DateTime<Utc> {
        let naive = if minute >= 24 * 60 {
            (date + Duration::days(1)).and_time(NaiveTime::MIN)
        } else {
            date.and_time(
                NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(NaiveTime::MIN),
            )
        };
        let mut probe = naive;
        loop {
            match self.tz.from_local_datetime(&probe) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(a, _) => return a.with_timezone(&Utc),
                LocalResult::None => probe += Duration::minutes(1),
            }
        }
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Working time inside `[from, to)`; zero when `to <= from`.
    pub fn working_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        if self.always {
            return to - from;
        }
        let mut total = Duration::zero();
        // One day before and after: a window's UTC span can start on the previous UTC day.
        let mut date = self.local_date(from) - Duration::days(1);
        let last = self.local_date(to) + Duration::days(1);
        while date <= last {
            for (start, end) in self.windows_on(date) {
                let (a, b) = (start.max(from), end.min(to));
                if b > a {
                    total += b - a;
                }
            }
            date += Duration::days(1);
        }
        total
    }

    /// The instant at which `amount` of working time has passed since `from`
    /// (`from` itself for zero); `None` past a horizon of three years.
    pub fn add_working(&self, from: DateTime<Utc>, amount: Duration) -> Option<DateTime<Utc>> {
        if amount <= Duration::zero() {
            return Some(from);
        }
        if self.always {
            return Some(from + amount);
        }
        let mut left = amount;
        let mut date = self.local_date(from) - Duration::days(1);
        let end = date + Duration::days(HORIZON_DAYS);
        while date <= end {
            for (start, stop) in self.windows_on(date) {
                let a = start.max(from);
                if stop > a {
                    if stop - a >= left {
                        return Some(a + left);
                    }
                    left -= stop - a;
                }
            }
            date += Duration::days(1);
        }
        None
    }
}

/// Romania's public holidays of a year (Codul muncii, art. 139): fixed dates, and the
/// Orthodox Good Friday, Easter, Easter Monday, Rusalii and its Monday.
pub fn romanian_holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = [
        (1, 1),
        (1, 2),
        (1, 6),
        (1, 7),
        (1, 24),
        (5, 1),
        (6, 1),
        (8, 15),
        (11, 30),
        (12, 1),
        (12, 25),
        (12, 26),
    ];
    let mut days: Vec<NaiveDate> = fixed
        .iter()
        .filter_map(|&(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .collect();
    if let Some(easter) = orthodox_easter(year) {
        for offset in [-2, 0, 1, 49, 50] {
            days.push(easter + Duration::days(offset));
        }
    }
    days.sort();
    days.dedup();
    days
}

/// Orthodox Easter Sunday (Meeus' Julian algorithm, shifted to the Gregorian calendar;
/// valid 1900–2099).
pub fn orthodox_easter(year: i32) -> Option<NaiveDate> {
    if !(1900..=2099).contains(&year) {
        return None;
    }
    let (a, b, c) = (year % 4, year % 7, year % 19);
    let d = (19 * c + 15) % 30;
    let e = (2 * a + 4 * b - d + 34) % 7;
    let month = (d + e + 114) / 31;
    let day = (d + e + 114) % 31 + 1;
    Some(NaiveDate::from_ymd_opt(year, month as u32, day as u32)? + Duration::days(13))
}

/// Monday-first order of the weekday keys in configuration.
pub const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

#[cfg(test)]
mod tests {
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
            (0i64..2 * 366 * 86_400)
                .prop_map(|s| utc("2026-01-01T00:00:00Z") + Duration::seconds(s))
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
}
