//! The people on a ticket besides its requester, as the mail to them and their links
//! need them: colleagues on CC (their copies, their opt-out) and partners (their answer
//! page). Adding a participant and listing them all stay with the ticket.

use rusqlite::{OptionalExtension, params};

use super::Conn;
use crate::domain::ids::TicketId;

/// A colleague on CC, as their copies of the ticket's mail need them.
#[derive(Debug, Clone)]
pub struct CcRecipient {
    /// The participant row: what their opt-out link names.
    pub row: i64,
    pub address: String,
    pub status_mail: bool,
}

/// The ticket's participants on CC, in the order they joined.
pub fn cc_of(conn: &Conn, ticket_id: TicketId) -> rusqlite::Result<Vec<CcRecipient>> {
    conn.prepare_cached(
        "SELECT rowid, address, status_mail FROM participants WHERE ticket_id = ? AND role = 'cc' ORDER BY rowid",
    )?
    .query_map([ticket_id], |r| {
        Ok(CcRecipient {
            row: r.get(0)?,
            address: r.get(1)?,
            status_mail: r.get(2)?,
        })
    })?
    .collect()
}

/// Opts the participant on CC out of status mail; false when there is no such one.
pub fn cc_opt_out(conn: &Conn, ticket_id: TicketId, row: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE participants SET status_mail = 0 WHERE ticket_id = ? AND rowid = ? AND role = 'cc'",
        )?
        .execute(params![ticket_id, row])?
        == 1)
}

/// Takes `address` off the ticket's CC.
pub fn remove_cc(conn: &Conn, ticket_id: TicketId, address: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM participants WHERE ticket_id = ? AND address = ? AND role = 'cc'",
        )?
        .execute(params![ticket_id, address])?
        == 1)
}

/// The participant row of `address` on the ticket, if they take part.
pub fn participant_row(
    conn: &Conn,
    ticket_id: TicketId,
    address: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT rowid FROM participants WHERE ticket_id = ? AND address = ?")?
        .query_row(params![ticket_id, address], |r| r.get(0))
        .optional()
}

/// The address of the partner on the ticket at participant row `row`.
pub fn partner_at(conn: &Conn, ticket_id: TicketId, row: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT address FROM participants WHERE ticket_id = ? AND rowid = ? AND role = 'partner'",
    )?
    .query_row(params![ticket_id, row], |r| r.get(0))
    .optional()
}
