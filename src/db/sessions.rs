//! Signed-in browsers: the cookie carries a random token, the table its SHA-256.

use chrono::{DateTime, Utc};

use super::{Conn, SqlResult};
use crate::domain::ids::{AgentId, CustomerId};
use crate::params;

pub fn insert_for_customer(
    conn: &Conn,
    customer_id: CustomerId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, customer_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        params![token_hash, customer_id, now, expires_at],
    )?;
    Ok(())
}

pub fn insert_for_agent(
    conn: &Conn,
    agent_id: AgentId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        params![token_hash, agent_id, now, expires_at],
    )?;
    Ok(())
}

/// The agent a live session belongs to, while the agent is enabled.
pub fn agent_of(conn: &Conn, token_hash: &str, now: DateTime<Utc>) -> SqlResult<Option<AgentId>> {
    conn.query_opt(
        "SELECT s.agent_id FROM sessions s JOIN agents a ON a.id = s.agent_id
         WHERE s.token_hash = ? AND s.expires_at > ? AND a.disabled_at IS NULL",
        params![token_hash, now],
        |r| r.get(0),
    )
}

/// The customer a live session belongs to.
pub fn customer_of(
    conn: &Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> SqlResult<Option<CustomerId>> {
    conn.query_opt(
        "SELECT customer_id FROM sessions WHERE token_hash = ? AND expires_at > ? AND customer_id IS NOT NULL",
        params![token_hash, now],
        |r| r.get(0),
    )
}

pub fn delete(conn: &Conn, token_hash: &str) -> SqlResult<()> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?",
        params![token_hash],
    )?;
    Ok(())
}

/// Signs a customer out everywhere (after a password change), keeping one session.
pub fn delete_other_customer_sessions(
    conn: &Conn,
    customer_id: CustomerId,
    keep_hash: &str,
) -> SqlResult<()> {
    conn.execute(
        "DELETE FROM sessions WHERE customer_id = ? AND token_hash <> ?",
        params![customer_id, keep_hash],
    )?;
    Ok(())
}

pub fn delete_expired(conn: &Conn, now: DateTime<Utc>) -> SqlResult<usize> {
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?", params![now])
}
