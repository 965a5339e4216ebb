//! What admins change besides agents: the partners tickets can be sent to. And what any
//! agent may do with the quarantine besides replaying: discard a message.

use chrono::{DateTime, Utc};

use super::queries::Agent;
use super::{Ctx, ServiceError};
use crate::db;
use crate::domain::agent_role::AgentRole;
use crate::domain::email_address::EmailAddress;

/// Only an admin may go on.
pub fn require_admin(agent: &Agent) -> Result<(), ServiceError> {
    if agent.role == AgentRole::Admin {
        Ok(())
    } else {
        Err(ServiceError::NotAdmin)
    }
}

/// Adds a partner or renames one (by address); an empty name becomes the address.
/// Returns the name saved.
pub async fn save_partner(
    ctx: &Ctx,
    by: &Agent,
    name: &str,
    email: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    require_admin(by)?;
    let name = match name.trim() {
        "" => email.to_string(),
        name => name.to_string(),
    };
    let (n, e) = (name.clone(), email.to_string());
    ctx.db
        .write(move |c| db::partners::upsert(c, &n, &e, now))
        .await?;
    Ok(name)
}

/// Removes a partner; "not found" when there is none with this id.
pub async fn delete_partner(ctx: &Ctx, by: &Agent, id: i64) -> Result<(), ServiceError> {
    require_admin(by)?;
    if ctx.db.write(move |c| db::partners::delete(c, id)).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound(format!("partner {id}")))
    }
}

/// Drops a quarantined message from the list (its raw bytes stay kept).
pub async fn discard_quarantined(
    ctx: &Ctx,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if ctx
        .db
        .write(move |c| db::inbound::discard(c, id, now))
        .await?
    {
        Ok(())
    } else {
        Err(ServiceError::NotFound(format!("quarantined message {id}")))
    }
}
