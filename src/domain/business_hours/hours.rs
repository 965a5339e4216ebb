//! Working hours as configured: one window (`09:00-18:00`) and the windows of a weekday
//! (`09:00-13:00, 14:00-18:00`), parsed and checked.

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
pub struct DayHours(pub(super) Vec<Window>);

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
