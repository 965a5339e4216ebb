//! The only module that imports mail-parser (with its parts `address`, `body`, `decode` and
//! `files`): raw bytes in, our own `ParsedEmail` out.

use chrono::{DateTime, Utc};
use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders, PartType};

use self::address::{author, mailboxes};
use super::bounce::{self, BounceReport};
use super::{charset, html_text};
use crate::domain::email_address::EmailAddress;
use crate::domain::inbound::Signals;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub address: EmailAddress,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub content_id: Option<String>,
    pub inline: bool,
}

/// A mail attached whole (forwarded as an attachment): who wrote it and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedMail {
    pub from: Mailbox,
    pub text: String,
}

/// Everything the helpdesk reads from an inbound mail.
#[derive(Debug, Clone)]
pub struct ParsedEmail {
    pub message_id: Option<String>,
    /// `In-Reply-To` then `References`, newest reference first, without duplicates.
    pub references: Vec<String>,
    pub from: Mailbox,
    /// The one address of `Reply-To`, when it names exactly one.
    pub reply_to: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    /// The text a person reads: the plain part(s), or the HTML part turned into text.
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub signals: Signals,
    /// What a delivery report (or a mail naming failed recipients) says; `None` for other mail.
    pub bounce: Option<BounceReport>,
    /// The first mail attached whole (`message/rfc822`) that names its author.
    pub attached_mail: Option<AttachedMail>,
    /// The `Authentication-Results` header values, topmost (the last server's) first.
    pub authentication_results: Vec<String>,
    /// The `ARC-Authentication-Results` header values, topmost first.
    pub arc_authentication_results: Vec<String>,
}

impl ParsedEmail {
    /// The person the mail is from, for the helpdesk: the From address, or the one
    /// `Reply-To` names when From is a no-reply address (a web form's, a notifier's), so
    /// that the answer reaches someone.
    pub fn sender(&self) -> &Mailbox {
        match &self.reply_to {
            Some(r) if self.from.address.is_no_reply() && !r.address.is_no_reply() => r,
            _ => &self.from,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not an RFC 5322 message")]
    NotAMessage,
    #[error("no From address")]
    NoSender,
    #[error("the From address is not valid: {0:?}")]
    BadSender(String),
    #[error("the text holds control characters: binary data, not a message body")]
    BinaryText,
    #[error("the mail parser failed on this message")]
    ParserFailed,
}

/// Only the Message-ID, cheaply; used for de-duplication before a full parse.
pub fn message_id(raw: &[u8]) -> Option<String> {
    guarded(|| {
        let parser = MessageParser::new().with_message_ids();
        let msg = parser.parse_headers(raw)?;
        clean_id(msg.message_id()?)
    })
    .flatten()
}

/// Runs the parser so that a panic on some unforeseen input becomes an error for that
/// one message instead of taking the mailbox poller down.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && id.len() <= 998).then(|| id.to_string())
}

pub fn parse(raw: &[u8]) -> Result<ParsedEmail, ParseError> {
    guarded(|| parse_unguarded(raw)).unwrap_or(Err(ParseError::ParserFailed))
}

fn parse_unguarded(raw: &[u8]) -> Result<ParsedEmail, ParseError> {
    let first = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::NotAMessage)?;
    if first.headers().is_empty() {
        return Err(ParseError::NotAMessage);
    }
    let tld = author(&first)
        .ok()
        .and_then(|a| charset::tld_of(a.address.as_str()));
    // Header lines in some 8-bit code page, undeclared (RFC 6532 allows only UTF-8 there),
    // or encoded words in an unnamed charset: read them again, made UTF-8.
    let transcoded = decode::header_block_in_utf8(raw, tld.as_deref());
    let mut msg = match &transcoded {
        Some(fixed) => MessageParser::default()
            .parse(fixed.as_slice())
            .ok_or(ParseError::NotAMessage)?,
        None => first,
    };
    body::sort_parts(&mut msg);
    decode::redecode_bodies(&mut msg, tld.as_deref());
    let from = author(&msg)?;

    let mut references = Vec::new();
    for value in [msg.in_reply_to(), msg.references()] {
        let ids: Vec<&str> = match value {
            HeaderValue::Text(t) => vec![t.as_ref()],
            HeaderValue::TextList(l) => l.iter().rev().map(|c| c.as_ref()).collect(),
            _ => vec![],
        };
        for id in ids.into_iter().filter_map(clean_id) {
            if !references.contains(&id) {
                references.push(id);
            }
        }
    }

    let mut text = decode::body_text(&msg);
    if body::holds_binary(&msg) {
        return Err(ParseError::BinaryText);
    }
    let html = msg
        .html_bodies()
        .find(|p| matches!(p.body, PartType::Html(_)))
        .and_then(|p| p.text_contents().map(str::to_string));
    // An empty plain part beside the HTML one (some web forms and mobile clients): the
    // text is the HTML's.
    if text.trim().is_empty()
        && let Some(html) = &html
    {
        text = html_text::to_text(html);
    }

