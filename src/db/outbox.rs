//! The outbox: every outbound mail, composed, waiting for (or done with) delivery.

use chrono::{DateTime, Utc};

use std::sync::LazyLock;

use super::customers::NewPortalToken;
use super::{Array, CiText, Conn, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::inbound::Role;
use crate::params;

mod held;

pub(super) use held::Held;
pub use held::Holding;

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
    /// The portal link the letter carries, stored with it.
    pub link: Option<&'a NewPortalToken<'a>>,
}

/// The columns a mail is queued with, in the order of its values.
const INTO: &str =
    "INSERT INTO outbox (ticket_id, template, recipient, recipient_role, automatic, message_id,
         envelope_from, letter, next_attempt_at, created_at)";

/// Queues one mail, and stores the link it carries before it.
fn insert(conn: &Conn, m: &NewMail<'_>, now: DateTime<Utc>) -> SqlResult<()> {
    static INSERT: LazyLock<String> =
        LazyLock::new(|| format!("{INTO} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"));
    if let Some(link) = m.link {
        super::customers::insert_portal_token(conn, link, now)?;
    }
    conn.execute(
        &INSERT,
        params![
            m.ticket_id,
            m.template,
            m.recipient,
            m.recipient_role.map(Role::as_str),
            m.automatic,
            m.message_id,
            m.envelope_from,
            m.letter,
            now
        ],
    )?;
    Ok(())
}

/// Queues mails in order, each with the link it carries; one statement on PostgreSQL, or
/// none while the connection holds mail ([`Holding`]).
pub fn insert_all(conn: &Conn, mails: &[NewMail<'_>], now: DateTime<Utc>) -> SqlResult<()> {
    if let Some(mut held) = held::held(conn) {
        held.add(mails);
        return Ok(());
    }
    // None, or one without a link: the plain insert's statement.
    let plain = match mails {
        [] => true,
        [m] => m.link.is_none(),
        _ => false,
    };
    if !conn.is_postgres() || plain {
        for m in mails {
            insert(conn, m, now)?;
        }
        return Ok(());
    }
    insert_together(conn, mails, now)
}

/// Mails in queue order (their ids follow it), the links beside them, in one statement of
/// one text whatever their number (PostgreSQL).
const INSERT_TOGETHER: &str = "WITH links AS (
         INSERT INTO portal_tokens (customer_id, purpose, token_hash, expires_at, created_at)
         SELECT customer_id, purpose, token_hash, expires_at, ?1
         FROM unnest(CAST(?10 AS bigint[]), CAST(?11 AS text[]), CAST(?12 AS text[]), CAST(?13 AS timestamptz[]))
             AS l (customer_id, purpose, token_hash, expires_at)
     )
     INSERT INTO outbox (ticket_id, template, recipient, recipient_role, automatic, message_id,
         envelope_from, letter, next_attempt_at, created_at)
     SELECT ticket_id, template, recipient, recipient_role, automatic, message_id, envelope_from, letter, ?1, ?1
     FROM unnest(CAST(?2 AS bigint[]), CAST(?3 AS text[]), CAST(?4 AS citext[]), CAST(?5 AS text[]),
                 CAST(?6 AS boolean[]), CAST(?7 AS text[]), CAST(?8 AS text[]), CAST(?9 AS text[]))
         WITH ORDINALITY AS m (ticket_id, template, recipient, recipient_role, automatic, message_id,
                               envelope_from, letter, position)
     ORDER BY position";

