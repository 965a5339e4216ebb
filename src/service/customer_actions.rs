//! What customers do: opt out through a signed link (no login), and, signed in to the
//! portal, add to a request, open one, and switch its status mail off or on.

use chrono::{DateTime, Utc};

use super::lifecycle::{self, Step};
use super::notify::Extras;
use super::tickets::{self, Body, Entry, NewTicket, Origin};
use super::{Ctx, ServiceError, links};
use crate::db::{self, Conn, customers::Customer, tickets::TicketRow};
use crate::domain::email::Attachment;
use crate::domain::email_address::EmailAddress;
use crate::domain::file_name::FileName;
use crate::domain::ids::TicketId;
use crate::domain::message_kind::MessageKind;
use crate::domain::notification::Cause;
use crate::domain::ticket::{Channel, Event, Priority};

/// The ticket a signed opt-out link names, and its requester's language.
#[derive(Debug, Clone)]
pub struct OptOut {
    pub key: String,
    pub locale: String,
}

/// Whom an opt-out link speaks for: the requester, or one participant on CC.
enum OptingOut {
    Requester(TicketId),
    Cc(TicketId, i64),
}

fn opting_out(ctx: &Ctx, token: &str) -> Result<OptingOut, ServiceError> {
    let secret = &ctx.config.helpdesk.secret;
    if let Some(id) = links::verify_unsubscribe(secret, token) {
        return Ok(OptingOut::Requester(id));
    }
    links::verify_cc_unsubscribe(secret, token)
        .map(|(id, row)| OptingOut::Cc(id, row))
        .ok_or_else(|| ServiceError::NotFound("link".into()))
}

fn ticket_of(ctx: &Ctx, token: &str) -> Result<TicketId, ServiceError> {
    Ok(match opting_out(ctx, token)? {
        OptingOut::Requester(id) | OptingOut::Cc(id, _) => id,
    })
}

/// Opts whoever the signed token speaks for (the requester, or a participant on CC) out
/// of status mail for that ticket. Requests for information and the resolution still
/// arrive.
pub async fn unsubscribe(ctx: &Ctx, token: &str) -> Result<OptOut, ServiceError> {
    let who = opting_out(ctx, token)?;
    let ticket = ctx
        .db
        .write(move |c| {
            let id = match who {
                OptingOut::Requester(id) => {
                    db::tickets::set_status_mail(c, id, false)?;
                    id
                }
                OptingOut::Cc(id, row) => {
                    db::participants::cc_opt_out(c, id, row)?;
                    id
                }
            };
            db::tickets::get(c, id)
        })
        .await?
        .ok_or_else(|| ServiceError::NotFound("ticket".into()))?;
    Ok(OptOut {
        key: ctx.key(ticket.id).to_string(),
        locale: ticket.requester_locale,
    })
}

/// The ticket a genuine token names, for the confirm page.
pub async fn unsubscribe_target(ctx: &Ctx, token: &str) -> Result<OptOut, ServiceError> {
    let id = ticket_of(ctx, token)?;
    let ticket = ctx
        .db
        .read(move |c| db::tickets::get(c, id))
        .await?
        .ok_or_else(|| ServiceError::NotFound("ticket".into()))?;
    Ok(OptOut {
        key: ctx.key(id).to_string(),
        locale: ticket.requester_locale,
    })
}

/// A file a customer uploads, as the browser sent it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

impl Upload {
    pub(crate) fn into_attachment(self, index: usize) -> Attachment {
        let content_type = self.content_type.trim().to_ascii_lowercase();
        let valid_type = content_type.split_once('/').is_some_and(|(a, b)| {
            let token = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
            };
            token(a) && token(b)
        });
        Attachment {
            filename: FileName::sanitize(&self.filename, &format!("fisier-{}", index + 1))
                .to_string(),
            content_type: if valid_type {
                content_type
            } else {
                "application/octet-stream".into()
            },
            content: self.content,
            content_id: None,
            inline: false,
        }
    }
}

/// Checks the configured limits; the message says which one and is shown to the customer.
pub fn check_uploads(ctx: &Ctx, files: &[Upload]) -> Result<(), ServiceError> {
    let p = &ctx.config.portal;
    if files.len() > p.max_attachments {
        return Err(ServiceError::Invalid(format!(
            "at most {} files at once",
            p.max_attachments
        )));
    }
    if let Some(big) = files
        .iter()
        .find(|f| f.content.len() > p.max_attachment_bytes())
    {
        return Err(ServiceError::Invalid(format!(
            "{} is larger than {} MiB",
            big.filename, p.max_attachment_mb
        )));
    }
    Ok(())
}

