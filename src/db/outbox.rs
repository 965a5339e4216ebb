//! The outbox: every outbound mail, composed, waiting for (or done with) delivery.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Conn, ts};
use crate::domain::ids::TicketId;
use crate::domain::inbound::Role;

pub struct NewMail<'a> {
    pub ticket_id: Option<TicketId>,
    pub template: &'a str,
    pub recipient: &'a str,
    pub recipient_role: Option<Role>,
    pub automatic: bool,
    pub message_id: &'a str,
    pub envelope_from: &'a str,
    /// The letter to render and compose at send time (JSON).
    pub letter: &'a str,
}

pub fn insert(conn: &Conn, m: &NewMail<'_>, now: DateTime<Utc>) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (ticket_id, template, recipient, recipient_role, automatic, message_id,
             envelope_from, letter, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        m.ticket_id,
        m.template,
        m.recipient,
        m.recipient_role.map(Role::as_str),
        m.automatic,
        m.message_id,
        m.envelope_from,
        m.letter,
        ts(now),
        ts(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// How many automatic mails went (or are going) to this address since `since`.
pub fn automatic_since(
    conn: &Conn,
    recipient: &str,
    since: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM outbox WHERE recipient = ? AND automatic = 1 AND created_at >= ?",
    )?
    .query_row(params![recipient, ts(since)], |r| r.get(0))
}

/// The newest of our mails among these Message-IDs that went to `recipient`: its ticket
/// and the role it was sent in. A Message-ID of a mail sent to someone else names nothing.
pub fn find_sent_to(
    conn: &Conn,
    message_ids: &[String],
    recipient: &str,
) -> rusqlite::Result<Option<(TicketId, Option<Role>)>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let json = super::json_list(message_ids);
    let found: Option<(TicketId, Option<String>)> = conn
        .prepare_cached(
            "SELECT ticket_id, recipient_role FROM outbox
             WHERE message_id IN (SELECT value FROM json_each(?)) AND ticket_id IS NOT NULL AND recipient = ?
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![json, recipient], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.map(|(id, role)| (id, role.as_deref().and_then(Role::parse))))
}

#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub ticket_id: Option<TicketId>,
    pub recipient: String,
    pub envelope_from: String,
    /// Composed bytes (rows queued before letters existed) …
    pub raw: Option<Vec<u8>>,
    /// … or the letter to compose.
    pub letter: Option<String>,
    pub attempts: i64,
    pub created_at: String,
}

pub fn due(conn: &Conn, now: DateTime<Utc>, limit: i64) -> rusqlite::Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recipient, envelope_from, raw, letter, attempts, created_at, ticket_id FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
    )?;
    let rows = stmt.query_map(params![ts(now), limit], |r| {
        Ok(Due {
            id: r.get(0)?,
            recipient: r.get(1)?,
            envelope_from: r.get(2)?,
            raw: r.get(3)?,
            letter: r.get(4)?,
            attempts: r.get(5)?,
            created_at: r.get(6)?,
            ticket_id: r.get(7)?,
        })
    })?;
    rows.collect()
}

/// How many mails wait to be sent, and how many were given up.
pub fn backlog(conn: &Conn) -> rusqlite::Result<(i64, i64)> {
    conn.prepare_cached(
        "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'failed'), 0) FROM outbox WHERE state <> 'sent'",
    )?
    .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// When the next pending mail is due, if any.
pub fn next_due(conn: &Conn) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'")?
        .query_row([], |r| r.get(0))
}

/// Our mail with one of these Message-IDs (the latest): its row, its ticket, its recipient.
pub fn find_by_message_ids(
    conn: &Conn,
    message_ids: &[String],
) -> rusqlite::Result<Option<(i64, Option<TicketId>, String)>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let json = super::json_list(message_ids);
    conn.prepare_cached(
        "SELECT id, ticket_id, recipient FROM outbox WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT 1",
    )?
    .query_row([json], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

/// A sent mail came back undelivered: the reason is kept as its last error.
pub fn record_bounce(conn: &Conn, id: i64, reason: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE outbox SET last_error = ? WHERE id = ?")?
        .execute(params![format!("bounced: {reason}"), id])?;
    Ok(())
}

pub fn mark_sent(conn: &Conn, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")?
        .execute(params![ts(now), id])?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when `None`.
pub fn mark_attempt_failed(
    conn: &Conn,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> rusqlite::Result<()> {
    let retry = retry_at.map(ts);
    conn.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?1,
            state = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce(?2, next_attempt_at)
         WHERE id = ?3",
    )?
    .execute(params![error, retry, id])?;
    Ok(())
}
