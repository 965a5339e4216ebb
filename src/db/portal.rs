//! What the customer portal reads: the requests a person takes part in, newest first.

use rusqlite::params;
use rusqlite::types::Type;

use super::Conn;
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
/// public messages: the query asks for the customer's reader word beside the typed words
/// ([`Query::read_by`]), so each index returns only their hits, and those are checked
/// against the participants. The status is the one kept beside each participant, so a
/// request is read only when it matches.
const MATCHING: &str = "FROM participants p JOIN tickets t ON t.id = p.ticket_id
    WHERE p.address = ?1 AND p.role IN ('requester', 'cc')
      AND (?2 IS NULL OR p.status = ?2)
      AND (?3 IS NULL OR p.ticket_id = ?4
           OR p.ticket_id IN (SELECT rowid FROM subject_search WHERE subject_search MATCH ?3)
           OR p.ticket_id IN (SELECT m.ticket_id FROM message_search CROSS JOIN messages m ON m.id = message_search.rowid
                       WHERE message_search MATCH ?3 AND m.internal = 0 AND m.kind IN ('customer', 'agent')))";

/// The customer's requests, off the participants' indexes alone (with the status kept
/// beside each participant); matching text reads the tickets too.
const MINE: &str = "FROM participants p WHERE p.address = ?1 AND p.role IN ('requester', 'cc')";
const MINE_IN_STATUS: &str =
    "FROM participants p WHERE p.address = ?1 AND p.status = ?2 AND p.role IN ('requester', 'cc')";

/// The page asked for, and how many requests match in all.
pub fn requests(conn: &Conn, q: &RequestQuery) -> rusqlite::Result<(Vec<RequestSummary>, i64)> {
    // The words, through the full-text index, in the customer's own requests only. Text
    // with no word in it matches no text.
    let pattern = match q.text.as_deref() {
        Some(t) => Some(match super::search::query(conn, t)? {
            Some(words) => words.read_by(&q.address),
            None => "\"\"".into(),
        }),
        None => None,
    };
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
            "SELECT t.id, t.subject, t.status, t.updated_at, count(*) OVER () {MATCHING}
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
            .prepare_cached(&format!("SELECT count(*) {MATCHING}"))?
            .query_row(params![q.address, status, pattern, q.id], |r| r.get(0))?,
    };
    Ok((rows, total))
}

/// Whether `address` may see the ticket in the portal (requester or CC).
pub fn can_see(conn: &Conn, ticket_id: TicketId, address: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM participants WHERE ticket_id = ? AND address = ? AND role IN ('requester', 'cc'))",
    )?
    .query_row(params![ticket_id, address], |r| r.get(0))
}
