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
/// them: a new mail from an agent, its subject a forward's, its text the forwarded
/// message with an author who is neither the agent nor the team.
pub(super) struct Forward {
    customer: EmailAddress,
    message: reply_text::Forwarded,
}

pub(super) fn by_agent(conn: &Conn, ctx: &Ctx, mail: &ParsedEmail) -> Result<Option<Forward>, ServiceError> {
    let sender = &mail.sender().address;
    if inbound::forwarded_subject(&mail.subject).is_none() {
        return Ok(None);
    }
    let Some(message) = reply_text::forwarded(&mail.text) else { return Ok(None) };
    let Ok(customer) = EmailAddress::parse(&message.address) else { return Ok(None) };
    if customer == *sender || customer == ctx.support || db::agents::find_by_email(conn, sender.as_str())?.is_none() {
        return Ok(None);
    }
    if db::agents::find_by_email(conn, customer.as_str())?.is_some() {
        return Ok(None);
    }
    Ok(Some(Forward { customer, message }))
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
    let body = Body { parts: split_reply(&forward.message.body), full_text: mail.text.clone(), html: mail.html.clone() };
    let t = NewTicket {
        requester: &forward.customer,
        requester_name: &forward.message.name,
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
    if !forward.message.note.is_empty() {
        tickets::store_message(conn, ticket.id, "note", agent, &subject, &Body::typed(&forward.message.note), None, None, &[], now)?;
    }
    Ok((ticket.id, Outcome::Created { key: ctx.key(ticket.id).to_string() }))
}

