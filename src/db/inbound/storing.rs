//! Storing a mail as received: its bytes under its de-duplication key, once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::db::{Array, CiText, Conn, SqlResult};
use crate::params;

const INSERT_RAW: &str = "INSERT INTO raw_emails (dedup_key, fingerprint, received_at, outcome, mailbox) VALUES (?1, ?2, ?3, 'received', ?4)
         ON CONFLICT(dedup_key) DO NOTHING";

/// PostgreSQL stores the bytes beside the row in the same statement (one round trip).
const INSERT_RAW_WITH_BYTES: &str = "WITH raw AS (
             INSERT INTO raw_emails (dedup_key, fingerprint, received_at, outcome, mailbox) VALUES (?1, ?2, ?3, 'received', ?4)
             ON CONFLICT (dedup_key) DO NOTHING RETURNING id
         ), bytes AS (INSERT INTO raw_email_bytes (raw_email_id, raw) SELECT id, ?5 FROM raw)
         SELECT id, EXISTS (SELECT 1 FROM agents WHERE email = ?6 AND disabled_at IS NULL) FROM raw";

/// A batch's mails in one statement, each key once: the position of each one stored (from
/// 1), its row, and whether its author is an agent.
const INSERT_ALL_RAW_WITH_BYTES: &str = "WITH input AS (
             SELECT * FROM unnest(CAST(?1 AS text[]), CAST(?2 AS text[]), CAST(?3 AS bytea[]), CAST(?4 AS citext[]))
                 WITH ORDINALITY AS i (dedup_key, fingerprint, raw, author, position)
         ), raw AS (
             INSERT INTO raw_emails (dedup_key, fingerprint, received_at, outcome, mailbox)
             SELECT dedup_key, fingerprint, ?5, 'received', ?6 FROM input ORDER BY position
             ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key
         ), bytes AS (
             INSERT INTO raw_email_bytes (raw_email_id, raw) SELECT raw.id, input.raw FROM raw JOIN input USING (dedup_key)
         )
         SELECT input.position, raw.id, EXISTS (SELECT 1 FROM agents WHERE email = input.author AND disabled_at IS NULL)
         FROM raw JOIN input USING (dedup_key)";

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
    let mail = NewReceived {
        dedup_key,
        fingerprint,
        raw,
        author: None,
    };
    let stored = insert_received(conn, &mail, mailbox, now)?;
    Ok(stored.map(|r| r.id))
}

/// A stored mail: its row, and whether its author's address is an active agent's, when the
/// statement that stored it told (PostgreSQL's does; SQLite's asks apart, when needed).
pub struct Received {
    pub id: i64,
    pub author_is_agent: Option<bool>,
    /// The key it is stored under: its own, or its own and its fingerprint.
    pub key: String,
}

/// A mail to store as received.
#[derive(Clone, Copy)]
pub struct NewReceived<'a> {
    pub dedup_key: &'a str,
    /// What it says, hashed (see [`insert_raw`]).
    pub fingerprint: Option<&'a str>,
    pub raw: &'a [u8],
    /// Its author's address, when it could be read: whether it is an agent's comes back.
    pub author: Option<&'a str>,
}

/// As [`insert_raw`], with whether the author is an active agent's address.
pub fn insert_received(
    conn: &Conn,
    mail: &NewReceived<'_>,
    mailbox: &str,
    now: DateTime<Utc>,
) -> SqlResult<Option<Received>> {
    let stored = Stored { mail, mailbox, now };
    match insert_keyed(conn, mail.dedup_key, &stored)? {
        Some(r) => Ok(Some(r)),
        None => insert_taken(conn, &stored),
    }
}

