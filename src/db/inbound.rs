//! Inbound mail as received (raw bytes, de-duplication key, outcome) and the quarantine.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{CiText, Conn, SqlResult};
use crate::domain::ids::TicketId;
use crate::params;

const INSERT_RAW: &str = "INSERT INTO raw_emails (dedup_key, fingerprint, received_at, outcome, mailbox) VALUES (?1, ?2, ?3, 'received', ?4)
         ON CONFLICT(dedup_key) DO NOTHING";

/// PostgreSQL stores the bytes beside the row in the same statement (one round trip).
const INSERT_RAW_WITH_BYTES: &str = "WITH raw AS (
             INSERT INTO raw_emails (dedup_key, fingerprint, received_at, outcome, mailbox) VALUES (?1, ?2, ?3, 'received', ?4)
             ON CONFLICT (dedup_key) DO NOTHING RETURNING id
         ), bytes AS (INSERT INTO raw_email_bytes (raw_email_id, raw) SELECT id, ?5 FROM raw)
         SELECT id, EXISTS (SELECT 1 FROM agents WHERE email = ?6 AND disabled_at IS NULL) FROM raw";

/// Stores the raw message unless one with the same key is already stored; `None` means
/// it is a re-delivery. A message whose key is taken by one that says something else (its
/// `fingerprint` differs) is stored under the key and its fingerprint. Fingerprints made
/// by another recipe (the text before a `:`, none for the first) cannot be compared: the
/// message counts as a re-delivery, as it did before fingerprints existed.
pub fn insert_raw(
    conn: &Conn,
    dedup_key: &str,
    fingerprint: Option<&str>,
    raw: &[u8],
    mailbox: &str,
    now: DateTime<Utc>,
) -> SqlResult<Option<i64>> {
    let stored = insert_received(conn, dedup_key, fingerprint, raw, mailbox, None, now)?;
    Ok(stored.map(|r| r.id))
}

/// A stored mail: its row, and whether its author's address is an active agent's, when the
/// statement that stored it told (PostgreSQL's does; SQLite's asks apart, when needed).
pub struct Received {
    pub id: i64,
    pub author_is_agent: Option<bool>,
}

/// As [`insert_raw`], with whether `author` is an active agent's address.
pub fn insert_received(
    conn: &Conn,
    dedup_key: &str,
    fingerprint: Option<&str>,
    raw: &[u8],
    mailbox: &str,
    author: Option<&str>,
    now: DateTime<Utc>,
) -> SqlResult<Option<Received>> {
    let stored = Stored {
        fingerprint,
        raw,
        mailbox,
        author,
        now,
    };
    if let Some(r) = insert_keyed(conn, dedup_key, &stored)? {
        return Ok(Some(r));
    }
    let Some(fingerprint) = fingerprint else {
        return Ok(None);
    };
    let earlier: Option<String> = conn.query_row(
        "SELECT fingerprint FROM raw_emails WHERE dedup_key = ?",
        params![dedup_key],
        |r| r.get(0),
    )?;
    let recipe = |f: &str| f.split_once(':').map(|(r, _)| r.to_string());
    if earlier.is_none_or(|s| s == fingerprint || recipe(&s) != recipe(fingerprint)) {
        return Ok(None);
    }
    insert_keyed(conn, &format!("{dedup_key}#{fingerprint}"), &stored)
}

/// What a raw mail's row is written with, beside its key.
struct Stored<'a> {
    fingerprint: Option<&'a str>,
    raw: &'a [u8],
    mailbox: &'a str,
    author: Option<&'a str>,
    now: DateTime<Utc>,
}

/// The row and its bytes under `key`, unless the key is taken.
fn insert_keyed(conn: &Conn, key: &str, s: &Stored<'_>) -> SqlResult<Option<Received>> {
    let author = s.author.map(CiText);
    if conn.is_postgres() {
        return conn.query_opt(
            INSERT_RAW_WITH_BYTES,
            params![key, s.fingerprint, s.now, s.mailbox, s.raw, author],
            |r| {
                Ok(Received {
                    id: r.get(0)?,
                    author_is_agent: Some(r.get(1)?),
                })
            },
        );
    }
    let Some(id) = conn.insert_new(INSERT_RAW, params![key, s.fingerprint, s.now, s.mailbox])?
    else {
        return Ok(None);
    };
    conn.execute(
        "INSERT INTO raw_email_bytes (raw_email_id, raw) VALUES (?, ?)",
        params![id, s.raw],
    )?;
    Ok(Some(Received {
        id,
        author_is_agent: None,
    }))
}

