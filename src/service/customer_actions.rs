//! What customers do without logging in: opting out of a ticket's status mail.

use super::{Ctx, ServiceError, links};
use crate::db;

/// The ticket a signed opt-out link names, and its requester's language.
#[derive(Debug, Clone)]
pub struct OptOut {
    pub key: String,
    pub locale: String,
}

fn ticket_of(ctx: &Ctx, token: &str) -> Result<i64, ServiceError> {
    links::verify_unsubscribe(&ctx.config.helpdesk.secret, token).ok_or_else(|| ServiceError::NotFound("link".into()))
}

/// Opts the requester out of status mail for the ticket named by a signed token.
/// Requests for information and the resolution still arrive.
pub async fn unsubscribe(ctx: &Ctx, token: &str) -> Result<OptOut, ServiceError> {
    let id = ticket_of(ctx, token)?;
    let ticket = ctx
        .db
        .write(move |c| {
            db::tickets::set_status_mail(c, id, false)?;
            db::tickets::get(c, id)
        })
        .await?
        .ok_or_else(|| ServiceError::NotFound("ticket".into()))?;
    Ok(OptOut { key: ctx.key(id).to_string(), locale: ticket.requester_locale })
}

/// The ticket a genuine token names, for the confirm page.
pub async fn unsubscribe_target(ctx: &Ctx, token: &str) -> Result<OptOut, ServiceError> {
    let id = ticket_of(ctx, token)?;
    let ticket = ctx.db.read(move |c| db::tickets::get(c, id)).await?.ok_or_else(|| ServiceError::NotFound("ticket".into()))?;
    Ok(OptOut { key: ctx.key(id).to_string(), locale: ticket.requester_locale })
}
