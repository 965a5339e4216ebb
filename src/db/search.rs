//! Full-text search for agents: tickets whose subject or any message (notes too) holds
//! the words, best match first.

use rusqlite::params;

use super::Conn;
use crate::domain::ids::TicketId;

/// Up to `limit` tickets matching the FTS5 query `words`, best first (BM25; a match in
/// the subject counts as much as one more word matched in a message).
pub fn ranked(conn: &Conn, words: &str, limit: i64) -> rusqlite::Result<Vec<TicketId>> {
    conn.prepare_cached(
        "WITH hits AS (
             SELECT rowid AS id, bm25(subject_search) - 1.0 AS score FROM subject_search
             WHERE subject_search MATCH ?1
             UNION ALL
             SELECT m.ticket_id, bm25(message_search) FROM message_search
             JOIN messages m ON m.id = message_search.rowid WHERE message_search MATCH ?1)
         SELECT id FROM hits GROUP BY id ORDER BY min(score), id DESC LIMIT ?2",
    )?
    .query_map(params![words, limit], |r| r.get(0))?
    .collect()
}