/// The ticket that the latest earlier inbound mail stored under one of these
/// de-duplication keys went to, if any.
pub fn ticket_of_received(conn: &Conn, dedup_keys: &[String]) -> SqlResult<Option<TicketId>> {
    if dedup_keys.is_empty() {
        return Ok(None);
    }
    let json = super::json_list(dedup_keys);
    conn.query_opt(
        conn.pick(
            "SELECT ticket_id FROM raw_emails
         WHERE dedup_key IN (SELECT value FROM json_each(?)) AND ticket_id IS NOT NULL
         ORDER BY id DESC LIMIT 1",
            "SELECT ticket_id FROM raw_emails
         WHERE dedup_key IN (SELECT value FROM json_array_elements_text(CAST(? AS json))) AND ticket_id IS NOT NULL
         ORDER BY id DESC LIMIT 1",
        ),
        params![json],
        |r| r.get(0),
    )
}

pub fn set_outcome(
    conn: &Conn,
    raw_id: i64,
    outcome: &str,
    ticket_id: Option<TicketId>,
) -> SqlResult<()> {
    conn.execute(
        "UPDATE raw_emails SET outcome = ?, ticket_id = ? WHERE id = ?",
        params![outcome, ticket_id, raw_id],
    )?;
    Ok(())
}

/// What became of a stored message: its outcome, and the ticket it went to.
#[derive(Debug, Clone, Serialize)]
pub struct Settled {
    pub raw_id: i64,
    pub outcome: String,
    pub ticket_id: Option<TicketId>,
}

/// Writes the outcomes of a batch's messages, in one statement on PostgreSQL.
pub fn settle(conn: &Conn, settled: &[Settled]) -> SqlResult<()> {
    if settled.is_empty() {
        return Ok(());
    }
    if !conn.is_postgres() {
        for s in settled {
            set_outcome(conn, s.raw_id, &s.outcome, s.ticket_id)?;
        }
        return Ok(());
    }
    let rows = serde_json::to_string(settled)
        .map_err(|e| super::SqlError::Postgres(sqlx::Error::Encode(e.into())))?;
    conn.execute(
        "UPDATE raw_emails r SET outcome = s.outcome, ticket_id = s.ticket_id
         FROM json_to_recordset(CAST(?1 AS json)) AS s(raw_id bigint, outcome text, ticket_id bigint)
         WHERE r.id = s.raw_id",
        params![rows],
    )?;
    Ok(())
}

pub fn quarantine(conn: &Conn, raw_id: i64, reason: &str, now: DateTime<Utc>) -> SqlResult<()> {
    set_outcome(conn, raw_id, "quarantined", None)?;
    conn.execute(
        "INSERT INTO quarantine (raw_email_id, reason, created_at) VALUES (?, ?, ?)
         ON CONFLICT(raw_email_id) DO UPDATE SET reason = excluded.reason, released_at = NULL",
        params![raw_id, reason, now],
    )?;
    Ok(())
}

pub fn release(conn: &Conn, raw_id: i64, now: DateTime<Utc>) -> SqlResult<()> {
    conn.execute(
        "UPDATE quarantine SET released_at = ? WHERE raw_email_id = ?",
        params![now, raw_id],
    )?;
    Ok(())
}

