//! The figures `/metrics` reports from the database.

use crate::db;
use crate::service::{Ctx, ServiceError};

/// What the database says about the backlog, read in one go.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    /// Mails waiting to be sent (retries included).
    pub outbox_pending: i64,
    /// Mails given up.
    pub outbox_given_up: i64,
    /// Quarantined messages not yet replayed or discarded.
    pub quarantined: i64,
    /// Open tickets past an SLA goal.
    pub breached: i64,
}

/// The database answers.
pub async fn ping(ctx: &Ctx) -> Result<(), ServiceError> {
    Ok(ctx.db.read(db::ping).await?)
}

pub async fn gauges(ctx: &Ctx) -> Result<Gauges, ServiceError> {
    ctx.db
        .read(|c| {
            let (outbox_pending, outbox_given_up) = db::outbox::backlog(c)?;
            Ok::<_, ServiceError>(Gauges {
                outbox_pending,
                outbox_given_up,
                quarantined: db::inbound::quarantine_count(c)?,
                breached: db::sla::open_breached(c)?,
            })
        })
        .await
}
