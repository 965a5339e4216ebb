//! Romania's public holidays, and the Orthodox Easter most of the movable ones follow.

use chrono::{Duration, NaiveDate};

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
