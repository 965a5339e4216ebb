//! A new ticket's rows: its requester found or registered, the ticket, its participants, its
//! first message and the first line of its history, in one statement on PostgreSQL (one
//! round trip).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::{
    BESIDE_REQUESTER, COLUMNS, NewTicketRow, TicketRow, add_participant, from_row, get, insert,
    record_status,
};
use crate::db::customers::{self, Customer, NewCustomer};
use crate::db::messages::{self, NewMessage};
use crate::db::{CiText, Conn, SqlError, SqlResult, outbox};
use crate::domain::inbound::Role;
use crate::domain::sender_auth::SenderAuth;
use crate::domain::ticket::Status;
use crate::params;

/// What a new ticket starts with.
pub struct Opening<'a> {
    pub ticket: NewTicketRow<'a>,
    /// Who asks: found by address, or registered.
    pub requester: NewCustomer<'a>,
    /// The people on CC, in order (the requester is not one of them).
    pub cc: &'a [&'a str],
    pub message: NewMessage<'a>,
    /// Who opened it, as its history names them.
    pub actor: &'a str,
    /// Since when to count the automatic mail that went to the requester, for loop
    /// protection.
    pub automatic_since: DateTime<Utc>,
}

/// A new ticket as written: the ticket as [`get`] reads it, its requester and whether they
/// are new, its first message's id, and how many automatic mails went to its requester
/// since [`Opening::automatic_since`].
pub struct Opened {
    pub ticket: TicketRow,
    pub requester: Customer,
    pub requester_is_new: bool,
    pub first_message_id: i64,
    pub automatic_sent: i64,
}

/// The rows are those the statements of [`customers::find_or_insert`], [`insert`],
/// [`add_participant`], [`messages::insert`] and [`record_status`] write, in that order;
/// each insert sees the customer through `customer` and the ticket through `t` (its sibling
/// statements cannot see them in the tables). The ticket is written as its first message
/// leaves it (its version raised once, as `messages::insert` raises every ticket's), so
/// that its row is written once, and read back as [`get`] reads it. Nothing is written
/// when the customer is neither found nor registered.
static OPEN_POSTGRES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH {FINDING}, t AS (
        INSERT INTO tickets (subject, status, priority, channel, requester_id, linked_from_id, created_at, updated_at,
             sla_due_at, mailbox, queue, version)
        SELECT ?1, ?2, ?3, ?4, customer.id, ?6, ?7, ?7, ?8, ?9, ?10, ?26 FROM customer
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
        c.time_zone AS requester_time_zone, c.phone AS requester_phone,
        c.has_password AS requester_has_password, c.is_new AS requester_is_new,
        (SELECT count(*) FROM outbox WHERE recipient = CAST(?11 AS citext) AND automatic = TRUE AND created_at >= ?27)
            AS automatic_sent
    FROM t JOIN customer c ON c.id = t.requester_id {BESIDE_REQUESTER}, m",
        FINDING = customers::finding([5, 28, 29, 30, 7]),
        MESSAGE_COLUMNS = messages::COLUMNS
    )
});

/// A new ticket's version: its insert's, raised once by its first message.
const FIRST_VERSION: i64 = 2;

/// Writes a new ticket's rows. `None` when its requester could be neither found nor
/// registered (on PostgreSQL, another transaction registering the address at the same
/// moment that did not commit it).
pub fn open(conn: &Conn, o: &Opening<'_>, now: DateTime<Utc>) -> SqlResult<Option<Opened>> {
    if !conn.is_postgres() {
        return open_step_by_step(conn, o, now);
    }
    customers::again_after_a_race(|| open_postgres(conn, o, now))
}

/// The statements one after the other (SQLite, in the same process: no round trips).
fn open_step_by_step(
    conn: &Conn,
    o: &Opening<'_>,
    now: DateTime<Utc>,
) -> SqlResult<Option<Opened>> {
    let Some((requester, requester_is_new)) = customers::find_or_insert(conn, &o.requester, now)?
    else {
        return Ok(None);
    };
    let address = o.requester.email.as_str();
    let id = insert(conn, &o.ticket, requester.id, now)?;
    add_participant(conn, id, address, Role::Requester)?;
    for cc in o.cc {
        add_participant(conn, id, cc, Role::Cc)?;
    }
    let message = messages::insert(conn, id, &o.message, now)?;
    record_status(conn, id, None, Status::WaitingForSupport, o.actor, now)?;
    let ticket = get(conn, id)?.ok_or(SqlError::NoRow)?;
    debug_assert_eq!(ticket.version, FIRST_VERSION);
    Ok(Some(Opened {
        ticket,
        requester,
        requester_is_new,
        first_message_id: message.id,
        automatic_sent: outbox::automatic_since(conn, address, o.automatic_since)?,
    }))
}

fn open_postgres(conn: &Conn, o: &Opening<'_>, now: DateTime<Utc>) -> SqlResult<Option<Opened>> {
    let (t, m, who) = (&o.ticket, &o.message, &o.requester);
    let cc: Vec<String> = o.cc.iter().map(|a| a.to_string()).collect();
    conn.query_opt(
        &OPEN_POSTGRES,
        params![
            t.subject,
            Status::WaitingForSupport.as_str(),
            t.priority.as_str(),
            t.channel.as_str(),
            CiText(who.email.as_str()),
            t.linked_from_id,
            now,
            t.sla_due_at,
            t.mailbox,
            t.queue,
            who.email.as_str(),
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
            o.automatic_since,
            who.name,
            who.locale,
            who.time_zone
        ],
        |r| {
            let ticket = from_row(r)?;
            let requester = Customer {
                id: ticket.requester_id,
                email: ticket.requester_email.clone(),
                name: ticket.requester_name.clone(),
                locale: ticket.requester_locale.clone(),
                time_zone: r.get("requester_time_zone")?,
                phone: r.get("requester_phone")?,
                has_password: r.get("requester_has_password")?,
            };
            Ok(Opened {
                requester,
                requester_is_new: r.get("requester_is_new")?,
                first_message_id: r.get("first_message_id")?,
                automatic_sent: r.get::<_, i64>("automatic_sent")?
                    + outbox::automatic_held(conn, who.email.as_str()),
                ticket,
            })
        },
    )
}
