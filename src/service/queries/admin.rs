//! What the console's and the API's admin pages read: partners, agents, canned replies,
//! customers found by a search, and the quarantine.

use super::Agent;
use crate::db;
use crate::service::{Ctx, ServiceError};

pub use crate::db::agents::Listed as RosterEntry;
pub use crate::db::canned::CannedReply;
pub use crate::db::customers::Customer;
pub use crate::db::inbound::Quarantined;
pub use crate::db::partners::Partner;

/// Every partner, by name.
pub async fn partners(ctx: &Ctx) -> Result<Vec<Partner>, ServiceError> {
    Ok(ctx.db.read(db::partners::all).await?)
}

/// Every canned reply, by name.
pub async fn canned_replies(ctx: &Ctx) -> Result<Vec<CannedReply>, ServiceError> {
    Ok(ctx.db.read(db::canned::all).await?)
}

/// Every enabled agent (whom a ticket can be assigned to).
pub async fn agents(ctx: &Ctx) -> Result<Vec<Agent>, ServiceError> {
    Ok(ctx.db.read(db::agents::all).await?)
}

/// Every agent, disabled ones too, with their API tokens (never the token itself).
pub async fn roster(ctx: &Ctx) -> Result<Vec<RosterEntry>, ServiceError> {
    Ok(ctx.db.read(db::agents::roster).await?)
}

/// Up to `limit` customers whose address, name or phone holds `term`.
pub async fn find_customers(
    ctx: &Ctx,
    term: String,
    limit: i64,
) -> Result<Vec<Customer>, ServiceError> {
    Ok(ctx
        .db
        .read(move |c| db::customers::search(c, &term, limit))
        .await?)
}

/// The quarantined messages not yet replayed or discarded.
pub async fn quarantine(ctx: &Ctx) -> Result<Vec<Quarantined>, ServiceError> {
    Ok(ctx.db.read(db::inbound::list_quarantine).await?)
}

/// The raw source of a quarantined message.
pub async fn quarantine_source(ctx: &Ctx, id: i64) -> Result<Vec<u8>, ServiceError> {
    ctx.db
        .read(move |c| db::inbound::quarantine_source(c, id))
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("quarantined message {id}")))
}
