//! What the SLA sweeper reads (open tickets with their history) and writes (warnings and
//! breaches, once each).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::queue::TicketIds;
use super::{Conn, OPEN_STATUSES as OPEN, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::sla::{Entered, Goal};
use crate::domain::ticket::Priority;
use crate::params;

/// An open ticket as its clocks need it.
#[derive(Debug, Clone)]
pub struct ClockInput {
    pub id: TicketId,
    pub priority: Priority,
    pub assigned_at: Option<DateTime<Utc>>,
    pub assignee_email: Option<String>,
    pub history: Vec<Entered>,
    /// Warnings and breaches already recorded: `(goal, kind)`.
    pub recorded: Vec<(String, String)>,
}

/// Every ticket that is not resolved or closed, with its status history in order.
pub fn open_clock_inputs(conn: &Conn) -> anyhow::Result<Vec<ClockInput>> {
    let mut tickets: Vec<ClockInput> = conn.query_map(
        &format!(
            "SELECT t.id, t.priority, t.assigned_at, a.email FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id
             WHERE t.status IN {OPEN} ORDER BY t.id"
        ),
        params![],
        |r| {
            let priority: String = r.get(1)?;
            Ok(ClockInput {
                id: r.get(0)?,
                priority: Priority::parse(&priority).unwrap_or(Priority::Normal),
                assigned_at: r.get(2)?,
                assignee_email: r.get(3)?,
                history: Vec::new(),
                recorded: Vec::new(),
            })
        },
    )?;
    // Their histories and recorded events, a slice of tickets at a time, each read off its
    // index by the ticket's id: a join over the open tickets would let the planner hash
    // every history row instead (PostgreSQL did at its default random_page_cost), and a
    // list of bounded length keeps every statement's plan small.
    for chunk in tickets.chunks_mut(CHUNK) {
        let ids: Vec<TicketId> = chunk.iter().map(|t| t.id).collect();
        let mut histories = super::queue::histories(conn, &ids)?;
        let mut recorded = recorded(conn, &ids)?;
        for t in chunk {
            t.history = histories.remove(&t.id).unwrap_or_default();
            t.recorded = recorded.remove(&t.id).unwrap_or_default();
        }
    }
    Ok(tickets)
}

/// How many open tickets one statement of the sweep reads the histories or events of.
const CHUNK: usize = 1000;

/// The warnings and breaches recorded for some tickets: `(goal, kind)` by ticket.
fn recorded(conn: &Conn, ids: &[TicketId]) -> SqlResult<HashMap<TicketId, Vec<(String, String)>>> {
    let mut out: HashMap<TicketId, Vec<(String, String)>> = HashMap::new();
    conn.query_map(
        &format!(
            "SELECT ticket_id, goal, kind FROM sla_events WHERE {}",
            TicketIds::test(conn, "ticket_id")
        ),
        params![TicketIds(ids)],
        |r| {
            out.entry(r.get(0)?)
                .or_default()
                .push((r.get(1)?, r.get(2)?));
            Ok(())
        },
    )?;
    Ok(out)
}

/// Records a warning or breach; false when it was already recorded.
pub fn record_event(
    conn: &Conn,
    ticket_id: TicketId,
    goal: Goal,
    kind: &str,
    notified: Option<&str>,
    now: DateTime<Utc>,
) -> SqlResult<bool> {
    let n = conn.execute(
        "INSERT INTO sla_events (ticket_id, goal, kind, at, notified) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (ticket_id, goal, kind) DO NOTHING",
        params![ticket_id, goal.as_str(), kind, now, notified],
    )?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlaEvent {
    pub goal: String,
    pub kind: String,
    pub at: String,
    pub notified: Option<String>,
}

pub fn events(conn: &Conn, ticket_id: TicketId) -> SqlResult<Vec<SlaEvent>> {
    conn.query_map(
        "SELECT goal, kind, at, notified FROM sla_events WHERE ticket_id = ? ORDER BY id",
        params![ticket_id],
        |r| {
            Ok(SlaEvent {
                goal: r.get(0)?,
                kind: r.get(1)?,
                at: r.get(2)?,
                notified: r.get(3)?,
            })
        },
    )
}

/// Resolved tickets whose resolution is older than `before`: due for auto-close.
pub fn resolved_before(conn: &Conn, before: DateTime<Utc>) -> SqlResult<Vec<TicketId>> {
    conn.query_map(
        "SELECT id FROM tickets WHERE status = 'resolved' AND resolved_at <= ? ORDER BY id",
        params![before],
        |r| r.get(0),
    )
}

/// Open tickets with a recorded breach (a gauge for /metrics).
pub fn open_breached(conn: &Conn) -> SqlResult<i64> {
    conn.query_opt(
        &format!(
            "SELECT count(DISTINCT e.ticket_id) FROM sla_events e JOIN tickets t ON t.id = e.ticket_id
             WHERE e.kind = 'breach' AND t.status IN {OPEN}"
        ),
        params![],
        |r| r.get(0),
    )
    .map(Option::unwrap_or_default)
}

/// Tickets whose clock runs but whose due time is not stored.
pub fn running_without_due(conn: &Conn) -> SqlResult<Vec<TicketId>> {
    conn.query_map(
        "SELECT id FROM tickets WHERE status IN ('waiting_for_support', 'in_progress') AND sla_due_at IS NULL",
        params![],
        |r| r.get(0),
    )
}

/// Every open ticket's id.
pub fn open_ids(conn: &Conn) -> SqlResult<Vec<TicketId>> {
    conn.query_map(
        &format!("SELECT t.id FROM tickets t WHERE t.status IN {OPEN}"),
        params![],
        |r| r.get(0),
    )
}
