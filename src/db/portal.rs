//! What the customer portal reads: the requests a person takes part in, newest first.

use super::{CiText, Conn, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::ticket::Status;
use crate::params;

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
const MATCHING: &str = "FROM participants p
    WHERE p.address = ?1 AND p.role IN ('requester', 'cc')
      AND (?2 IS NULL OR p.status = ?2)
      AND (?3 IS NULL OR p.ticket_id = ?4
           OR p.ticket_id IN (SELECT rowid FROM subject_search WHERE subject_search MATCH ?3)
           OR p.ticket_id IN (SELECT m.ticket_id FROM message_search CROSS JOIN messages m ON m.id = message_search.rowid
                       WHERE message_search MATCH ?3 AND m.internal = 0 AND m.kind IN ('customer', 'agent')))";

/// [`MATCHING`] on PostgreSQL: the words and the reader together through the stored words of
/// subjects and messages, whose readers' lexemes are those of public messages only, so the
/// index itself keeps to the customer's requests. No word ('') is no match, not the reader's
/// every request.
const MATCHING_POSTGRES: &str = "FROM participants p
    WHERE p.address = ?1 AND p.role IN ('requester', 'cc')
      AND (?2 IS NULL OR p.status = ?2)
      AND (?3 IS NULL OR p.ticket_id = ?4
           OR ?3 <> '' AND p.ticket_id IN (SELECT s.id FROM tickets s
                       WHERE s.subject_words @@ (to_tsquery('simple', ?3) && reader_query(?1::text)))
           OR ?3 <> '' AND p.ticket_id IN (SELECT m.ticket_id FROM messages m
                       WHERE m.body_words @@ (to_tsquery('simple', ?3) && reader_query(?1::text))))";

/// The customer's requests, off the participants' indexes alone (with the status kept
/// beside each participant); matching text reads the tickets too.
const MINE: &str = "FROM participants p WHERE p.address = ?1 AND p.role IN ('requester', 'cc')";
/// [`MINE`] on PostgreSQL, off `participants_mine`: its key is the folded address as plain
/// text, which compares a byte at a time, where each `citext` comparison folds both sides
/// (2.2 ms against 0.6 ms for a customer with 5,000 requests). The same folding as
/// `citext`'s: `lower()` in the database's collation.
const MINE_POSTGRES: &str =
    "FROM participants p WHERE lower(p.address::text) COLLATE \"C\" = lower(CAST(?1 AS text))
    AND p.role IN ('requester', 'cc')";
const MINE_IN_STATUS: &str =
    "FROM participants p WHERE p.address = ?1 AND p.status = ?2 AND p.role IN ('requester', 'cc')";

/// The page asked for, and how many requests match in all.
pub fn requests(conn: &Conn, q: &RequestQuery) -> SqlResult<(Vec<RequestSummary>, i64)> {
    // The words, through the full-text index, in the customer's own requests only. Text
    // with no word in it matches no text.
    let pattern = match q.text.as_deref() {
        Some(t) => Some(match super::search::query(conn, t)? {
            Some(words) => words.read_by(&q.address),
            // Text with no word in it matches no text.
            None => conn.pick("\"\"", "").into(),
        }),
        None => None,
    };
    let matching = conn.pick(MATCHING, MATCHING_POSTGRES);
    let address = CiText(&q.address);
    let status = q.status.map(Status::as_str);
    let (total, page) = if pattern.is_none() && q.id.is_none() {
        // Count and page off the index; only the page's tickets are read.
        let from = if status.is_some() {
            MINE_IN_STATUS
        } else {
            conn.pick(MINE, MINE_POSTGRES)
        };
        let count = format!("SELECT count(*) {from}");
        let total: i64 = match status {
            Some(s) => conn.query_row(&count, params![address, s], |r| r.get(0))?,
            None => conn.query_row(&count, params![address], |r| r.get(0))?,
        };
        let page = format!(
            "SELECT t.id, t.subject, t.status, t.updated_at
             FROM (SELECT p.ticket_id {from} ORDER BY p.ticket_id DESC LIMIT ?5 OFFSET ?6) page
             JOIN tickets t ON t.id = page.ticket_id WHERE ?3 IS NULL AND ?4 IS NULL ORDER BY t.id DESC"
        );
        (Some(total), page)
    } else {
        // The page and the count in one pass over the index's hits (the count over every
        // match, before the page is cut), not two; a page past the end counts apart. Only
        // the page's tickets are read (a customer's common word matches hundreds).
        let page = format!(
            "SELECT t.id, t.subject, t.status, t.updated_at, page.total
             FROM (SELECT p.ticket_id, count(*) OVER () AS total {matching}
                   ORDER BY p.ticket_id DESC LIMIT ?5 OFFSET ?6) page
             JOIN tickets t ON t.id = page.ticket_id ORDER BY t.id DESC"
        );
        (None, page)
    };
    let mut counted = None;
    let rows = conn.query_map(
        &page,
        params![address, status, pattern, q.id, q.limit, q.offset],
        |r| {
            if total.is_none() {
                counted = Some(r.get::<_, i64>(4)?);
            }
            let status: String = r.get(2)?;
            Ok(RequestSummary {
                id: r.get(0)?,
                subject: r.get(1)?,
                status: super::known(Status::parse(&status), 2, status)?,
                updated_at: r.get(3)?,
            })
        },
    )?;
    let total = match (total, counted) {
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) if q.offset == 0 => 0,
        (None, None) => conn.query_row(
            &format!("SELECT count(*) {matching}"),
            params![address, status, pattern, q.id],
            |r| r.get(0),
        )?,
    };
    Ok((rows, total))
}

/// Whether `address` may see the ticket in the portal (requester or CC).
pub fn can_see(conn: &Conn, ticket_id: TicketId, address: &str) -> SqlResult<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM participants WHERE ticket_id = ? AND address = ? AND role IN ('requester', 'cc'))",
        params![ticket_id, CiText(address)],
        |r| r.get(0),
    )
}
