//! A partner answers "through the helpdesk": the signed link of the question mailed to
//! them opens a page with the question; what they send is their answer on the ticket,
//! as if they had replied by mail (a ticket waiting for them goes back to work, and its
//! agent is told).

use chrono::{DateTime, Utc};

use super::lifecycle::{self, Step};
use super::notify::Extras;
use super::tickets::{self, Body, Entry};
use super::{Ctx, ServiceError, links};
use crate::db::{self, Conn, tickets::TicketRow};
use crate::domain::ids::TicketId;
use crate::domain::message_kind::MessageKind;
use crate::domain::notification::Cause;
use crate::domain::ticket::Event;

/// The longest answer taken from the page, in characters.
pub const MAX_ANSWER: usize = 20_000;

/// What the partner's page shows.
#[derive(Debug, Clone)]
pub struct PartnerTarget {
    pub key: String,
    pub subject: String,
    pub partner: String,
    /// What the agents asked them, newest last.
    pub questions: Vec<String>,
}

fn link_of(ctx: &Ctx, token: &str) -> Result<(TicketId, i64), ServiceError> {
    links::verify_partner(&ctx.config.helpdesk.secret, token)
        .ok_or_else(|| ServiceError::NotFound("link".into()))
}

/// The page's target and the ticket as read for it.
fn target_in(
    conn: &Conn,
    ctx: &Ctx,
    id: TicketId,
    row: i64,
) -> Result<(PartnerTarget, TicketRow), ServiceError> {
    let not_found = || ServiceError::NotFound("link".into());
    let partner = db::participants::partner_at(conn, id, row)?.ok_or_else(not_found)?;
    let ticket = db::tickets::get(conn, id)?.ok_or_else(not_found)?;
    // The questions to this partner are the notes that say so ("→ partner: …").
    let prefix = format!("→ {partner}: ");
    let questions = db::messages::for_ticket(conn, id)?
        .into_iter()
        .filter(|m| m.kind == MessageKind::Note)
        .filter_map(|m| m.body.strip_prefix(&prefix).map(str::to_string))
        .collect();
    let target = PartnerTarget {
        key: ctx.key(id).to_string(),
        subject: ticket.subject.clone(),
        partner,
        questions,
    };
    Ok((target, ticket))
}

/// The question a genuine link leads to; records nothing.
pub async fn target(ctx: &Ctx, token: &str) -> Result<PartnerTarget, ServiceError> {
    let (id, row) = link_of(ctx, token)?;
    let c = ctx.clone();
    ctx.db
        .read(move |conn| Ok(target_in(conn, &c, id, row)?.0))
        .await
}

/// Records the partner's answer on the ticket.
pub async fn answer(
    ctx: &Ctx,
    token: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<PartnerTarget, ServiceError> {
    let (id, row) = link_of(ctx, token)?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(ServiceError::Invalid("the answer is empty".into()));
    }
    if text.chars().count() > MAX_ANSWER {
        return Err(ServiceError::Invalid(format!(
            "the answer is longer than {MAX_ANSWER} characters"
        )));
    }
    let c = ctx.clone();
    let target = ctx
        .db
        .write(move |conn| {
            let (target, mut ticket) = target_in(conn, &c, id, row)?;
            let body = Body::typed(&text);
            let entry = Entry {
                kind: MessageKind::Partner,
                ..Entry::note(&target.partner, &body)
            };
            ticket.moved(tickets::store_message(conn, id, &entry, now)?.ticket);
            let said = Extras {
                message: text,
                ..Extras::default()
            };
            let step = Step {
                extras: &said,
                ..Step::new(Event::PartnerReplied, &target.partner, Cause::Person)
            };
            lifecycle::apply(conn, &c, &ticket, step, now)?;
            Ok::<_, ServiceError>(target)
        })
        .await?;
    ctx.outbox_wakeup.notify_one();
    Ok(target)
}
