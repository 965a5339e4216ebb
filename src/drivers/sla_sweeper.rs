//! The SLA sweeper: has the service sweep the clocks every `[sla] sweep_interval_secs`.

use tokio_util::sync::CancellationToken;

use crate::service::Ctx;
use crate::service::sla_sweep::sweep;

/// Sweeps every `sweep_interval_secs` until `shutdown`.
pub async fn run(ctx: Ctx, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        let every = std::time::Duration::from_secs(ctx.sla().config.sweep_interval_secs);
        if let Err(e) = sweep(&ctx, ctx.now()).await {
            tracing::error!(error = %e, "SLA sweep failed; trying again at the next tick");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            _ = tokio::time::sleep(every) => {}
        }
    }
}
