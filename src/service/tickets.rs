//! Opening tickets (from mail, the portal or a phone call) and storing messages.

use chrono::{DateTime, Utc};

use super::notify::{self, Extras};
use super::{Ctx, ServiceError};
use crate::config::Mailbox;
use crate::db::{
    self, Conn,
    customers::{Customer, NewCustomer},
    messages::{Inserted, NewAttachment, NewMessage},
    tickets::TicketRow,
};
use crate::domain::email::Attachment;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::TicketId;
use crate::domain::message_kind::MessageKind;
use crate::domain::notification::{self, Cause};
use crate::domain::reply_text::ReplyParts;
use crate::domain::sender_auth::SenderAuth;
use crate::domain::ticket::{Channel, Priority};

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
            parts: ReplyParts {
                new_text: text.clone(),
                ..Default::default()
            },
            full_text: text,
            html: None,
        }
    }
}

/// Where a stored message came from: the mail it was read from, if any, and the mailbox
/// that mail came through. `default()` for what was typed in the portal, the console or
/// the API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    pub message_id: Option<&'a str>,
    pub raw_email_id: Option<i64>,
    /// What our receiving servers said of the mail's sender.
    pub sender_auth: Option<SenderAuth>,
    /// The mailbox it came through; `None`: the home one.
    pub via: Option<&'a Mailbox>,
}

/// One message to store on a ticket.
pub struct Entry<'a> {
    /// customer, partner, agent, note, system
    pub kind: MessageKind,
    pub author: &'a str,
    pub subject: &'a str,
    pub body: &'a Body,
    pub origin: Origin<'a>,
    pub attachments: &'a [Attachment],
}

