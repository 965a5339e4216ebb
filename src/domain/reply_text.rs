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
mod lines;
mod patterns;
mod quotes;
mod signature;

pub use forwarded::{Forwarded, forwarded};

use lines::{all_blank, is_blank, is_quote_line, join_trimmed, normalize_newlines};
use quotes::{QuoteKind, find_quote_start, has_inline_answers, quoting_mask};
use signature::find_signature_start;

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