/// Stores a batch's mails as [`insert_received`] does one after the other, with the same
/// results in the same order. On PostgreSQL they go in one statement (a round trip for
/// the batch instead of one a mail); the few whose key is taken, by an earlier mail or by
/// one before them in the batch, go one by one after it.
pub fn insert_all_received(
    conn: &Conn,
    mails: &[NewReceived<'_>],
    mailbox: &str,
    now: DateTime<Utc>,
) -> SqlResult<Vec<Option<Received>>> {
    if !conn.is_postgres() || mails.len() < 2 {
        return mails
            .iter()
            .map(|mail| insert_received(conn, mail, mailbox, now))
            .collect();
    }
    // A key as PostgreSQL keeps it (text holds no NUL): the first mail with it goes in the
    // statement, the others after it.
    let mut keys = HashSet::new();
    let first_with_key: Vec<bool> = mails
        .iter()
        .map(|m| keys.insert(m.dedup_key.replace('\0', "\u{FFFD}")))
        .collect();
    let first: Vec<&NewReceived<'_>> = mails
        .iter()
        .zip(&first_with_key)
        .filter_map(|(m, first)| first.then_some(m))
        .collect();
    let column = |f: for<'m> fn(&'m NewReceived<'m>) -> Option<&'m str>| {
        first.iter().map(|m| f(m)).collect()
    };
    let mut by_position: HashMap<i64, (i64, bool)> = conn
        .query_map(
            INSERT_ALL_RAW_WITH_BYTES,
            params![
                Array::Text(column(|m| Some(m.dedup_key))),
                Array::Text(column(|m| m.fingerprint)),
                Array::Bytes(first.iter().map(|m| m.raw).collect()),
                Array::CiText(column(|m| m.author)),
                now,
                mailbox
            ],
            |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))),
        )?
        .into_iter()
        .collect();
    let mut positions = 1..;
    mails
        .iter()
        .zip(first_with_key)
        .map(|(mail, first)| {
            let inserted = first
                .then(|| positions.next().and_then(|p| by_position.remove(&p)))
                .flatten();
            match inserted {
                Some((id, is_agent)) => Ok(Some(Received {
                    id,
                    author_is_agent: Some(is_agent),
                    key: mail.dedup_key.to_string(),
                })),
                None => insert_taken(conn, &Stored { mail, mailbox, now }),
            }
        })
        .collect()
}

/// A mail whose key is taken: stored under its key and its fingerprint when it says
/// something else than the mail that holds the key, else a re-delivery (`None`).
fn insert_taken(conn: &Conn, stored: &Stored<'_>) -> SqlResult<Option<Received>> {
    let (dedup_key, fingerprint) = (stored.mail.dedup_key, stored.mail.fingerprint);
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
    insert_keyed(conn, &format!("{dedup_key}#{fingerprint}"), stored)
}

/// A mail as it is written, beside its key.
struct Stored<'a> {
    mail: &'a NewReceived<'a>,
    mailbox: &'a str,
    now: DateTime<Utc>,
}

/// The row and its bytes under `key`, unless the key is taken.
fn insert_keyed(conn: &Conn, key: &str, s: &Stored<'_>) -> SqlResult<Option<Received>> {
    let (author, fingerprint) = (s.mail.author.map(CiText), s.mail.fingerprint);
    if conn.is_postgres() {
        return conn.query_opt(
            INSERT_RAW_WITH_BYTES,
            params![key, fingerprint, s.now, s.mailbox, s.mail.raw, author],
            |r| {
                Ok(Received {
                    id: r.get(0)?,
                    author_is_agent: Some(r.get(1)?),
                    key: key.to_string(),
                })
            },
        );
    }
    let Some(id) = conn.insert_new(INSERT_RAW, params![key, fingerprint, s.now, s.mailbox])? else {
        return Ok(None);
    };
    conn.execute(
        "INSERT INTO raw_email_bytes (raw_email_id, raw) VALUES (?, ?)",
        params![id, s.mail.raw],
    )?;
    Ok(Some(Received {
        id,
        author_is_agent: None,
        key: key.to_string(),
    }))
}
