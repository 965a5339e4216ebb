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

mod holidays;
mod hours;

pub use holidays::{orthodox_easter, romanian_holidays};
pub use hours::{DayHours, Window};

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

    /// The first working instant at or after `from`: `from` itself within working hours,
    /// else the start of the next window; `None` past a horizon of three years.
    pub fn next_open(&self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.always {
            return Some(from);
        }
        let mut date = self.local_date(from) - Duration::days(1);
        let end = date + Duration::days(HORIZON_DAYS);
        while date <= end {
            if let Some((start, _)) = self.windows_on(date).find(|(_, stop)| *stop > from) {
                return Some(start.max(from));
            }
            date += Duration::days(1);
        }
        None
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
mod tests;
