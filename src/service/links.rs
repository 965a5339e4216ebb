//! Links in mail: the request view, signed unsubscribe links, one-time portal tokens.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Ctx;
use crate::domain::ids::TicketId;

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 hex of a secret token: what the database keeps instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token (256 bits, URL-safe).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

/// Hex HMAC-SHA256 of `message` under `secret`.
pub fn sign(secret: &str, message: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length works");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `<ticket id>.<hmac>`: a signed token for one thing (`purpose`) about one ticket.
fn ticket_token(secret: &str, purpose: &str, ticket_id: TicketId) -> String {
    format!(
        "{ticket_id}.{}",
        sign(secret, &format!("{purpose}:{ticket_id}"))
    )
}

/// Whether `sig` (hex) is the signature of `message` (compared in constant time).
fn signed(secret: &str, message: &str, sig: &str) -> bool {
    let (Ok(mut mac), Ok(sig)) = (
        HmacSha256::new_from_slice(secret.as_bytes()),
        hex::decode(sig),
    ) else {
        return false;
    };
    mac.update(message.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// The ticket id of a genuine token for `purpose`.
fn verify_ticket_token(secret: &str, purpose: &str, token: &str) -> Option<TicketId> {
    let (id, sig) = token.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    signed(secret, &format!("{purpose}:{id}"), sig).then_some(TicketId(id))
}

/// `<ticket id>.<participant row>.<hmac>`: a signed token for one thing (`purpose`) about
/// one participant of a ticket.
fn participant_token(secret: &str, purpose: &str, ticket_id: TicketId, row: i64) -> String {
    format!(
        "{ticket_id}.{row}.{}",
        sign(secret, &format!("{purpose}:{ticket_id}:{row}"))
    )
}

/// The ticket and participant row of a genuine token for `purpose`.
fn verify_participant_token(secret: &str, purpose: &str, token: &str) -> Option<(TicketId, i64)> {
    let mut parts = token.splitn(3, '.');
    let (id, row, sig) = (parts.next()?, parts.next()?, parts.next()?);
    let (id, row): (i64, i64) = (id.parse().ok()?, row.parse().ok()?);
    signed(secret, &format!("{purpose}:{id}:{row}"), sig).then_some((TicketId(id), row))
}

/// The opt-out token of a ticket; needs no login.
pub fn unsubscribe_token(secret: &str, ticket_id: TicketId) -> String {
    ticket_token(secret, "unsubscribe", ticket_id)
}

/// The ticket id of a genuine opt-out token.
pub fn verify_unsubscribe(secret: &str, token: &str) -> Option<TicketId> {
    verify_ticket_token(secret, "unsubscribe", token)
}

/// The opt-out token of one participant on CC (their participant row) of a ticket.
pub fn cc_unsubscribe_token(secret: &str, ticket_id: TicketId, row: i64) -> String {
    participant_token(secret, "unsubscribe-cc", ticket_id, row)
}

/// The ticket and participant row of a genuine CC opt-out token.
pub fn verify_cc_unsubscribe(secret: &str, token: &str) -> Option<(TicketId, i64)> {
    verify_participant_token(secret, "unsubscribe-cc", token)
}

/// The token of a partner's answer page: the ticket and their participant row.
pub fn partner_token(secret: &str, ticket_id: TicketId, row: i64) -> String {
    participant_token(secret, "partner", ticket_id, row)
}

/// The ticket and participant row of a genuine partner token.
pub fn verify_partner(secret: &str, token: &str) -> Option<(TicketId, i64)> {
    verify_participant_token(secret, "partner", token)
}

/// The token of a ticket's satisfaction links (from the resolution mail); needs no login.
pub fn rate_token(secret: &str, ticket_id: TicketId) -> String {
    ticket_token(secret, "rate", ticket_id)
}

/// The ticket id of a genuine rating token.
pub fn verify_rate(secret: &str, token: &str) -> Option<TicketId> {
    verify_ticket_token(secret, "rate", token)
}

/// The hex digits of a Message-ID's signature: 64 bits, enough that nobody guesses one.
const MESSAGE_ID_TAG: usize = 16;

/// A Message-ID for a mail to `recipient` (without angle brackets): a fresh one in our
/// domain with a signature that binds it to that recipient, `<time>.<random>.<tag>@domain`.
pub fn message_id(
    secret: &str,
    now: chrono::DateTime<chrono::Utc>,
    domain: &str,
    recipient: &str,
) -> String {
    let id = crate::mail::compose::new_message_id(now, domain);
    let (local, domain) = id.rsplit_once('@').unwrap_or((&id, domain));
    format!(
        "{local}.{}@{domain}",
        message_id_tag(secret, local, recipient)
    )
}

fn message_id_tag(secret: &str, local: &str, recipient: &str) -> String {
    sign(
        secret,
        &format!("message-id:{local}:{}", recipient.to_ascii_lowercase()),
    )[..MESSAGE_ID_TAG]
        .to_string()
}

/// Whether `id` may be a Message-ID we sent to `recipient`: false only for one of our
/// signed ids whose signature is another recipient's (or forged). Unsigned ids, ours from
/// before signing included, are left to the outbox, which records whom each went to.
pub fn may_be_sent_to(secret: &str, id: &str, recipient: &str) -> bool {
    let local = id.rsplit_once('@').map_or(id, |(local, _)| local);
    let mut parts = local.rsplitn(2, '.');
    match (parts.next(), parts.next()) {
        (Some(tag), Some(signed))
            if tag.len() == MESSAGE_ID_TAG
                && signed.contains('.')
                && tag.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            let expected = message_id_tag(secret, signed, recipient);
            // Constant time is not needed: a wrong guess costs the guesser a mail each.
            expected.eq_ignore_ascii_case(tag)
        }
        _ => true,
    }
}

impl Ctx {
    fn base(&self) -> &str {
        self.config.web.base_url.trim_end_matches('/')
    }

    pub fn view_url(&self, ticket_id: TicketId) -> String {
        format!("{}/portal/requests/{}", self.base(), self.key(ticket_id))
    }

    pub fn unsubscribe_url(&self, ticket_id: TicketId) -> String {
        format!(
            "{}/portal/unsubscribe/{}",
            self.base(),
            unsubscribe_token(&self.config.helpdesk.secret, ticket_id)
        )
    }

    /// The opt-out link of a participant on CC.
    pub fn cc_unsubscribe_url(&self, ticket_id: TicketId, row: i64) -> String {
        format!(
            "{}/portal/unsubscribe/{}",
            self.config.web.base_url.trim_end_matches('/'),
            cc_unsubscribe_token(&self.config.helpdesk.secret, ticket_id, row)
        )
    }

    /// A partner's page to answer a question about a ticket.
    pub fn partner_url(&self, ticket_id: TicketId, row: i64) -> String {
        format!(
            "{}/portal/partner/{}",
            self.config.web.base_url.trim_end_matches('/'),
            partner_token(&self.config.helpdesk.secret, ticket_id, row)
        )
    }

    /// The page of the satisfaction question, with `rating` chosen (`good`, `bad`).
    pub fn rate_url(&self, ticket_id: TicketId, rating: &str) -> String {
        format!(
            "{}/portal/rate/{}?rating={rating}",
            self.config.web.base_url.trim_end_matches('/'),
            rate_token(&self.config.helpdesk.secret, ticket_id)
        )
    }

    pub fn invite_url(&self, token: &str) -> String {
        format!("{}/portal/invite/{token}", self.base())
    }

    /// The ticket's page in the agent console.
    pub fn console_url(&self, ticket_id: TicketId) -> String {
        format!("{}/console/tickets/{}", self.base(), self.key(ticket_id))
    }

    pub fn reset_url(&self, token: &str) -> String {
        format!("{}/portal/reset/{token}", self.base())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_bound_to_their_recipient() {
        let now = chrono::Utc::now();
        let id = message_id(
            "secret-key-0123456789",
            now,
            "example.test",
            "ion@client.ro",
        );
        assert!(id.ends_with("@example.test"), "{id}");
        assert!(may_be_sent_to(
            "secret-key-0123456789",
            &id,
            "ion@client.ro"
        ));
        assert!(
            may_be_sent_to("secret-key-0123456789", &id, "Ion@Client.ro"),
            "addresses compare without case"
        );
        assert!(
            !may_be_sent_to("secret-key-0123456789", &id, "stranger@evil.test"),
            "another recipient's id names nothing"
        );
        assert!(
            !may_be_sent_to("another-key-0123456789", &id, "ion@client.ro"),
            "a forged signature names nothing"
        );
        // Ids without a signature (ours before signing, anyone else's) are left to the outbox.
        assert!(may_be_sent_to(
            "secret-key-0123456789",
            "0000000000001.abcdef0123456789@example.test",
            "x@y.test"
        ));
        assert!(may_be_sent_to(
            "secret-key-0123456789",
            "CAF=abc@mail.gmail.com",
            "x@y.test"
        ));
        assert_ne!(
            id,
            message_id(
                "secret-key-0123456789",
                now,
                "example.test",
                "ion@client.ro"
            )
        );
    }

    #[test]
    fn unsubscribe_tokens_verify_only_when_genuine() {
        let t = unsubscribe_token("secret-key-0123456789", TicketId(42));
        assert_eq!(
            verify_unsubscribe("secret-key-0123456789", &t),
            Some(TicketId(42))
        );
        assert_eq!(verify_unsubscribe("another-key-0123456789", &t), None);
        let forged = t.replacen("42.", "43.", 1);
        assert_eq!(verify_unsubscribe("secret-key-0123456789", &forged), None);
        assert_eq!(verify_unsubscribe("secret-key-0123456789", "garbage"), None);
        // A token for one purpose is no token for another.
        assert_eq!(verify_rate("secret-key-0123456789", &t), None);
        let r = rate_token("secret-key-0123456789", TicketId(42));
        assert_eq!(verify_rate("secret-key-0123456789", &r), Some(TicketId(42)));
        assert_eq!(verify_unsubscribe("secret-key-0123456789", &r), None);
        let cc = cc_unsubscribe_token("secret-key-0123456789", TicketId(42), 7);
        assert_eq!(
            verify_cc_unsubscribe("secret-key-0123456789", &cc),
            Some((TicketId(42), 7))
        );
        assert_eq!(verify_unsubscribe("secret-key-0123456789", &cc), None);
        assert_eq!(verify_cc_unsubscribe("secret-key-0123456789", &t), None);
        let partner = partner_token("secret-key-0123456789", TicketId(42), 7);
        assert_eq!(
            verify_partner("secret-key-0123456789", &partner),
            Some((TicketId(42), 7))
        );
        assert_eq!(
            verify_partner("secret-key-0123456789", &cc),
            None,
            "a CC's link is no partner's"
        );
        assert_eq!(
            verify_cc_unsubscribe("secret-key-0123456789", &partner),
            None
        );
        let other_row = cc.replacen(".7.", ".8.", 1);
        assert_eq!(
            verify_cc_unsubscribe("secret-key-0123456789", &other_row),
            None
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        assert!(a.len() >= 43);
        assert_ne!(a, new_token());
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }
}
