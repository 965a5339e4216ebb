//! A ticket as agents see it (the API and the console share it), the ticket list, and the
//! files of a ticket.

use crate::db::{self, tickets::HistoryEntry};
use crate::domain::ids::TicketId;
use crate::domain::search_text;
use crate::domain::sla::ClockView;
use crate::service::{Ctx, ServiceError, search_index};

use super::{Download, MessageView};
pub use crate::db::sla::SlaEvent;
pub use crate::db::tickets::{Filter, Participant, TicketRow};

/// Everything an agent sees of one ticket: every message (internal notes and the talk
/// with partners included), who takes part, the status history, and both SLA clocks with
/// their events.
#[derive(Debug, Clone)]
pub struct TicketDetail {
    pub ticket: TicketRow,
    pub messages: Vec<MessageView>,
    pub participants: Vec<Participant>,
    pub history: Vec<HistoryEntry>,
    pub assignment: ClockView,
    pub resolution: ClockView,
    pub sla_events: Vec<SlaEvent>,
}

/// The ticket `id` for an agent, or `None` when there is none.
pub async fn detail(ctx: &Ctx, id: TicketId) -> Result<Option<TicketDetail>, ServiceError> {
    let found = ctx
        .db
        .read(move |c| {
            let Some(t) = db::tickets::get(c, id)? else {
                return Ok::<_, ServiceError>(None);
            };
            Ok(Some((
                t,
                db::messages::for_ticket(c, id)?,
                db::tickets::participants(c, id)?,
                db::tickets::history(c, id)?,
                db::sla::events(c, id)?,
            )))
        })
        .await?;
    let Some((ticket, messages, participants, history, sla_events)) = found else {
        return Ok(None);
    };
    let entered = db::tickets::entered(&history);
    let assigned_at = ticket
        .assigned_at
        .as_deref()
        .and_then(|a| db::parse_ts(a).ok());
    let [assignment, resolution] =
        ctx.sla()
            .clocks(ctx.now(), &entered, assigned_at, ticket.priority);
    Ok(Some(TicketDetail {
        ticket,
        messages,
        participants,
        history,
        assignment,
        resolution,
        sla_events,
    }))
}

/// Tickets by the filter, newest first.
pub async fn list(ctx: &Ctx, filter: Filter) -> Result<Vec<TicketRow>, ServiceError> {
    Ok(ctx.db.read(move |c| db::tickets::list(c, &filter)).await?)
}

/// The tickets whose subject or messages (notes too) hold the words of `text`, best match
/// first, that also pass `filter` (its `before_id` paging aside); at most `filter.limit`.
pub async fn search(ctx: &Ctx, text: &str, filter: Filter) -> Result<Vec<TicketRow>, ServiceError> {
    if search_text::words(text).is_empty() {
        return Ok(Vec::new());
    }
    search_index::catch_up(ctx).await?;
    let text = text.to_owned();
    ctx.db
        .read(move |c| {
            let Some(words) = db::search::query(c, &text)? else {
                return Ok(Vec::new());
            };
            // Ranked first, filtered after: ask for more than the page, so that filters
            // still leave a page's worth.
            let ids = db::search::ranked(c, &words, filter.limit.saturating_mul(4).max(200))?;
            // A page's worth of tickets read at a time, and more only if filters left some.
            let page = usize::try_from(filter.limit).unwrap_or(1).max(1);
            let mut rows = Vec::new();
            for some in ids.chunks(page) {
                for t in db::tickets::get_all(c, some)? {
                    let keep = filter.status.is_none_or(|s| s == t.status)
                        && filter
                            .requester
                            .as_ref()
                            .is_none_or(|r| r.eq_ignore_ascii_case(&t.requester_email))
                        && filter.queue.as_ref().is_none_or(|q| *q == t.queue);
                    if keep && rows.len() < page {
                        rows.push(t);
                    }
                }
                if rows.len() == page {
                    break;
                }
            }
            Ok::<_, ServiceError>(rows)
        })
        .await
}

/// A file of any message of the ticket (agents see internal notes' files too).
pub async fn download(
    ctx: &Ctx,
    id: TicketId,
    attachment: i64,
) -> Result<Option<Download>, ServiceError> {
    Ok(ctx
        .db
        .read(move |c| db::messages::download(c, id, attachment, false))
        .await?)
}
