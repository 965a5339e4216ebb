//! Full-text search: SQLite's FTS5 indexes kept behind the commit with their vocabulary,
//! what someone typed as a query of either engine, and the agents' ranked search over
//! subjects and every message (notes too). PostgreSQL's are the words stored beside each
//! row (`subject_words`, `body_words`, `words`), written behind the commit too.

use std::collections::HashSet;

mod postgres;

pub use postgres::{POSTGRES_WORDS, QUEUE_WORDS_ARE_FILLED, postgres_fill};

use super::fts5::Tokenizer;
use super::{Conn, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::relevance::{self, Phrase};
use crate::domain::search_text::{self, Term};
use crate::params;

/// The readers of ticket `t` (its requester and CCs), as words of the indexes' `readers`
/// column.
const READERS_OF_TICKET: &str =
    "(SELECT group_concat(reader_token(p.address), ' ') FROM participants p
     WHERE p.ticket_id = t.id AND p.role IN ('requester', 'cc'))";
/// The readers of message `m`: its ticket's, when the customer sees it (not a note, not a
/// partner's mail).
const READERS_OF_MESSAGE: &str = "CASE WHEN m.internal = 0 AND m.kind IN ('customer', 'agent') THEN
     (SELECT group_concat(reader_token(p.address), ' ') FROM participants p
      WHERE p.ticket_id = m.ticket_id AND p.role IN ('requester', 'cc')) END";

/// Writes into the full-text indexes what was committed since they last caught up: at most
/// `batch` tickets' subjects, messages' texts and customers' names and addresses each,
/// folded as search compares text, and adds their words to the vocabulary ([`query`]
/// expands typed words from it); and the readers of tickets whose participants changed.
/// Returns how many rows it indexed (0: up to date).
pub fn catch_up(conn: &Conn, batch: i64) -> SqlResult<usize> {
    let Some(sqlite) = conn.sqlite() else {
        return postgres::catch_up(conn, batch);
    };
    if !behind(conn)? {
        return Ok(0);
    }
    let mut done = 0;
    let mut words = Words::new(conn, sqlite)?;
    let subjects = format!(
        "INSERT OR REPLACE INTO subject_search (rowid, text, readers)
         SELECT t.id, fold(t.subject), {READERS_OF_TICKET} FROM tickets t"
    );
    let messages = format!(
        "INSERT OR REPLACE INTO message_search (rowid, text, readers)
         SELECT m.id, fold(m.body), {READERS_OF_MESSAGE} FROM messages m"
    );
    for (source, index, text) in [
        (
            "tickets",
            subjects.as_str(),
            "SELECT fold(subject) FROM tickets",
        ),
        (
            "messages",
            messages.as_str(),
            "SELECT fold(body) FROM messages",
        ),
        (
            "customers",
            "INSERT OR REPLACE INTO customer_search (rowid, name, email) SELECT id, fold(name), fold(email) FROM customers",
            "SELECT fold(name) || ' ' || fold(email) FROM customers",
        ),
    ] {
        let upto = watermark(conn, source)?;
        let last: Option<i64> = conn.query_row(
            &format!(
                "SELECT max(id) FROM (SELECT id FROM {source} WHERE id > ?1 ORDER BY id LIMIT ?2)"
            ),
            params![upto, batch],
            |r| r.get(0),
        )?;
        let Some(last) = last else {
            continue;
        };
        let range = "WHERE id > ?1 AND id <= ?2";
        done += conn.execute(&format!("{index} {range}"), params![upto, last])?;
        words.add(&format!("{text} {range}"), params![upto, last])?;
        conn.execute(
            "UPDATE search_watermark SET upto = ? WHERE source = ?",
            params![last, source],
        )?;
    }
    // Subjects, names and addresses indexed again when they changed.
    if words.add("SELECT text FROM search_words_pending", params![])? > 0 {
        conn.execute("DELETE FROM search_words_pending", params![])?;
    }
    words.keep()?;
    // Readers written again where the participants changed, on what is indexed already
    // (the rest gets them when it is indexed).
    let pending = "IN (SELECT ticket_id FROM search_readers_pending)";
    done += conn.execute(
        &format!("{subjects} WHERE t.id {pending} AND t.id <= ?1"),
        params![watermark(conn, "tickets")?],
    )?;
    done += conn.execute(
        &format!("{messages} WHERE m.ticket_id {pending} AND m.id <= ?1"),
        params![watermark(conn, "messages")?],
    )?;
    conn.execute("DELETE FROM search_readers_pending", params![])?;
    Ok(done)
}

/// PostgreSQL: the words of the `chunk` tickets after `after` (by id) that are not closed
/// added again to the queue's (`queue_words`); the last of them, `None` when there was
/// none. SQLite's queue reads its FTS5 indexes: nothing to do.
pub fn queue_words_again(conn: &Conn, after: i64, chunk: i64) -> SqlResult<Option<i64>> {
    match conn.is_postgres() {
        true => postgres::queue_words_again(conn, after, chunk),
        false => Ok(None),
    }
}

