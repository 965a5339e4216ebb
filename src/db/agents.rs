//! Agents and their API tokens.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Conn, ts};

#[derive(Debug, Clone)]
pub struct Agent {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent { id: r.get("id")?, email: r.get("email")?, name: r.get("name")?, role: r.get("role")? })
}

/// Creates the agent, or updates name and password of an existing one.
/// `role` is `agent` or `admin`.
pub fn upsert(conn: &Conn, email: &str, name: &str, password_hash: &str, role: &str, now: DateTime<Utc>) -> rusqlite::Result<Agent> {
    conn.prepare_cached(
        "INSERT INTO agents (email, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, role = excluded.role
         RETURNING id, email, name, role",
    )?
    .query_row(params![email, name, password_hash, role, ts(now)], from_row)
}

pub fn find_by_email(conn: &Conn, email: &str) -> rusqlite::Result<Option<Agent>> {
    conn.prepare_cached("SELECT id, email, name, role FROM agents WHERE email = ?")?
        .query_row([email], from_row)
        .optional()
}

pub fn insert_token(conn: &Conn, agent_id: i64, token_hash: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO api_tokens (agent_id, token_hash, created_at) VALUES (?, ?, ?)")?
        .execute(params![agent_id, token_hash, ts(now)])?;
    Ok(())
}

pub fn find_by_token(conn: &Conn, token_hash: &str) -> rusqlite::Result<Option<Agent>> {
    conn.prepare_cached(
        "SELECT a.id, a.email, a.name, a.role FROM api_tokens t JOIN agents a ON a.id = t.agent_id
         WHERE t.token_hash = ?",
    )?
    .query_row([token_hash], from_row)
    .optional()
}

pub fn get(conn: &Conn, id: i64) -> rusqlite::Result<Agent> {
    conn.prepare_cached("SELECT id, email, name, role FROM agents WHERE id = ?")?.query_row([id], from_row)
}

/// The agent with this address and their password hash.
pub fn credentials(conn: &Conn, email: &str) -> rusqlite::Result<Option<(Agent, String)>> {
    conn.prepare_cached("SELECT id, email, name, role, password_hash FROM agents WHERE email = ?")?
        .query_row([email], |r| Ok((from_row(r)?, r.get("password_hash")?)))
        .optional()
}

/// Every agent, by name.
pub fn all(conn: &Conn) -> rusqlite::Result<Vec<Agent>> {
    let mut stmt = conn.prepare_cached("SELECT id, email, name, role FROM agents ORDER BY name, email")?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}
