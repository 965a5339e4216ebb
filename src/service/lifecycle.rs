//! Executes a life-cycle event on a stored ticket: the domain decides, this writes the
//! new state, the history and the mail.

use chrono::{DateTime, Utc};

use super::agent_alerts;
use super::notify::{self, Extras};
use super::{Ctx, ServiceError, Sla};
use crate::db::{self, Conn, tickets::TicketRow};
use crate::domain::ids::TicketId;
use crate::domain::notification::Cause;
use crate::domain::ticket::{Clock, Event, Transition, transition};

/// One step of a ticket's life: the event, who takes it (the history's actor), what
/// brought it about (a person or an inbound mail), and what its mail may say.
pub struct Step<'a> {
    pub event: Event,
    pub actor: &'a str,
    pub cause: Cause,
    pub extras: &'a Extras,
}

static NO_EXTRAS: std::sync::LazyLock<Extras> = std::sync::LazyLock::new(Extras::default);

impl<'a> Step<'a> {
    /// A step whose mail needs nothing beyond the ticket.
    pub fn new(event: Event, actor: &'a str, cause: Cause) -> Self {
        Step {
            event,
            actor,
            cause,
            extras: &NO_EXTRAS,
        }
    }
}

/// Applies the step to `ticket` (as it now is: moved by any message stored with the step)
/// in the caller's transaction; returns the ticket as it then is. A step that changes
/// nothing writes nothing. The assignee hears of an answer from the customer or a partner
/// (quoting `extras.message`, what they said) and of a ticket newly assigned to them.
pub fn apply(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    step: Step<'_>,
    now: DateTime<Utc>,
) -> Result<(TicketRow, Transition), ServiceError> {
    let Step {
        event,
        actor,
        cause,
        extras,
    } = step;
    let t = transition(ticket.state(), event)?;
    let resolution = (event == Event::Resolve).then_some(extras.resolution.as_str());
    let updated = if t.state == ticket.state() && resolution.is_none() {
        debug_assert!(
            db::tickets::get(conn, ticket.id)?.is_some_and(|t| t.version == ticket.version),
            "lifecycle::apply was given {} older than it is",
            ctx.key(ticket.id)
        );
        ticket.clone()
    } else {
        db::tickets::save_state(conn, ticket.id, t.state, resolution, now)?
            .ok_or_else(|| ServiceError::NotFound(ctx.key(ticket.id).to_string()))?
    };
    if t.status_changed() {
        db::tickets::record_status(conn, ticket.id, Some(t.from), t.state.status, actor, now)?;
    }
    if t.status_changed() || t.state.assignee != ticket.assignee_id {
        set_sla_due(conn, &ctx.sla(), &updated, now)?;
    }
    for n in &t.notify {
        notify::queue(conn, ctx, &updated, *n, extras, cause, now)?;
    }
    if matches!(event, Event::CustomerReplied | Event::PartnerReplied) {
        agent_alerts::answered(conn, ctx, &updated, actor, &extras.message, now)?;
    }
    if t.state.assignee.is_some() && t.state.assignee != ticket.assignee_id {
        agent_alerts::assigned(conn, ctx, &updated, actor, now)?;
    }
    Ok((updated, t))
}

/// Recomputes when the ticket's running SLA clock runs out (the queue's sort key): the
/// assignment clock while unassigned, then the resolution clock; none while paused.
pub fn refresh_sla_due(
    conn: &Conn,
    ctx: &Ctx,
    sla: &Sla,
    id: TicketId,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let ticket = db::tickets::get(conn, id)?
        .ok_or_else(|| ServiceError::NotFound(ctx.key(id).to_string()))?;
    set_sla_due(conn, sla, &ticket, now)
}

/// The same for a ticket just read, as it now is.
fn set_sla_due(
    conn: &Conn,
    sla: &Sla,
    ticket: &TicketRow,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let id = ticket.id;
    let due = if ticket.status.clock() != Clock::Running {
        None
    } else {
        let history = db::tickets::entered(&db::tickets::history(conn, id)?);
        let reading = sla.reading(now);
        match ticket
            .assigned_at
            .as_deref()
            .map(db::parse_ts)
            .transpose()?
        {
            None => reading.assignment(&history, None, sla.assign_goal()).due_at,
            Some(_) => {
                reading
                    .resolution(&history, sla.resolve_goal(ticket.priority))
                    .due_at
            }
        }
    };
    db::queue::set_sla_due(conn, id, due)?;
    Ok(())
}
