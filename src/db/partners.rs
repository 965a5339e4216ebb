//! Third parties agents ask for information.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Conn, ts};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub email: String,
}

pub fn all(conn: &Conn) -> rusqlite::Result<Vec<Partner>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name, email FROM partners ORDER BY name, email")?;
    let rows = stmt.query_map([], |r| {
        Ok(Partner {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// Adds the partner, or renames the one with this address.
pub fn upsert(conn: &Conn, name: &str, email: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO partners (name, email, created_at) VALUES (?, ?, ?) ON CONFLICT (email) DO UPDATE SET name = excluded.name",
    )?
    .execute(params![name, email, ts(now)])?;
    Ok(())
}

pub fn delete(conn: &Conn, id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM partners WHERE id = ?")?
        .execute([id])?
        == 1)
}
