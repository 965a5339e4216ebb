//! Opening tickets (from mail, the portal or a phone call) and storing messages.

use chrono::{DateTime, Utc};

use super::notify::{self, Extras};
use super::{Ctx, ServiceError};
use crate::db::{self, Conn, customers::Customer, messages::NewAttachment, messages::NewMessage, tickets::TicketRow};
use crate::domain::email_address::EmailAddress;
use crate::domain::inbound::Role;
use crate::domain::notification::{self, Cause};
use crate::domain::reply_text::ReplyParts;
use crate::domain::ticket::{Channel, Priority, Status};
use crate::mail::parse::Attachment;

/// One message body as stored: the new text, quoted history and signature apart, and the
/// full text and HTML as received.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub parts: ReplyParts,
    pub full_text: String,
    pub html: Option<String>,
}

impl Body {
    /// A body typed into a form or the API: all of it is new text.
    pub fn typed(text: &str) -> Self {
        let text = text.trim().to_string();
        Self {
            parts: ReplyParts { new_text: text.clone(), ..Default::default() },
            full_text: text,
            html: None,
        }
    }
}

pub struct NewTicket<'a> {
    pub requester: &'a EmailAddress,
    pub requester_name: &'a str,
    pub subject: &'a str,
    pub body: &'a Body,
    pub channel: Channel,
    pub priority: Priority,
    pub cc: &'a [EmailAddress],
    pub message_id: Option<&'a str>,
    pub raw_email_id: Option<i64>,
    pub attachments: &'a [Attachment],
    /// The closed ticket this one continues.
    pub linked_from: Option<i64>,
    /// Who opened it: the requester's address, or the agent who took the call.
    pub actor: &'a str,
}

/// Finds the customer by address, or registers them and queues the portal invitation.
pub fn find_or_register(
    conn: &Conn,
    ctx: &Ctx,
    address: &EmailAddress,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(Customer, bool), ServiceError> {
    if let Some(c) = db::customers::find_by_email(conn, address)? {
        if !name.is_empty() {
            db::customers::set_name_if_empty(conn, c.id, name)?;
        }
        return Ok((c, false));
    }
    let h = &ctx.config.helpdesk;
    let c = db::customers::insert(conn, address, name, &h.default_locale, &h.time_zone, now)?;
    Ok((c, true))
}

pub fn open(conn: &Conn, ctx: &Ctx, t: NewTicket<'_>, now: DateTime<Utc>) -> Result<TicketRow, ServiceError> {
    let (customer, is_new) = find_or_register(conn, ctx, t.requester, t.requester_name, now)?;
    let subject = match t.subject.trim() {
        "" if customer.locale == "en" => "(no subject)",
        "" => "(fără subiect)",
        s => s,
    };
    let row = db::tickets::NewTicketRow {
        subject,
        priority: t.priority,
        channel: t.channel,
        requester_id: customer.id,
        linked_from_id: t.linked_from,
        sla_due_at: {
            let sla = ctx.sla();
            sla.calendar.add_working(now, sla.assign_goal())
        },
    };
    let id = db::tickets::insert(conn, &row, now)?;
    db::tickets::add_participant(conn, id, t.requester.as_str(), Role::Requester)?;
    for cc in t.cc.iter().filter(|a| *a != t.requester && **a != ctx.support) {
        db::tickets::add_participant(conn, id, cc.as_str(), Role::Cc)?;
    }
    let kind = "customer";
    store_message(conn, id, kind, t.requester.as_str(), subject, t.body, t.message_id, t.raw_email_id, t.attachments, now)
        ?;
    db::tickets::record_status(conn, id, None, Status::WaitingForSupport, t.actor, now)?;
    let ticket = db::tickets::get(conn, id)?.ok_or_else(|| ServiceError::NotFound(ctx.key(id).to_string()))?;
    let extras = Extras { old_key: t.linked_from.map(|o| ctx.key(o).to_string()).unwrap_or_default(), ..Default::default() };
    let cause = if t.channel == Channel::Email { Cause::InboundMail } else { Cause::Person };
    notify::queue(conn, ctx, &ticket, notification::for_new_ticket(t.linked_from.is_some()), &extras, cause, now)?;
    if is_new {
        notify::queue_invitation(conn, ctx, &customer, Some(id), cause, now)?;
    }
    Ok(ticket)
}

/// Why a mail of ours will not reach its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undelivered {
    /// Refused for good by the server we send through, or given up after retries.
    NotSent,
    /// Accepted, then returned by the recipient's server.
    Bounced,
}

/// A server's reason as we keep and show it: at most 300 characters, never empty.
pub fn undelivered_reason(reason: &str) -> String {
    let reason: String = reason.trim().chars().take(300).collect();
    if reason.is_empty() { "no reason given".to_string() } else { reason }
}

/// Tells the agents, as an internal note on the ticket in the helpdesk's own words (signed
/// by the support address), that the mail to `recipient` will not arrive, and why (the
/// server's words, cut short: a bounce can come from anyone who saw our Message-ID).
#[allow(clippy::too_many_arguments)]
pub fn note_undelivered(
    conn: &Conn,
    ctx: &Ctx,
    ticket_id: i64,
    recipient: &str,
    what: Undelivered,
    reason: &str,
    raw_email_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let reason = undelivered_reason(reason);
    let text = match what {
        Undelivered::NotSent => format!("The mail to {recipient} could not be sent: {reason}"),
        Undelivered::Bounced => format!("The mail to {recipient} came back undelivered: {reason}"),
    };
    store_message(conn, ticket_id, "note", ctx.support.as_str(), "", &Body::typed(&text), None, raw_email_id, &[], now)?;
    Ok(())
}

/// Stores one message of a ticket with its attachments.
#[allow(clippy::too_many_arguments)]
pub fn store_message(
    conn: &Conn,
    ticket_id: i64,
    kind: &str,
    author: &str,
    subject: &str,
    body: &Body,
    message_id: Option<&str>,
    raw_email_id: Option<i64>,
    attachments: &[Attachment],
    now: DateTime<Utc>,
) -> Result<i64, ServiceError> {
    let m = NewMessage {
        ticket_id,
        kind,
        author,
        internal: kind == "note",
        subject,
        body: &body.parts.new_text,
        quoted: &body.parts.quoted,
        signature: &body.parts.signature,
        full_text: &body.full_text,
        html: body.html.as_deref(),
        message_id,
        raw_email_id,
    };
    let id = db::messages::insert(conn, &m, now)?;
    db::tickets::touch(conn, ticket_id, now)?;
    for a in attachments {
        let att = NewAttachment {
            filename: &a.filename,
            content_type: &a.content_type,
            content: &a.content,
            content_id: a.content_id.as_deref(),
            inline: a.inline,
        };
        db::messages::attach(conn, id, &att)?;
    }
    Ok(id)
}
