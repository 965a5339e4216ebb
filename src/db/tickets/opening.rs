//! A new ticket's rows: the ticket, its participants, its first message and the first line
//! of its history, in one statement on PostgreSQL (one round trip).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::{
    COLUMNS, JOINS, NewTicketRow, TicketRow, add_participant, from_row, get, insert, record_status,
};
use crate::db::messages::{self, NewMessage};
use crate::db::outbox;
use crate::db::{Conn, SqlError, SqlResult};
use crate::domain::inbound::Role;
use crate::domain::sender_auth::SenderAuth;
use crate::domain::ticket::Status;
use crate::params;

/// What a new ticket starts with.
pub struct Opening<'a> {
    pub ticket: NewTicketRow<'a>,
    pub requester: &'a str,
    /// The people on CC, in order (the requester is not one of them).
    pub cc: &'a [&'a str],
    pub message: NewMessage<'a>,
    /// Who opened it, as its history names them.
    pub actor: &'a str,
    /// Since when to count the automatic mail that went to the requester, for loop
    /// protection.
    pub automatic_since: DateTime<Utc>,
}

/// A new ticket as written: the ticket as [`get`] reads it, its first message's id, and
/// how many automatic mails went to its requester since [`Opening::automatic_since`].
pub struct Opened {
    pub ticket: TicketRow,
    pub first_message_id: i64,
    pub automatic_sent: i64,
}

/// The rows are those the statements of [`insert`], [`add_participant`],
/// [`messages::insert`] and [`record_status`] write, in that order; each insert sees the
/// ticket through `t` (its sibling statements cannot see it in the table). The ticket is
/// written as its first message leaves it (its version raised once, as `messages::insert`
/// raises every ticket's), so that its row is written once, and read back as [`get`] reads
/// it.
static OPEN_POSTGRES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH t AS (
        INSERT INTO tickets (subject, status, priority, channel, requester_id, linked_from_id, created_at, updated_at,
             sla_due_at, mailbox, queue, version)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?26)
        RETURNING *
    ), p AS (
        INSERT INTO participants (ticket_id, address, role, status)
        SELECT t.id, a.address, a.role, t.status
        FROM t, (SELECT CAST(?11 AS text) AS address, 'requester' AS role, CAST(0 AS bigint) AS n
                 UNION ALL
                 SELECT value, 'cc', ordinality FROM json_array_elements_text(CAST(?12 AS json)) WITH ORDINALITY) AS a
        ORDER BY a.n
        ON CONFLICT DO NOTHING
    ), m AS (
        INSERT INTO messages ({MESSAGE_COLUMNS})
        SELECT t.id, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?7 FROM t
        RETURNING id
    ), h AS (
        INSERT INTO status_history (ticket_id, from_status, to_status, actor, at)
        SELECT t.id, NULL, t.status, ?25, ?7 FROM t
    )
    {COLUMNS}, m.id AS first_message_id,
        (SELECT count(*) FROM outbox WHERE recipient = CAST(?11 AS citext) AND automatic = TRUE AND created_at >= ?27)
            AS automatic_sent
    FROM t {JOINS}, m",
        MESSAGE_COLUMNS = messages::COLUMNS
    )
});

/// A new ticket's version: its insert's, raised once by its first message.
const FIRST_VERSION: i64 = 2;

/// Writes a new ticket's rows.
pub fn open(conn: &Conn, o: &Opening<'_>, now: DateTime<Utc>) -> SqlResult<Opened> {
    let status = Status::WaitingForSupport;
    if !conn.is_postgres() {
        let id = insert(conn, &o.ticket, now)?;
        add_participant(conn, id, o.requester, Role::Requester)?;
        for cc in o.cc {
            add_participant(conn, id, cc, Role::Cc)?;
        }
        let message = messages::insert(conn, id, &o.message, now)?;
        record_status(conn, id, None, status, o.actor, now)?;
        let ticket = get(conn, id)?.ok_or(SqlError::NoRow)?;
        debug_assert_eq!(ticket.version, FIRST_VERSION);
        return Ok(Opened {
            ticket,
            first_message_id: message,
            automatic_sent: outbox::automatic_since(conn, o.requester, o.automatic_since)?,
        });
    }
    let (t, m) = (&o.ticket, &o.message);
    let cc: Vec<String> = o.cc.iter().map(|a| a.to_string()).collect();
    conn.query_row(
        &OPEN_POSTGRES,
        params![
            t.subject,
            status.as_str(),
            t.priority.as_str(),
            t.channel.as_str(),
            t.requester_id,
            t.linked_from_id,
            now,
            t.sla_due_at,
            t.mailbox,
            t.queue,
            o.requester,
            crate::db::json_list(&cc),
            m.kind.as_str(),
            m.author,
            m.internal,
            m.subject,
            m.body,
            m.quoted,
            m.signature,
            m.full_text,
            m.html,
            m.message_id,
            m.raw_email_id,
            m.sender_auth.map(SenderAuth::as_str),
            o.actor,
            FIRST_VERSION,
            o.automatic_since
        ],
        |r| {
            Ok(Opened {
                ticket: from_row(r)?,
                first_message_id: r.get("first_message_id")?,
                automatic_sent: r.get("automatic_sent")?,
            })
        },
    )
}
