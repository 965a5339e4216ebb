//! SLA settings an admin changes in the console or the API: checked, stored in the
//! database (they then win over `helpdesk.toml`), put in force at once, and every open
//! ticket's due time worked out again under them.

use chrono::{DateTime, Utc};

use super::{Ctx, ServiceError, Sla, lifecycle};
use crate::config::SlaConfig;
use crate::db;

/// The `settings` key the stored SLA settings live under.
pub const KEY: &str = "sla";

/// Stored settings, checked again (a newer version may check more).
pub fn parse(json: &str) -> anyhow::Result<Sla> {
    Sla::new(serde_json::from_str::<SlaConfig>(json)?)
}

/// Checks, stores and puts in force `config`; the error says which setting is wrong.
pub async fn save(ctx: &Ctx, config: SlaConfig, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let sla = Sla::new(config).map_err(|e| ServiceError::Invalid(format!("{e:#}")))?;
    let json = serde_json::to_string(&sla.config).map_err(|e| ServiceError::Internal(e.into()))?;
    let (c2, sla) = (ctx.clone(), std::sync::Arc::new(sla));
    let fresh = sla.clone();
    // Stored and every due time redone in one transaction; in force once it committed.
    ctx.db
        .write(move |conn| {
            db::settings::put(conn, KEY, &json)?;
            for id in db::sla::open_ids(conn)? {
                lifecycle::refresh_sla_due(conn, &c2, &fresh, id, now)?;
            }
            Ok::<_, ServiceError>(())
        })
        .await?;
    ctx.set_sla(sla);
    Ok(())
}
