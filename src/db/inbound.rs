//! Inbound mail as received (raw bytes, de-duplication key, outcome) and the quarantine.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Conn, ts};

/// Stores the raw message unless one with the same key is already stored; `None` means
/// it is a re-delivery.
pub async fn insert_raw(
    conn: &mut Conn,
    dedup_key: &str,
    raw: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO raw_emails (dedup_key, raw, received_at, outcome) VALUES (?, ?, ?, 'received')
         ON CONFLICT(dedup_key) DO NOTHING RETURNING id",
    )
    .bind(dedup_key)
    .bind(raw)
    .bind(ts(now))
    .fetch_optional(conn)
    .await
}

pub async fn set_outcome(conn: &mut Conn, raw_id: i64, outcome: &str, ticket_id: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE raw_emails SET outcome = ?, ticket_id = ? WHERE id = ?")
        .bind(outcome)
        .bind(ticket_id)
        .bind(raw_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn quarantine(conn: &mut Conn, raw_id: i64, reason: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    set_outcome(conn, raw_id, "quarantined", None).await?;
    sqlx::query(
        "INSERT INTO quarantine (raw_email_id, reason, created_at) VALUES (?, ?, ?)
         ON CONFLICT(raw_email_id) DO UPDATE SET reason = excluded.reason, released_at = NULL",
    )
    .bind(raw_id)
    .bind(reason)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn release(conn: &mut Conn, raw_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE quarantine SET released_at = ? WHERE raw_email_id = ?")
        .bind(ts(now))
        .bind(raw_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Quarantined {
    pub id: i64,
    pub raw_email_id: i64,
    pub reason: String,
    pub created_at: String,
    pub size: i64,
    /// The first bytes of the message, as text, to see what it was.
    pub preview: String,
}

/// Quarantined messages not yet released by a replay, oldest first.
pub async fn list_quarantine(conn: &mut Conn) -> sqlx::Result<Vec<Quarantined>> {
    let rows = sqlx::query(
        "SELECT q.id, q.raw_email_id, q.reason, q.created_at, length(r.raw) AS size,
                substr(r.raw, 1, 300) AS head
         FROM quarantine q JOIN raw_emails r ON r.id = q.raw_email_id
         WHERE q.released_at IS NULL ORDER BY q.id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let head: Vec<u8> = r.get("head");
            Quarantined {
                id: r.get("id"),
                raw_email_id: r.get("raw_email_id"),
                reason: r.get("reason"),
                created_at: r.get("created_at"),
                size: r.get("size"),
                preview: String::from_utf8_lossy(&head).into_owned(),
            }
        })
        .collect())
}

pub async fn raw(conn: &mut Conn, raw_id: i64) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT raw FROM raw_emails WHERE id = ?").bind(raw_id).fetch_optional(conn).await
}
