//! Agents and their API tokens.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Conn, ts};

#[derive(Debug, Clone)]
pub struct Agent {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Agent {
    Agent { id: r.get("id"), email: r.get("email"), name: r.get("name"), role: r.get("role") }
}

/// Creates the agent, or updates name and password of an existing one.
pub async fn upsert(
    conn: &mut Conn,
    email: &str,
    name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Agent> {
    let row = sqlx::query(
        "INSERT INTO agents (email, name, password_hash, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash
         RETURNING id, email, name, role",
    )
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(ts(now))
    .fetch_one(conn)
    .await?;
    Ok(from_row(&row))
}

pub async fn find_by_email(conn: &mut Conn, email: &str) -> sqlx::Result<Option<Agent>> {
    let row = sqlx::query("SELECT id, email, name, role FROM agents WHERE email = ?")
        .bind(email)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn get(conn: &mut Conn, id: i64) -> sqlx::Result<Agent> {
    let row = sqlx::query("SELECT id, email, name, role FROM agents WHERE id = ?")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(from_row(&row))
}

pub async fn insert_token(conn: &mut Conn, agent_id: i64, token_hash: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO api_tokens (agent_id, token_hash, created_at) VALUES (?, ?, ?)")
        .bind(agent_id)
        .bind(token_hash)
        .bind(ts(now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_by_token(conn: &mut Conn, token_hash: &str) -> sqlx::Result<Option<Agent>> {
    let row = sqlx::query(
        "SELECT a.id, a.email, a.name, a.role FROM api_tokens t JOIN agents a ON a.id = t.agent_id
         WHERE t.token_hash = ?",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(from_row))
}
