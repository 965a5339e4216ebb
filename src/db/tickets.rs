//! Tickets, their participants and their status history.

use super::queue::TicketIds;
use super::{CiText, Conn, Row, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::ids::{AgentId, CustomerId};
use crate::domain::inbound::Role;
use crate::domain::satisfaction::Rating;
use crate::domain::ticket::{Channel, Priority, Status, TicketState};
use crate::params;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::LazyLock;

mod history;
mod opening;
pub use history::{HistoryEntry, entered, history, record_status};
pub use opening::{Opened, Opening, open};

#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: TicketId,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub channel: Channel,
    pub requester_id: CustomerId,
    pub requester_email: String,
    pub requester_name: String,
    pub requester_locale: String,
    pub assignee_id: Option<AgentId>,
    pub assignee_email: Option<String>,
    pub linked_from_id: Option<TicketId>,
    /// The ticket this one was merged into (it was closed then).
    pub merged_into_id: Option<TicketId>,
    pub status_mail: bool,
    pub resolution: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub assigned_at: Option<String>,
    /// The address of the mailbox it came in through; its mail goes out From it.
    pub mailbox: String,
    pub queue: String,
    /// Raised by every change people see: the ETag an action's If-Match names.
    pub version: i64,
    /// The customer's answer to the resolution, if any.
    pub satisfaction: Option<super::satisfaction::Rated>,
    /// The customer or a partner answered since the assignee last opened it.
    pub news: bool,
}

impl TicketRow {
    pub fn state(&self) -> TicketState {
        TicketState {
            status: self.status,
            assignee: self.assignee_id,
        }
    }

    /// The ticket as a change that moved it left it (a message stored on it).
    pub fn moved(&mut self, by: Moved) {
        self.version = by.version;
        self.updated_at = by.updated_at;
    }
}

/// A ticket's version and last update, as a change left them.
pub struct Moved {
    pub version: i64,
    pub updated_at: String,
}

const COLUMNS: &str = "SELECT t.id, t.subject, t.status, t.priority, t.channel, t.requester_id,
        c.email AS requester_email, c.name AS requester_name, c.locale AS requester_locale, t.assignee_id, a.email AS assignee_email,
        t.linked_from_id, t.merged_into_id, t.status_mail, t.resolution, t.created_at, t.updated_at, t.assigned_at,
        t.mailbox, t.queue, t.version, t.news, s.rating AS sat_rating, s.comment AS sat_comment, s.rated_at AS sat_rated_at";
/// What [`COLUMNS`] read beside the ticket `t` and its requester `c`.
macro_rules! beside_requester {
    () => {
        "LEFT JOIN agents a ON a.id = t.assignee_id LEFT JOIN satisfaction s ON s.ticket_id = t.id"
    };
}
const BESIDE_REQUESTER: &str = beside_requester!();
/// What [`COLUMNS`] read beside the ticket `t`.
const JOINS: &str = concat!(
    "JOIN customers c ON c.id = t.requester_id ",
    beside_requester!()
);
static FROM: LazyLock<String> = LazyLock::new(|| format!("FROM tickets t {JOINS}"));
static SELECT: LazyLock<String> = LazyLock::new(|| format!("{COLUMNS}\n    {}", *FROM));

fn from_row(r: &Row<'_>) -> SqlResult<TicketRow> {
    let status: String = r.get("status")?;
    let priority: String = r.get("priority")?;
    let channel: String = r.get("channel")?;
    Ok(TicketRow {
        id: r.get("id")?,
        subject: r.get("subject")?,
        status: super::known(Status::parse(&status), 2, status)?,
        priority: super::known(Priority::parse(&priority), 3, priority)?,
        channel: super::known(Channel::parse(&channel), 4, channel)?,
        requester_id: r.get("requester_id")?,
        requester_email: r.get("requester_email")?,
        requester_name: r.get("requester_name")?,
        requester_locale: r.get("requester_locale")?,
        assignee_id: r.get("assignee_id")?,
        assignee_email: r.get("assignee_email")?,
        linked_from_id: r.get("linked_from_id")?,
        merged_into_id: r.get("merged_into_id")?,
        status_mail: r.get("status_mail")?,
        resolution: r.get("resolution")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        assigned_at: r.get("assigned_at")?,
        mailbox: r.get("mailbox")?,
        queue: r.get("queue")?,
        version: r.get("version")?,
        news: r.get("news")?,
        satisfaction: match r.get::<_, Option<String>>("sat_rating")? {
            None => None,
            Some(rating) => Some(super::satisfaction::Rated {
                rating: super::known(Rating::parse(&rating), 20, rating)?,
                comment: r.get("sat_comment")?,
                rated_at: r.get("sat_rated_at")?,
            }),
        },
    })
}

