//! Mail held back while a batch of inbound mail runs, and written when the batch is through:
//! one statement for all of a batch's mail instead of one for each ticket's (PostgreSQL,
//! where every statement is a round trip). The outbox's readers in the same transaction
//! count the held mail as they count the written; none reads a held mail's Message-ID
//! from mail that came in (no one has seen it before it is sent).

use std::cell::RefMut;

use chrono::{DateTime, Utc};

use super::NewMail;
use crate::db::customers::NewPortalToken;
use crate::db::{Conn, SqlResult};
use crate::domain::ids::{CustomerId, TicketId};
use crate::domain::inbound::Role;

/// A mail queued and not written yet, with the link it carries.
struct HeldMail {
    ticket_id: Option<TicketId>,
    template: String,
    recipient: String,
    recipient_role: Option<Role>,
    automatic: bool,
    message_id: String,
    envelope_from: String,
    letter: String,
    link: Option<HeldLink>,
}

struct HeldLink {
    customer_id: CustomerId,
    purpose: String,
    token_hash: String,
    expires_at: DateTime<Utc>,
}

/// The mail a connection holds, in the order it was queued.
#[derive(Default)]
pub(crate) struct Held(Vec<HeldMail>);

impl Held {
    pub(super) fn add(&mut self, mails: &[NewMail<'_>]) {
        self.0.extend(mails.iter().map(|m| HeldMail {
            ticket_id: m.ticket_id,
            template: m.template.to_string(),
            recipient: m.recipient.to_string(),
            recipient_role: m.recipient_role,
            automatic: m.automatic,
            message_id: m.message_id.to_string(),
            envelope_from: m.envelope_from.to_string(),
            letter: m.letter.to_string(),
            link: m.link.map(|l| HeldLink {
                customer_id: l.customer_id,
                purpose: l.purpose.to_string(),
                token_hash: l.token_hash.to_string(),
                expires_at: l.expires_at,
            }),
        }));
    }

    /// The automatic mail held for `recipient` (all of it is queued now, so every count
    /// since a time before takes it).
    pub(super) fn automatic_to(&self, recipient: &str) -> i64 {
        let n = self
            .0
            .iter()
            .filter(|m| m.automatic && same_address(&m.recipient, recipient))
            .count();
        i64::try_from(n).unwrap_or(i64::MAX)
    }

    /// The Message-IDs of the mail held about `ticket_id` for `recipient`, oldest first:
    /// they follow everything written (queued before them).
    pub(super) fn thread(&self, ticket_id: TicketId, recipient: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|m| m.ticket_id == Some(ticket_id) && same_address(&m.recipient, recipient))
            .map(|m| m.message_id.clone())
            .collect()
    }
}

/// Addresses compared as the outbox's `citext` column compares them (letters folded to
/// lower case; the server folds by its own locale, which may differ for a few non-ASCII
/// letters).
fn same_address(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// Holding the mail queued on a connection until [`Holding::write`]; what is not written
/// by then (the batch failed) is dropped with it. Holds only on PostgreSQL: on SQLite a
/// statement costs no round trip, and mail is written as it is queued.
pub struct Holding<'c> {
    conn: &'c Conn,
}

impl<'c> Holding<'c> {
    pub fn start(conn: &'c Conn) -> Self {
        if let Conn::Postgres(session) = conn {
            let before = session.hold_mail(Some(Held::default()));
            debug_assert!(before.is_none(), "one holding at a time");
        }
        Self { conn }
    }

    /// Stops holding and writes the held mail, with the links it carries, in one statement
    /// ([`super::insert_all`]). Every mail is queued (and every link made) at `now`: a batch queues all of
    /// its mail at its one time.
    pub fn write(self, now: DateTime<Utc>) -> SqlResult<()> {
        let held = match self.conn {
            Conn::Postgres(session) => session.hold_mail(None),
            Conn::Sqlite(_) => None,
        };
        let Some(Held(mails)) = held else {
            return Ok(());
        };
        let links: Vec<Option<NewPortalToken<'_>>> = mails
            .iter()
            .map(|m| {
                m.link.as_ref().map(|l| NewPortalToken {
                    customer_id: l.customer_id,
                    purpose: &l.purpose,
                    token_hash: &l.token_hash,
                    expires_at: l.expires_at,
                })
            })
            .collect();
        let queued: Vec<NewMail<'_>> = mails
            .iter()
            .zip(&links)
            .map(|(m, link)| NewMail {
                ticket_id: m.ticket_id,
                template: &m.template,
                recipient: &m.recipient,
                recipient_role: m.recipient_role,
                automatic: m.automatic,
                message_id: &m.message_id,
                envelope_from: &m.envelope_from,
                letter: &m.letter,
                link: link.as_ref(),
            })
            .collect();
        // No longer held: written as any mail queued together.
        super::insert_all(self.conn, &queued, now)
    }
}

impl Drop for Holding<'_> {
    fn drop(&mut self) {
        if let Conn::Postgres(session) = self.conn {
            session.hold_mail(None);
        }
    }
}

/// The mail the connection holds, while it holds.
pub(super) fn held(conn: &Conn) -> Option<RefMut<'_, Held>> {
    match conn {
        Conn::Postgres(session) => session.held_mail(),
        Conn::Sqlite(_) => None,
    }
}
