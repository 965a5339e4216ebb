//! PostgreSQL's ranked search: the newest hits of each table, scored as FTS5 scores them.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use crate::db::search::{Query, RANKED_HITS};
use crate::db::{Array, Conn, Many, Param, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::relevance::{self, Phrase};
use crate::params;

/// The tables the ranked search reads: the table, its ticket's column, its words' column,
/// their length's column, and what a hit there adds to the score (a subject's hit counts
/// as one more word matched).
const SOURCES: [(&str, &str, &str, &str, f64); 2] = [
    ("tickets", "id", "subject_words", "subject_length", 1.0),
    ("messages", "ticket_id", "body_words", "body_length", 0.0),
];

/// For each of [`SOURCES`], whether the planner knows one of the query's words only as
/// rare there, so that its hits are few (every hit holding every word, they are no more
/// than that word's): one statement for them all (`search_estimate`, the planner's
/// estimate as EXPLAIN gives it). PostgreSQL keeps the frequency of a column's thousand or
/// so most common words (`ANALYZE`, which autovacuum runs) and guesses 0.5 % or less for
/// any other; a combination's estimate is no bound (its words are taken as independent,
/// and are not). Never before the column has statistics: until then (a table built by
/// `copy-db`, which makes its indexes after its rows) the planner guesses for every word.
/// What it found is kept for [`RARE_KEPT`] ([`RARE_LATELY`]).
fn rare(conn: &Conn, words: &Query) -> SqlResult<Vec<bool>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let sources: Vec<String> = SOURCES
            .iter()
            .enumerate()
            .map(|(n, (table, _, column, _, _))| format!("({n}, '{table}', '{column}')"))
            .collect();
        format!(
            "SELECT CASE WHEN c.reltuples > 0 AND EXISTS (
                         SELECT 1 FROM pg_stats st WHERE st.schemaname = c.relnamespace::regnamespace::text
                         AND st.tablename = s.source AND st.attname = s.words) THEN (
                        SELECT coalesce(bool_or(search_estimate(c.oid, s.words, p) / c.reltuples <= ?2), false)
                        FROM unnest(?1::text[]) p)
                    ELSE false END
             FROM (VALUES {}) s(n, source, words) JOIN pg_class c ON c.oid = s.source::regclass
             ORDER BY s.n",
            sources.join(", ")
        )
    });
    let key = words.parts.join("\n");
    if let Some((at, found)) = findings().get(&key)
        && at.elapsed() < RARE_KEPT
    {
        return Ok(found.clone());
    }
    let parts = Array::Text(words.parts.iter().map(|p| Some(p.as_str())).collect());
    let found: Vec<bool> = conn.query_map(&SQL, params![parts, RARE_SHARE], |r| r.get(0))?;
    let mut rare = findings();
    if rare.len() >= RARE_KEPT_QUERIES {
        rare.retain(|_, (at, _)| at.elapsed() < RARE_KEPT);
        if rare.len() >= RARE_KEPT_QUERIES {
            rare.clear();
        }
    }
    rare.insert(key, (Instant::now(), found.clone()));
    Ok(found)
}

/// What [`rare`] found lately, by the query's words: the planner's estimates change with
/// the statistics (`ANALYZE`) and the table's size, slowly, and a finding gone stale costs
/// time (the newest rows read for too few hits, or a common word's hits read from the
/// index), never a hit. The next page of
/// hits, and a page that refreshes itself, ask again what was just asked; asking the
/// planner costs about 1 ms of the server's time for each search.
static RARE_LATELY: LazyLock<Mutex<Findings>> = LazyLock::new(Mutex::default);

/// When [`rare`] found what, for each of [`SOURCES`], by the query's words.
type Findings = HashMap<String, (Instant, Vec<bool>)>;

fn findings() -> std::sync::MutexGuard<'static, Findings> {
    // A finding is whole or not there: a thread that panicked left nothing half written.
    RARE_LATELY.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long a finding of [`rare`] is kept, and for how many queries at most.
const RARE_KEPT: Duration = Duration::from_secs(300);
const RARE_KEPT_QUERIES: usize = 1_000;

/// The share of the rows up to which the planner knows a word no better than "rare": its
/// guess, 0.5 %, and the rounding of its estimate to whole rows.
const RARE_SHARE: f64 = 0.00505;

/// How many of the newest rows PostgreSQL reads first for a word's newest hits.
const NEWEST_ROWS: i64 = 10 * RANKED_HITS;

