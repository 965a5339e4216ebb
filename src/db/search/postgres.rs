//! PostgreSQL's side of full-text search: the words stored beside each row, written behind
//! the commit with the vocabulary, and the ranked search over them.

use std::collections::HashMap;

use super::{Query, RANKED_HITS};
use crate::db::{Conn, Param, SqlResult};
use crate::domain::ids::TicketId;
use crate::params;

/// PostgreSQL: each table's stored words, and what they are written from: the folded
/// text's words and, for subjects and public messages, their readers'
/// (`readers_vector()`, lexemes no typed word begins). The migration that made the columns
/// filled them with the same expressions.
pub const POSTGRES_WORDS: [(&str, &str, &str); 3] = [
    (
        "tickets",
        "subject_words",
        "search_vector(subject) || readers_vector(id)",
    ),
    (
        "messages",
        "body_words",
        "search_vector(body) || CASE WHEN NOT internal AND kind IN ('customer', 'agent') \
         THEN readers_vector(ticket_id) ELSE ''::tsvector END",
    ),
    ("customers", "words", "search_vector(name || ' ' || email)"),
];

/// PostgreSQL: the vocabulary made again from every row's words (readers' lexemes aside),
/// as the migration that made it filled it.
pub const POSTGRES_VOCABULARY: &str = "INSERT INTO search_vocabulary (word)
    SELECT word FROM ts_stat('SELECT subject_words FROM tickets WHERE subject_words IS NOT NULL
                              UNION ALL SELECT body_words FROM messages WHERE body_words IS NOT NULL
                              UNION ALL SELECT words FROM customers WHERE words IS NOT NULL')
    WHERE left(word, 1) <> '@'
    ON CONFLICT DO NOTHING";

/// PostgreSQL's [`catch_up`](super::catch_up): the words of at most `batch` rows of each table that have
/// none yet, and those words in the vocabulary. Rows another node is indexing are
/// skipped, not waited for.
pub(super) fn catch_up(conn: &Conn, batch: i64) -> SqlResult<usize> {
    let mut done = 0;
    for (table, column, words) in POSTGRES_WORDS {
        let indexed: i64 = conn.query_row(
            &format!(
                "WITH done AS (
                     UPDATE {table} SET {column} = {words} WHERE id IN (
                         SELECT id FROM {table} WHERE {column} IS NULL ORDER BY id LIMIT ?1
                         FOR UPDATE SKIP LOCKED)
                     RETURNING {column} AS words),
                 known AS (
                     INSERT INTO search_vocabulary (word)
                     SELECT DISTINCT l.word FROM done, unnest(tsvector_to_array(done.words)) AS l(word)
                     WHERE left(l.word, 1) <> '@'
                     ON CONFLICT DO NOTHING)
                 SELECT count(*) FROM done"
            ),
            params![batch],
            |r| r.get(0),
        )?;
        done += usize::try_from(indexed).unwrap_or(0);
    }
    Ok(done)
}

/// Whether the planner knows one of the query's words only as rare in `column` of
/// `table`, so that its hits are few (every hit holding every word, they are no more than
/// that word's). PostgreSQL keeps the frequency of a column's thousand or so most common
/// words (`ANALYZE`, which autovacuum runs) and guesses 0.5 % or less for any other; a
/// combination's estimate is no bound (its words are taken as independent, and are not).
/// Never before the table's first statistics.
pub fn rare(conn: &Conn, words: &Query, table: &str, column: &str) -> SqlResult<bool> {
    let rows: f64 = conn.query_row(
        "SELECT reltuples::float8 FROM pg_class WHERE oid = CAST(?1 AS regclass)",
        params![table],
        |r| r.get(0),
    )?;
    if rows <= 0.0 {
        return Ok(false);
    }
    let estimate =
        format!("EXPLAIN SELECT 1 FROM {table} x WHERE x.{column} @@ to_tsquery('simple', ?1)");
    for part in &words.parts {
        let plan: Vec<String> = conn.query_map(&estimate, params![part], |r| r.get(0))?;
        // The first line is the whole plan's: "… (cost=0.00..8.03 rows=2 width=4)".
        let expected: Option<f64> = plan
            .first()
            .and_then(|line| line.split(" rows=").nth(1))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok());
        if expected.is_some_and(|n| n / rows <= RARE_SHARE) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The share of the rows up to which the planner knows a word no better than "rare": its
/// guess, 0.5 %, and the rounding of its estimate to whole rows.
const RARE_SHARE: f64 = 0.00505;

/// How many of the newest rows PostgreSQL reads first for a word's newest hits.
const NEWEST_ROWS: i64 = 10 * RANKED_HITS;

/// [`ranked`](super::ranked) on PostgreSQL, scored with `ts_rank` (higher is better, hence its sign). A GIN
/// index gives its hits in no useful order: the newest [`RANKED_HITS`] of a common word
/// are found by reading the newest rows until there are enough ([`NEWEST_ROWS`] at most,
/// some 10 ms at a million rows), and a word rarer than that has all its hits read from
/// the index (`id + 0` keeps the planner off the walk, which for a word it misjudges as
/// common read the whole table). A query with a [`rare`] word skips the newest rows: they
/// would not hold enough of its hits. Either way the hits are the newest [`RANKED_HITS`].
pub(super) fn ranked(conn: &Conn, words: &Query, limit: i64) -> SqlResult<Vec<TicketId>> {
    let mut best: HashMap<i64, f64> = HashMap::new();
    for (table, id, ticket, column, bonus) in [
        ("tickets", "id", "id", "subject_words", 1.0),
        ("messages", "id", "ticket_id", "body_words", 0.0),
    ] {
        let score = format!("-ts_rank(x.{column}, to_tsquery('simple', ?1))::float8 - {bonus:.1}");
        let newest = format!(
            "SELECT x.{ticket}, {score} FROM (SELECT * FROM {table} ORDER BY {id} DESC LIMIT ?3) x
             WHERE x.{column} @@ to_tsquery('simple', ?1) ORDER BY x.{id} DESC LIMIT ?2"
        );
        let read = |sql: &str, args: &[&dyn Param]| -> SqlResult<Vec<(i64, f64)>> {
            conn.query_map(sql, args, |r| Ok((r.get(0)?, r.get(1)?)))
        };
        let mut hits = match rare(conn, words, table, column)? {
            true => vec![],
            false => read(&newest, params![words.fts, RANKED_HITS, NEWEST_ROWS])?,
        };
        if (hits.len() as i64) < RANKED_HITS {
            let every = format!(
                "SELECT x.{ticket}, {score} FROM {table} x
                 WHERE x.{column} @@ to_tsquery('simple', ?1) ORDER BY x.{id} + 0 DESC LIMIT ?2"
            );
            hits = read(&every, params![words.fts, RANKED_HITS])?;
        }
        for (ticket, score) in hits {
            let kept = best.entry(ticket).or_insert(score);
            *kept = kept.min(score);
        }
    }
    let mut ranked: Vec<(i64, f64)> = best.into_iter().collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    Ok(ranked
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|(id, _)| TicketId(id))
        .collect())
}
