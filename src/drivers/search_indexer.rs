//! The full-text indexer: every few seconds, writes into the index what was committed
//! since (searches also catch it up themselves, so this only keeps their wait short).

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::{Ctx, search_index};

const EVERY: Duration = Duration::from_secs(2);

/// Every how many ticks (five minutes) the queue's words of closed tickets are dropped
/// (PostgreSQL).
const FORGET_CLOSED_TICKS: u32 = 150;

/// Runs until `stop`; a failure is logged and tried again at the next tick. First, on
/// PostgreSQL, every ticket's words are added to the queue's again.
pub async fn run(ctx: Ctx, stop: CancellationToken) -> anyhow::Result<()> {
    let (mut filled, mut ticks) = (false, 0u32);
    loop {
        if !filled {
            match search_index::queue_words_again(&ctx).await {
                Ok(()) => {
                    filled = true;
                    ctx.metrics.search_started.store(true, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "search index: could not fill the queue's words")
                }
            }
        }
        if let Err(e) = search_index::catch_up(&ctx).await {
            tracing::warn!(error = %format!("{e:#}"), "search index: could not catch up");
        }
        ticks = ticks.wrapping_add(1);
        if ticks % FORGET_CLOSED_TICKS == 0
            && let Err(e) = search_index::forget_closed(&ctx).await
        {
            tracing::warn!(error = %format!("{e:#}"), "search index: could not drop closed tickets' words");
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
    Ok(())
}
