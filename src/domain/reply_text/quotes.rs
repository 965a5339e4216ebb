//! Where the quoted history of a reply starts: `>` blocks and the attributions above them,
//! Outlook separators and header blocks, forwarded-message markers, and answers written
//! between the quotes.

use super::lines::is_blank;
use super::patterns::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QuoteKind {
    /// `>`-quoted lines, possibly preceded by an attribution, or an attribution line alone.
    Marked,
    /// An Outlook separator, header block or forwarded-message marker.
    Separator,
}

/// Joins `lines[from..=to]` with single spaces, or `None` when the result would be too long or
/// a line in the range is blank or `>`-quoted.
fn join_candidate(lines: &[&str], quoted: &[bool], from: usize, to: usize) -> Option<String> {
    let mut total = 0usize;
    for i in from..=to {
        if quoted[i] || is_blank(lines[i]) {
            return None;
        }
        total += lines[i].len() + 1;
        if total > MAX_ATTRIBUTION_CHARS {
            return None;
        }
    }
    let parts: Vec<&str> = lines[from..=to].iter().map(|l| l.trim()).collect();
    Some(parts.join(" "))
}

/// An attribution that starts at line `i` and is convincing on its own, without `>` lines
/// after it. Returns the index of its last line.
fn strong_attribution_at(lines: &[&str], quoted: &[bool], i: usize) -> Option<usize> {
    if quoted[i] || !ATTRIBUTION_LEAD.is_match(lines[i]) {
        return None;
    }
    // The attribution itself is short; the quoted text run on after it may be any length.
    let head = lines[i]
        .char_indices()
        .nth(MAX_ATTRIBUTION_CHARS)
        .map_or(lines[i], |(at, _)| &lines[i][..at]);
    if ATTRIBUTION_INLINE.is_match(head) {
        return Some(i);
    }
    for to in i..lines.len().min(i + MAX_ATTRIBUTION_LINES) {
        let joined = join_candidate(lines, quoted, i, to)?;
        if ATTRIBUTION_END.is_match(&joined)
            && (joined.contains('@') || CLOCK_TIME.is_match(&joined))
        {
            return Some(to);
        }
    }
    None
}

/// The first line of an attribution that ends just above the `>` line at `quote`, if any.
fn attribution_before(lines: &[&str], quoted: &[bool], quote: usize) -> Option<usize> {
    let mut j = quote.checked_sub(1)?;
    let mut blanks = 0;
    while is_blank(lines[j]) {
        blanks += 1;
        if blanks > MAX_BLANKS_BEFORE_QUOTE {
            return None;
        }
        j = j.checked_sub(1)?;
    }
    if quoted[j] {
        return None;
    }
    let lowest = j.saturating_sub(MAX_ATTRIBUTION_LINES - 1);
    for k in (lowest..=j).rev() {
        let Some(joined) = join_candidate(lines, quoted, k, j) else {
            break;
        };
        if ATTRIBUTION_LEAD.is_match(lines[k]) && ATTRIBUTION_END.is_match(&joined) {
            return Some(k);
        }
    }
    // No recognised opening word: "Ion Popescu <ion@x.ro> wrote:", possibly wrapped before the verb.
    if lines[j].len() > MAX_ATTRIBUTION_CHARS || !ATTRIBUTION_END.is_match(lines[j]) {
        return None;
    }
    if ATTRIBUTION_VERB_ONLY.is_match(lines[j]) && j > 0 {
        let prev = lines[j - 1];
        if !quoted[j - 1]
            && !is_blank(prev)
            && prev.len() <= MAX_ATTRIBUTION_CHARS
            && (prev.contains('@') || prev.contains('<'))
        {
            return Some(j - 1);
        }
    }
    Some(j)
}

