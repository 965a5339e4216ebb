//! The outbox: every outbound mail, composed, waiting for (or done with) delivery.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Conn, ts};
use crate::domain::inbound::Role;

pub struct NewMail<'a> {
    pub ticket_id: Option<i64>,
    pub template: &'a str,
    pub recipient: &'a str,
    pub recipient_role: Option<Role>,
    pub automatic: bool,
    pub message_id: &'a str,
    pub envelope_from: &'a str,
    pub raw: &'a [u8],
}

pub async fn insert(conn: &mut Conn, m: &NewMail<'_>, now: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO outbox (ticket_id, template, recipient, recipient_role, automatic, message_id,
             envelope_from, raw, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(m.ticket_id)
    .bind(m.template)
    .bind(m.recipient)
    .bind(m.recipient_role.map(Role::as_str))
    .bind(m.automatic)
    .bind(m.message_id)
    .bind(m.envelope_from)
    .bind(m.raw)
    .bind(ts(now))
    .bind(ts(now))
    .fetch_one(conn)
    .await
}

/// How many automatic mails went (or are going) to this address since `since`.
pub async fn automatic_since(conn: &mut Conn, recipient: &str, since: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE recipient = ? AND automatic = 1 AND created_at >= ?")
        .bind(recipient)
        .bind(ts(since))
        .fetch_one(conn)
        .await
}

/// The newest of our mails among these Message-IDs: its ticket and whom it was sent to.
pub async fn find_ours(conn: &mut Conn, message_ids: &[String]) -> sqlx::Result<Option<(i64, Option<Role>)>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_string(message_ids).unwrap_or_else(|_| "[]".into());
    let row = sqlx::query(
        "SELECT ticket_id, recipient_role FROM outbox
         WHERE message_id IN (SELECT value FROM json_each(?)) AND ticket_id IS NOT NULL
         ORDER BY id DESC LIMIT 1",
    )
    .bind(json)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        let role: Option<String> = r.get("recipient_role");
        (r.get("ticket_id"), role.as_deref().and_then(Role::parse))
    }))
}

#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub recipient: String,
    pub envelope_from: String,
    pub raw: Vec<u8>,
    pub attempts: i64,
}

pub async fn due(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<Due>> {
    let rows = sqlx::query(
        "SELECT id, recipient, envelope_from, raw, attempts FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
    )
    .bind(ts(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Due {
            id: r.get("id"),
            recipient: r.get("recipient"),
            envelope_from: r.get("envelope_from"),
            raw: r.get("raw"),
            attempts: r.get("attempts"),
        })
        .collect())
}

/// When the next pending mail is due, if any.
pub async fn next_due(conn: &mut Conn) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'").fetch_one(conn).await
}

pub async fn mark_sent(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
        .bind(ts(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when `None`.
pub async fn mark_attempt_failed(
    conn: &mut Conn,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?,
            state = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce(?, next_attempt_at)
         WHERE id = ?",
    )
    .bind(error)
    .bind(retry_at.map(ts))
    .bind(retry_at.map(ts))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts per state, for `/metrics` after a restart.
pub async fn counts(conn: &mut Conn) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT state, count(*) FROM outbox GROUP BY state").fetch_all(conn).await
}
