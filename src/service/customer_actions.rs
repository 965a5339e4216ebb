//! What customers do without logging in: opting out of a ticket's status mail.

use super::{Ctx, ServiceError, links};
use crate::db;

/// Opts the requester out of status mail for the ticket named by a signed token.
/// Requests for information and the resolution still arrive.
pub async fn unsubscribe(ctx: &Ctx, token: &str) -> Result<String, ServiceError> {
    let id = links::verify_unsubscribe(&ctx.config.helpdesk.secret, token)
        .ok_or_else(|| ServiceError::NotFound("link".into()))?;
    let found = ctx.db.write(move |c| db::tickets::set_status_mail(c, id, false)).await?;
    if !found {
        return Err(ServiceError::NotFound("ticket".into()));
    }
    Ok(ctx.key(id).to_string())
}

/// The ticket key a genuine token names, for the confirm page.
pub async fn unsubscribe_target(ctx: &Ctx, token: &str) -> Result<String, ServiceError> {
    let id = links::verify_unsubscribe(&ctx.config.helpdesk.secret, token)
        .ok_or_else(|| ServiceError::NotFound("link".into()))?;
    let found = ctx.db.read(move |c| db::tickets::get(c, id).map(|v| v.is_some())).await?;
    if !found {
        return Err(ServiceError::NotFound("ticket".into()));
    }
    Ok(ctx.key(id).to_string())
}
