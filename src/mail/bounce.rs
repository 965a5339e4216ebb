//! What a bounce says: which of our mails came back, for whom, and why. Read from the
//! delivery report (RFC 3464 `message/delivery-status`) when there is one, and from the
//! returned mail's headers, wherever the bouncing server put them (an attached
//! `message/rfc822`, `text/rfc822-headers`, or pasted into the text as older servers do).

use std::sync::LazyLock;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use regex::bytes::Regex;

use super::parse::{clean_id, guarded};

/// One recipient a delivery failed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub recipient: String,
    /// The server's words (`Diagnostic-Code`), else the status code, else empty.
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BounceReport {
    /// Message-IDs of the returned mail (without angle brackets).
    pub returned_ids: Vec<String>,
    pub failures: Vec<Failure>,
}

static MESSAGE_ID_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?im)^[ \t>]*message-id:[ \t]*<([^<>\s]{1,250})>").expect("a valid pattern"));

/// Reads a bounce. Never fails: what it cannot find stays empty.
pub fn read(raw: &[u8]) -> BounceReport {
    guarded(|| read_unguarded(raw)).unwrap_or_default()
}

fn read_unguarded(raw: &[u8]) -> BounceReport {
    let mut report = BounceReport::default();
    let Some(msg) = MessageParser::default().parse(raw) else { return report };
    let own_id = msg.message_id().and_then(clean_id);
    // The returned mail's Message-ID, from anywhere past the bounce's own header block.
    let body = raw.get(msg.root_part().offset_body as usize..).unwrap_or_default();
    for c in MESSAGE_ID_LINE.captures_iter(body) {
        let Some(id) = clean_id(&String::from_utf8_lossy(&c[1])) else { continue };
        if Some(&id) != own_id.as_ref() && !report.returned_ids.contains(&id) {
            report.returned_ids.push(id);
        }
    }
    for part in &msg.parts {
        let is_status = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("delivery-status") || s.eq_ignore_ascii_case("global-delivery-status"))
        });
        if is_status {
            report.failures.extend(failures_in(&String::from_utf8_lossy(part.contents())));
        }
        if let PartType::Message(inner) = &part.body {
            if let Some(id) = inner.message_id().and_then(clean_id).filter(|id| !report.returned_ids.contains(id)) {
                report.returned_ids.push(id);
            }
        }
    }
    if report.failures.is_empty() {
        // No delivery report: the header that Exim and others add names the recipients.
        if let Some(list) = msg.header_raw("X-Failed-Recipients") {
            let reason = msg.subject().unwrap_or_default().trim().to_string();
            report.failures = list
                .split(',')
                .map(|a| a.trim().trim_matches(['<', '>']).to_string())
                .filter(|a| a.contains('@'))
                .map(|recipient| Failure { recipient, reason: reason.clone() })
                .collect();
        }
    }
    report
}

/// The failed recipients of a `message/delivery-status` body: a block of per-message
/// fields, then one block per recipient (blank lines between, fields may be folded).
fn failures_in(status: &str) -> Vec<Failure> {
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
        let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let Some(recipient) = field("final-recipient").or_else(|| field("original-recipient")) else { continue };
        let status = field("status").unwrap_or("");
        let failed = match field("action") {
            Some(action) => action.eq_ignore_ascii_case("failed"),
            None => status.starts_with('5'),
        };
        if !failed {
            continue;
        }
        // "rfc822; ana@client.ro" → "ana@client.ro"
        let recipient = recipient.rsplit(';').next().unwrap_or(recipient).trim().trim_matches(['<', '>']).to_string();
        let diagnostic = field("diagnostic-code").map(|d| d.split_once(';').map_or(d, |(_, text)| text).trim());
        let reason = diagnostic.filter(|d| !d.is_empty()).unwrap_or(status).to_string();
        out.push(Failure { recipient, reason });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_report_names_the_recipient_the_reason_and_our_mail() {
        let raw = b"From: MAILER-DAEMON@mx.client.ro\r\nMessage-ID: <dsn1@mx.client.ro>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.ro\r\n\r\nFinal-Recipient: rfc822; ana@client.ro\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <ana@client.ro>: User doesn't\r\n exist\r\n\r\nFinal-Recipient: rfc822; ion@client.ro\r\nAction: delayed\r\nStatus: 4.4.1\r\n\
--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@example.test\r\nMessage-ID: <abc.123@example.test>\r\nSubject: [HD-1] x\r\n--b--\r\n";
        let r = read(raw);
        assert_eq!(r.returned_ids, ["abc.123@example.test"]);
        assert_eq!(r.failures, [Failure { recipient: "ana@client.ro".into(), reason: "550 5.1.1 <ana@client.ro>: User doesn't exist".into() }]);
    }

    #[test]
    fn an_old_style_bounce_is_read_from_its_text_and_headers() {
        let raw = b"From: MAILER-DAEMON@mx.test\r\nX-Failed-Recipients: ana@client.ro\r\nSubject: Mail delivery failed: returning message to sender\r\n\r\n\
This message was created automatically.\r\n\r\n  ana@client.ro\r\n    mailbox is full\r\n\r\n------ This is a copy of the message, including all the headers. ------\r\n\
Message-Id: <abc.456@example.test>\r\nFrom: support@example.test\r\n";
        let r = read(raw);
        assert_eq!(r.returned_ids, ["abc.456@example.test"]);
        assert_eq!(r.failures, [Failure { recipient: "ana@client.ro".into(), reason: "Mail delivery failed: returning message to sender".into() }]);
        assert_eq!(read(b"not a mail at all"), BounceReport::default());
    }
}
