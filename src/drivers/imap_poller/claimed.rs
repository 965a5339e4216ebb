//! Several nodes on one PostgreSQL database: each mailbox is watched by the node holding its
//! claim, while the others stand by and try to take it every [`RETRY`] (on a connection
//! kept between tries); a node that dies lets its claims go, and another resumes from the
//! mailbox's checkpoint.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::config::Mailbox;
use crate::service::{Ctx, mailbox_claims};
use crate::telemetry::MailboxState;

/// How often a standing-by node tries to take a mailbox, and a holding one checks its claim:
/// a mailbox whose node died is watched again within this, plus signing in.
const RETRY: Duration = Duration::from_secs(2);

/// Watches `mailbox` until `stop`: at once on SQLite, while this node holds its claim on
/// PostgreSQL.
pub async fn run(ctx: Ctx, mailbox: Mailbox, stop: CancellationToken) -> anyhow::Result<()> {
    if !mailbox_claims::shared(&ctx) {
        return super::run(ctx, mailbox, stop).await;
    }
    let set = |state| {
        ctx.metrics
            .mailboxes
            .set(&mailbox.address, &mailbox.queue, state)
    };
    set(MailboxState::Connecting);
    let mut claim = mailbox_claims::claim(&ctx, &mailbox.address)?;
    while !stop.is_cancelled() {
        match claim.take().await {
            Ok(true) => {
                tracing::info!(mailbox = %mailbox.address, "this node watches the mailbox");
                let watching = stop.child_token();
                let poller =
                    tokio::spawn(super::run(ctx.clone(), mailbox.clone(), watching.clone()));
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(RETRY) => {}
                    }
                    if !claim.holds().await {
                        tracing::warn!(mailbox = %mailbox.address, "the mailbox's claim was lost; stopping its watch");
                        break;
                    }
                }
                // The poller finishes the batch in flight; a node that took the mailbox
                // over meanwhile receives it once more as a duplicate.
                watching.cancel();
                poller.await??;
                claim.let_go();
                continue;
            }
            Ok(false) => {
                set(MailboxState::Standby);
            }
            Err(e) => {
                tracing::warn!(mailbox = %mailbox.address, error = %format!("{e:#}"), "could not claim the mailbox");
                set(MailboxState::Retrying(format!(
                    "claiming the mailbox: {e:#}"
                )));
            }
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
    Ok(())
}
