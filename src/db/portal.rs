//! What the customer portal reads: the requests a person takes part in, newest first.

use rusqlite::params;
use rusqlite::types::Type;

use super::Conn;
use super::search::Query;
use crate::domain::ids::TicketId;
use crate::domain::ticket::Status;

/// One page of the Solicitări list.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    /// The signed-in customer's address: requests where it is the requester or a CC.
    pub address: String,
    pub status: Option<Status>,
    /// Matched against the subject and the public messages, in any case and with or without
    /// diacritics.
    pub text: Option<String>,
    /// A ticket id the text names (`HD-42` or `42`), matched besides the text.
    pub id: Option<TicketId>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone)]
pub struct RequestSummary {
    pub id: TicketId,
    pub subject: String,
    pub status: Status,
    pub updated_at: String,
}

/// The words through the full-text indexes, in the customer's own requests and their
/// public messages. Two ways, by what is cheaper: [`EACH`] asks the indexes about each of
/// the customer's requests and messages (a seek in each word's hits; most customers have
/// a few requests), [`SETS`] reads every hit of the words once and keeps the customer's
/// (sets made once): a customer with thousands of requests, or a word looked for as a
/// prefix, which FTS5 would rebuild on every call. The status is the one kept beside each
/// participant, so a request is read only when it matches.
const EACH: &str = "FROM participants p JOIN tickets t ON t.id = p.ticket_id
    WHERE p.address = ?1 AND p.role IN ('requester', 'cc')
      AND (?2 IS NULL OR p.status = ?2)
      AND (?3 IS NULL OR p.ticket_id = ?4
           OR EXISTS (SELECT 1 FROM subject_search WHERE subject_search MATCH ?3 AND rowid = p.ticket_id)
           OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = p.ticket_id
                      AND m.internal = 0 AND m.kind IN ('customer', 'agent')
                      AND EXISTS (SELECT 1 FROM message_search WHERE message_search MATCH ?3 AND rowid = m.id)))";
const SETS: &str = "FROM participants p JOIN tickets t ON t.id = p.ticket_id
    WHERE p.address = ?1 AND p.role IN ('requester', 'cc')
      AND (?2 IS NULL OR p.status = ?2)
      AND (?3 IS NULL OR p.ticket_id = ?4
           OR p.ticket_id IN (SELECT rowid FROM subject_search WHERE subject_search MATCH ?3
                       AND +rowid IN (SELECT ticket_id FROM participants
                                      WHERE address = ?1 AND role IN ('requester', 'cc')))
           OR p.ticket_id IN (SELECT m.ticket_id FROM message_search CROSS JOIN messages m ON m.id = message_search.rowid
                       WHERE message_search MATCH ?3
                         AND +message_search.rowid IN (SELECT mine.id FROM participants mp
                                 JOIN messages mine ON mine.ticket_id = mp.ticket_id
                                 WHERE mp.address = ?1 AND mp.role IN ('requester', 'cc'))
                         AND m.internal = 0 AND m.kind IN ('customer', 'agent')))";

/// Up to this many requests, a customer's search asks the indexes request by request:
/// each question costs 75–400 µs at a million tickets (a word's hits are found again per
/// question), one pass over a common word's hits 15–20 ms.
const FEW_REQUESTS: i64 = 20;

/// The customer's requests, off the participants' indexes alone (with the status kept
/// beside each participant); matching text reads the tickets too.
const MINE: &str = "FROM participants p WHERE p.address = ?1 AND p.role IN ('requester', 'cc')";
const MINE_IN_STATUS: &str =
    "FROM participants p WHERE p.address = ?1 AND p.status = ?2 AND p.role IN ('requester', 'cc')";

/// The page asked for, and how many requests match in all.
pub fn requests(conn: &Conn, q: &RequestQuery) -> rusqlite::Result<(Vec<RequestSummary>, i64)> {
    // The words, through the full-text index, in the customer's own requests only. Text
    // with no word in it matches no text.
    let words = match q.text.as_deref() {
        Some(t) => Some(super::search::query(conn, t)?.unwrap_or_else(|| Query {
            fts: "\"\"".into(),
            has_prefix: false,
        })),
        None => None,
    };
    let from_where = match &words {
        Some(w) if !w.has_prefix && requests_of(conn, &q.address)? <= FEW_REQUESTS => EACH,
        _ => SETS,
    };
    let pattern = words.map(|w| w.fts);
    let status = q.status.map(Status::as_str);
    let (total, mut stmt) = if pattern.is_none() && q.id.is_none() {
        // Count and page off the index; only the page's tickets are read.
        let from = if status.is_some() {
            MINE_IN_STATUS
        } else {
            MINE
        };
        let mut count = conn.prepare_cached(&format!("SELECT count(*) {from}"))?;
        let total: i64 = match status {
            Some(s) => count.query_row(params![q.address, s], |r| r.get(0))?,
            None => count.query_row(params![q.address], |r| r.get(0))?,
        };
        let page = format!(
            "SELECT t.id, t.subject, t.status, t.updated_at
             FROM (SELECT p.ticket_id {from} ORDER BY p.ticket_id DESC LIMIT ?5 OFFSET ?6) page
             JOIN tickets t ON t.id = page.ticket_id WHERE ?3 IS NULL AND ?4 IS NULL ORDER BY t.id DESC"
        );
        (Some(total), conn.prepare_cached(&page)?)
    } else {
        // The page and the count in one pass over the index's hits (the count over every
        // match, before the page is cut), not two; a page past the end counts apart.
        let page = format!(
            "SELECT t.id, t.subject, t.status, t.updated_at, count(*) OVER () {from_where}
             ORDER BY p.ticket_id DESC LIMIT ?5 OFFSET ?6"
        );
        (None, conn.prepare_cached(&page)?)
    };
    let mut counted = None;
    let rows = stmt.query_map(
        params![q.address, status, pattern, q.id, q.limit, q.offset],
        |r| {
            if total.is_none() {
                counted = Some(r.get::<_, i64>(4)?);
            }
            let status: String = r.get(2)?;
            Ok(RequestSummary {
                id: r.get(0)?,
                subject: r.get(1)?,
                status: Status::parse(&status).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        Type::Text,
                        format!("unknown status {status:?}").into(),
                    )
                })?,
                updated_at: r.get(3)?,
            })
        },
    )?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let total = match (total, counted) {
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) if q.offset == 0 => 0,
        (None, None) => conn
            .prepare_cached(&format!("SELECT count(*) {from_where}"))?
            .query_row(params![q.address, status, pattern, q.id], |r| r.get(0))?,
    };
    Ok((rows, total))
}

/// How many requests `address` takes part in (as the requester or a CC).
fn requests_of(conn: &Conn, address: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(&format!("SELECT count(*) {MINE}"))?
        .query_row([address], |r| r.get(0))
}

/// Whether `address` may see the ticket in the portal (requester or CC).
pub fn can_see(conn: &Conn, ticket_id: TicketId, address: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM participants WHERE ticket_id = ? AND address = ? AND role IN ('requester', 'cc'))",
    )?
    .query_row(params![ticket_id, address], |r| r.get(0))
}
