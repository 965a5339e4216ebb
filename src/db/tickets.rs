//! Tickets, their participants and their status history.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Conn, parse_ts, ts};
use crate::domain::inbound::Role;
use crate::domain::sla::Entered;
use crate::domain::ticket::{Channel, Priority, Status, TicketState};

#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: i64,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub channel: Channel,
    pub requester_id: i64,
    pub requester_email: String,
    pub requester_name: String,
    pub assignee_id: Option<i64>,
    pub assignee_email: Option<String>,
    pub linked_from_id: Option<i64>,
    pub status_mail: bool,
    pub resolution: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub assigned_at: Option<String>,
}

impl TicketRow {
    pub fn state(&self) -> TicketState {
        TicketState { status: self.status, assignee: self.assignee_id }
    }
}

const SELECT: &str = "SELECT t.id, t.subject, t.status, t.priority, t.channel, t.requester_id,
        c.email AS requester_email, c.name AS requester_name, t.assignee_id, a.email AS assignee_email,
        t.linked_from_id, t.status_mail, t.resolution, t.created_at, t.updated_at, t.assigned_at
    FROM tickets t JOIN customers c ON c.id = t.requester_id LEFT JOIN agents a ON a.id = t.assignee_id";

fn from_row(r: &sqlx::sqlite::SqliteRow) -> sqlx::Result<TicketRow> {
    let bad = |col: &str| sqlx::Error::ColumnDecode { index: col.into(), source: "unknown value".into() };
    Ok(TicketRow {
        id: r.get("id"),
        subject: r.get("subject"),
        status: Status::parse(r.get("status")).ok_or_else(|| bad("status"))?,
        priority: Priority::parse(r.get("priority")).ok_or_else(|| bad("priority"))?,
        channel: Channel::parse(r.get("channel")).ok_or_else(|| bad("channel"))?,
        requester_id: r.get("requester_id"),
        requester_email: r.get("requester_email"),
        requester_name: r.get("requester_name"),
        assignee_id: r.get("assignee_id"),
        assignee_email: r.get("assignee_email"),
        linked_from_id: r.get("linked_from_id"),
        status_mail: r.get("status_mail"),
        resolution: r.get("resolution"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
        assigned_at: r.get("assigned_at"),
    })
}

pub struct NewTicketRow<'a> {
    pub subject: &'a str,
    pub priority: Priority,
    pub channel: Channel,
    pub requester_id: i64,
    pub linked_from_id: Option<i64>,
}

pub async fn insert(conn: &mut Conn, t: &NewTicketRow<'_>, now: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO tickets (subject, status, priority, channel, requester_id, linked_from_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(t.subject)
    .bind(Status::WaitingForSupport.as_str())
    .bind(t.priority.as_str())
    .bind(t.channel.as_str())
    .bind(t.requester_id)
    .bind(t.linked_from_id)
    .bind(ts(now))
    .bind(ts(now))
    .fetch_one(conn)
    .await
}

pub async fn get(conn: &mut Conn, id: i64) -> sqlx::Result<Option<TicketRow>> {
    let row = sqlx::query(&format!("{SELECT} WHERE t.id = ?")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Filters of the ticket list; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<Status>,
    pub requester: Option<String>,
    pub limit: i64,
    pub before_id: Option<i64>,
}

/// Newest first.
pub async fn list(conn: &mut Conn, f: &Filter) -> sqlx::Result<Vec<TicketRow>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE (?1 IS NULL OR t.status = ?1) AND (?2 IS NULL OR c.email = ?2)
         AND (?3 IS NULL OR t.id < ?3) ORDER BY t.id DESC LIMIT ?4"
    ))
    .bind(f.status.map(Status::as_str))
    .bind(f.requester.as_deref())
    .bind(f.before_id)
    .bind(f.limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Writes the life-cycle fields after a transition, stamping the times it reached.
pub async fn save_state(
    conn: &mut Conn,
    id: i64,
    state: TicketState,
    resolution: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let now = ts(now);
    sqlx::query(
        "UPDATE tickets SET status = ?1, assignee_id = ?2, updated_at = ?3,
            assigned_at = CASE WHEN ?2 IS NOT NULL THEN coalesce(assigned_at, ?3) ELSE assigned_at END,
            resolved_at = CASE WHEN ?1 = 'resolved' THEN ?3 ELSE resolved_at END,
            closed_at = CASE WHEN ?1 = 'closed' THEN ?3 ELSE closed_at END,
            resolution = coalesce(?4, resolution)
         WHERE id = ?5",
    )
    .bind(state.status.as_str())
    .bind(state.assignee)
    .bind(now)
    .bind(resolution)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_status_mail(conn: &mut Conn, id: i64, on: bool) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE tickets SET status_mail = ? WHERE id = ?").bind(on).bind(id).execute(conn).await?;
    Ok(r.rows_affected() == 1)
}

pub async fn add_participant(conn: &mut Conn, ticket_id: i64, address: &str, role: Role) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO participants (ticket_id, address, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(ticket_id)
        .bind(address)
        .bind(role.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn role_of(conn: &mut Conn, ticket_id: i64, address: &str) -> sqlx::Result<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM participants WHERE ticket_id = ? AND address = ?")
        .bind(ticket_id)
        .bind(address)
        .fetch_optional(conn)
        .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

pub async fn participants(conn: &mut Conn, ticket_id: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT address, role FROM participants WHERE ticket_id = ? ORDER BY rowid")
        .bind(ticket_id)
        .fetch_all(conn)
        .await
}

pub async fn record_status(
    conn: &mut Conn,
    ticket_id: i64,
    from: Option<Status>,
    to: Status,
    actor: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO status_history (ticket_id, from_status, to_status, actor, at) VALUES (?, ?, ?, ?, ?)")
        .bind(ticket_id)
        .bind(from.map(Status::as_str))
        .bind(to.as_str())
        .bind(actor)
        .bind(ts(now))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryEntry {
    pub from: Option<String>,
    pub to: String,
    pub actor: String,
    pub at: String,
}

pub async fn history(conn: &mut Conn, ticket_id: i64) -> sqlx::Result<Vec<HistoryEntry>> {
    let rows = sqlx::query("SELECT from_status, to_status, actor, at FROM status_history WHERE ticket_id = ? ORDER BY id")
        .bind(ticket_id)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| HistoryEntry { from: r.get("from_status"), to: r.get("to_status"), actor: r.get("actor"), at: r.get("at") })
        .collect())
}

/// The history as SLA clock input.
pub fn entered(history: &[HistoryEntry]) -> Vec<Entered> {
    history
        .iter()
        .filter_map(|h| Some(Entered { at: parse_ts(&h.at).ok()?, status: Status::parse(&h.to)? }))
        .collect()
}
