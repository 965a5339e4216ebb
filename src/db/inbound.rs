//! Inbound mail as received (raw bytes, de-duplication key, outcome) and the quarantine.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Array, Conn, SqlResult};
use crate::domain::ids::TicketId;
use crate::params;

mod storing;

pub use storing::{NewReceived, Received, insert_all_received, insert_raw, insert_received};

/// The ticket that the latest earlier inbound mail stored under one of these
/// de-duplication keys went to, if any. (PostgreSQL finds the rows by their keys first: asked
/// for the newest row that holds one, its planner walks the newest rows of a small table.)
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
            "WITH named AS MATERIALIZED (
             SELECT id, ticket_id FROM raw_emails
             WHERE dedup_key = ANY (ARRAY(SELECT json_array_elements_text(CAST(? AS json))))
         )
         SELECT ticket_id FROM named WHERE ticket_id IS NOT NULL ORDER BY id DESC LIMIT 1",
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
#[derive(Debug, Clone)]
pub struct Settled {
    pub raw_id: i64,
    /// The key it is stored under (not written again).
    pub key: String,
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
    // Each row found by its id (parameters' arrays, whose length the planner does not
    // take for a hundred rows, as it does a JSON list's, and so never reads the table whole).
    conn.execute(
        "UPDATE raw_emails r SET outcome = s.outcome, ticket_id = s.ticket_id
         FROM unnest(CAST(?1 AS bigint[]), CAST(?2 AS text[]), CAST(?3 AS bigint[]))
             AS s(raw_id, outcome, ticket_id)
         WHERE r.id = s.raw_id",
        params![
            Array::Int(settled.iter().map(|s| Some(s.raw_id)).collect()),
            Array::Text(settled.iter().map(|s| Some(s.outcome.as_str())).collect()),
            Array::Int(settled.iter().map(|s| s.ticket_id.map(|t| t.0)).collect())
        ],
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
