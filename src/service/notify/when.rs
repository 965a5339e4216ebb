//! When the support team is back, as a confirmation mail says it outside working hours.

use chrono::{DateTime, Datelike, Utc};

use crate::service::Sla;

const RO_DAYS: [&str; 7] = [
    "luni",
    "marți",
    "miercuri",
    "joi",
    "vineri",
    "sâmbătă",
    "duminică",
];
const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Empty while the team works (or in a 24x7 calendar); else when it is back, in the
/// calendar's time zone: "luni, 07.12.2026, ora 09:00 (Europe/Bucharest)".
pub(super) fn back_at(sla: &Sla, now: DateTime<Utc>, lang: &str) -> String {
    let Some(open) = sla.calendar.next_open(now).filter(|open| *open > now) else {
        return String::new();
    };
    let tz: chrono_tz::Tz = sla
        .config
        .calendar
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::Bucharest);
    let at = open.with_timezone(&tz);
    let day = at.weekday().num_days_from_monday() as usize;
    if lang == "en" {
        format!(
            "{}, {}, at {} ({tz})",
            EN_DAYS[day],
            at.format("%d.%m.%Y"),
            at.format("%H:%M")
        )
    } else {
        format!(
            "{}, {}, ora {} ({tz})",
            RO_DAYS[day],
            at.format("%d.%m.%Y"),
            at.format("%H:%M")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SlaConfig;

    #[test]
    fn outside_hours_it_names_the_next_opening_and_within_them_nothing() {
        let sla = Sla::new(SlaConfig::default()).unwrap();
        let friday_evening: DateTime<Utc> = "2026-12-04T17:00:00Z".parse().unwrap();
        assert_eq!(
            back_at(&sla, friday_evening, "ro"),
            "luni, 07.12.2026, ora 09:00 (Europe/Bucharest)"
        );
        assert_eq!(
            back_at(&sla, friday_evening, "en"),
            "Monday, 07.12.2026, at 09:00 (Europe/Bucharest)"
        );
        let friday_morning: DateTime<Utc> = "2026-12-04T08:00:00Z".parse().unwrap();
        assert_eq!(back_at(&sla, friday_morning, "ro"), "");
    }
}
