//! What `receive()` knows before it threads a mail: the tickets its references, its
//! subject token and its earlier mail point to, and the sender's place on each.

use super::message_id_key;
use crate::db::{self, Conn};
use crate::domain::ids::TicketId;
use crate::domain::inbound::{Candidate, Evidence, Role};
use crate::mail::parse::ParsedEmail;
use crate::service::{Ctx, ServiceError};

/// Looks up the tickets the mail may belong to, and the sender's place on them.
pub(super) fn gather(conn: &Conn, ctx: &Ctx, mail: &ParsedEmail) -> Result<Evidence, ServiceError> {
    let sender = mail.sender().address.as_str();
    let by_reference = match db::outbox::find_ours(conn, &mail.references)? {
        Some((id, addressee_role)) => candidate(conn, TicketId(id), sender, addressee_role)?,
        None => None,
    };
    let by_token = match ctx.token.find(&mail.subject) {
        Some(id) => candidate(conn, id, sender, None)?,
        None => None,
    };
    // Looked up only when neither of the above threads the mail.
    let by_earlier_mail = match (by_reference, by_token) {
        (Some(_), _) | (None, Some(Candidate { sender_role: Some(_), .. })) => None,
        _ => {
            let keys: Vec<String> = mail.references.iter().map(|id| message_id_key(id)).collect();
            match db::inbound::ticket_of_received(conn, &keys)? {
                Some(id) => candidate(conn, TicketId(id), sender, None)?,
                None => None,
            }
        }
    };
    Ok(Evidence { by_reference, by_token, by_earlier_mail })
}

/// The ticket `id` names, or the one it was merged into (mail about a merged ticket
/// goes on where the conversation went), and the sender's role there. An agent is staff
/// there unless they asked for it or were asked about it (a customer who CC'd an agent
/// made them no customer).
fn candidate(conn: &Conn, id: TicketId, sender: &str, addressee_role: Option<Role>) -> Result<Option<Candidate>, ServiceError> {
    let Some(mut t) = db::tickets::get(conn, id.0)? else { return Ok(None) };
    // Merges form a chain (a merged ticket is closed and cannot take a merge itself, but
    // its target may be merged on later); the bound only guards against a loop.
    for _ in 0..16 {
        match t.merged_into_id.map(|into| db::tickets::get(conn, into)).transpose()?.flatten() {
            Some(target) => t = target,
            None => break,
        }
    }
    let sender_role = match db::tickets::role_of(conn, t.id, sender)? {
        None | Some(Role::Cc) if db::agents::find_by_email(conn, sender)?.is_some() => Some(Role::Staff),
        role => role,
    };
    // Whom our mail went to says nothing of their place on the ticket it was merged into,
    // where they are all CC'd (but the team's alerts went to the team).
    let addressee_role = match addressee_role {
        Some(role) if t.id != id.0 && role != Role::Staff => Some(Role::Cc),
        role => role,
    };
    Ok(Some(Candidate { ticket: TicketId(t.id), status: t.status, sender_role, addressee_role }))
}