/// The ticket, if the customer takes part in it (requester or CC); else "not found", so
/// that other people's keys reveal nothing.
pub fn visible_ticket(
    conn: &Conn,
    ctx: &Ctx,
    customer: &Customer,
    id: TicketId,
) -> Result<TicketRow, ServiceError> {
    let not_found = || ServiceError::NotFound(format!("request {}", ctx.key(id)));
    if !db::portal::can_see(conn, id, &customer.email)? {
        return Err(not_found());
    }
    db::tickets::get(conn, id)?.ok_or_else(not_found)
}

/// The customer adds text, files or both to a request: the same rule as a mail reply
/// (an answer on `waiting_for_customer` resumes it, `resolved` reopens, `closed` refuses).
pub async fn contribute(
    ctx: &Ctx,
    customer: &Customer,
    ticket_id: TicketId,
    text: &str,
    files: Vec<Upload>,
    now: DateTime<Utc>,
) -> Result<TicketRow, ServiceError> {
    let text = text.trim().to_string();
    if text.is_empty() && files.is_empty() {
        return Err(ServiceError::Invalid(
            "write a comment or choose a file".into(),
        ));
    }
    check_uploads(ctx, &files)?;
    let attachments: Vec<Attachment> = files
        .into_iter()
        .enumerate()
        .map(|(i, f)| f.into_attachment(i))
        .collect();
    let (c2, customer) = (ctx.clone(), customer.clone());
    let updated = ctx
        .db
        .write(move |conn| {
            let mut ticket = visible_ticket(conn, &c2, &customer, ticket_id)?;
            let body = Body::typed(&text);
            let entry = Entry {
                kind: MessageKind::Customer,
                attachments: &attachments,
                ..Entry::note(&customer.email, &body)
            };
            ticket.moved(tickets::store_message(conn, ticket_id, &entry, now)?.ticket);
            let said = Extras {
                message: text,
                ..Extras::default()
            };
            let step = Step {
                extras: &said,
                ..Step::new(Event::CustomerReplied, &customer.email, Cause::Person)
            };
            let (updated, _) = lifecycle::apply(conn, &c2, &ticket, step, now)?;
            Ok::<_, ServiceError>(updated)
        })
        .await?;
    ctx.outbox_wakeup.notify_one();
    Ok(updated)
}

/// A new request from the portal: the same path as a mail (confirmation, `waiting_for_support`).
pub async fn open_request(
    ctx: &Ctx,
    customer: &Customer,
    subject: &str,
    description: &str,
    files: Vec<Upload>,
    now: DateTime<Utc>,
) -> Result<TicketRow, ServiceError> {
    let subject = subject.trim().to_string();
    if subject.is_empty() {
        return Err(ServiceError::Invalid(
            "the subject must not be empty".into(),
        ));
    }
    if description.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "the description must not be empty".into(),
        ));
    }
    check_uploads(ctx, &files)?;
    let attachments: Vec<Attachment> = files
        .into_iter()
        .enumerate()
        .map(|(i, f)| f.into_attachment(i))
        .collect();
    let requester =
        EmailAddress::parse(&customer.email).map_err(|e| ServiceError::Internal(e.into()))?;
    let (c2, body, name) = (ctx.clone(), Body::typed(description), customer.name.clone());
    let ticket = ctx
        .db
        .write(move |conn| {
            let t = NewTicket {
                requester: &requester,
                requester_name: &name,
                subject: &subject,
                body: &body,
                channel: Channel::Portal,
                priority: Priority::Normal,
                cc: &[],
                origin: Origin::default(),
                attachments: &attachments,
                linked_from: None,
                actor: requester.as_str(),
                automatic_mail: true,
            };
            tickets::open(conn, &c2, t, now)
        })
        .await?;
    ctx.outbox_wakeup.notify_one();
    Ok(ticket)
}

/// "Nu doresc să primesc notificări" from the request page (or its undo). Status mail
/// goes to the requester, so only the requester can switch it.
pub async fn set_status_mail(
    ctx: &Ctx,
    customer: &Customer,
    ticket_id: TicketId,
    on: bool,
) -> Result<(), ServiceError> {
    let (c2, customer) = (ctx.clone(), customer.clone());
    ctx.db
        .write(move |conn| {
            let ticket = visible_ticket(conn, &c2, &customer, ticket_id)?;
            if ticket.requester_id != customer.id {
                return Err(ServiceError::Invalid(
                    "only the requester can change the status mail".into(),
                ));
            }
            db::tickets::set_status_mail(conn, ticket_id, on)?;
            Ok::<_, ServiceError>(())
        })
        .await
}