/// Takes an entry out of quarantine without processing it (the raw bytes stay); false
/// when there is no such entry still waiting.
pub fn discard(conn: &Conn, quarantine_id: i64, now: DateTime<Utc>) -> SqlResult<bool> {
    let Some(raw_id) = quarantined_raw_id(conn, quarantine_id)? else {
        return Ok(false);
    };
    set_outcome(conn, raw_id, "discarded", None)?;
    release(conn, raw_id, now)?;
    Ok(true)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quarantined {
    pub id: i64,
    pub raw_email_id: i64,
    pub reason: String,
    pub created_at: String,
    pub size: i64,
    /// The address of the mailbox it came through (imports: the home one; '' for mail
    /// stored before there were several mailboxes).
    pub mailbox: String,
    /// Its From, To, Subject and Date lines as they came (or the first bytes when it has
    /// none), to see what it was.
    pub preview: String,
}

pub fn quarantine_count(conn: &Conn) -> SqlResult<i64> {
    conn.query_row(
        "SELECT count(*) FROM quarantine WHERE released_at IS NULL",
        params![],
        |r| r.get(0),
    )
}

/// Quarantined messages not yet released by a replay, oldest first.
pub fn list_quarantine(conn: &Conn) -> SqlResult<Vec<Quarantined>> {
    conn.query_map(
        "SELECT q.id, q.raw_email_id, q.reason, q.created_at, length(b.raw), substr(b.raw, 1, 16384), e.mailbox
         FROM quarantine q JOIN raw_email_bytes b ON b.raw_email_id = q.raw_email_id JOIN raw_emails e ON e.id = q.raw_email_id
         WHERE q.released_at IS NULL ORDER BY q.id",
        params![],
        |r| {
            // SQLite's substr of an empty blob is NULL (a message never fetched has no bytes).
            let head: Option<Vec<u8>> = r.get(5)?;
            let head = head.unwrap_or_default();
            Ok(Quarantined {
                id: r.get(0)?,
                raw_email_id: r.get(1)?,
                reason: r.get(2)?,
                created_at: r.get(3)?,
                size: r.get(4)?,
                mailbox: r.get(6)?,
                preview: preview(&head),
            })
        },
    )
}

/// The stored message behind a quarantine entry still waiting for a replay.
pub fn quarantined_raw_id(conn: &Conn, quarantine_id: i64) -> SqlResult<Option<i64>> {
    conn.query_opt(
        "SELECT raw_email_id FROM quarantine WHERE id = ? AND released_at IS NULL",
        params![quarantine_id],
        |r| r.get(0),
    )
}

/// The raw source of a quarantine entry (released or not).
pub fn quarantine_source(conn: &Conn, quarantine_id: i64) -> SqlResult<Option<Vec<u8>>> {
    conn.query_opt(
        "SELECT b.raw FROM quarantine q JOIN raw_email_bytes b ON b.raw_email_id = q.raw_email_id WHERE q.id = ?",
        params![quarantine_id],
        |r| r.get(0),
    )
}

/// The address of the mailbox a stored mail came through ('' for mail stored before
/// there were several mailboxes).
pub fn mailbox(conn: &Conn, raw_id: i64) -> SqlResult<String> {
    conn.query_row(
        "SELECT mailbox FROM raw_emails WHERE id = ?",
        params![raw_id],
        |r| r.get(0),
    )
}

pub fn dedup_key(conn: &Conn, raw_id: i64) -> SqlResult<Option<String>> {
    conn.query_opt(
        "SELECT dedup_key FROM raw_emails WHERE id = ?",
        params![raw_id],
        |r| r.get(0),
    )
}

pub fn raw(conn: &Conn, raw_id: i64) -> SqlResult<Option<Vec<u8>>> {
    conn.query_opt(
        "SELECT raw FROM raw_email_bytes WHERE raw_email_id = ?",
        params![raw_id],
        |r| r.get(0),
    )
}

/// The header lines people recognise a message by; the first bytes when there are none.
fn preview(head: &[u8]) -> String {
    let text = String::from_utf8_lossy(head);
    let header = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .split("\n\n")
        .next()
        .unwrap_or("");
    let wanted = ["from:", "to:", "subject:", "date:"];
    let lines: Vec<&str> = header
        .lines()
        .filter(|l| {
            wanted
                .iter()
                .any(|w| l.get(..w.len()).is_some_and(|p| p.eq_ignore_ascii_case(w)))
        })
        .collect();
    if lines.is_empty() {
        text.chars().take(300).collect()
    } else {
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_preview_shows_the_lines_people_know_a_mail_by() {
        let raw = b"Received: from x by y\r\n\tlong\r\nFrom: <<<@@@>>>\r\nSubject: fara expeditor\r\n\r\nbody";
        assert_eq!(
            super::preview(raw),
            "From: <<<@@@>>>\nSubject: fara expeditor"
        );
        assert_eq!(
            super::preview(b"\xff\xfe garbage"),
            "\u{fffd}\u{fffd} garbage"
        );
    }
}
