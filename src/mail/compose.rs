//! Builds outbound messages: headers (Message-ID, threading, RFC 3834, RFC 8058) and bodies.

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Message, MultiPart};
use rand::Rng;

pub use crate::domain::outgoing::{Envelope, Outgoing, OutgoingFile};

/// A fresh Message-ID in our own domain (without angle brackets): the time in
/// microseconds, then 64 random bits. Time-ordered ids keep the outbox's Message-ID index
/// growing at its end instead of touching a random page per mail.
pub fn new_message_id(now: chrono::DateTime<chrono::Utc>, domain: &str) -> String {
    let bytes: [u8; 8] = rand::thread_rng().r#gen();
    format!(
        "{:013x}.{}@{domain}",
        now.timestamp_micros().max(0),
        hex::encode(bytes)
    )
}

/// A text fit for a header: control characters and line breaks (from forms, the API,
/// other people's mail) become spaces, runs of spaces one. Lettre cannot encode a control
/// character in a name, and a line break must never start a header of its own.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn raw(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// The message as it goes over SMTP (CRLF line endings, MIME encoded, UTF-8).
pub fn compose(mail: &Outgoing) -> anyhow::Result<Vec<u8>> {
    let env = &mail.envelope;
    let from: Mailbox = env.from.parse().context("smtp.from is not a mailbox")?;
    let to_name = one_line(&env.to_name);
    let to_name = (!to_name.is_empty()).then_some(to_name);
    let to = Mailbox::new(to_name, env.to.parse().context("recipient address")?);
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&mail.subject))
        .message_id(Some(format!("<{}>", env.message_id)))
        .raw_header(raw("X-Loop", env.loop_address.clone()));
    if let Some(parent) = env.references.last() {
        let refs = env
            .references
            .iter()
            .map(|r| format!("<{r}>"))
            .collect::<Vec<_>>()
            .join(" ");
        builder = builder.in_reply_to(format!("<{parent}>")).references(refs);
    }
    if env.automatic {
        builder = builder
            .raw_header(raw("Auto-Submitted", "auto-generated".into()))
            .raw_header(raw("X-Auto-Response-Suppress", "All".into()));
    }
    if let Some(url) = &env.unsubscribe_url {
        builder = builder
            .raw_header(raw("List-Unsubscribe", format!("<{url}>")))
            .raw_header(raw(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    let body = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    let message = if mail.files.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for f in &mail.files {
            let content_type = ContentType::parse(&f.content_type).unwrap_or_else(|_| {
                ContentType::parse("application/octet-stream").expect("a valid type")
            });
            mixed = mixed.singlepart(
                Attachment::new(one_line(&f.filename)).body(f.content.clone(), content_type),
            );
        }
        builder.multipart(mixed)
    }
    .context("building the message")?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(automatic: bool, unsubscribe: Option<&str>) -> Outgoing {
        Outgoing {
            envelope: Envelope {
                from: "Helpdesk <support@example.test>".into(),
                to: "ion@client.ro".into(),
                to_name: "Ion Popescu".into(),
                message_id: "abc@example.test".into(),
                references: vec!["first@client.ro".into(), "second@example.test".into()],
                automatic,
                unsubscribe_url: unsubscribe.map(str::to_string),
                loop_address: "support@example.test".into(),
            },
            subject: "[HD-7] Imprimanta nu funcționează".into(),
            text: "Bună ziua,\nșir ț".into(),
            html: "<p>Bună ziua</p>".into(),
            files: Vec::new(),
        }
    }

    #[test]
    fn files_travel_as_attachments_beside_both_bodies() {
        let mut mail = sample(false, None);
        mail.files.push(OutgoingFile {
            filename: "factură martie.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.4 test".to_vec(),
        });
        let bytes = compose(&mail).unwrap();
        let parsed = crate::mail::parse::parse(&bytes).unwrap();
        assert!(parsed.text.contains("șir ț"));
        assert_eq!(
            parsed.attachments.len(),
            1,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(parsed.attachments[0].filename, "factură martie.pdf");
        assert_eq!(parsed.attachments[0].content, b"%PDF-1.4 test");
    }

    #[test]
    fn headers_of_an_automatic_silenceable_mail() {
        let bytes = compose(&sample(true, Some("http://h.test/portal/unsubscribe/x"))).unwrap();
        let parsed = crate::mail::parse::parse(&bytes).unwrap();
        assert_eq!(parsed.message_id.as_deref(), Some("abc@example.test"));
        assert_eq!(
            parsed.references,
            vec![
                "second@example.test".to_string(),
                "first@client.ro".to_string()
            ]
        );
        assert_eq!(parsed.subject, "[HD-7] Imprimanta nu funcționează");
        assert_eq!(
            parsed.signals.auto_submitted.as_deref(),
            Some("auto-generated")
        );
        assert!(parsed.text.contains("șir ț"));
        assert!(parsed.html.unwrap().contains("Bună ziua"));
        let head = String::from_utf8_lossy(&bytes);
        assert!(head.contains("List-Unsubscribe: <http://h.test/portal/unsubscribe/x>"));
        assert!(head.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(head.contains("X-Loop: support@example.test"));
    }

    #[test]
    fn any_name_and_subject_compose() {
        // Names and subjects come from forms, the API and other people's mail.
        for text in [
            "{\n$\u{83}\u{4}",
            "a\r\nBcc: x@evil.test",
            "\u{0}",
            "\"",
            "\\",
            "(",
            "ț\"ș\\",
            " ",
            "=?utf-8?q?x?=",
            "<>@,;:",
        ] {
            let mut mail = sample(true, None);
            mail.envelope.to_name = text.into();
            mail.subject = text.into();
            let bytes = compose(&mail).unwrap_or_else(|e| panic!("{text:?}: {e:#}"));
            let head = String::from_utf8_lossy(&bytes);
            assert!(
                !head.contains("\nBcc:"),
                "{text:?} injected a header: {head}"
            );
        }
    }

    #[test]
    fn a_person_s_mail_is_not_auto_submitted() {
        let bytes = compose(&sample(false, None)).unwrap();
        let head = String::from_utf8_lossy(&bytes);
        assert!(!head.contains("Auto-Submitted"));
        assert!(!head.contains("List-Unsubscribe"));
    }

    #[test]
    fn message_ids_are_unique_and_ours() {
        let now = chrono::Utc::now();
        let a = new_message_id(now, "example.test");
        assert!(a.ends_with("@example.test"));
        assert_ne!(a, new_message_id(now, "example.test"));
        let later = new_message_id(now + chrono::Duration::seconds(1), "example.test");
        assert!(later > a, "ids sort by time");
    }
}
