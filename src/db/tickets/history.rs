//! A ticket's status history: each status it entered, when and by whom.

use chrono::{DateTime, Utc};

use crate::db::{Conn, SqlResult, parse_ts};
use crate::domain::ids::TicketId;
use crate::domain::sla::Entered;
use crate::domain::ticket::Status;
use crate::params;

pub fn record_status(
    conn: &Conn,
    ticket_id: TicketId,
    from: Option<Status>,
    to: Status,
    actor: &str,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO status_history (ticket_id, from_status, to_status, actor, at) VALUES (?, ?, ?, ?, ?)",
        params![ticket_id, from.map(Status::as_str), to.as_str(), actor, now],
    )?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub from: Option<String>,
    pub to: String,
    pub actor: String,
    pub at: String,
}

pub fn history(conn: &Conn, ticket_id: TicketId) -> SqlResult<Vec<HistoryEntry>> {
    conn.query_map(
        "SELECT from_status, to_status, actor, at FROM status_history WHERE ticket_id = ? ORDER BY id",
        params![ticket_id],
        |r| {
            Ok(HistoryEntry {
                from: r.get(0)?,
                to: r.get(1)?,
                actor: r.get(2)?,
                at: r.get(3)?,
            })
        },
    )
}

/// The history as SLA clock input.
pub fn entered(history: &[HistoryEntry]) -> Vec<Entered> {
    history
        .iter()
        .filter_map(|h| {
            Some(Entered {
                at: parse_ts(&h.at).ok()?,
                status: Status::parse(&h.to)?,
            })
        })
        .collect()
}
