//! The full-text indexer: every few seconds, writes into the index what was committed
//! since (searches also catch it up themselves, so this only keeps their wait short).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::{Ctx, search_index};

const EVERY: Duration = Duration::from_secs(2);

/// Runs until `stop`; a failure is logged and tried again at the next tick.
pub async fn run(ctx: Ctx, stop: CancellationToken) -> anyhow::Result<()> {
    loop {
        if let Err(e) = search_index::catch_up(&ctx).await {
            tracing::warn!(error = %format!("{e:#}"), "search index: could not catch up");
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
    Ok(())
}
