//! Full-text search for agents: tickets whose subject or any message (notes too) holds
//! the words, best match first.

use rusqlite::params;

use super::Conn;
use crate::domain::ids::TicketId;

/// Writes into the full-text index what was committed since it last caught up: at most
/// `batch` tickets' subjects and `batch` messages' texts, folded as search compares text.
/// Returns how many rows it indexed (0: the index is up to date).
pub fn catch_up(conn: &Conn, batch: i64) -> rusqlite::Result<usize> {
    let mut done = 0;
    for (source, index) in [
        (
            "tickets",
            "INSERT OR REPLACE INTO subject_search (rowid, subject) SELECT id, fold(subject) FROM tickets",
        ),
        (
            "messages",
            "INSERT OR REPLACE INTO message_search (rowid, body) SELECT id, fold(body) FROM messages",
        ),
    ] {
        let upto: i64 = conn
            .prepare_cached("SELECT upto FROM search_watermark WHERE source = ?")?
            .query_row([source], |r| r.get(0))?;
        let last: Option<i64> = conn
            .prepare_cached(&format!(
                "SELECT max(id) FROM (SELECT id FROM {source} WHERE id > ?1 ORDER BY id LIMIT ?2)"
            ))?
            .query_row(params![upto, batch], |r| r.get(0))?;
        let Some(last) = last else {
            continue;
        };
        done += conn
            .prepare_cached(&format!("{index} WHERE id > ?1 AND id <= ?2"))?
            .execute(params![upto, last])?;
        conn.prepare_cached("UPDATE search_watermark SET upto = ? WHERE source = ?")?
            .execute(params![last, source])?;
    }
    Ok(done)
}

/// How many of the newest subjects, and of the newest messages, that match are ranked.
/// Ranking reads every hit's length and joins every message hit to its ticket: a word in
/// one ticket of five took a second at a million tickets. Below this many hits per index
/// every hit is ranked, as before.
pub const RANKED_HITS: i64 = 2_000;

/// Up to `limit` tickets matching the FTS5 query `words`, best first (BM25; a match in
/// the subject counts as much as one more word matched in a message). Of a word found
/// more than [`RANKED_HITS`] times in subjects or in messages, the newest hits are ranked.
pub fn ranked(conn: &Conn, words: &str, limit: i64) -> rusqlite::Result<Vec<TicketId>> {
    // The newest hits come off each index in rowid order, and only those are scored and
    // joined (CROSS JOIN keeps the index as the outer loop).
    conn.prepare_cached(
        "WITH hits AS (
             SELECT id, score FROM (
                 SELECT rowid AS id, bm25(subject_search) - 1.0 AS score FROM subject_search
                 WHERE subject_search MATCH ?1 ORDER BY rowid DESC LIMIT ?3)
             UNION ALL
             SELECT m.ticket_id, h.score FROM (
                 SELECT rowid AS message_id, bm25(message_search) AS score FROM message_search
                 WHERE message_search MATCH ?1 ORDER BY rowid DESC LIMIT ?3) h
             CROSS JOIN messages m ON m.id = h.message_id)
         SELECT id FROM hits GROUP BY id ORDER BY min(score), id DESC LIMIT ?2",
    )?
    .query_map(params![words, limit, RANKED_HITS], |r| r.get(0))?
    .collect()
}
