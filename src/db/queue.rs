//! The agents' queue: open tickets, unassigned first, then by when their SLA runs out.

use std::collections::HashMap;
use std::error::Error;

use chrono::{DateTime, Utc};
use rusqlite::types::ToSqlOutput;
use sqlx::Arguments;
use sqlx::postgres::PgArguments;

use super::{Conn, OPEN_STATUSES as OPEN, Param, SqlResult};
use crate::domain::ids::AgentId;
use crate::domain::ids::TicketId;
use crate::domain::sla::Entered;
use crate::domain::ticket::{Priority, Status};
use crate::params;

/// Which part of the queue to show; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only this agent's tickets.
    pub assignee: Option<AgentId>,
    pub unassigned: bool,
    pub status: Option<Status>,
    /// Only tickets whose clock ran out before this instant, or that recorded a breach.
    pub breached_at: Option<DateTime<Utc>>,
    /// Words found in the subject, a message or the requester's name and address; a ticket id too.
    pub text: Option<String>,
    pub id: Option<TicketId>,
    /// Only this queue's tickets.
    pub queue: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: TicketId,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub requester_email: String,
    pub requester_name: String,
    pub assignee_id: Option<AgentId>,
    pub assignee_name: Option<String>,
    pub sla_due_at: Option<String>,
    pub updated_at: String,
    pub assigned_at: Option<String>,
    pub queue: String,
    /// The customer or a partner answered since the assignee last opened it.
    pub news: bool,
}

/// The filters, on columns of the `tickets_queue` index only, so that counting and paging
/// stay inside the index; matching text reads the ticket and its requester too.
fn where_clause(conn: &Conn, with_text: bool) -> String {
    let base = "(?1 IS NULL OR t.assignee_id = ?1) AND (NOT ?2 OR t.assignee_id IS NULL)
        AND (?3 IS NULL OR t.status = ?3)
        AND (?4 IS NULL OR t.sla_due_at <= ?4 OR EXISTS (SELECT 1 FROM sla_events e WHERE e.ticket_id = t.id AND e.kind = 'breach'))
        AND (?9 IS NULL OR t.queue = ?9)";
    // The words in the subject, in any message (notes too: agents see them) or in the
    // requester's name and address, through the full-text indexes. Each index is read
    // once per statement, never per open ticket (a prefix query rebuilds the word's whole
    // list of hits each time), and only from the oldest open ticket's subject, or the
    // oldest of the open tickets' messages, on. Subject hits are kept when they are an
    // open ticket's (a set made once); for messages the open tickets' messages are
    // listed off the index (ticket, message) and kept when they are a hit, so no hit's
    // message is read. Requesters matching the words are a set too.
    let text = format!(" AND (t.id = ?6
        OR (?5 IS NOT NULL AND t.id IN (SELECT rowid FROM subject_search WHERE subject_search MATCH ?10
                    AND rowid >= (SELECT min(o.id) FROM tickets o WHERE o.status IN {OPEN})
                    AND +rowid IN (SELECT o.id FROM tickets o WHERE o.status IN {OPEN})))
        OR (?5 IS NOT NULL AND t.id IN (SELECT om.ticket_id FROM tickets o JOIN messages om ON om.ticket_id = o.id
                    WHERE o.status IN {OPEN}
                    AND om.id IN (SELECT rowid FROM message_search WHERE message_search MATCH ?10
                        AND rowid >= (SELECT min(om.id) FROM tickets o JOIN messages om ON om.ticket_id = o.id
                            WHERE o.status IN {OPEN}))))
        OR (?5 IS NOT NULL AND t.requester_id IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?5)))");
    // PostgreSQL: the same through the stored words, where ?5 and ?10 are one `tsquery`.
    // The open tickets that may match come off the index of `queue_words` (each ticket's
    // words in one place, and only the tickets not closed; NULL when too many to keep);
    // only those have their subject and their messages checked, since each text must hold
    // every word. Until the table is first filled (a node's start after the upgrade that
    // made it, see `search::queue_words_again`), every open ticket is checked.
    let text_postgres = format!(" AND (t.id = ?6
        OR (?5 IS NOT NULL AND (((t.id IN (SELECT q.ticket_id FROM queue_words q
                        WHERE q.words @@ to_tsquery('simple', ?10) OR q.words IS NULL)
                    OR NOT {})
                AND (t.subject_words @@ to_tsquery('simple', ?10)
                    OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id
                               AND m.body_words @@ to_tsquery('simple', ?10) OFFSET 0)))
            OR t.requester_id IN (SELECT c.id FROM customers c WHERE c.words @@ to_tsquery('simple', ?5)))))",
        super::search::QUEUE_WORDS_ARE_FILLED
    );
    if with_text {
        format!("{base}{}", conn.pick(&text, &text_postgres))
    } else {
        format!("{base} AND ?5 IS NULL AND ?6 IS NULL AND ?10 IS NULL")
    }
}