/// PostgreSQL: marks the queue's words as filled, once a pass of [`queue_words_again`]
/// went through every ticket: until then, the queue checks every open ticket's texts.
/// Nothing on SQLite.
pub fn queue_words_filled(conn: &Conn) -> SqlResult<()> {
    if conn.is_postgres() {
        conn.execute(postgres::QUEUE_WORDS_FILLED, params![])?;
    }
    Ok(())
}

/// PostgreSQL: drops at most `batch` of the queue's words (`queue_words`) of closed
/// tickets; how many. Nothing on SQLite.
pub fn forget_closed(conn: &Conn, batch: i64) -> SqlResult<usize> {
    match conn.is_postgres() {
        true => postgres::forget_closed(conn, batch),
        false => Ok(0),
    }
}

/// Up to which row of `source` the indexes are written.
fn watermark(conn: &Conn, source: &str) -> SqlResult<i64> {
    conn.query_row(
        "SELECT upto FROM search_watermark WHERE source = ?",
        params![source],
        |r| r.get(0),
    )
}

/// Whether anything committed is not in the index yet: a read, so that searches check it
/// side by side and only take the writer when there is something to index.
pub fn behind(conn: &Conn) -> SqlResult<bool> {
    if conn.is_postgres() {
        return conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM tickets WHERE subject_words IS NULL)
                 OR EXISTS (SELECT 1 FROM messages WHERE body_words IS NULL)
                 OR EXISTS (SELECT 1 FROM customers WHERE words IS NULL)",
            params![],
            |r| r.get(0),
        );
    }
    conn.query_row(
        "SELECT (SELECT upto FROM search_watermark WHERE source = 'tickets')
                    < (SELECT coalesce(max(id), 0) FROM tickets)
             OR (SELECT upto FROM search_watermark WHERE source = 'messages')
                    < (SELECT coalesce(max(id), 0) FROM messages)
             OR (SELECT upto FROM search_watermark WHERE source = 'customers')
                    < (SELECT coalesce(max(id), 0) FROM customers)
             OR EXISTS (SELECT 1 FROM search_words_pending)
             OR EXISTS (SELECT 1 FROM search_readers_pending)",
        params![],
        |r| r.get(0),
    )
}

/// The words of texts being indexed, split by the indexes' own tokenizer, for the
/// vocabulary (`search_words`).
struct Words<'c> {
    conn: &'c Conn,
    tokenizer: Tokenizer<'c>,
    words: HashSet<String>,
}

impl<'c> Words<'c> {
    fn new(conn: &'c Conn, sqlite: &'c rusqlite::Connection) -> SqlResult<Self> {
        Ok(Self {
            conn,
            tokenizer: Tokenizer::new(sqlite)?,
            words: HashSet::new(),
        })
    }

    /// Tokenizes the texts `select` returns; returns how many.
    fn add(&mut self, select: &str, args: &[&dyn super::Param]) -> SqlResult<usize> {
        let texts: Vec<Option<String>> = self.conn.query_map(select, args, |r| r.get(0))?;
        for text in texts.iter().flatten() {
            self.tokenizer.words(text, &mut self.words)?;
        }
        Ok(texts.len())
    }

    /// Adds the words to the vocabulary.
    fn keep(self) -> SqlResult<()> {
        for word in &self.words {
            self.conn.execute(
                "INSERT OR IGNORE INTO search_words (word) VALUES (?)",
                params![word],
            )?;
        }
        Ok(())
    }
}

/// A typed word that begins more words than this is looked for as a prefix.
const EXPANDED_WORDS: usize = 32;

/// What someone typed, as an FTS5 query on SQLite, a `tsquery` on PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub fts: String,
    /// Whether a word is looked for as a prefix: such a query reads every hit of the words
    /// the prefix begins, on every call, so it is asked once per statement, never per row.
    pub has_prefix: bool,
    /// A `tsquery`: typed words never begin a reader's lexeme, and the portal's statement
    /// adds the reader (`reader_query()`) itself.
    postgres: bool,
    /// On PostgreSQL, each typed word's part of the `tsquery`: every hit holds all of them.
    parts: Vec<String>,
    /// On PostgreSQL, the phrases whose counts score a hit (FTS5 counts its own).
    phrases: Vec<Phrase>,
}

impl Query {
    /// The query on the text of the subjects' and messages' indexes (not on their readers).
    pub fn in_text(&self) -> String {
        if self.postgres {
            return self.fts.clone();
        }
        search_text::in_column("text", &self.fts)
    }

    /// The query on the text of the subjects and messages that `address` may read in the
    /// portal (it is their requester or a CC): notes and partners' mail are never among them.
    /// On PostgreSQL the statement adds the reader itself.
    pub fn read_by(&self, address: &str) -> String {
        if self.postgres {
            return self.fts.clone();
        }
        format!(
            "{} AND readers : \"{}\"",
            self.in_text(),
            search_text::reader_token(address)
        )
    }
}

