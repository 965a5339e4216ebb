//! The people on a ticket besides its requester, as the mail to them and their links
//! need them: colleagues on CC (their copies, their opt-out) and partners (their answer
//! page). Adding a participant and listing them all stay with the ticket.

use super::{CiText, Conn, SqlResult};
use crate::domain::ids::TicketId;
use crate::params;

/// A colleague on CC, as their copies of the ticket's mail need them.
#[derive(Debug, Clone)]
pub struct CcRecipient {
    /// The participant row: what their opt-out link names.
    pub row: i64,
    pub address: String,
    pub status_mail: bool,
}

/// The ticket's participants on CC, in the order they joined.
pub fn cc_of(conn: &Conn, ticket_id: TicketId) -> SqlResult<Vec<CcRecipient>> {
    conn.query_map(
        "SELECT rowid, address, status_mail FROM participants WHERE ticket_id = ? AND role = 'cc' ORDER BY rowid",
        params![ticket_id],
        |r| {
            Ok(CcRecipient {
                row: r.get(0)?,
                address: r.get(1)?,
                status_mail: r.get(2)?,
            })
        },
    )
}

/// Opts the participant on CC out of status mail; false when there is no such one.
pub fn cc_opt_out(conn: &Conn, ticket_id: TicketId, row: i64) -> SqlResult<bool> {
    Ok(conn.execute(
        "UPDATE participants SET status_mail = FALSE WHERE ticket_id = ? AND rowid = ? AND role = 'cc'",
        params![ticket_id, row],
    )? == 1)
}

/// Takes `address` off the ticket's CC.
pub fn remove_cc(conn: &Conn, ticket_id: TicketId, address: &str) -> SqlResult<bool> {
    Ok(conn.execute(
        "DELETE FROM participants WHERE ticket_id = ? AND address = ? AND role = 'cc'",
        params![ticket_id, CiText(address)],
    )? == 1)
}

/// The participant row of `address` on the ticket, if they take part.
pub fn participant_row(conn: &Conn, ticket_id: TicketId, address: &str) -> SqlResult<Option<i64>> {
    conn.query_opt(
        "SELECT rowid FROM participants WHERE ticket_id = ? AND address = ?",
        params![ticket_id, CiText(address)],
        |r| r.get(0),
    )
}

/// The address of the partner on the ticket at participant row `row`.
pub fn partner_at(conn: &Conn, ticket_id: TicketId, row: i64) -> SqlResult<Option<String>> {
    conn.query_opt(
        "SELECT address FROM participants WHERE ticket_id = ? AND rowid = ? AND role = 'partner'",
        params![ticket_id, row],
        |r| r.get(0),
    )
}
