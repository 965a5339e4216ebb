//! A customer's mail that an agent forwards to the support address: a ticket for the
//! customer it names.

use chrono::{DateTime, Utc};

use super::Outcome;
use crate::db::{self, Conn};
use crate::domain::email::ParsedEmail;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::TicketId;
use crate::domain::inbound;
use crate::domain::reply_text::{self, split_reply};
use crate::domain::sender_auth::SenderAuth;
use crate::domain::ticket::{Channel, Priority};
use crate::service::tickets::{self, Body, Entry, NewTicket, Origin};
use crate::service::{Ctx, ServiceError};

/// A customer's mail that an agent forwarded to the support address to open a ticket for
/// them: a new mail from an agent, its subject a forward's, and the forwarded message in
/// its text (below a forward's header block) or attached whole, with an author who is
/// neither an agent nor the team.
pub(super) struct Forward {
    customer: EmailAddress,
    name: String,
    /// What the customer wrote.
    request: String,
    /// What the agent wrote above the forward (or beside the attached mail).
    note: String,
}

/// Only mail our servers vouch for (`auth` = pass) can speak for a customer.
pub(super) fn by_agent(
    conn: &Conn,
    ctx: &Ctx,
    mail: &ParsedEmail,
    auth: SenderAuth,
) -> Result<Option<Forward>, ServiceError> {
    let sender = &mail.from.address;
    if auth != SenderAuth::Pass
        || inbound::forwarded_subject(&mail.subject).is_none()
        || db::agents::find_by_email(conn, sender.as_str())?.is_none()
    {
        return Ok(None);
    }
    let forward = match (reply_text::forwarded(&mail.text), &mail.attached_mail) {
        (Some(inline), _) => match EmailAddress::parse(&inline.address) {
            Ok(customer) => Forward {
                customer,
                name: inline.name,
                request: inline.body,
                note: inline.note,
            },
            Err(_) => return Ok(None),
        },
        (None, Some(attached)) => Forward {
            customer: attached.from.address.clone(),
            name: attached.from.name.clone(),
            request: attached.text.clone(),
            note: mail.text.trim().to_string(),
        },
        (None, None) => return Ok(None),
    };
    let customer = forward.customer.as_str();
    if forward.customer == *sender
        || ctx.is_ours(&forward.customer)
        || db::agents::find_by_email(conn, customer)?.is_some()
    {
        return Ok(None);
    }
    Ok(Some(forward))
}

/// Opens the ticket of a forwarded mail for its author: the forwarded text is their
/// public request (they get the confirmation, and the invitation when new), and the agent
/// is who opened it. What is the agent's stays on an internal note: the text above the
/// forward, the mail's HTML (the agent's whole message) and the files, but for a mail
/// attached whole, which is the customer's and goes with their request.
pub(super) fn open(
    conn: &Conn,
    ctx: &Ctx,
    mail: &ParsedEmail,
    forward: &Forward,
    origin: Origin<'_>,
    now: DateTime<Utc>,
) -> Result<(TicketId, Outcome), ServiceError> {
    let agent = mail.from.address.as_str();
    let subject = ctx
        .token
        .strip(inbound::forwarded_subject(&mail.subject).unwrap_or(&mail.subject));
    let body = Body {
        parts: split_reply(&forward.request),
        full_text: forward.request.clone(),
        html: None,
    };
    let (customers, agents): (Vec<_>, Vec<_>) = mail
        .attachments
        .iter()
        .cloned()
        .partition(|a| a.content_type.eq_ignore_ascii_case("message/rfc822"));
    let t = NewTicket {
        requester: &forward.customer,
        requester_name: &forward.name,
        subject: &subject,
        body: &body,
        channel: Channel::Email,
        priority: Priority::Normal,
        cc: &[],
        origin,
        attachments: &customers,
        linked_from: None,
        actor: agent,
        automatic_mail: true,
    };
    let ticket = tickets::open(conn, ctx, t, now)?;
    if !forward.note.is_empty() || !agents.is_empty() || mail.html.is_some() {
        let note = Body {
            html: mail.html.clone(),
            ..Body::typed(&forward.note)
        };
        let entry = Entry {
            subject: &subject,
            attachments: &agents,
            ..Entry::note(agent, &note)
        };
        tickets::store_message(conn, ticket.id, &entry, now)?;
    }
    Ok((
        ticket.id,
        Outcome::Created {
            key: ctx.key(ticket.id).to_string(),
        },
    ))
}
