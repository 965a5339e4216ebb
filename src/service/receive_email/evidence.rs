//! What `receive()` knows before it threads a mail: the tickets its references, its
//! subject token and its earlier mail point to, and the sender's place on each.

use super::incoming::message_id_key;
use crate::db::{self, Conn, inbound::Settled, tickets::TicketRow};
use crate::domain::email::ParsedEmail;
use crate::domain::ids::TicketId;
use crate::domain::inbound::{Candidate, Evidence, Role};
use crate::domain::sender_auth::SenderAuth;
use crate::service::{Ctx, ServiceError, links};

/// A ticket a candidate names, as threading read it, and whether the sender is one of its
/// participants already (in any role).
pub(super) struct Seen {
    pub ticket: TicketRow,
    pub sender_joined: bool,
}

/// Looks up the tickets the mail may belong to, and the author's place on them. The author
/// is the From address (`Reply-To` never decides who speaks); one of our Message-IDs counts
/// only for the address we sent it to; the team's powers need `auth` = pass. Each ticket a
/// candidate names lands in `seen` as read (it stays so until the transaction ends).
/// `earlier` is what became of the batch's messages before this one, which the batch
/// writes at its end: earlier mail is looked up there first.
pub(super) fn gather(
    conn: &Conn,
    ctx: &Ctx,
    mail: &ParsedEmail,
    auth: SenderAuth,
    earlier: &[Settled],
    seen: &mut Vec<Seen>,
) -> Result<Evidence, ServiceError> {
    let sender = mail.from.address.as_str();
    let secret = &ctx.config.helpdesk.secret;
    let ours: Vec<String> = mail
        .references
        .iter()
        .filter(|id| links::may_be_sent_to(secret, id, sender))
        .cloned()
        .collect();
    let by_reference = match db::outbox::find_sent_to(conn, &ours, sender)? {
        // An answer to the team's alert is the team's: it needs their powers.
        Some((_, Some(Role::Staff))) if auth != SenderAuth::Pass => None,
        Some((id, addressee_role)) => candidate(conn, id, sender, addressee_role, auth, seen)?,
        None => None,
    };
    let by_token = match ctx.token.find(&mail.subject) {
        Some(id) => candidate(conn, id, sender, None, auth, seen)?,
        None => None,
    };
    // Looked up only when neither of the above threads the mail.
    let by_earlier_mail = match (by_reference, by_token) {
        (Some(_), _)
        | (
            None,
            Some(Candidate {
                sender_role: Some(_),
                ..
            }),
        ) => None,
        _ => {
            let keys: Vec<String> = mail
                .references
                .iter()
                .map(|id| message_id_key(id))
                .collect();
            // The batch's earlier mail, not written yet, is the latest.
            let in_batch = earlier
                .iter()
                .rev()
                .filter(|s| keys.contains(&s.key))
                .find_map(|s| s.ticket_id);
            let found = match in_batch {
                Some(id) => Some(id),
                None => db::inbound::ticket_of_received(conn, &keys)?,
            };
            match found {
                Some(id) => candidate(conn, id, sender, None, auth, seen)?,
                None => None,
            }
        }
    };
    Ok(Evidence {
        by_reference,
        by_token,
        by_earlier_mail,
    })
}

/// The ticket `id` names, or the one it was merged into (mail about a merged ticket
/// goes on where the conversation went), and the sender's role there. An agent is staff
/// there unless they asked for it or were asked about it (a customer who CC'd an agent
/// made them no customer), and only when our servers vouch for the mail: an agent's
/// address that they do not vouch for is a stranger's.
fn candidate(
    conn: &Conn,
    id: TicketId,
    sender: &str,
    addressee_role: Option<Role>,
    auth: SenderAuth,
    seen: &mut Vec<Seen>,
) -> Result<Option<Candidate>, ServiceError> {
    let Some((mut t, mut role, is_agent)) = db::tickets::get_for_sender(conn, id, sender)? else {
        return Ok(None);
    };
    // Merges form a chain (a merged ticket is closed and cannot take a merge itself, but
    // its target may be merged on later); the bound only guards against a loop.
    for _ in 0..16 {
        match t
            .merged_into_id
            .map(|into| db::tickets::get_for_sender(conn, into, sender))
            .transpose()?
            .flatten()
        {
            Some((target, its_role, _)) => (t, role) = (target, its_role),
            None => break,
        }
    }
    let sender_role = match (role, auth) {
        (None | Some(Role::Cc), SenderAuth::Pass) if is_agent => Some(Role::Staff),
        (_, SenderAuth::Pass) => role,
        // Without our servers' word, an agent's address is a stranger's.
        _ if is_agent => return Ok(None),
        _ => role,
    };
    // Whom our mail went to says nothing of their place on the ticket it was merged into,
    // where they are all CC'd (but the team's alerts went to the team).
    let addressee_role = match addressee_role {
        Some(role) if t.id != id && role != Role::Staff => Some(Role::Cc),
        role => role,
    };
    let candidate = Candidate {
        ticket: t.id,
        status: t.status,
        sender_role,
        addressee_role,
    };
    seen.push(Seen {
        ticket: t,
        sender_joined: role.is_some(),
    });
    Ok(Some(candidate))
}