/// The query for what someone typed (FTS5's on SQLite, a `tsquery` on PostgreSQL): every
/// word, folded, as the whole words of the index it begins (or as a prefix when it begins
/// more than [`EXPANDED_WORDS`] of them), all of them required; `None` when there is no
/// word in it.
pub fn query(conn: &Conn, text: &str) -> SqlResult<Option<Query>> {
    let vocabulary = conn.pick(
        "SELECT word FROM search_words WHERE word >= ?1 AND word < ?1 || char(1114111) ORDER BY word LIMIT ?2",
        "SELECT word FROM search_vocabulary WHERE word >= ?1 AND word < ?1 || chr(1114111) ORDER BY word LIMIT ?2",
    );
    let mut terms = Vec::new();
    for typed in search_text::words(text) {
        let words: Vec<String> =
            conn.query_map(vocabulary, params![typed, EXPANDED_WORDS as i64 + 1], |r| {
                r.get(0)
            })?;
        let term = if words.len() > EXPANDED_WORDS {
            Term::Prefix(typed.clone())
        } else {
            Term::Words(words)
        };
        terms.push((typed, term));
    }
    let has_prefix = terms.iter().any(|(_, t)| matches!(t, Term::Prefix(_)));
    let postgres = conn.is_postgres();
    let fts = if postgres {
        search_text::ts_query(&terms)
    } else {
        search_text::fts_query(&terms)
    };
    let (parts, phrases) = match postgres {
        true => (
            terms
                .iter()
                .filter_map(|t| search_text::ts_query(std::slice::from_ref(t)))
                .collect(),
            relevance::phrases(&terms),
        ),
        false => (vec![], vec![]),
    };
    Ok(fts.map(|fts| Query {
        fts,
        has_prefix,
        postgres,
        parts,
        phrases,
    }))
}

/// How many of the newest subjects, and of the newest messages, that match are ranked.
/// Ranking reads every hit's length and joins every message hit to its ticket: a word in
/// one ticket of five took a second at a million tickets. Below this many hits per index
/// every hit is ranked, as before.
pub const RANKED_HITS: i64 = 2_000;

/// Up to `limit` tickets matching the query `words`, best first ([`relevance`](super::fts5); a match in
/// the subject counts as much as one more word matched in a message). Of a word found
/// more than [`RANKED_HITS`] times in subjects or in messages, the newest hits are ranked.
pub fn ranked(conn: &Conn, words: &Query, limit: i64) -> SqlResult<Vec<TicketId>> {
    if conn.is_postgres() {
        return postgres::ranked(conn, words, limit);
    }
    // The newest hits come off each index in rowid order, and only those are scored and
    // joined (CROSS JOIN keeps the index as the outer loop).
    conn.query_map(
        "WITH hits AS (
             SELECT id, score FROM (
                 SELECT rowid AS id, relevance(subject_search) - 1.0 AS score FROM subject_search
                 WHERE subject_search MATCH ?1 ORDER BY rowid DESC LIMIT ?3)
             UNION ALL
             SELECT m.ticket_id, h.score FROM (
                 SELECT rowid AS message_id, relevance(message_search) AS score FROM message_search
                 WHERE message_search MATCH ?1 ORDER BY rowid DESC LIMIT ?3) h
             CROSS JOIN messages m ON m.id = h.message_id)
         SELECT id FROM hits GROUP BY id ORDER BY min(score), id DESC LIMIT ?2",
        params![words.in_text(), limit, RANKED_HITS],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(words: &[&str]) -> Conn {
        let conn = Conn::sqlite_in_memory().expect("an in-memory database");
        crate::db::migrations::run(conn.sqlite().expect("SQLite")).expect("the schema");
        for w in words {
            conn.execute("INSERT INTO search_words (word) VALUES (?)", params![w])
                .expect("a word");
        }
        conn
    }

    #[test]
    fn typed_words_become_the_whole_words_they_begin() {
        let conn = vocabulary(&["imprimanta", "imprimare", "impozit", "sedinta"]);
        let q = query(&conn, "Imprim ședință").unwrap().unwrap();
        assert_eq!(q.fts, "(\"imprimanta\" OR \"imprimare\") AND (\"sedinta\")");
        assert!(!q.has_prefix);
        // A word that begins none is looked for as itself, and matches nothing.
        assert_eq!(query(&conn, "xyz").unwrap().unwrap().fts, "\"xyz\"");
        assert_eq!(query(&conn, " -- ").unwrap(), None);
    }

    #[test]
    fn a_word_that_begins_too_many_stays_a_prefix() {
        let many: Vec<String> = (0..=EXPANDED_WORDS).map(|i| format!("a{i:03}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let conn = vocabulary(&refs);
        let q = query(&conn, "a").unwrap().unwrap();
        assert_eq!((q.fts.as_str(), q.has_prefix), ("\"a\"*", true));
        assert_eq!(
            query(&conn, "a00")
                .unwrap()
                .map(|q| q.fts.matches(" OR ").count()),
            Some(9)
        );
    }
}
