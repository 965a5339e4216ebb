//! An outgoing mail as the use cases decide it: its envelope (who from and to, its
//! Message-ID and thread, whether it is automatic, how to opt out) and its rendered
//! subject and bodies. `mail::compose` turns it into bytes.

use serde::{Deserialize, Serialize};

/// Who a mail is from and to, and its headers besides the subject; fixed when the mail is
/// queued.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Envelope {
    /// The `From` mailbox, e.g. `Helpdesk <support@example.test>`.
    pub from: String,
    pub to: String,
    pub to_name: String,
    /// Without angle brackets.
    pub message_id: String,
    /// Message-IDs of the thread, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// Automatic mail is marked `Auto-Submitted: auto-generated`.
    pub automatic: bool,
    /// When set: `List-Unsubscribe` + `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub unsubscribe_url: Option<String>,
    /// Our own address, in `X-Loop`, so that our mail coming back is recognised.
    pub loop_address: String,
}

/// One outbound mail, before it is turned into bytes.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub envelope: Envelope,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Files it carries (an agent's reply's).
    pub files: Vec<OutgoingFile>,
}

/// A file attached to an outbound mail.
#[derive(Debug, Clone)]
pub struct OutgoingFile {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}