/// True when line `i` opens an Outlook style or forwarded quoted message.
pub(super) fn is_separator_at(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    if ORIGINAL_SEPARATOR.is_match(line)
        || BEGIN_FORWARDED.is_match(line)
        || DASHED_ATTRIBUTION.is_match(line)
    {
        return true;
    }
    if UNDERSCORE_LINE.is_match(line) {
        return lines
            .iter()
            .skip(i + 1)
            .take(3)
            .find(|l| !is_blank(l))
            .is_some_and(|l| {
                FROM_HEADER.is_match(l) || SENT_HEADER.is_match(l) || DATE_HEADER.is_match(l)
            });
    }
    if FROM_HEADER.is_match(line) {
        let window = lines.iter().skip(i + 1).take(HEADER_LOOKAHEAD);
        let (mut sent, mut date, mut other) = (false, false, false);
        for l in window {
            sent |= SENT_HEADER.is_match(l);
            date |= DATE_HEADER.is_match(l);
            other |= TO_OR_SUBJECT_HEADER.is_match(l);
        }
        return sent || (date && (other || line.contains('@')));
    }
    false
}

/// The line where the quoted history starts, and how it is marked.
pub(super) fn find_quote_start(lines: &[&str], quoted: &[bool]) -> Option<(usize, QuoteKind)> {
    for i in 0..lines.len() {
        if is_blank(lines[i]) {
            continue;
        }
        if quoted[i] {
            let start = attribution_before(lines, quoted, i).unwrap_or(i);
            return Some((start, QuoteKind::Marked));
        }
        if is_separator_at(lines, i) {
            return Some((i, QuoteKind::Separator));
        }
        if strong_attribution_at(lines, quoted, i).is_some() {
            return Some((i, QuoteKind::Marked));
        }
    }
    None
}

/// Marks every line that belongs to quoting: `>` lines and the attributions introducing them.
pub(super) fn quoting_mask(lines: &[&str], quoted: &[bool]) -> Vec<bool> {
    let mut mask = quoted.to_vec();
    let mut i = 0;
    while i < lines.len() {
        if quoted[i] {
            let block_start = i == 0 || !quoted[i - 1];
            let attribution = block_start
                .then(|| attribution_before(lines, quoted, i))
                .flatten();
            if let Some(k) = attribution {
                for (m, line) in mask.iter_mut().zip(lines.iter()).take(i).skip(k) {
                    *m = !is_blank(line);
                }
            }
            i += 1;
            continue;
        }
        if let Some(end) = strong_attribution_at(lines, quoted, i) {
            for m in &mut mask[i..=end] {
                *m = true;
            }
            i = end + 1;
            continue;
        }
        i += 1;
    }
    mask
}

/// True when, below `start`, unquoted text sits between `>` lines: answers written inline.
pub(super) fn has_inline_answers(lines: &[&str], quoted: &[bool], start: usize) -> bool {
    let mut seen_quote = false;
    let mut pending_answer = false;
    for i in start..lines.len() {
        let line = lines[i];
        if quoted[i] {
            if pending_answer {
                return true;
            }
            seen_quote = true;
            continue;
        }
        if is_blank(line) || !seen_quote {
            continue;
        }
        if is_separator_at(lines, i) {
            return false;
        }
        if attribution_ahead(lines, quoted, i) || is_wrapped_quote_tail(lines, quoted, i) {
            continue;
        }
        pending_answer = true;
    }
    false
}

/// True when line `i` is part of an attribution for a `>` block a few lines below.
fn attribution_ahead(lines: &[&str], quoted: &[bool], i: usize) -> bool {
    let limit = lines
        .len()
        .min(i + MAX_ATTRIBUTION_LINES + MAX_BLANKS_BEFORE_QUOTE + 1);
    (i + 1..limit)
        .find(|&q| quoted[q])
        .and_then(|q| attribution_before(lines, quoted, q))
        .is_some_and(|k| k <= i)
}

/// A client hard-wrapped a long `>` line and the rest lost its marker: a lowercase start
/// right below a long quoted line, followed by a quoted or blank line.
fn is_wrapped_quote_tail(lines: &[&str], quoted: &[bool], i: usize) -> bool {
    if i == 0 || !quoted[i - 1] || lines[i - 1].chars().count() < 60 {
        return false;
    }
    let starts_lower = lines[i]
        .trim_start()
        .chars()
        .next()
        .is_some_and(char::is_lowercase);
    let next_ok = i + 1 >= lines.len() || quoted[i + 1] || is_blank(lines[i + 1]);
    starts_lower && next_ok
}