pub struct NewTicketRow<'a> {
    pub subject: &'a str,
    pub priority: Priority,
    pub channel: Channel,
    pub linked_from_id: Option<TicketId>,
    /// When the time to assignment runs out.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// The mailbox's address and its queue.
    pub mailbox: &'a str,
    pub queue: &'a str,
}

pub fn insert(
    conn: &Conn,
    t: &NewTicketRow<'_>,
    requester: CustomerId,
    now: DateTime<Utc>,
) -> SqlResult<TicketId> {
    conn.insert(
        "INSERT INTO tickets (subject, status, priority, channel, requester_id, linked_from_id, created_at, updated_at,
             sla_due_at, mailbox, queue)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
        t.subject,
        Status::WaitingForSupport.as_str(),
        t.priority.as_str(),
        t.channel.as_str(),
        requester,
        t.linked_from_id,
        now,
        now,
        t.sla_due_at,
        t.mailbox,
        t.queue
        ],
    )
    .map(TicketId)
}

pub fn get(conn: &Conn, id: TicketId) -> SqlResult<Option<TicketRow>> {
    conn.query_opt(
        &format!("{} WHERE t.id = ?", *SELECT),
        params![id],
        from_row,
    )
}

/// The tickets `ids` names, as [`get`] reads them and in the list's order (an id without a
/// ticket is left out): one statement for all of them.
pub fn get_all(conn: &Conn, ids: &[TicketId]) -> SqlResult<Vec<TicketRow>> {
    let sql = format!("{} WHERE {}", *SELECT, TicketIds::test(conn, "t.id"));
    let mut found: HashMap<TicketId, TicketRow> = conn
        .query_map(&sql, params![TicketIds(ids)], from_row)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The ticket as [`get`] reads it, `address`'s role on it and whether `address` is an
/// active agent's: what threading a mail from `address` asks of each ticket it names, in
/// one statement. The ticket stays as read until the transaction ends: PostgreSQL locks its
/// row (SQLite's writer is alone anyway).
pub fn get_for_sender(
    conn: &Conn,
    id: TicketId,
    address: &str,
) -> SqlResult<Option<(TicketRow, Option<Role>, bool)>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{COLUMNS},
                (SELECT p.role FROM participants p WHERE p.ticket_id = t.id AND p.address = ?2) AS sender_role,
                EXISTS (SELECT 1 FROM agents g WHERE g.email = ?2 AND g.disabled_at IS NULL) AS sender_is_agent
             {} WHERE t.id = ?1",
            *FROM
        )
    });
    static LOCKING: LazyLock<String> = LazyLock::new(|| format!("{} FOR UPDATE OF t", *SQL));
    conn.query_opt(
        conn.pick(&SQL, &LOCKING),
        params![id, CiText(address)],
        |r| {
            let role: Option<String> = r.get("sender_role")?;
            Ok((
                from_row(r)?,
                role.as_deref().and_then(Role::parse),
                r.get("sender_is_agent")?,
            ))
        },
    )
}

/// Filters of the ticket list; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<Status>,
    pub requester: Option<String>,
    pub queue: Option<String>,
    pub limit: i64,
    pub before_id: Option<TicketId>,
}

/// Newest first.
pub fn list(conn: &Conn, f: &Filter) -> SqlResult<Vec<TicketRow>> {
    conn.query_map(
        &format!(
            "{} WHERE (?1 IS NULL OR t.status = ?1) AND (?2 IS NULL OR c.email = ?2)
             AND (?3 IS NULL OR t.id < ?3) AND (?5 IS NULL OR t.queue = ?5) ORDER BY t.id DESC LIMIT ?4",
            *SELECT
        ),
        params![
            f.status.map(Status::as_str),
            f.requester.as_deref().map(CiText),
            f.before_id,
            f.limit,
            f.queue
        ],
        from_row,
    )
}