impl<'a> Entry<'a> {
    /// An internal note with no files.
    pub fn note(author: &'a str, body: &'a Body) -> Self {
        Self {
            kind: MessageKind::Note,
            author,
            subject: "",
            body,
            origin: Origin::default(),
            attachments: &[],
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
    pub origin: Origin<'a>,
    pub attachments: &'a [Attachment],
    /// The closed ticket this one continues.
    pub linked_from: Option<TicketId>,
    /// Who opened it: the requester's address, or the agent who took the call.
    pub actor: &'a str,
    /// Whether the requester gets the confirmation and, when new, the invitation: not for
    /// mail whose sender our servers could not vouch for (no backscatter to a forged address).
    pub automatic_mail: bool,
}

/// Finds the customer by address, or registers them: the customer and whether they are
/// new (the caller invites them).
fn find_or_register(
    conn: &Conn,
    who: &NewCustomer<'_>,
    now: DateTime<Utc>,
) -> Result<(Customer, bool), ServiceError> {
    db::customers::find_or_insert(conn, who, now)?.ok_or_else(|| unregistered(who))
}

fn unregistered(who: &NewCustomer<'_>) -> ServiceError {
    ServiceError::Conflict(format!("{} could not be registered", who.email))
}

pub fn open(
    conn: &Conn,
    ctx: &Ctx,
    t: NewTicket<'_>,
    now: DateTime<Utc>,
) -> Result<TicketRow, ServiceError> {
    // The mailbox it came in through gives its queue, the address its mail comes from and
    // a new requester's language.
    let via = t.origin.via.unwrap_or_else(|| ctx.home());
    let requester = NewCustomer {
        email: t.requester,
        name: t.requester_name,
        locale: &via.locale,
        time_zone: &ctx.config.helpdesk.time_zone,
    };
    // A ticket without a subject is named in its requester's language: they are found (or
    // registered) first. Otherwise the statement that opens the ticket finds them.
    let mut registered_first = false;
    let subject = match t.subject.trim() {
        "" => {
            let (customer, is_new) = find_or_register(conn, &requester, now)?;
            registered_first = is_new;
            if customer.locale == "en" {
                "(no subject)"
            } else {
                "(fără subiect)"
            }
        }
        s => s,
    };
    let row = db::tickets::NewTicketRow {
        subject,
        priority: t.priority,
        channel: t.channel,
        linked_from_id: t.linked_from,
        sla_due_at: {
            let sla = ctx.sla();
            sla.calendar.add_working(now, sla.assign_goal())
        },
        mailbox: &via.address,
        queue: &via.queue,
    };
    let cc: Vec<&str> =
        t.cc.iter()
            .filter(|a| *a != t.requester && !ctx.is_ours(a))
            .map(EmailAddress::as_str)
            .collect();
    let entry = Entry {
        kind: MessageKind::Customer,
        author: t.requester.as_str(),
        subject,
        body: t.body,
        origin: t.origin,
        attachments: t.attachments,
    };
    let opening = db::tickets::Opening {
        ticket: row,
        requester,
        cc: &cc,
        message: new_message(&entry),
        actor: t.actor,
        automatic_since: notify::counted_since(now),
    };
    let opened =
        db::tickets::open(conn, &opening, now)?.ok_or_else(|| unregistered(&opening.requester))?;
    let (customer, is_new) = (
        &opened.requester,
        registered_first || opened.requester_is_new,
    );
    attach(conn, opened.first_message_id, t.attachments)?;
    let ticket = opened.ticket;
    let extras = Extras {
        old_key: t
            .linked_from
            .map(|o| ctx.key(o).to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    if !t.automatic_mail {
        return Ok(ticket);
    }
    let cause = if t.channel == Channel::Email {
        Cause::InboundMail
    } else {
        Cause::Person
    };
    // The requester's thread is their first message.
    let new = notify::NewTicketMail {
        thread: db::messages::MailContext {
            references: opening
                .message
                .message_id
                .map(String::from)
                .into_iter()
                .collect(),
            mailbox: ticket.mailbox.clone(),
            automatic_sent: opened.automatic_sent,
        },
        invited: is_new.then_some(customer),
    };
    notify::queue_for_new_ticket(
        conn,
        ctx,
        &ticket,
        notification::for_new_ticket(t.linked_from.is_some()),
        &extras,
        new,
        cause,
        now,
    )?;
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

/// A mail of ours that will not arrive: to whom, what became of it, the server's words,
/// and the bounce that said so (if one did).
#[derive(Debug, Clone, Copy)]
pub struct LostMail<'a> {
    pub recipient: &'a str,
    pub what: Undelivered,
    pub reason: &'a str,
    pub raw_email_id: Option<i64>,
}

/// A server's reason as we keep and show it: at most 300 characters, never empty.
pub fn undelivered_reason(reason: &str) -> String {
    let reason: String = reason.trim().chars().take(300).collect();
    if reason.is_empty() {
        "no reason given".to_string()
    } else {
        reason
    }
}

/// Tells the agents, as an internal note on the ticket in the helpdesk's own words (signed
/// by the support address), that the mail to `recipient` will not arrive, and why (the
/// server's words, cut short: a bounce can come from anyone who saw our Message-ID).
pub fn note_undelivered(
    conn: &Conn,
    ctx: &Ctx,
    ticket_id: TicketId,
    lost: &LostMail<'_>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let LostMail {
        recipient,
        what,
        reason,
        raw_email_id,
    } = *lost;
    let reason = undelivered_reason(reason);
    let text = match what {
        Undelivered::NotSent => format!("The mail to {recipient} could not be sent: {reason}"),
        Undelivered::Bounced => format!("The mail to {recipient} came back undelivered: {reason}"),
    };
    let body = Body::typed(&text);
    let origin = Origin {
        raw_email_id,
        ..Origin::default()
    };
    store_message(
        conn,
        ticket_id,
        &Entry {
            origin,
            ..Entry::note(ctx.support.as_str(), &body)
        },
        now,
    )?;
    Ok(())
}

/// Stores a message with its files: the message, and its ticket as it moved it (its
/// version raised, its last update moved).
pub fn store_message(
    conn: &Conn,
    ticket_id: TicketId,
    e: &Entry<'_>,
    now: DateTime<Utc>,
) -> Result<Inserted, ServiceError> {
    let stored = db::messages::insert(conn, ticket_id, &new_message(e), now)?;
    attach(conn, stored.id, e.attachments)?;
    Ok(stored)
}

fn new_message<'a>(e: &'a Entry<'_>) -> NewMessage<'a> {
    NewMessage {
        kind: e.kind,
        author: e.author,
        internal: e.kind.is_internal(),
        subject: e.subject,
        body: &e.body.parts.new_text,
        quoted: &e.body.parts.quoted,
        signature: &e.body.parts.signature,
        full_text: &e.body.full_text,
        html: e.body.html.as_deref(),
        message_id: e.origin.message_id,
        raw_email_id: e.origin.raw_email_id,
        sender_auth: e.origin.sender_auth,
    }
}

/// Stores the files of message `id`.
fn attach(conn: &Conn, id: i64, files: &[Attachment]) -> Result<(), ServiceError> {
    for a in files {
        let att = NewAttachment {
            filename: &a.filename,
            content_type: &a.content_type,
            content: &a.content,
            content_id: a.content_id.as_deref(),
            inline: a.inline,
        };
        db::messages::attach(conn, id, &att)?;
    }
    Ok(())
}
