//! PostgreSQL's side of full-text search: the words stored beside each row, written behind
//! the commit with the vocabulary, and the ranked search over them.

use std::collections::HashMap;

use crate::db::{Array, Conn, SqlResult};
use crate::params;

mod ranked;

pub(super) use ranked::ranked;

/// PostgreSQL: a table's stored words and what they are written from: the folded text's
/// words and, for subjects and public messages, their readers' (`readers_vector()`,
/// lexemes no typed word begins); for the tables the ranked search scores, the column of
/// the text's length in words (`search_length()`), counted in `search_totals`. The
/// migrations that made the columns filled them with the same expressions.
pub struct StoredWords {
    pub table: &'static str,
    pub column: &'static str,
    words: &'static str,
    pub length: Option<&'static str>,
}

impl StoredWords {
    /// What an `UPDATE` of the table sets to write a row's words (and their length).
    fn set(&self) -> String {
        let (column, words) = (self.column, self.words);
        match self.length {
            Some(length) => format!(
                "({column}, {length}) = (SELECT w, search_length(w) FROM (SELECT {words}) AS s(w))"
            ),
            None => format!("{column} = {words}"),
        }
    }

    /// The statements that write every row's words at once, and count their texts into
    /// `search_totals` for a table whose length is kept.
    fn fill(&self) -> Vec<String> {
        let table = self.table;
        let mut fill = vec![format!("UPDATE {table} SET {}", self.set())];
        if let Some(length) = self.length {
            fill.push(format!(
                "INSERT INTO search_totals (texts, words, source)
                 SELECT count(*), sum({length}), '{table}' FROM {table} WHERE {length} IS NOT NULL
                 HAVING count(*) > 0"
            ));
        }
        fill
    }
}

/// PostgreSQL: each table's stored words.
pub const POSTGRES_WORDS: [StoredWords; 3] = [
    StoredWords {
        table: "tickets",
        column: "subject_words",
        words: "search_vector(subject) || readers_vector(id)",
        length: Some("subject_length"),
    },
    StoredWords {
        table: "messages",
        column: "body_words",
        words: "search_vector(body) || CASE WHEN NOT internal AND kind IN ('customer', 'agent') \
                THEN readers_vector(ticket_id) ELSE ''::tsvector END",
        length: Some("body_length"),
    },
    StoredWords {
        table: "customers",
        column: "words",
        words: "search_vector(name || ' ' || email)",
        length: None,
    },
];

/// PostgreSQL: the vocabulary made again from every row's words (readers' lexemes aside),
/// as the migration that made it filled it.
const POSTGRES_VOCABULARY: &str = "INSERT INTO search_vocabulary (word)
    SELECT word FROM ts_stat('SELECT subject_words FROM tickets WHERE subject_words IS NOT NULL
                              UNION ALL SELECT body_words FROM messages WHERE body_words IS NOT NULL
                              UNION ALL SELECT words FROM customers WHERE words IS NOT NULL')
    WHERE left(word, 1) <> '@'
    ON CONFLICT DO NOTHING";

/// PostgreSQL: the statements that write every row's search words, the vocabulary and the
/// queue's words at once (as the migrations filled them), each with what it writes.
pub fn postgres_fill() -> Vec<(String, String)> {
    let mut fill = Vec::new();
    for stored in &POSTGRES_WORDS {
        let what = format!("the words of {}", stored.table);
        fill.extend(stored.fill().into_iter().map(|q| (q, what.clone())));
    }
    fill.push((POSTGRES_VOCABULARY.into(), "the search vocabulary".into()));
    fill.push((queue_words("TRUE", "TRUE"), "the queue's words".into()));
    fill.push((QUEUE_WORDS_FILLED.into(), "the queue's words' mark".into()));
    fill
}

/// Marks `queue_words` as filled (a row of `settings`): the queue reads it from then on,
/// and until then checks every open ticket's texts, as before the table was made (see
/// `db::queue`). A node's first pass of [`queue_words_again`] through every ticket sets it
/// ([`super::queue_words_filled`]).
pub(super) const QUEUE_WORDS_FILLED: &str = "INSERT INTO settings (key, value) VALUES ('queue_words', 'filled') ON CONFLICT (key) DO NOTHING";

/// Whether [`QUEUE_WORDS_FILLED`] was written: a condition for the queue's statement.
pub const QUEUE_WORDS_ARE_FILLED: &str =
    "EXISTS (SELECT 1 FROM settings WHERE key = 'queue_words')";

/// PostgreSQL: the statement that adds the words of the subjects `subjects` picks (a
/// condition on `t`) and of the messages `messages` picks (on `m`), as indexed, to the
/// rows of `queue_words` of their tickets that are not closed (see the migration that made
/// it), each ticket's row in the order of their ids. A row that would not change is not
/// written again (a node's start adds every ticket's words, nearly all there already).
fn queue_words(subjects: &str, messages: &str) -> String {
    format!(
        "INSERT INTO queue_words (ticket_id, words)
         SELECT w.ticket_id, words_union(typed_lexemes(w.words))
         FROM (SELECT t.id AS ticket_id, t.subject_words AS words FROM tickets t
               WHERE {subjects} AND t.status <> 'closed'
               UNION ALL
               SELECT m.ticket_id, m.body_words FROM messages m JOIN tickets t ON t.id = m.ticket_id
               WHERE {messages} AND t.status <> 'closed') AS w
         WHERE w.words IS NOT NULL
         GROUP BY w.ticket_id ORDER BY w.ticket_id
         ON CONFLICT (ticket_id) DO UPDATE SET words = words_or_too_many(queue_words.words, excluded.words)
         WHERE words_or_too_many(queue_words.words, excluded.words) IS DISTINCT FROM queue_words.words"
    )
}

/// [`queue_words_again`](super::queue_words_again).
pub(super) fn queue_words_again(conn: &Conn, after: i64, chunk: i64) -> SqlResult<Option<i64>> {
    let ids: Vec<Option<i64>> = conn.query_map(
        "SELECT id FROM tickets WHERE id > ?1 AND status <> 'closed' ORDER BY id LIMIT ?2",
        params![after, chunk],
        |r| r.get(0),
    )?;
    let Some(&Some(last)) = ids.last() else {
        return Ok(None);
    };
    let add = queue_words("t.id = ANY(?1)", "t.id = ANY(?1)");
    conn.execute(&add, params![Array::Int(ids)])?;
    Ok(Some(last))
}

/// [`forget_closed`](super::forget_closed): rows a catch-up is writing are skipped, not
/// waited for.
pub(super) fn forget_closed(conn: &Conn, batch: i64) -> SqlResult<usize> {
    conn.execute(
        "DELETE FROM queue_words WHERE ticket_id IN (
             SELECT q.ticket_id FROM queue_words q JOIN tickets t ON t.id = q.ticket_id
             WHERE t.status = 'closed' LIMIT ?1 FOR UPDATE OF q SKIP LOCKED)",
        params![batch],
    )
}

