//! Storing a mail as received: its bytes under its de-duplication key, once.

use chrono::{DateTime, Utc};

use crate::db::{CiText, Conn, SqlResult};
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
