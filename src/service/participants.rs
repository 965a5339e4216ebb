//! "Participanți": the requester adds colleagues to a request (they get its mail from
//! then on, each with an opt-out of their own, and see it in the portal once they have
//! an account) and removes them.

use chrono::{DateTime, Utc};

use super::customer_actions::visible_ticket;
use super::queries::Customer;
use super::{Ctx, ServiceError};
use crate::db;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::TicketId;
use crate::domain::inbound::Role;

/// The most colleagues one request may have on CC.
pub const MAX_CC: usize = 20;

/// Adds `address` to the request's CC (the requester only).
pub async fn add_cc(
    ctx: &Ctx,
    customer: &Customer,
    ticket_id: TicketId,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let address = EmailAddress::parse(address.trim()).map_err(|_| {
        ServiceError::Invalid(format!("{:?} is not an email address", address.trim()))
    })?;
    if ctx.is_ours(&address) {
        return Err(ServiceError::Invalid(
            "the helpdesk's own address cannot be a participant".into(),
        ));
    }
    let (c2, customer) = (ctx.clone(), customer.clone());
    ctx.db
        .write(move |conn| {
            let ticket = visible_ticket(conn, &c2, &customer, ticket_id)?;
            if ticket.requester_id != customer.id {
                return Err(ServiceError::Invalid(
                    "only the requester can change the participants".into(),
                ));
            }
            if address
                .as_str()
                .eq_ignore_ascii_case(&ticket.requester_email)
            {
                return Ok(());
            }
            if db::participants::cc_of(conn, ticket_id)?.len() >= MAX_CC {
                return Err(ServiceError::Invalid(format!(
                    "a request may have at most {MAX_CC} participants"
                )));
            }
            db::tickets::add_participant(conn, ticket_id, address.as_str(), Role::Cc)?;
            db::tickets::touch(conn, ticket_id, now)?;
            Ok(())
        })
        .await
}

/// Removes `address` from the request's CC (the requester only).
pub async fn remove_cc(
    ctx: &Ctx,
    customer: &Customer,
    ticket_id: TicketId,
    address: &str,
) -> Result<(), ServiceError> {
    let (c2, customer, address) = (ctx.clone(), customer.clone(), address.trim().to_string());
    ctx.db
        .write(move |conn| {
            let ticket = visible_ticket(conn, &c2, &customer, ticket_id)?;
            if ticket.requester_id != customer.id {
                return Err(ServiceError::Invalid(
                    "only the requester can change the participants".into(),
                ));
            }
            db::participants::remove_cc(conn, ticket_id, &address)?;
            Ok(())
        })
        .await
}