fn insert_together<'a>(conn: &Conn, mails: &[NewMail<'a>], now: DateTime<Utc>) -> SqlResult<()> {
    let texts = |f: fn(&NewMail<'a>) -> Option<&'a str>| Array::Text(mails.iter().map(f).collect());
    let links: Vec<&NewPortalToken<'_>> = mails.iter().filter_map(|m| m.link).collect();
    conn.execute(
        INSERT_TOGETHER,
        params![
            now,
            Array::Int(mails.iter().map(|m| m.ticket_id.map(|t| t.0)).collect()),
            texts(|m| Some(m.template)),
            Array::CiText(mails.iter().map(|m| Some(m.recipient)).collect()),
            texts(|m| m.recipient_role.map(Role::as_str)),
            Array::Bool(mails.iter().map(|m| m.automatic).collect()),
            texts(|m| Some(m.message_id)),
            texts(|m| Some(m.envelope_from)),
            texts(|m| Some(m.letter)),
            Array::Int(links.iter().map(|l| Some(l.customer_id.0)).collect()),
            Array::Text(links.iter().map(|l| Some(l.purpose)).collect()),
            Array::Text(links.iter().map(|l| Some(l.token_hash)).collect()),
            Array::Time(links.iter().map(|l| l.expires_at).collect()),
        ],
    )?;
    Ok(())
}

/// How many automatic mails went (or are going) to this address since `since`.
pub fn automatic_since(conn: &Conn, recipient: &str, since: DateTime<Utc>) -> SqlResult<i64> {
    let written: i64 = conn.query_row(
        "SELECT count(*) FROM outbox WHERE recipient = ? AND automatic = TRUE AND created_at >= ?",
        params![CiText(recipient), since],
        |r| r.get(0),
    )?;
    Ok(written + automatic_held(conn, recipient))
}

/// How many automatic mails to this address the connection holds ([`Holding`]): a count of
/// those that went to it since a time before now takes them.
pub fn automatic_held(conn: &Conn, recipient: &str) -> i64 {
    held::held(conn).map_or(0, |held| held.automatic_to(recipient))
}

/// The Message-IDs of the mail about `ticket_id` to `recipient` that the connection holds,
/// oldest first: the end of their thread.
pub fn thread_held(conn: &Conn, ticket_id: TicketId, recipient: &str) -> Vec<String> {
    held::held(conn).map_or_else(Vec::new, |held| held.thread(ticket_id, recipient))
}

/// The newest of our mails among these Message-IDs that went to `recipient`: its ticket
/// and the role it was sent in. A Message-ID of a mail sent to someone else names nothing.
/// (PostgreSQL finds the rows by their Message-IDs first, as in
/// [`super::inbound::ticket_of_received`].)
pub fn find_sent_to(
    conn: &Conn,
    message_ids: &[String],
    recipient: &str,
) -> SqlResult<Option<(TicketId, Option<Role>)>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let json = super::json_list(message_ids);
    let found: Option<(TicketId, Option<String>)> = conn.query_opt(
        conn.pick(
            "SELECT ticket_id, recipient_role FROM outbox
             WHERE message_id IN (SELECT value FROM json_each(?)) AND ticket_id IS NOT NULL AND recipient = ?
             ORDER BY id DESC LIMIT 1",
            "WITH named AS MATERIALIZED (
                 SELECT id, ticket_id, recipient_role, recipient FROM outbox
                 WHERE message_id = ANY (ARRAY(SELECT json_array_elements_text(CAST(? AS json))))
             )
             SELECT ticket_id, recipient_role FROM named
             WHERE ticket_id IS NOT NULL AND recipient = ?
             ORDER BY id DESC LIMIT 1",
        ),
        params![json, CiText(recipient)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
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

/// Takes up to `limit` mails that are due, oldest first, for this node to send. On
/// PostgreSQL several nodes send: the rows are locked past the ones another node is taking
/// (`SKIP LOCKED`) and leased to this one until `lease_until` (their next attempt moves
/// there), so no other takes them meanwhile; a node that dies mid-send leaves its rows to
/// be taken again when the lease runs out. On SQLite one daemon sends, and nothing changes.
pub fn take_due(
    conn: &Conn,
    now: DateTime<Utc>,
    limit: i64,
    lease_until: DateTime<Utc>,
) -> SqlResult<Vec<Due>> {
    let all = params![now, limit, lease_until];
    let mut due = conn.query_map(
        conn.pick(
            "SELECT id, recipient, envelope_from, raw, letter, attempts, created_at, ticket_id FROM outbox
             WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
            "UPDATE outbox SET next_attempt_at = ?3
             WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1
                          ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED)
             RETURNING id, recipient, envelope_from, raw, letter, attempts, created_at, ticket_id",
        ),
        // SQLite takes no lease: it is not in its statement.
        if conn.is_postgres() { all } else { &all[..2] },
        |r| {
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
        },
    )?;
    due.sort_by_key(|d| d.id);
    Ok(due)
}

/// Rows taken by [`take_due`] and not tried: pending again, due at `at`.
pub fn give_back(conn: &Conn, ids: &[i64], at: DateTime<Utc>) -> SqlResult<()> {
    for id in ids {
        conn.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND state = 'pending'",
            params![at, id],
        )?;
    }
    Ok(())
}

/// How many mails wait to be sent, and how many were given up.
pub fn backlog(conn: &Conn) -> SqlResult<(i64, i64)> {
    // PostgreSQL sums no booleans, and its sums are NUMERIC unless cast.
    conn.query_row(
        "SELECT coalesce(CAST(sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS BIGINT), 0),
             coalesce(CAST(sum(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS BIGINT), 0)
         FROM outbox WHERE state <> 'sent'",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// When the next pending mail is due, if any.
pub fn next_due(conn: &Conn) -> SqlResult<Option<String>> {
    conn.query_row(
        "SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'",
        params![],
        |r| r.get(0),
    )
}

/// Our mail with one of these Message-IDs (the latest): its row, its ticket, its recipient.
/// (PostgreSQL finds the rows by their Message-IDs first, as in [`find_sent_to`].)
pub fn find_by_message_ids(
    conn: &Conn,
    message_ids: &[String],
) -> SqlResult<Option<(i64, Option<TicketId>, String)>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let json = super::json_list(message_ids);
    conn.query_opt(
        conn.pick(
            "SELECT id, ticket_id, recipient FROM outbox WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT 1",
            "WITH named AS MATERIALIZED (
                 SELECT id, ticket_id, recipient FROM outbox
                 WHERE message_id = ANY (ARRAY(SELECT json_array_elements_text(CAST(? AS json))))
             )
             SELECT id, ticket_id, recipient FROM named ORDER BY id DESC LIMIT 1",
        ),
        params![json],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

/// A sent mail came back undelivered: the reason is kept as its last error.
pub fn record_bounce(conn: &Conn, id: i64, reason: &str) -> SqlResult<()> {
    conn.execute(
        "UPDATE outbox SET last_error = ? WHERE id = ?",
        params![format!("bounced: {reason}"), id],
    )?;
    Ok(())
}

pub fn mark_sent(conn: &Conn, id: i64, now: DateTime<Utc>) -> SqlResult<()> {
    conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
        params![now, id],
    )?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when `None`.
pub fn mark_attempt_failed(
    conn: &Conn,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> SqlResult<()> {
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?1,
            state = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce(?2, next_attempt_at)
         WHERE id = ?3",
        params![error, retry_at, id],
    )?;
    Ok(())
}
