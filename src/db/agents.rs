//! Agents and their API tokens. A disabled agent stays in the table (their replies keep
//! their name) but is found by no sign-in, token or address lookup.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{CiText, Conn, Row, SqlResult};
use crate::domain::agent_role::AgentRole;
use crate::domain::ids::AgentId;
use crate::params;

#[derive(Debug, Clone)]
pub struct Agent {
    pub id: AgentId,
    pub email: String,
    pub name: String,
    pub role: AgentRole,
}

/// The role column's text as a role.
fn role_of(text: String) -> SqlResult<AgentRole> {
    super::known(AgentRole::parse(&text), 3, text)
}

fn from_row(r: &Row<'_>) -> SqlResult<Agent> {
    Ok(Agent {
        id: r.get("id")?,
        email: r.get("email")?,
        name: r.get("name")?,
        role: role_of(r.get("role")?)?,
    })
}

/// Creates the agent, or updates name, password and role of an existing one (which
/// enables a disabled one again). `role` is `agent` or `admin`.
pub fn upsert(
    conn: &Conn,
    email: &str,
    name: &str,
    password_hash: &str,
    role: AgentRole,
    now: DateTime<Utc>,
) -> SqlResult<Agent> {
    conn.query_row(
        "INSERT INTO agents (email, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(email) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, role = excluded.role,
             disabled_at = NULL
         RETURNING id, email, name, role",
        params![email, name, password_hash, role.as_str(), now],
        from_row,
    )
}

/// The enabled agent with this address.
pub fn find_by_email(conn: &Conn, email: &str) -> SqlResult<Option<Agent>> {
    conn.query_opt(
        "SELECT id, email, name, role FROM agents WHERE email = ? AND disabled_at IS NULL",
        params![CiText(email)],
        from_row,
    )
}

/// The name of the agent with this address, disabled or not (for their past replies).
pub fn name_of(conn: &Conn, email: &str) -> SqlResult<Option<String>> {
    conn.query_opt(
        "SELECT name FROM agents WHERE email = ?",
        params![CiText(email)],
        |r| r.get(0),
    )
}

pub fn insert_token(
    conn: &Conn,
    agent_id: AgentId,
    token_hash: &str,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    insert_token_until(conn, agent_id, token_hash, None, now)
}

/// A token that stops working at `expires_at` (never, when `None`).
pub fn insert_token_until(
    conn: &Conn,
    agent_id: AgentId,
    token_hash: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO api_tokens (agent_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
        params![agent_id, token_hash, now, expires_at],
    )?;
    Ok(())
}

/// The enabled agent behind a token that has not expired, with the token's row.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub agent: Agent,
    pub token_id: i64,
    pub last_used_at: Option<String>,
}

pub fn find_by_token(
    conn: &Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> SqlResult<Option<TokenHolder>> {
    conn.query_opt(
        "SELECT a.id, a.email, a.name, a.role, t.id AS token_id, t.last_used_at FROM api_tokens t JOIN agents a ON a.id = t.agent_id
         WHERE t.token_hash = ? AND a.disabled_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)",
        params![token_hash, now],
        |r| {
            Ok(TokenHolder {
                agent: from_row(r)?,
                token_id: r.get("token_id")?,
                last_used_at: r.get("last_used_at")?,
            })
        },
    )
}

/// Notes that a token was used now.
pub fn touch_token(conn: &Conn, token_id: i64, now: DateTime<Utc>) -> SqlResult<()> {
    conn.execute(
        "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
        params![now, token_id],
    )?;
    Ok(())
}

/// An API token as it is listed: never the token itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

/// The agent's tokens, oldest first.
pub fn tokens(conn: &Conn, agent_id: AgentId) -> SqlResult<Vec<TokenInfo>> {
    conn.query_map(
        "SELECT id, created_at, expires_at, last_used_at FROM api_tokens WHERE agent_id = ? ORDER BY id",
        params![agent_id],
        |r| {
            Ok(TokenInfo {
                id: r.get(0)?,
                created_at: r.get(1)?,
                expires_at: r.get(2)?,
                last_used_at: r.get(3)?,
            })
        },
    )
}

pub fn get(conn: &Conn, id: AgentId) -> SqlResult<Agent> {
    conn.query_row(
        "SELECT id, email, name, role FROM agents WHERE id = ?",
        params![id],
        from_row,
    )
}