/// PostgreSQL's [`catch_up`](super::catch_up): the words of at most `batch` rows of each table that have
/// none yet with their lengths, and those words in the vocabulary (each row claimed with
/// the lock an update of a column that is no key takes, so that the new row of
/// `queue_words` for a ticket this catch-up claimed never waits for it when another node
/// checks that the ticket exists); then, last, the new words of their tickets in
/// `queue_words` and the texts and their words counted in the tables' totals. Rows another node is indexing are skipped, not waited for. Those last
/// rows are written in the same order on every node (the tickets' by id, then each
/// table's totals): a catch-up holds them only from then to its commit and waits for
/// nothing else while it does, so two nodes catching up never wait for each other in a
/// circle (one waiting for the other's new words of the vocabulary, the other for a row
/// it holds). A node adding every ticket's words again holds none but those rows, taken
/// in the same order; nothing else writes them but to drop closed tickets', which skips
/// the rows it would wait for.
pub(super) fn catch_up(conn: &Conn, batch: i64) -> SqlResult<usize> {
    let mut done = 0;
    let mut counted = Vec::new();
    let mut indexed_ids: HashMap<&str, Vec<Option<i64>>> = HashMap::new();
    for stored in &POSTGRES_WORDS {
        let (table, column, set) = (stored.table, stored.column, stored.set());
        let length = stored.length.unwrap_or("0");
        let indexed: Vec<(i64, i64)> = conn.query_map(
            &format!(
                "WITH done AS (
                     UPDATE {table} SET {set} WHERE id IN (
                         SELECT id FROM {table} WHERE {column} IS NULL ORDER BY id LIMIT ?1
                         FOR NO KEY UPDATE SKIP LOCKED)
                     RETURNING id, {column} AS words, {length} AS length),
                 known AS (
                     INSERT INTO search_vocabulary (word)
                     SELECT DISTINCT l.word FROM done, unnest(tsvector_to_array(done.words)) AS l(word)
                     WHERE left(l.word, 1) <> '@'
                     ON CONFLICT DO NOTHING)
                 SELECT id, coalesce(length, 0) FROM done"
            ),
            params![batch],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        done += indexed.len();
        indexed_ids.insert(table, indexed.iter().map(|&(id, _)| Some(id)).collect());
        if stored.length.is_some() && !indexed.is_empty() {
            let words = indexed.iter().map(|&(_, length)| length).sum::<i64>();
            counted.push((table, indexed.len() as i64, words));
        }
    }
    let mut ids = |table| indexed_ids.remove(table).unwrap_or_default();
    let (subjects, messages) = (ids("tickets"), ids("messages"));
    if !subjects.is_empty() || !messages.is_empty() {
        let add = queue_words("t.id = ANY(?1)", "m.id = ANY(?2)");
        conn.execute(&add, params![Array::Int(subjects), Array::Int(messages)])?;
    }
    for (table, texts, words) in counted {
        conn.execute(
            "INSERT INTO search_totals (source, texts, words) VALUES (?1, ?2, ?3)
             ON CONFLICT (source) DO UPDATE
             SET texts = search_totals.texts + excluded.texts, words = search_totals.words + excluded.words",
            params![table, texts, words],
        )?;
    }
    Ok(done)
}
