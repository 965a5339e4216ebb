//! A letter: a queued mail as the outbox keeps it (template, language, envelope and
//! variables), and composing it into the bytes that go over SMTP.

use serde::{Deserialize, Serialize};

use crate::domain::outgoing::{Envelope, Outgoing, OutgoingFile};
use crate::mail::compose;
use crate::templates::Templates;

/// A mail decided but not yet composed: everything the sender needs to render the
/// template and build the message, fixed when the mail was queued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Letter {
    pub template: String,
    pub lang: String,
    /// `[HD-42] ` for ticket mail.
    pub subject_prefix: String,
    #[serde(flatten)]
    pub envelope: Envelope,
    pub vars: serde_json::Value,
    /// The message whose files the mail carries (an agent's reply with files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_of: Option<i64>,
}

impl Letter {
    pub fn parse(letter: &str) -> anyhow::Result<Letter> {
        Ok(serde_json::from_str(letter)?)
    }
}

/// Renders and composes a queued letter, with the files it carries, into the bytes that
/// go over SMTP.
pub fn compose_letter(
    templates: &Templates,
    l: Letter,
    files: Vec<OutgoingFile>,
) -> anyhow::Result<Vec<u8>> {
    let rendered = templates.mail(&l.template, &l.lang, &l.vars)?;
    compose::compose(&Outgoing {
        envelope: l.envelope,
        subject: format!("{}{}", l.subject_prefix, rendered.subject),
        text: rendered.text,
        html: rendered.html,
        files,
    })
}

/// Keeps the first Message-ID of a thread and the newest ones (RFC 5322 §3.6.4 allows trimming).
pub(super) fn trim_references(mut ids: Vec<String>) -> Vec<String> {
    const KEEP: usize = 10;
    if ids.len() > KEEP {
        let first = ids[0].clone();
        ids.drain(..ids.len() - (KEEP - 1));
        ids.insert(0, first);
    }
    ids
}
