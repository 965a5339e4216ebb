//! The outbox sender: wakes when a commit queued mail (this node's, or on PostgreSQL any
//! node's) or when the next retry falls due, and has the service deliver what is due.

use tokio_util::sync::CancellationToken;

use crate::service::Ctx;
use crate::service::mail_sign_in::Relay;
use crate::service::outbox::{deliver_due, until_next_due, wake_on_queued_mail};

/// Runs until `stop`; a mail being sent when it fires is finished and marked first.
pub async fn run(ctx: Ctx, stop: CancellationToken) -> anyhow::Result<()> {
    let relay = Relay::new(&ctx)?;
    tracing::info!(host = %ctx.config.smtp.host, port = ctx.config.smtp.port, auth = ?ctx.config.smtp.auth, "outbox sender started");
    let others = tokio::spawn(wake_on_queued_mail(ctx.clone(), stop.clone()));
    while !stop.is_cancelled() {
        let sent_any = match deliver_due(&ctx, &relay, &stop).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "outbox: database error");
                false
            }
        };
        if sent_any {
            continue;
        }
        let wait = until_next_due(&ctx).await;
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = ctx.outbox_wakeup.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    let _ = others.await;
    tracing::info!("outbox sender stopped");
    Ok(())
}
