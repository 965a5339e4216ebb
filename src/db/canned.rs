//! Canned replies: a name and a text with placeholders.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{CiText, Conn, Row, SqlResult};
use crate::params;

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

fn from_row(r: &Row<'_>) -> SqlResult<CannedReply> {
    Ok(CannedReply {
        id: r.get(0)?,
        name: r.get(1)?,
        body: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

/// Every canned reply, by name.
pub fn all(conn: &Conn) -> SqlResult<Vec<CannedReply>> {
    conn.query_map(&format!("{SELECT} ORDER BY name"), params![], from_row)
}

/// The canned reply with this id, or else with this name (any case).
pub fn find(conn: &Conn, id_or_name: &str) -> SqlResult<Option<CannedReply>> {
    let by_id = id_or_name.trim().parse::<i64>().ok();
    conn.query_opt(
        &format!("{SELECT} WHERE id = ?1 OR name = ?2 ORDER BY id = ?1 DESC LIMIT 1"),
        params![by_id, CiText(id_or_name.trim())],
        from_row,
    )
}

/// Adds one; `None` when another already has this name.
pub fn insert(
    conn: &Conn,
    name: &str,
    body: &str,
    now: DateTime<Utc>,
) -> SqlResult<Option<CannedReply>> {
    let n = conn.execute(
        "INSERT INTO canned_replies (name, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (name) DO NOTHING",
        params![name, body, now],
    )?;
    if n == 0 {
        return Ok(None);
    }
    // Read back by its name, which is unique (`find` would take a name like "42" for an id).
    conn.query_opt(
        &format!("{SELECT} WHERE name = ?"),
        params![CiText(name)],
        from_row,
    )
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
) -> SqlResult<Changed> {
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM canned_replies WHERE name = ? AND id <> ?)",
        params![CiText(name), id],
        |r| r.get(0),
    )?;
    if taken {
        return Ok(Changed::NameTaken);
    }
    let n = conn.execute(
        "UPDATE canned_replies SET name = ?, body = ?, updated_at = ? WHERE id = ?",
        params![name, body, now, id],
    )?;
    Ok(if n == 1 {
        Changed::Done
    } else {
        Changed::NotFound
    })
}

pub fn delete(conn: &Conn, id: i64) -> SqlResult<bool> {
    Ok(conn.execute("DELETE FROM canned_replies WHERE id = ?", params![id])? == 1)
}
