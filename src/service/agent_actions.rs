//! What agents do to tickets (API and console): assign, reply, note, ask, resolve, close,
//! and phone intake.

use chrono::{DateTime, Utc};

use super::agent_alerts;
use super::canned_replies;
use super::customer_actions::{Upload, check_uploads};
use super::lifecycle::{self, Step};
use super::notify::Extras;
use super::tickets::{self, Body, Entry, NewTicket, Origin};
use super::{Ctx, ServiceError};
use crate::db::tickets::{Participant, TicketRow};
use crate::db::{self, Conn, agents::Agent};
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::TicketId;
use crate::domain::inbound::Role;
use crate::domain::message_kind::MessageKind;
use crate::domain::notification::Cause;
use crate::domain::ticket::{Channel, Event, Priority};

/// An agent's command on one ticket.
#[derive(Debug, Clone)]
pub enum Command {
    Assign {
        agent_email: String,
    },
    Comment {
        body: Said,
        internal: bool,
        /// Files with the reply or note (a reply mails them to the customer as attachments).
        files: Vec<Upload>,
    },
    RequestInfo {
        message: String,
    },
    ThirdParty {
        partner_email: String,
        message: String,
    },
    Resolve {
        resolution: String,
    },
    Close,
    SetPriority {
        priority: Priority,
    },
    /// Closes this ticket as a duplicate of `into` (its people join `into`).
    Merge {
        into: String,
    },
}

/// What a comment says: typed, or a canned reply by name (or id), its placeholders filled
/// in from the ticket and the agent.
#[derive(Debug, Clone)]
pub enum Said {
    Typed(String),
    Canned(String),
}

fn required(text: &str, what: &str) -> Result<String, ServiceError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::Invalid(format!("{what} must not be empty")));
    }
    Ok(t.to_string())
}