/// The enabled agent with this address and their password hash.
pub fn credentials(conn: &Conn, email: &str) -> SqlResult<Option<(Agent, String)>> {
    conn.query_opt(
        "SELECT id, email, name, role, password_hash FROM agents WHERE email = ? AND disabled_at IS NULL",
        params![CiText(email)],
        |r| Ok((from_row(r)?, r.get("password_hash")?)),
    )
}

/// Every enabled agent, by name.
pub fn all(conn: &Conn) -> SqlResult<Vec<Agent>> {
    conn.query_map(
        "SELECT id, email, name, role FROM agents WHERE disabled_at IS NULL ORDER BY name, email",
        params![],
        from_row,
    )
}

/// An agent as admins see them listed: disabled ones too, with their tokens.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Listed {
    pub email: String,
    pub name: String,
    pub role: AgentRole,
    /// When an admin disabled the agent; null while enabled.
    #[schema(format = DateTime)]
    pub disabled_at: Option<String>,
    /// The agent's API tokens (never the token itself).
    pub tokens: Vec<TokenInfo>,
}

/// Every agent, enabled ones first, by name.
pub fn roster(conn: &Conn) -> SqlResult<Vec<Listed>> {
    let agents: Vec<(AgentId, Listed)> = conn.query_map(
        "SELECT id, email, name, role, disabled_at FROM agents ORDER BY disabled_at IS NOT NULL, name, email",
        params![],
        |r| {
            let listed = Listed {
                email: r.get(1)?,
                name: r.get(2)?,
                role: role_of(r.get(3)?)?,
                disabled_at: r.get(4)?,
                tokens: vec![],
            };
            Ok((r.get(0)?, listed))
        },
    )?;
    agents
        .into_iter()
        .map(|(id, listed)| {
            Ok(Listed {
                tokens: tokens(conn, id)?,
                ..listed
            })
        })
        .collect()
}

/// Ends the agent's console sessions and API tokens, except the session and the token
/// whose hashes are named (the ones a change came through).
pub fn end_access(
    conn: &Conn,
    agent_id: AgentId,
    keep_session: Option<&str>,
    keep_token: Option<&str>,
) -> SqlResult<()> {
    // `IS DISTINCT FROM` is SQLite's `IS NOT` by another name (the same expression once
    // parsed), and the only spelling PostgreSQL knows.
    conn.execute(
        "DELETE FROM sessions WHERE agent_id = ? AND token_hash IS DISTINCT FROM ?",
        params![agent_id, keep_session],
    )?;
    conn.execute(
        "DELETE FROM api_tokens WHERE agent_id = ? AND token_hash IS DISTINCT FROM ?",
        params![agent_id, keep_token],
    )?;
    Ok(())
}

/// Disables the agent with this address and ends their sessions and tokens at once; an
/// agent disabled before keeps the first date. `None` when there is no such agent.
pub fn disable(conn: &Conn, email: &str, now: DateTime<Utc>) -> SqlResult<Option<Agent>> {
    let agent = conn.query_opt(
        "UPDATE agents SET disabled_at = COALESCE(disabled_at, ?) WHERE email = ? RETURNING id, email, name, role",
        params![now, CiText(email)],
        from_row,
    )?;
    if let Some(a) = &agent {
        end_access(conn, a.id, None, None)?;
    }
    Ok(agent)
}

/// Which mail about their tickets an agent wants; all on until they say otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AlertPrefs {
    /// A customer or partner answered a ticket assigned to them.
    pub answer: bool,
    /// A ticket was assigned to them (by someone else).
    pub assign: bool,
    /// A note mentions them.
    pub mention: bool,
}

impl Default for AlertPrefs {
    fn default() -> Self {
        AlertPrefs {
            answer: true,
            assign: true,
            mention: true,
        }
    }
}

pub fn alert_prefs(conn: &Conn, agent: AgentId) -> SqlResult<AlertPrefs> {
    Ok(conn
        .query_opt(
            "SELECT answer, assign, mention FROM agent_alert_prefs WHERE agent_id = ?",
            params![agent],
            |r| {
                Ok(AlertPrefs {
                    answer: r.get(0)?,
                    assign: r.get(1)?,
                    mention: r.get(2)?,
                })
            },
        )?
        .unwrap_or_default())
}

pub fn set_alert_prefs(conn: &Conn, agent: AgentId, p: AlertPrefs) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO agent_alert_prefs (agent_id, answer, assign, mention) VALUES (?, ?, ?, ?)
         ON CONFLICT (agent_id) DO UPDATE SET answer = excluded.answer, assign = excluded.assign,
             mention = excluded.mention",
        params![agent, p.answer, p.assign, p.mention],
    )?;
    Ok(())
}
