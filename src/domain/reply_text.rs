//! Splits the plain text of an email reply into the newly written text, the quoted history and the signature.
//!
//! The full original text is stored elsewhere; this module only decides which part a person
//! actually wrote in this message. It understands `>` quoting with the attribution line that
//! precedes it (English, Romanian, German, French and a few other languages, also when the
//! attribution is wrapped over several lines), Outlook style separators and header blocks,
//! forwarded-message markers, the standard `-- ` signature delimiter and the sign-offs that
//! mobile clients append.
//!
//! Output always uses `\n` line endings, whatever the input used. Every step looks at a bounded
//! window of lines around the current one, so the running time is linear in the input size.

mod forwarded;
mod patterns;

pub use forwarded::{Forwarded, forwarded};

use patterns::*;

/// The three parts of a reply. `new_text` is never empty when the input has any non-blank text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplyParts {
    /// What the sender wrote in this message, without surrounding blank lines.
    pub new_text: String,
    /// The quoted history, from its first line (attribution or separator) to the end.
    pub quoted: String,
    /// The signature block, delimiter or sign-off line included; empty when none was found.
    pub signature: String,
}

/// Splits `text` into new text, quoted history and signature. Never panics.
#[must_use]
pub fn split_reply(text: &str) -> ReplyParts {
    let normalized = normalize_newlines(text);
    let lines: Vec<&str> = normalized.split('\n').collect();
    if lines.iter().all(|l| is_blank(l)) {
        return ReplyParts::default();
    }
    let quoted_lines: Vec<bool> = lines.iter().map(|l| is_quote_line(l)).collect();

    if let Some((start, kind)) = find_quote_start(&lines, &quoted_lines) {
        let head = &lines[..start];
        let interleaved =
            kind == QuoteKind::Marked && has_inline_answers(&lines, &quoted_lines, start);
        if !interleaved {
            let (new_end, sig_start) = match find_signature_start(head) {
                Some(s) if !all_blank(&head[..s]) => (s, s),
                _ => (head.len(), head.len()),
            };
            let new_text = join_trimmed(&head[..new_end]);
            if !new_text.is_empty() {
                return ReplyParts {
                    new_text,
                    quoted: join_trimmed(&lines[start..]),
                    signature: join_trimmed(&head[sig_start..]),
                };
            }
        }
        return fall_back(&lines, &quoted_lines, &normalized);
    }

    match find_signature_start(&lines) {
        Some(s) if !all_blank(&lines[..s]) => ReplyParts {
            new_text: join_trimmed(&lines[..s]),
            quoted: String::new(),
            signature: join_trimmed(&lines[s..]),
        },
        _ => ReplyParts {
            new_text: join_trimmed(&lines),
            ..ReplyParts::default()
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteKind {
    /// `>`-quoted lines, possibly preceded by an attribution, or an attribution line alone.
    Marked,
    /// An Outlook separator, header block or forwarded-message marker.
    Separator,
}

fn normalize_newlines(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains('\r') {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn all_blank(lines: &[&str]) -> bool {
    lines.iter().all(|l| is_blank(l))
}

fn is_quote_line(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Joins lines with `\n`, dropping blank lines at both ends and trailing whitespace at the end.
fn join_trimmed(lines: &[&str]) -> String {
    let Some(first) = lines.iter().position(|l| !is_blank(l)) else {
        return String::new();
    };
    let last = lines.iter().rposition(|l| !is_blank(l)).unwrap_or(first);
    lines[first..=last].join("\n").trim_end().to_owned()
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
fn is_separator_at(lines: &[&str], i: usize) -> bool {
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
fn find_quote_start(lines: &[&str], quoted: &[bool]) -> Option<(usize, QuoteKind)> {
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
fn quoting_mask(lines: &[&str], quoted: &[bool]) -> Vec<bool> {
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
fn has_inline_answers(lines: &[&str], quoted: &[bool], start: usize) -> bool {
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

/// Where the signature starts in `lines`, if it has one.
fn find_signature_start(lines: &[&str]) -> Option<usize> {
    let delimiter = find_delimiter(lines);
    let sign_off = find_sign_off(lines);
    match (delimiter, sign_off) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn find_delimiter(lines: &[&str]) -> Option<usize> {
    // Count non-blank lines below each line once, from the bottom up.
    let mut below = vec![0usize; lines.len() + 1];
    for i in (0..lines.len()).rev() {
        below[i] = below[i + 1] + usize::from(!is_blank(lines[i]));
    }
    (0..lines.len()).find(|&i| {
        let line = lines[i];
        if !line.starts_with("--") || line.trim() != "--" {
            return false;
        }
        let limit = if line.len() > 2 {
            MAX_SIGNATURE_LINES
        } else {
            MAX_BARE_SIGNATURE_LINES
        };
        below[i + 1] <= limit
    })
}

fn find_sign_off(lines: &[&str]) -> Option<usize> {
    let mut found = None;
    let mut seen = 0;
    for i in (0..lines.len()).rev() {
        let line = lines[i].trim();
        if line.is_empty() {
            continue;
        }
        if line.chars().count() <= MAX_SIGN_OFF_CHARS && SIGN_OFF.is_match(line) {
            found = Some(i);
        }
        seen += 1;
        if seen >= SIGN_OFF_WINDOW {
            break;
        }
    }
    found
}

/// Used when the text above the quote is empty or the answers are written between quotes:
/// every unquoted line is new text, every `>` line and attribution is quoted.
fn fall_back(lines: &[&str], quoted: &[bool], normalized: &str) -> ReplyParts {
    let mask = quoting_mask(lines, quoted);
    let mut own: Vec<&str> = Vec::new();
    let mut history: Vec<&str> = Vec::new();
    let mut last_history: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        if mask[i] {
            if last_history.is_some_and(|p| p + 1 < i) {
                history.push("");
            }
            history.push(line);
            last_history = Some(i);
        } else if !is_blank(line) || own.last().is_some_and(|l| !is_blank(l)) {
            own.push(line);
        }
    }
    let quoted_text = join_trimmed(&history);
    if all_blank(&own) {
        return ReplyParts {
            new_text: normalized.trim().to_owned(),
            quoted: quoted_text,
            signature: String::new(),
        };
    }
    match find_signature_start(&own) {
        Some(s) if !all_blank(&own[..s]) => ReplyParts {
            new_text: join_trimmed(&own[..s]),
            quoted: quoted_text,
            signature: join_trimmed(&own[s..]),
        },
        _ => ReplyParts {
            new_text: join_trimmed(&own),
            quoted: quoted_text,
            signature: String::new(),
        },
    }
}

#[cfg(test)]
mod tests;
