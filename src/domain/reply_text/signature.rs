//! Where the signature of a reply starts: the `-- ` delimiter, or a mobile client's sign-off
//! among the last lines.

use super::lines::is_blank;
use super::patterns::*;

/// Where the signature starts in `lines`, if it has one.
pub(super) fn find_signature_start(lines: &[&str]) -> Option<usize> {
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
