//! A message on its way in, prepared outside the database writer: parsed, with its
//! de-duplication key and the fingerprint of what it says.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::domain::email::{ParseError, ParsedEmail};
use crate::mail::parse;

/// The de-duplication key: the Message-ID, or a hash of the bytes when there is none.
/// The full parse already read the Message-ID; only mail it refused is read again for it.
fn dedup_key(raw: &[u8], parsed: &Result<ParsedEmail, ParseError>) -> String {
    let id = match parsed {
        Ok(mail) => mail.message_id.clone(),
        Err(_) => parse::message_id(raw),
    };
    match id {
        Some(id) => message_id_key(&id),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    }
}

/// The de-duplication key of a mail with this Message-ID.
pub(super) fn message_id_key(id: &str) -> String {
    format!("mid:{id}")
}

/// What the message says, hashed: who, about what, the text and the attachments. A
/// re-delivery (other `Received` lines, same content) has the same one. The date is left
/// out: a mail that came without one gets it from the first server that takes it, so two
/// deliveries of it differ there. `v2:` marks this recipe (the first one hashed the date
/// too; see `db::inbound::insert_raw`).
fn fingerprint(mail: &ParsedEmail) -> String {
    let mut h = Sha256::new();
    for part in [mail.from.address.as_str(), &mail.subject, &mail.text] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for a in &mail.attachments {
        h.update(a.filename.as_bytes());
        h.update((a.content.len() as u64).to_le_bytes());
    }
    format!("v2:{}", hex::encode(&h.finalize()[..16]))
}

/// A message on its way in: the bytes, their de-duplication key, fingerprint and parse
/// result, prepared outside the database writer. The bytes are shared, so that a lane of a
/// batch keeps them to store again without a copy ([`super::lanes`]).
pub(super) struct Incoming {
    pub(super) raw: Arc<Vec<u8>>,
    pub(super) dedup_key: String,
    pub(super) fingerprint: Option<String>,
    pub(super) parsed: Result<ParsedEmail, ParseError>,
}

impl Incoming {
    pub(super) fn new(raw: Vec<u8>) -> Self {
        let parsed = parse::parse(&raw);
        Self {
            dedup_key: dedup_key(&raw, &parsed),
            fingerprint: parsed.as_ref().ok().map(fingerprint),
            parsed,
            raw: Arc::new(raw),
        }
    }
}
