//! A customer's mail that an agent forwards to the support address: a ticket for the
//! customer it names.

use chrono::{DateTime, Utc};

use super::Outcome;
use crate::db::{self, Conn};
use crate::domain::email_address::EmailAddress;
use crate::domain::inbound;
use crate::domain::reply_text::{self, split_reply};
use crate::domain::ticket::{Channel, Priority};
use crate::mail::parse::ParsedEmail;
use crate::service::tickets::{self, Body, NewTicket};
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

pub(super) fn by_agent(conn: &Conn, ctx: &Ctx, mail: &ParsedEmail) -> Result<Option<Forward>, ServiceError> {
    let sender = &mail.sender().address;
    if inbound::forwarded_subject(&mail.subject).is_none() || db::agents::find_by_email(conn, sender.as_str())?.is_none() {
        return Ok(None);
    }
    let forward = match (reply_text::forwarded(&mail.text), &mail.attached_mail) {
        (Some(inline), _) => match EmailAddress::parse(&inline.address) {
            Ok(customer) => Forward { customer, name: inline.name, request: inline.body, note: inline.note },
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
    if forward.customer == *sender || forward.customer == ctx.support || db::agents::find_by_email(conn, customer)?.is_some() {
        return Ok(None);
    }
    Ok(Some(forward))
}

/// Opens the ticket of a forwarded mail for its author: the forwarded text is their
/// request (they get the confirmation, and the invitation when new), the agent's note
/// above it an internal note, and the agent is who opened it.
pub(super) fn open(
    conn: &Conn,
    ctx: &Ctx,
    mail: &ParsedEmail,
    forward: &Forward,
    raw_id: i64,
    now: DateTime<Utc>,
) -> Result<(i64, Outcome), ServiceError> {
    let agent = mail.sender().address.as_str();
    let subject = ctx.token.strip(inbound::forwarded_subject(&mail.subject).unwrap_or(&mail.subject));
    let body = Body { parts: split_reply(&forward.request), full_text: mail.text.clone(), html: mail.html.clone() };
    let t = NewTicket {
        requester: &forward.customer,
        requester_name: &forward.name,
        subject: &subject,
        body: &body,
        channel: Channel::Email,
        priority: Priority::Normal,
        cc: &[],
        message_id: mail.message_id.as_deref(),
        raw_email_id: Some(raw_id),
        attachments: &mail.attachments,
        linked_from: None,
        actor: agent,
    };
    let ticket = tickets::open(conn, ctx, t, now)?;
    if !forward.note.is_empty() {
        tickets::store_message(conn, ticket.id, "note", agent, &subject, &Body::typed(&forward.note), None, None, &[], now)?;
    }
    Ok((ticket.id, Outcome::Created { key: ctx.key(ticket.id).to_string() }))
}