/// Writes the life-cycle fields after a transition, stamping the times it reached; the
/// version goes up (set here, tickets_version_on_change stands aside: one update of the row).
/// The ticket as it now is, read by the same statement on PostgreSQL.
pub fn save_state(
    conn: &Conn,
    id: TicketId,
    state: TicketState,
    resolution: Option<&str>,
    now: DateTime<Utc>,
) -> SqlResult<Option<TicketRow>> {
    const UPDATE: &str = "UPDATE tickets SET status = ?1, assignee_id = ?2, updated_at = ?3, version = version + 1,
            assigned_at = CASE WHEN ?2 IS NOT NULL THEN coalesce(assigned_at, ?3) ELSE assigned_at END,
            resolved_at = CASE WHEN ?1 = 'resolved' AND status <> 'resolved' THEN ?3 ELSE resolved_at END,
            closed_at = CASE WHEN ?1 = 'closed' AND status <> 'closed' THEN ?3 ELSE closed_at END,
            resolution = coalesce(?4, resolution)
         WHERE id = ?5";
    static RETURNING: LazyLock<String> =
        LazyLock::new(|| format!("WITH t AS ({UPDATE} RETURNING *) {COLUMNS} FROM t {JOINS}"));
    let params = params![state.status.as_str(), state.assignee, now, resolution, id];
    if conn.is_postgres() {
        return conn.query_opt(&RETURNING, params, from_row);
    }
    conn.execute(UPDATE, params)?;
    get(conn, id)
}

/// Something happened on the ticket (someone joined it): its last update moves, and with
/// it the version (set here: one update of the row). A new message moves both itself
/// ([`super::messages::insert`]).
pub fn touch(conn: &Conn, id: TicketId, now: DateTime<Utc>) -> SqlResult<()> {
    conn.execute(
        "UPDATE tickets SET updated_at = ?1, version = version + 1 WHERE id = ?2 AND updated_at < ?1",
        params![now, id],
    )?;
    Ok(())
}

pub fn set_priority(
    conn: &Conn,
    id: TicketId,
    priority: Priority,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "UPDATE tickets SET priority = ?, updated_at = ? WHERE id = ?",
        params![priority.as_str(), now, id],
    )?;
    Ok(())
}

pub fn set_merged_into(conn: &Conn, id: TicketId, into: TicketId) -> SqlResult<()> {
    conn.execute(
        "UPDATE tickets SET merged_into_id = ? WHERE id = ?",
        params![into, id],
    )?;
    Ok(())
}

pub fn set_status_mail(conn: &Conn, id: TicketId, on: bool) -> SqlResult<bool> {
    let n = conn.execute(
        "UPDATE tickets SET status_mail = ? WHERE id = ?",
        params![on, id],
    )?;
    Ok(n == 1)
}

pub fn add_participant(
    conn: &Conn,
    ticket_id: TicketId,
    address: &str,
    role: Role,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO participants (ticket_id, address, role, status) SELECT ?1, ?2, ?3, status FROM tickets WHERE id = ?1
         ON CONFLICT DO NOTHING",
        params![ticket_id, CiText(address), role.as_str()],
    )?;
    Ok(())
}

pub fn role_of(conn: &Conn, ticket_id: TicketId, address: &str) -> SqlResult<Option<Role>> {
    let role: Option<String> = conn.query_opt(
        "SELECT role FROM participants WHERE ticket_id = ? AND address = ?",
        params![ticket_id, CiText(address)],
        |r| r.get(0),
    )?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// Someone who takes part in a ticket, and how.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Participant {
    pub address: String,
    pub role: Role,
}

pub fn participants(conn: &Conn, ticket_id: TicketId) -> SqlResult<Vec<Participant>> {
    conn.query_map(
        "SELECT address, role FROM participants WHERE ticket_id = ? ORDER BY rowid",
        params![ticket_id],
        |r| {
            let role: String = r.get(1)?;
            Ok(Participant {
                address: r.get(0)?,
                role: super::known(Role::parse(&role), 1, role)?,
            })
        },
    )
}

/// Tickets from before queues existed join `mailbox`'s `queue`.
pub fn adopt_unqueued(conn: &Conn, mailbox: &str, queue: &str) -> SqlResult<usize> {
    conn.execute(
        "UPDATE tickets SET mailbox = ?, queue = ? WHERE queue = ''",
        params![mailbox, queue],
    )
}

/// Sets the queue's marker: news from the customer or a partner the assignee has not seen.
pub fn set_news(conn: &Conn, id: TicketId, news: bool) -> SqlResult<()> {
    conn.execute(
        "UPDATE tickets SET news = ? WHERE id = ? AND news <> ?",
        params![news, id, news],
    )?;
    Ok(())
}
