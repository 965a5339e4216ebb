//! The `[sla]` section: goals, warnings, auto-close, and the business calendar the clocks
//! count in, checked and built into a `Calendar`.

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::domain::business_hours::{Calendar, DayHours, WEEKDAYS, romanian_holidays};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SlaConfig {
    #[serde(deserialize_with = "whole")]
    pub assign_minutes: i64,
    pub resolve_hours: ResolveHours,
    /// A clock warns once this share of its goal is used.
    #[serde(deserialize_with = "whole")]
    pub warn_percent: i64,
    /// Where warnings and breaches of unassigned tickets go (empty: only the log and
    /// the metrics); assigned tickets alert their agent.
    pub team_address: String,
    /// Resolved tickets close after this many days without a reply (0: never).
    #[serde(deserialize_with = "whole")]
    pub auto_close_days: i64,
    /// How often the sweeper looks at the clocks.
    #[serde(deserialize_with = "whole")]
    pub sweep_interval_secs: u64,
    pub calendar: CalendarConfig,
}

impl Default for SlaConfig {
    fn default() -> Self {
        Self {
            assign_minutes: 30,
            resolve_hours: ResolveHours::default(),
            warn_percent: 80,
            team_address: String::new(),
            auto_close_days: 5,
            sweep_interval_secs: 60,
            calendar: CalendarConfig::default(),
        }
    }
}

impl SlaConfig {
    /// Checks the goals and the calendar; the error names the setting that is wrong.
    pub fn validate(&self) -> anyhow::Result<Calendar> {
        let calendar = self.calendar.build()?;
        if self.assign_minutes < 1 {
            bail!("sla.assign_minutes must be at least 1");
        }
        let h = &self.resolve_hours;
        if [h.urgent, h.high, h.normal, h.low].iter().any(|&x| x < 1) {
            bail!("sla.resolve_hours must all be at least 1");
        }
        if !(1..=100).contains(&self.warn_percent) {
            bail!("sla.warn_percent must be between 1 and 100");
        }
        if self.sweep_interval_secs == 0 || self.auto_close_days < 0 {
            bail!(
                "sla.sweep_interval_secs must be at least 1 and sla.auto_close_days not negative"
            );
        }
        let team = self.team_address.trim();
        if !team.is_empty() && crate::domain::email_address::EmailAddress::parse(team).is_err() {
            bail!("sla.team_address {team:?} is not an email address");
        }
        Ok(calendar)
    }
}

/// The business calendar the SLA clocks count in.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// `business` (the windows below) or `24x7`.
    pub mode: String,
    pub time_zone: String,
    /// Working window per weekday, `"09:00-18:00"`; empty for a day off.
    pub mon: String,
    pub tue: String,
    pub wed: String,
    pub thu: String,
    pub fri: String,
    pub sat: String,
    pub sun: String,
    /// Built-in public holidays: `romania` or `none`.
    pub holidays: String,
    /// More days off, `YYYY-MM-DD`.
    pub extra_holidays: Vec<String>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        let day = || "09:00-18:00".to_string();
        Self {
            mode: "business".into(),
            time_zone: "Europe/Bucharest".into(),
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            sat: String::new(),
            sun: String::new(),
            holidays: "romania".into(),
            extra_holidays: Vec::new(),
        }
    }
}

impl CalendarConfig {
    /// The calendar this describes; the error names the setting that is wrong.
    pub fn build(&self) -> anyhow::Result<Calendar> {
        // Every field is checked, whichever the mode: a switch back must not meet a bad value.
        let always = match self.mode.as_str() {
            "24x7" => true,
            "business" => false,
            other => bail!("sla.calendar.mode must be \"business\" or \"24x7\", not {other:?}"),
        };
        let tz: chrono_tz::Tz = self.time_zone.parse().map_err(|_| {
            anyhow::anyhow!(
                "sla.calendar.time_zone {:?} is not an IANA time zone",
                self.time_zone
            )
        })?;
        let texts = [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ];
        let mut days: [DayHours; 7] = Default::default();
        for (i, ((key, _), text)) in WEEKDAYS.iter().zip(texts).enumerate() {
            days[i] =
                DayHours::parse(text).map_err(|e| anyhow::anyhow!("sla.calendar.{key}: {e}"))?;
        }
        let mut holidays = std::collections::BTreeSet::new();
        match self.holidays.as_str() {
            "romania" => holidays.extend((2000..=2099).flat_map(romanian_holidays)),
            "none" => {}
            other => bail!("sla.calendar.holidays must be \"romania\" or \"none\", not {other:?}"),
        }
        for d in &self.extra_holidays {
            let date = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                anyhow::anyhow!("sla.calendar.extra_holidays: {d:?} is not YYYY-MM-DD")
            })?;
            holidays.insert(date);
        }
        if always {
            return Ok(Calendar::always());
        }
        Calendar::business(tz, days, holidays).map_err(|e| anyhow::anyhow!("sla.calendar: {e}"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResolveHours {
    #[serde(deserialize_with = "whole")]
    pub urgent: i64,
    #[serde(deserialize_with = "whole")]
    pub high: i64,
    #[serde(deserialize_with = "whole")]
    pub normal: i64,
    #[serde(deserialize_with = "whole")]
    pub low: i64,
}

impl ResolveHours {
    /// The resolution goal, in hours, of a ticket of this priority.
    pub fn for_priority(&self, p: crate::domain::ticket::Priority) -> i64 {
        use crate::domain::ticket::Priority;
        match p {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

impl Default for ResolveHours {
    fn default() -> Self {
        Self {
            urgent: 4,
            high: 8,
            normal: 24,
            low: 72,
        }
    }
}

/// A whole number, also when written with a zero fraction (`30.0`): JSON Schema's
/// `integer` takes both, and clients that keep numbers as floats send them so. Any other
/// fraction, or a number out of the field's range, is refused.
fn whole<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<i64, E> {
            Ok(n)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<i64, E> {
            i64::try_from(n).map_err(|_| E::custom(format!("{n} is too large")))
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<i64, E> {
            // i64's range, as far as a float tells it (2^63 is the first float past it).
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if n.fract() != 0.0 {
                return Err(E::custom(format!("{n} is not a whole number")));
            }
            match (-LIMIT..LIMIT).contains(&n) {
                #[allow(clippy::cast_possible_truncation)]
                true => Ok(n as i64),
                false => Err(E::custom("the number is out of range")),
            }
        }
    }
    let n = d.deserialize_any(Whole)?;
    T::try_from(n).map_err(|_| serde::de::Error::custom(format!("{n} is out of range")))
}