    let (text, attachments) = files::attachments(&msg, &text, tld.as_deref());

    let root_ct = msg.root_part().content_type();
    let header_text = |name: &str| msg.header_raw(name).map(|v| v.trim().to_string());
    let signals = Signals {
        from: Some(from.address.clone()),
        subject: msg.subject().unwrap_or("").to_string(),
        auto_submitted: header_text("Auto-Submitted"),
        // The markers autoresponders of many vendors add (the values do not matter, but
        // for the two that name what the mail is).
        x_autoreply: [
            "X-Autoreply",
            "X-Autorespond",
            "X-AutoReply-From",
            "X-Mail-Autoreply",
        ]
        .into_iter()
        .any(|h| msg.header_raw(h).is_some())
            || msg
                .header_raw("X-Autogenerated")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("reply"))
            || msg
                .header_raw("X-POST-MessageClass")
                .is_some_and(|v| v.to_ascii_lowercase().contains("autoresponder")),
        precedence: header_text("Precedence"),
        list_id: msg.header_raw("List-Id").is_some() || msg.header_raw("List-Post").is_some(),
        content_type: root_ct
            .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
            .unwrap_or_else(|| "text/plain".into()),
        report_type: root_ct
            .and_then(|ct| ct.attribute("report-type"))
            .map(str::to_string),
        return_path_null: msg
            .header_raw("Return-Path")
            .is_some_and(|v| v.trim() == "<>"),
        x_failed_recipients: msg.header_raw("X-Failed-Recipients").is_some(),
        x_loop: msg
            .header_values("X-Loop")
            .filter_map(|v| v.as_text())
            .map(|v| v.trim().trim_matches(['<', '>']).to_string())
            .collect(),
    };

    let bounce = bounce_report(&msg, &signals);
    let attached_mail = msg.attachments().find_map(|part| match &part.body {
        PartType::Message(inner) => Some(AttachedMail {
            from: author(inner).ok()?,
            text: decode::body_text(inner).trim().to_string(),
        }),
        _ => None,
    });
    Ok(ParsedEmail {
        message_id: msg.message_id().and_then(clean_id),
        references,
        from,
        reply_to: match mailboxes(msg.reply_to()).as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        to: mailboxes(msg.to()),
        cc: mailboxes(msg.cc()),
        subject: signals.subject.trim().to_string(),
        date: msg
            .date()
            .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
        text,
        html,
        attachments,
        signals,
        bounce,
        attached_mail,
        authentication_results: msg
            .header_values("Authentication-Results")
            .filter_map(|v| v.as_text())
            .map(str::to_string)
            .collect(),
        arc_authentication_results: msg
            .header_values("ARC-Authentication-Results")
            .filter_map(|v| v.as_text())
            .map(str::to_string)
            .collect(),
    })
}

/// The returned mail and the failed recipients of a delivery report (`multipart/report`),
/// of a mail with `X-Failed-Recipients`, or of a mail from a mailer daemon (qmail and
/// Yahoo write the failures into the text); `None` for any other mail.
fn bounce_report(msg: &Message<'_>, signals: &Signals) -> Option<BounceReport> {
    let is_report = signals
        .content_type
        .eq_ignore_ascii_case("multipart/report");
    let from_daemon = signals
        .from
        .as_ref()
        .is_some_and(EmailAddress::is_mailer_daemon);
    if !is_report && !signals.x_failed_recipients && !from_daemon {
        return None;
    }
    let own = msg.message_id().and_then(clean_id);
    let body = msg
        .raw_message()
        .get(msg.root_part().offset_body as usize..)
        .unwrap_or_default();
    let mut returned_ids: Vec<String> = bounce::message_ids_in(body)
        .iter()
        .filter_map(|id| clean_id(id))
        .filter(|id| Some(id) != own.as_ref())
        .collect();
    let mut failures = Vec::new();
    for part in &msg.parts {
        let is_status = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status")
                        || s.eq_ignore_ascii_case("global-delivery-status")
                })
        });
        if is_status {
            failures.extend(bounce::failures_in(&String::from_utf8_lossy(
                part.contents(),
            )));
        }
        if let PartType::Message(inner) = &part.body
            && let Some(id) = inner
                .message_id()
                .and_then(clean_id)
                .filter(|id| !returned_ids.contains(id))
        {
            returned_ids.push(id);
        }
    }
    if failures.is_empty()
        && let Some(header) = msg.header_raw("X-Failed-Recipients")
    {
        failures = bounce::failed_recipients(header, msg.subject().unwrap_or_default().trim());
    }
    if failures.is_empty() {
        failures = bounce::failures_in_text(&msg.body_text(0).unwrap_or_default());
    }
    Some(BounceReport {
        returned_ids,
        failures,
    })
}

mod address;
mod body;
mod decode;
mod files;

#[cfg(test)]
mod tests;