/// Runs the command in one transaction; returns the ticket as it now is. With
/// `if_version`, the command is refused (`Stale`) when the ticket has changed since that
/// version: the agent acted on what they saw, and it is no longer so.
pub async fn act(
    ctx: &Ctx,
    agent: &Agent,
    key: &str,
    cmd: Command,
    if_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<TicketRow, ServiceError> {
    let id = ctx
        .parse_key(key)
        .ok_or_else(|| ServiceError::NotFound(format!("ticket {key}")))?;
    if let Command::Comment { files, .. } = &cmd {
        check_uploads(ctx, files)?;
    }
    let (c, agent) = (ctx.clone(), agent.clone());
    let updated = ctx
        .db
        .write(move |conn| {
            if let Some(seen) = if_version {
                unchanged_since(conn, &c, id, seen)?;
            }
            act_in(conn, &c, &agent, id, cmd, now)
        })
        .await?;
    ctx.outbox_wakeup.notify_one();
    Ok(updated)
}

/// `Stale` when the ticket is no longer at version `seen`, naming what it is now.
fn unchanged_since(conn: &Conn, ctx: &Ctx, id: TicketId, seen: i64) -> Result<(), ServiceError> {
    let t = db::tickets::get(conn, id)?
        .ok_or_else(|| ServiceError::NotFound(format!("ticket {}", ctx.key(id))))?;
    if t.version == seen {
        return Ok(());
    }
    let assignee = t.assignee_email.as_deref().unwrap_or("nobody");
    Err(ServiceError::Stale(format!(
        "{} changed since version {seen}: it is now version {}, {}, assigned to {assignee}, priority {}, last changed {}",
        ctx.key(id),
        t.version,
        t.status.as_str(),
        t.priority.as_str(),
        t.updated_at
    )))
}

fn act_in(
    conn: &Conn,
    ctx: &Ctx,
    agent: &Agent,
    id: TicketId,
    cmd: Command,
    now: DateTime<Utc>,
) -> Result<TicketRow, ServiceError> {
    let mut ticket = db::tickets::get(conn, id)?
        .ok_or_else(|| ServiceError::NotFound(format!("ticket {}", ctx.key(id))))?;
    let mut extras = Extras {
        agent_name: agent.name.clone(),
        ..Default::default()
    };
    let mut attachments = Vec::new();
    let (event, note): (Event, Option<(MessageKind, String)>) = match cmd {
        Command::Assign { agent_email } => {
            let assignee = db::agents::find_by_email(conn, agent_email.trim())?
                .ok_or_else(|| ServiceError::NotFound(format!("agent {agent_email:?}")))?;
            (
                Event::Assign {
                    agent_id: assignee.id,
                },
                None,
            )
        }
        Command::Comment {
            body,
            internal,
            files,
        } => {
            attachments = files
                .into_iter()
                .enumerate()
                .map(|(i, f)| f.into_attachment(i))
                .collect();
            let body = match body {
                Said::Typed(text) => required(&text, "body")?,
                Said::Canned(which) => {
                    let customer = match ticket.requester_name.trim() {
                        "" => &ticket.requester_email,
                        name => name,
                    };
                    let key = ctx.key(id).to_string();
                    canned_replies::fill(conn, &which, customer, &key, &agent.name)?
                }
            };
            extras.message = body.clone();
            if internal {
                (Event::InternalNote, Some((MessageKind::Note, body)))
            } else {
                (Event::AgentReplied, Some((MessageKind::Agent, body)))
            }
        }
        Command::RequestInfo { message } => {
            let message = required(&message, "message")?;
            extras.message = message.clone();
            (Event::RequestInfo, Some((MessageKind::Agent, message)))
        }
        Command::ThirdParty {
            partner_email,
            message,
        } => {
            let message = required(&message, "message")?;
            let partner = EmailAddress::parse(&partner_email).map_err(|_| {
                ServiceError::Invalid(format!(
                    "partner_email {partner_email:?} is not an email address"
                ))
            })?;
            if ctx.is_ours(&partner) {
                return Err(ServiceError::Invalid(
                    "the partner cannot be the helpdesk itself".into(),
                ));
            }
            extras.message = message.clone();
            extras.partner = Some(partner);
            (
                Event::AskThirdParty,
                Some((MessageKind::Note, format!("→ {partner_email}: {message}"))),
            )
        }
        Command::Resolve { resolution } => {
            let resolution = required(&resolution, "resolution")?;
            extras.resolution = resolution.clone();
            (Event::Resolve, Some((MessageKind::Agent, resolution)))
        }
        Command::Close => (Event::Close, None),
        // Not life-cycle events: no transition, no mail.
        Command::SetPriority { priority } => {
            db::tickets::set_priority(conn, id, priority, now)?;
            lifecycle::refresh_sla_due(conn, ctx, &ctx.sla(), id, now)?;
            return db::tickets::get(conn, id)?
                .ok_or_else(|| ServiceError::NotFound(ctx.key(id).to_string()));
        }
        Command::Merge { into } => return merge(conn, ctx, agent, &ticket, &into, now),
    };
    // The message first, so that the mail can carry its files; a refused command returns
    // below, and the rolled-back transaction stores nothing.
    let stored = match &note {
        Some((kind, text)) => {
            let body = Body::typed(text);
            let entry = Entry {
                kind: *kind,
                attachments: &attachments,
                ..Entry::note(&agent.email, &body)
            };
            let stored = tickets::store_message(conn, id, &entry, now)?;
            ticket.moved(stored.ticket);
            Some(stored.id)
        }
        None => None,
    };
    if !attachments.is_empty() {
        extras.files_of = stored;
    }
    // The partner takes part before the mail to them is queued: its answer link names them.
    if let Some(partner) = &extras.partner {
        db::tickets::add_participant(conn, id, partner.as_str(), Role::Partner)?;
    }
    let step = Step {
        extras: &extras,
        ..Step::new(event, &agent.email, Cause::Person)
    };
    let (updated, _) = lifecycle::apply(conn, ctx, &ticket, step, now)?;
    if let (Some((_, text)), Event::InternalNote) = (&note, event) {
        agent_alerts::noted(conn, ctx, &updated, agent, text, now)?;
    }
    Ok(updated)
}

/// Closes `dup` into `into_key`: its requester joins the other ticket as CC and its
/// partners as partners (its CC'd people stay where they were asked in), both get a note,
/// and the duplicate remembers where it went. Requesters that differ are pointed out in
/// the note, so that the agent sees who now reads the other conversation.
fn merge(
    conn: &Conn,
    ctx: &Ctx,
    agent: &Agent,
    dup: &TicketRow,
    into_key: &str,
    now: DateTime<Utc>,
) -> Result<TicketRow, ServiceError> {
    // A key of another prefix names no ticket here.
    let into = ctx
        .parse_key(into_key.trim())
        .ok_or_else(|| ServiceError::NotFound(format!("ticket {into_key:?}")))?;
    if into == dup.id {
        return Err(ServiceError::Invalid(
            "a ticket cannot be merged into itself".into(),
        ));
    }
    let target = db::tickets::get(conn, into)?
        .ok_or_else(|| ServiceError::NotFound(format!("ticket {into_key}")))?;
    if target.status == crate::domain::ticket::Status::Closed {
        return Err(ServiceError::Invalid(format!(
            "{} is closed; merge into an open ticket",
            ctx.key(into)
        )));
    }
    let (dup_key, into_key) = (ctx.key(dup.id).to_string(), ctx.key(into).to_string());
    let step = Step::new(Event::Close, &agent.email, Cause::Person);
    let (mut closed, _) = lifecycle::apply(conn, ctx, dup, step, now)?;
    let mut other_requester = None;
    for Participant { address, role } in db::tickets::participants(conn, dup.id)? {
        let joins_as = match role {
            Role::Requester => Role::Cc,
            Role::Partner => Role::Partner,
            _ => continue,
        };
        if role == Role::Requester
            && db::tickets::role_of(conn, into, &address)? != Some(Role::Requester)
        {
            other_requester = Some(address.clone());
        }
        db::tickets::add_participant(conn, into, &address, joins_as)?;
    }
    db::tickets::set_merged_into(conn, dup.id, into)?;
    closed.merged_into_id = Some(into);
    let note = |ticket: TicketId, text: String| {
        tickets::store_message(
            conn,
            ticket,
            &Entry::note(&agent.email, &Body::typed(&text)),
            now,
        )
    };
    note(dup.id, format!("Merged into {into_key}."))?;
    note(
        into,
        match other_requester {
            Some(other) => format!(
                "{dup_key} was merged into this ticket. Warning: its requester {other} is not this ticket's requester; \
                 they were added here as CC and now receive its public replies."
            ),
            None => format!("{dup_key} was merged into this ticket."),
        },
    )?;
    Ok(closed)
}

/// A ticket an agent opens for a customer (phone intake, or mail forwarded by hand).
pub struct Intake {
    pub requester_email: String,
    pub requester_name: String,
    /// A phone number to remember on the customer (phone intake), or empty.
    pub requester_phone: String,
    pub subject: String,
    pub description: String,
    pub channel: Channel,
    pub priority: Priority,
}

pub async fn open_for_customer(
    ctx: &Ctx,
    agent: &Agent,
    intake: Intake,
    now: DateTime<Utc>,
) -> Result<TicketRow, ServiceError> {
    let requester = EmailAddress::parse(&intake.requester_email).map_err(|_| {
        ServiceError::Invalid(format!(
            "requester_email {:?} is not an email address",
            intake.requester_email
        ))
    })?;
    let subject = required(&intake.subject, "subject")?;
    let body = Body::typed(&intake.description);
    let (c, actor) = (ctx.clone(), agent.email.clone());
    let ticket = ctx
        .db
        .write(move |conn| {
            let ticket = tickets::open(
                conn,
                &c,
                NewTicket {
                    requester: &requester,
                    requester_name: intake.requester_name.trim(),
                    subject: &subject,
                    body: &body,
                    channel: intake.channel,
                    priority: intake.priority,
                    cc: &[],
                    origin: Origin::default(),
                    attachments: &[],
                    linked_from: None,
                    actor: &actor,
                    automatic_mail: true,
                },
                now,
            )?;
            let phone = intake.requester_phone.trim();
            if !phone.is_empty() {
                db::customers::set_phone_if_empty(conn, ticket.requester_id, phone)?;
            }
            Ok::<_, ServiceError>(ticket)
        })
        .await?;
    ctx.outbox_wakeup.notify_one();
    Ok(ticket)
}
