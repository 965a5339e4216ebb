//! Line helpers of the reply splitter: one newline convention, blank and `>` lines, and
//! joining a run of lines back into text.

pub(super) fn normalize_newlines(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains('\r') {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

pub(super) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

pub(super) fn all_blank(lines: &[&str]) -> bool {
    lines.iter().all(|l| is_blank(l))
}

pub(super) fn is_quote_line(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Joins lines with `\n`, dropping blank lines at both ends and trailing whitespace at the end.
pub(super) fn join_trimmed(lines: &[&str]) -> String {
    let Some(first) = lines.iter().position(|l| !is_blank(l)) else {
        return String::new();
    };
    let last = lines.iter().rposition(|l| !is_blank(l)).unwrap_or(first);
    lines[first..=last].join("\n").trim_end().to_owned()
}
