//! What a bounce says: which of our mails came back, for whom, and why. Read from the
//! delivery report (RFC 3464 `message/delivery-status`) when there is one, and from the
//! returned mail's headers, wherever the bouncing server put them (an attached
//! `message/rfc822`, `text/rfc822-headers`, or pasted into the text as older servers do).
//! `parse.rs` finds the parts; this file reads their text.

use std::sync::LazyLock;

use regex::bytes::Regex;

pub use crate::domain::email::{BounceReport, Failure};

static MESSAGE_ID_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^[ \t>]*message-id:[ \t]*<([^<>\s]{1,250})>").expect("a valid pattern")
});

/// The Message-IDs named on `Message-ID:` lines in a bounce's body (the returned mail's
/// headers, wherever they were put), in order, without duplicates.
pub fn message_ids_in(body: &[u8]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for c in MESSAGE_ID_LINE.captures_iter(body) {
        let id = String::from_utf8_lossy(&c[1]).into_owned();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The failed recipients of a `message/delivery-status` body: a block of per-message
/// fields, then one block per recipient (blank lines between, fields may be folded).
/// Delayed or delivered recipients are left out.
pub fn failures_in(status: &str) -> Vec<Failure> {
    let mut out = Vec::new();
    for block in status.replace("\r\n", "\n").split("\n\n") {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in block.lines() {
            match (line.starts_with([' ', '\t']), fields.last_mut()) {
                (true, Some((_, value))) => {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                _ => {
                    if let Some((name, value)) = line.split_once(':') {
                        fields.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                    }
                }
            }
        }
        let field = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        // "rfc822; ana@client.ro" → "ana@client.ro"
        let address = |v: &str| {
            v.rsplit(';')
                .next()
                .unwrap_or(v)
                .trim()
                .trim_matches(['<', '>'])
                .to_string()
        };
        let original = field("original-recipient").map(address);
        let Some(recipient) = field("final-recipient")
            .map(address)
            .or_else(|| original.clone())
        else {
            continue;
        };
        let original = original.filter(|o| !o.eq_ignore_ascii_case(&recipient));
        let status = field("status").unwrap_or("");
        let failed = match field("action") {
            Some(action) => action.eq_ignore_ascii_case("failed"),
            None => status.starts_with('5'),
        };
        if !failed {
            continue;
        }
        let diagnostic =
            field("diagnostic-code").map(|d| d.split_once(';').map_or(d, |(_, text)| text).trim());
        let reason = diagnostic
            .filter(|d| !d.is_empty())
            .unwrap_or(status)
            .to_string();
        out.push(Failure {
            recipient,
            original,
            reason,
        });
    }
    out
}

/// The failures a bounce without a report writes into its text, as qmail and Yahoo do:
/// a line `<ana@client.ro>:` and the server's words on the lines under it. Only the
/// text above the returned copy counts.
pub fn failures_in_text(text: &str) -> Vec<Failure> {
    let mut out = Vec::new();
    let mut lines = text
        .lines()
        .take_while(|l| !l.starts_with("--- ") && !l.starts_with("------"))
        .peekable();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(address) = line.strip_prefix('<').and_then(|l| l.strip_suffix(">:")) else {
            continue;
        };
        if !address.contains('@') || address.contains(char::is_whitespace) {
            continue;
        }
        let mut reason = Vec::new();
        while let Some(next) = lines
            .peek()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with('<'))
        {
            reason.push(next);
            lines.next();
        }
        out.push(Failure {
            recipient: address.to_string(),
            original: None,
            reason: reason.join(" "),
        });
    }
    out
}

/// The recipients an `X-Failed-Recipients` header names (Exim and others add it to
/// bounces without a delivery report), each with the same reason.
pub fn failed_recipients(header: &str, reason: &str) -> Vec<Failure> {
    header
        .split(',')
        .map(|a| a.trim().trim_matches(['<', '>']).to_string())
        .filter(|a| a.contains('@'))
        .map(|recipient| Failure {
            recipient,
            original: None,
            reason: reason.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_report_names_the_failed_recipients_and_why() {
        let status = "Reporting-MTA: dns; mx.client.ro\r\n\r\nFinal-Recipient: rfc822; ana@client.ro\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <ana@client.ro>: User doesn't\r\n exist\r\n\r\nFinal-Recipient: rfc822; ion@client.ro\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n\
Original-Recipient: rfc822;<dan@client.ro>\r\nStatus: 5.2.2\r\n\r\n\
Original-Recipient: rfc822; vasile@client.ro\r\nFinal-Recipient: rfc822; vasile@old-host.client.ro\r\nAction: failed\r\nStatus: 5.1.1\r\n";
        assert_eq!(
            failures_in(status),
            [
                Failure {
                    recipient: "ana@client.ro".into(),
                    original: None,
                    reason: "550 5.1.1 <ana@client.ro>: User doesn't exist".into()
                },
                Failure {
                    recipient: "dan@client.ro".into(),
                    original: None,
                    reason: "5.2.2".into()
                },
                Failure {
                    recipient: "vasile@old-host.client.ro".into(),
                    original: Some("vasile@client.ro".into()),
                    reason: "5.1.1".into()
                },
            ]
        );
        assert_eq!(failures_in(""), []);
    }

    #[test]
    fn a_qmail_bounce_names_its_failures_in_the_text() {
        let text = "Hi. This is the qmail-send program at mx.client.ro.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n\
<ana@client.ro>:\nRemote host said: 550 5.1.1 mailbox unavailable\nGiving up on it.\n\n<ion@client.ro>:\nquota exceeded\n\n\
--- Below this line is a copy of the message.\n\n<dan@client.ro>:\nnot a failure\n";
        assert_eq!(
            failures_in_text(text),
            [
                Failure {
                    recipient: "ana@client.ro".into(),
                    original: None,
                    reason: "Remote host said: 550 5.1.1 mailbox unavailable Giving up on it."
                        .into()
                },
                Failure {
                    recipient: "ion@client.ro".into(),
                    original: None,
                    reason: "quota exceeded".into()
                },
            ]
        );
        assert_eq!(failures_in_text("Dear <ana@client.ro>: hello"), []);
    }

    #[test]
    fn returned_message_ids_are_found_wherever_they_were_put() {
        let body = b"This message was created automatically.\r\n\r\n------ This is a copy of the message ------\r\n\
Message-Id: <abc.456@example.test>\r\nFrom: support@example.test\r\n\r\n> message-id: <quoted@x.test>\r\nMessage-ID: <abc.456@example.test>\r\n";
        assert_eq!(
            message_ids_in(body),
            ["abc.456@example.test", "quoted@x.test"]
        );
        assert_eq!(
            failed_recipients("ana@client.ro, <ion@client.ro>, junk", "full"),
            [
                Failure {
                    recipient: "ana@client.ro".into(),
                    original: None,
                    reason: "full".into()
                },
                Failure {
                    recipient: "ion@client.ro".into(),
                    original: None,
                    reason: "full".into()
                },
            ]
        );
    }
}
