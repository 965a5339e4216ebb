//! A forwarded message inside a mail's text: who wrote it, what they wrote, and the note
//! the forwarder typed above it. Read from the header block every client puts at the top
//! of a forward (Gmail's "Forwarded message" line, Apple Mail's "Begin forwarded
//! message:", Outlook's line of underscores or bare `From:`/`Sent:` block, their
//! translations).

use super::lines::{is_blank, join_trimmed, normalize_newlines};
use super::patterns::*;
use super::quotes::is_separator_at;

/// The message a forward carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// The author's display name, as the header block gives it ("" when none).
    pub name: String,
    /// The author's address, as the header block gives it (not yet checked).
    pub address: String,
    /// The forwarded message's text, below its header block.
    pub body: String,
    /// What the forwarder wrote above it.
    pub note: String,
}

/// The first forwarded (or quoted) message in `text` whose header block names an author
/// with an address; `None` when there is none, or it holds no text.
#[must_use]
pub fn forwarded(text: &str) -> Option<Forwarded> {
    let normalized = normalize_newlines(text);
    let lines: Vec<&str> = normalized.split('\n').collect();
    let start = (0..lines.len()).find(|&i| is_separator_at(&lines, i))?;
    let from = (start..lines.len().min(start + HEADER_LOOKAHEAD + 2))
        .find(|&i| FROM_HEADER.is_match(lines[i]))?;
    let (name, address) = author(lines[from])?;
    // The header block runs to the first blank line below its From.
    let end = (from..lines.len())
        .find(|&i| is_blank(lines[i]))
        .unwrap_or(lines.len());
    let body = join_trimmed(&lines[end..]);
    if body.is_empty() {
        return None;
    }
    Some(Forwarded {
        name,
        address,
        body,
        note: join_trimmed(&lines[..start]),
    })
}

/// The name and address of a From line: `Ion Pop <ion@x.ro>`, `"Pop, Ion" <ion@x.ro>`,
/// Outlook's `Ion Pop [mailto:ion@x.ro]`, or a bare `ion@x.ro`.
fn author(line: &str) -> Option<(String, String)> {
    let value = line
        .split_once(':')?
        .1
        .trim()
        .trim_start_matches('*')
        .trim();
    let bracketed = |open: &str, close: char| {
        let at = value.find(open)?;
        let inner = &value[at + open.len()..];
        Some((&value[..at], &inner[..inner.find(close)?]))
    };
    let (name, address) = bracketed("<", '>')
        .or_else(|| bracketed("[mailto:", ']'))
        .or_else(|| {
            value
                .split_whitespace()
                .find(|w| w.contains('@'))
                .map(|w| ("", w))
        })?;
    let address = address
        .trim()
        .trim_matches(|c: char| matches!(c, '<' | '>' | '(' | ')' | ',' | ';'));
    let name = name
        .trim()
        .trim_matches(|c: char| c == '"' || c == '\'' || c == '*')
        .trim();
    address
        .contains('@')
        .then(|| (name.to_string(), address.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_apple_and_outlook_forwards_name_their_author() {
        let gmail = "Poți prelua tu?\n\n---------- Forwarded message ---------\nFrom: Ion Popescu <ion@client.ro>\nDate: Tue, 3 Mar 2026 at 10:00\nSubject: Imprimanta\nTo: Ana <ana@example.test>\n\nImprimanta nu mai merge.\nIon\n";
        let f = forwarded(gmail).unwrap();
        assert_eq!(
            (f.name.as_str(), f.address.as_str()),
            ("Ion Popescu", "ion@client.ro")
        );
        assert_eq!(f.body, "Imprimanta nu mai merge.\nIon");
        assert_eq!(f.note, "Poți prelua tu?");

        let apple = "Begin forwarded message:\n\nFrom: \"Popescu, Ion\" <ion@client.ro>\nSubject: Imprimanta\nDate: 3 March 2026 at 10:00:00 EET\n\nNu merge.\n";
        let f = forwarded(apple).unwrap();
        assert_eq!(
            (f.name.as_str(), f.address.as_str(), f.note.as_str()),
            ("Popescu, Ion", "ion@client.ro", "")
        );

        let outlook = "De preluat.\n\n________________________________\nDe la: Ion Popescu [mailto:ion@client.ro]\nTrimis: marți, 3 martie 2026 10:00\nCătre: Ana\nSubiect: Imprimanta\n\nNu merge.\n";
        let f = forwarded(outlook).unwrap();
        assert_eq!(
            (f.name.as_str(), f.address.as_str(), f.body.as_str()),
            ("Ion Popescu", "ion@client.ro", "Nu merge.")
        );

        let bare = "From: ion@client.ro\nSent: Tuesday, March 3, 2026 10:00 AM\nTo: ana@example.test\n\nNu merge.";
        assert_eq!(forwarded(bare).unwrap().address, "ion@client.ro");
    }

    #[test]
    fn text_without_a_forwarded_author_has_none() {
        assert_eq!(forwarded("Imprimanta nu merge.\nFrom: me, with love"), None);
        assert_eq!(
            forwarded("---------- Forwarded message ---------\nFrom: Ion Popescu\nDate: azi\n\nx"),
            None,
            "no address"
        );
        assert_eq!(
            forwarded("---------- Forwarded message ---------\nFrom: ion@client.ro\nDate: azi\n\n"),
            None,
            "no text"
        );
    }
}
