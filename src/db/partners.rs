//! Third parties agents ask for information.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Conn, SqlResult};
use crate::params;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub email: String,
}

pub fn all(conn: &Conn) -> SqlResult<Vec<Partner>> {
    conn.query_map(
        "SELECT id, name, email FROM partners ORDER BY name, email",
        params![],
        |r| {
            Ok(Partner {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
            })
        },
    )
}

/// Adds the partner, or renames the one with this address.
pub fn upsert(conn: &Conn, name: &str, email: &str, now: DateTime<Utc>) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO partners (name, email, created_at) VALUES (?, ?, ?) ON CONFLICT (email) DO UPDATE SET name = excluded.name",
        params![name, email, now],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn, id: i64) -> SqlResult<bool> {
    Ok(conn.execute("DELETE FROM partners WHERE id = ?", params![id])? == 1)
}
