//! Canned replies: a name and a text with placeholders.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Conn, ts};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CannedReply {
    pub id: i64,
    pub name: String,
    /// The text, with `{{customer_name}}`, `{{ticket_key}}` and `{{agent_name}}`.
    pub body: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

const SELECT: &str = "SELECT id, name, body, updated_at FROM canned_replies";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CannedReply> {
    Ok(CannedReply {
        id: r.get(0)?,
        name: r.get(1)?,
        body: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

/// Every canned reply, by name.
pub fn all(conn: &Conn) -> rusqlite::Result<Vec<CannedReply>> {
    conn.prepare_cached(&format!("{SELECT} ORDER BY name"))?
        .query_map([], from_row)?
        .collect()
}

/// The canned reply with this id, or else with this name (any case).
pub fn find(conn: &Conn, id_or_name: &str) -> rusqlite::Result<Option<CannedReply>> {
    let by_id = id_or_name.trim().parse::<i64>().ok();
    conn.prepare_cached(&format!(
        "{SELECT} WHERE id = ?1 OR name = ?2 ORDER BY id = ?1 DESC LIMIT 1"
    ))?
    .query_row(params![by_id, id_or_name.trim()], from_row)
    .optional()
}

/// Adds one; `None` when another already has this name.
pub fn insert(
    conn: &Conn,
    name: &str,
    body: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<CannedReply>> {
    let n = conn
        .prepare_cached(
            "INSERT INTO canned_replies (name, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (name) DO NOTHING",
        )?
        .execute(params![name, body, ts(now)])?;
    if n == 0 {
        return Ok(None);
    }
    find(conn, &conn.last_insert_rowid().to_string())
}

/// What changing one came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Changed {
    Done,
    NotFound,
    /// Another canned reply has the name.
    NameTaken,
}

pub fn update(
    conn: &Conn,
    id: i64,
    name: &str,
    body: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Changed> {
    let taken: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM canned_replies WHERE name = ? AND id <> ?)")?
        .query_row(params![name, id], |r| r.get(0))?;
    if taken {
        return Ok(Changed::NameTaken);
    }
    let n = conn
        .prepare_cached(
            "UPDATE canned_replies SET name = ?, body = ?, updated_at = ? WHERE id = ?",
        )?
        .execute(params![name, body, ts(now), id])?;
    Ok(if n == 1 {
        Changed::Done
    } else {
        Changed::NotFound
    })
}

pub fn delete(conn: &Conn, id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM canned_replies WHERE id = ?")?
        .execute([id])?
        == 1)
}
