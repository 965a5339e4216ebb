//! An inbound mail as the helpdesk reads it: the types `mail::parse` fills in and the use
//! cases take (sender, recipients, text, files, signals, a delivery report), with no
//! mail crate behind them.

use chrono::{DateTime, Utc};

use super::email_address::EmailAddress;
use super::inbound::Signals;

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

/// One recipient a delivery failed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The address that failed (`Final-Recipient`).
    pub recipient: String,
    /// The address the mail was sent to, when the report names another one
    /// (`Original-Recipient`: the recipient's server forwarded it).
    pub original: Option<String>,
    /// The server's words (`Diagnostic-Code`), else the status code, else empty.
    pub reason: String,
}

impl Failure {
    /// Whether this failure is about mail sent to `address`.
    pub fn is_for(&self, address: &str) -> bool {
        self.recipient.eq_ignore_ascii_case(address)
            || self
                .original
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case(address))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BounceReport {
    /// Message-IDs of the returned mail (without angle brackets).
    pub returned_ids: Vec<String>,
    pub failures: Vec<Failure>,
}