/// [`ranked`](crate::db::search::ranked) on PostgreSQL, scored as FTS5's hits are
/// ([`relevance::score`]): from each hit's stored words come how often it holds each of
/// the query's phrases (`setweight` marks the query's words and `ts_filter` keeps them; for
/// a query with a prefix, every word of the hit that a phrase begins), beside the text's
/// length and the table's average length (`search_totals`). A GIN index gives its hits in
/// no useful order: the newest [`RANKED_HITS`] of a common word are found by reading the
/// newest rows until there are enough ([`NEWEST_ROWS`] at most, some 10 ms at a million
/// rows), and a word rarer than that has all its hits read from the index (`id + 0` keeps
/// the planner off the walk, which for a word it misjudges as common read the whole
/// table). A query with a [`rare`] word skips the newest rows: they would not hold enough
/// of its hits. Either way the hits are the newest [`RANKED_HITS`], and they come as one
/// row of arrays ([`Many`]): as 2,000 rows, they took the server and the driver about a
/// quarter of the statement's time.
pub(in crate::db::search) fn ranked(
    conn: &Conn,
    words: &Query,
    limit: i64,
) -> SqlResult<Vec<TicketId>> {
    let phrases = Array::Text(
        words
            .phrases
            .iter()
            .map(|p| match p {
                Phrase::Word(w) | Phrase::Prefix(w) => Some(w.as_str()),
            })
            .collect(),
    );
    let mut best: HashMap<i64, f64> = HashMap::new();
    for ((table, ticket, column, length, bonus), rare) in
        SOURCES.into_iter().zip(rare(conn, words)?)
    {
        // The hit's words that a phrase may count, with their positions.
        let kept = match words.has_prefix {
            false => "?3".to_string(),
            true => format!(
                "ARRAY(SELECT w FROM unnest(tsvector_to_array(x.{column})) AS w WHERE w ^@ ANY(?3))"
            ),
        };
        // A length not written (by a node that ran before the lengths were kept) is read
        // off the words.
        let hit = format!(
            "x.{ticket}::int8 AS ticket, coalesce(x.{length}, search_length(x.{column}))::float8 AS length,
             ts_filter(setweight(x.{column}, 'A', {kept}), '{{a}}')::text AS kept"
        );
        let aggregated = |from: &str| {
            format!(
                "SELECT array_agg(h.ticket), array_agg(h.length), array_agg(h.kept),
                     (SELECT words::float8 / texts FROM search_totals WHERE source = '{table}')
                 FROM (SELECT {hit} FROM {from}) h"
            )
        };
        // The newest rows are read for the columns a hit needs only (a whole row takes some
        // 15 % longer).
        let needed = match ticket {
            "id" => format!("id, {column}, {length}"),
            _ => format!("id, {ticket}, {column}, {length}"),
        };
        let newest = aggregated(&format!(
            "(SELECT {needed} FROM {table} ORDER BY id DESC LIMIT ?4) x
             WHERE x.{column} @@ to_tsquery('simple', ?1) ORDER BY x.id DESC LIMIT ?2"
        ));
        let read = |sql: &str, args: &[&dyn Param]| -> SqlResult<Vec<(i64, f64)>> {
            let (tickets, lengths, kept, average) = conn.query_row(sql, args, |r| {
                let tickets: Option<Many<i64>> = r.get(0)?;
                let lengths: Option<Many<Option<f64>>> = r.get(1)?;
                let kept: Option<Many<Option<String>>> = r.get(2)?;
                let average: Option<f64> = r.get(3)?;
                Ok((tickets, lengths, kept, average))
            })?;
            let (Some(Many(tickets)), Some(Many(lengths)), Some(Many(kept))) =
                (tickets, lengths, kept)
            else {
                return Ok(Vec::new());
            };
            let scored = tickets.into_iter().zip(lengths).zip(kept);
            Ok(scored
                .map(|((ticket, length), kept)| {
                    let counts = positions(kept.as_deref().unwrap_or_default());
                    let counts = counts.iter().map(|(w, n)| (w.as_str(), *n));
                    let occurrences = relevance::occurrences(&words.phrases, counts);
                    let score = relevance::score(
                        &occurrences,
                        length.unwrap_or(0.0),
                        average.unwrap_or(1.0),
                    );
                    (ticket, score - bonus)
                })
                .collect())
        };
        let mut hits = match rare {
            true => vec![],
            false => read(
                &newest,
                params![words.fts, RANKED_HITS, phrases, NEWEST_ROWS],
            )?,
        };
        if (hits.len() as i64) < RANKED_HITS {
            let every = aggregated(&format!(
                "{table} x WHERE x.{column} @@ to_tsquery('simple', ?1) ORDER BY x.id + 0 DESC LIMIT ?2"
            ));
            hits = read(&every, params![words.fts, RANKED_HITS, phrases])?;
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

/// The lexemes of a `tsvector` as PostgreSQL writes it (`'word':1A,5A 'it''s':2`), each
/// with how many positions it has.
fn positions(vector: &str) -> Vec<(String, u32)> {
    let mut found = Vec::new();
    let mut chars = vector.chars().peekable();
    loop {
        while chars.next_if_eq(&' ').is_some() {}
        if chars.next() != Some('\'') {
            return found;
        }
        let mut lexeme = String::new();
        loop {
            match chars.next() {
                None => return found,
                Some('\'') if chars.next_if_eq(&'\'').is_some() => lexeme.push('\''),
                Some('\'') => break,
                Some('\\') => lexeme.extend(chars.next()),
                Some(c) => lexeme.push(c),
            }
        }
        let mut count = 0;
        if chars.next_if_eq(&':').is_some() {
            count = 1;
            while let Some(c) = chars.next_if(|c| *c != ' ') {
                count += u32::from(c == ',');
            }
        }
        found.push((lexeme, count));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vectors_lexemes_are_read_with_their_counts() {
        assert_eq!(
            positions("'imprimanta':1A,5A,9A 'nu':2A"),
            [("imprimanta".to_string(), 3), ("nu".to_string(), 1)]
        );
        assert_eq!(
            positions(r"'it''s':3 'a\\b':1,2 'fara'"),
            [
                ("it's".to_string(), 1),
                (r"a\b".to_string(), 2),
                ("fara".to_string(), 0)
            ]
        );
        assert!(positions("").is_empty());
        assert_eq!(positions("'cut"), [], "a lexeme cut short is left out");
    }
}
