//! Executes a life-cycle event on a stored ticket: the domain decides, this writes the
//! new state, the history and the mail.

use chrono::{DateTime, Utc};

use super::notify::{self, Extras};
use super::{Ctx, ServiceError};
use crate::db::{self, Conn, tickets::TicketRow};
use crate::domain::notification::Cause;
use crate::domain::ticket::{Event, Transition, transition};

/// Applies `event` to `ticket` in the caller's transaction; returns the ticket as it now is.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    event: Event,
    actor: &str,
    extras: &Extras,
    cause: Cause,
    now: DateTime<Utc>,
) -> Result<(TicketRow, Transition), ServiceError> {
    let t = transition(ticket.state(), event)?;
    let resolution = (event == Event::Resolve).then_some(extras.resolution.as_str());
    db::tickets::save_state(conn, ticket.id, t.state, resolution, now)?;
    if t.status_changed() {
        db::tickets::record_status(conn, ticket.id, Some(t.from), t.state.status, actor, now)?;
    }
    let updated = db::tickets::get(conn, ticket.id)?
        .ok_or_else(|| ServiceError::NotFound(ctx.key(ticket.id).to_string()))?;
    for n in &t.notify {
        notify::queue(conn, ctx, &updated, *n, extras, cause, now)?;
    }
    Ok((updated, t))
}