/// One page of the queue and how many tickets match in all: the page's ids come off the
/// index first, then only those tickets are read whole.
pub fn queue(conn: &Conn, f: &QueueFilter) -> SqlResult<(Vec<QueueRow>, i64)> {
    let query = match f.text.as_deref() {
        Some(text) => super::search::query(conn, text)?,
        None => None,
    };
    // The words in the requesters' index (?5), and in the text of the subjects' and the
    // messages' (?10).
    let (in_text, words) = match query {
        Some(q) => (Some(q.in_text()), Some(q.fts)),
        None => (None, None),
    };
    let status = f.status.map(Status::as_str);
    let filters = where_clause(conn, f.text.is_some());
    // The same parameters for the count and the page (the count leaves the page's ?7 and
    // ?8 unused).
    let args = params![
        f.assignee,
        f.unassigned,
        status,
        f.breached_at,
        words,
        f.id,
        f.limit,
        f.offset,
        f.queue,
        in_text
    ];
    let count = || -> SqlResult<i64> {
        conn.query_row(
            &format!("SELECT count(*) FROM tickets t WHERE t.status IN {OPEN} AND {filters}"),
            args,
            |r| r.get(0),
        )
    };
    let order = "ORDER BY (t.assignee_id IS NOT NULL), (t.sla_due_at IS NULL), t.sla_due_at, t.id LIMIT ?7 OFFSET ?8";
    let (ids, total): (Vec<TicketId>, i64) = if f.text.is_some() {
        // Text reads the full-text index: the page and the count in one pass (the count
        // over every match, before the page is cut), not two. A page past the end counts
        // apart.
        let page: Vec<(TicketId, i64)> = conn.query_map(
            &format!(
                "SELECT t.id, count(*) OVER () FROM tickets t WHERE t.status IN {OPEN} AND {filters} {order}"
            ),
            args,
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let total = match page.first() {
            Some(&(_, n)) => n,
            None if f.offset == 0 => 0,
            None => count()?,
        };
        (page.into_iter().map(|(id, _)| id).collect(), total)
    } else {
        let total = count()?;
        let ids = conn.query_map(
            &format!("SELECT t.id FROM tickets t WHERE t.status IN {OPEN} AND {filters} {order}"),
            args,
            |r| r.get(0),
        )?;
        (ids, total)
    };
    Ok((rows(conn, &ids)?, total))
}

/// The page's tickets read whole in one statement, in the order of `ids`.
fn rows(conn: &Conn, ids: &[TicketId]) -> SqlResult<Vec<QueueRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT t.id, t.subject, t.status, t.priority, c.email, c.name, t.assignee_id, a.name, t.sla_due_at, t.updated_at,
                t.assigned_at, t.queue, t.news
         FROM tickets t JOIN customers c ON c.id = t.requester_id LEFT JOIN agents a ON a.id = t.assignee_id
         WHERE {}",
        TicketIds::test(conn, "t.id")
    );
    let mut found: HashMap<TicketId, QueueRow> = conn
        .query_map(&sql, params![TicketIds(ids)], |r| {
            let (status, priority): (String, String) = (r.get(2)?, r.get(3)?);
            Ok(QueueRow {
                id: r.get(0)?,
                subject: r.get(1)?,
                status: super::known(Status::parse(&status), 2, status)?,
                priority: super::known(Priority::parse(&priority), 3, priority)?,
                requester_email: r.get(4)?,
                requester_name: r.get(5)?,
                assignee_id: r.get(6)?,
                assignee_name: r.get(7)?,
                sla_due_at: r.get(8)?,
                updated_at: r.get(9)?,
                assigned_at: r.get(10)?,
                queue: r.get(11)?,
                news: r.get(12)?,
            })
        })?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A list of tickets bound as one parameter, so that a statement reads them all in one
/// round trip with one cached plan whatever their number: a JSON array on SQLite
/// (`IN (SELECT value FROM json_each(?))`), a `bigint[]` on PostgreSQL (`= ANY(?)`).
pub struct TicketIds<'a>(pub &'a [TicketId]);

impl TicketIds<'_> {
    /// The condition that `column` is one of the list bound at `?`.
    pub fn test(conn: &Conn, column: &str) -> String {
        match conn {
            Conn::Sqlite(_) => format!("{column} IN (SELECT value FROM json_each(?))"),
            Conn::Postgres(_) => format!("{column} = ANY(?)"),
        }
    }

    fn numbers(&self) -> Vec<i64> {
        self.0.iter().map(|id| id.0).collect()
    }
}

impl Param for TicketIds<'_> {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let json = serde_json::to_string(&self.numbers())
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        Ok(ToSqlOutput::from(json))
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), Box<dyn Error + Send + Sync>> {
        args.add(self.numbers())
    }
}

/// Keeps the queue's sort key after a change of status, assignee or priority.
pub fn set_sla_due(conn: &Conn, id: TicketId, due: Option<DateTime<Utc>>) -> SqlResult<()> {
    conn.execute(
        "UPDATE tickets SET sla_due_at = ? WHERE id = ?",
        params![due, id],
    )?;
    Ok(())
}

/// The status histories of some tickets, in order, for their clocks: one statement.
pub fn histories(conn: &Conn, ids: &[TicketId]) -> SqlResult<HashMap<TicketId, Vec<Entered>>> {
    let mut out: HashMap<TicketId, Vec<Entered>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT ticket_id, to_status, at FROM status_history WHERE {} ORDER BY ticket_id, id",
        TicketIds::test(conn, "ticket_id")
    );
    conn.query_map(&sql, params![TicketIds(ids)], |r| {
        let (id, status): (TicketId, String) = (r.get(0)?, r.get(1)?);
        if let Some(status) = Status::parse(&status) {
            out.entry(id).or_default().push(Entered {
                at: r.get(2)?,
                status,
            });
        }
        Ok(())
    })?;
    Ok(out)
}
