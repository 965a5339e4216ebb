//! `/healthz` (the database answers) and `/metrics` (Prometheus text).

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::error::WebError;
use crate::db;
use crate::service::Ctx;

pub fn routes() -> Router<Ctx> {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics))
}

async fn healthz(State(ctx): State<Ctx>) -> Result<&'static str, WebError> {
    ctx.db.read(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await?;
    Ok("ok\n")
}

async fn metrics(State(ctx): State<Ctx>) -> Result<impl IntoResponse, WebError> {
    let ((pending, failed), quarantined, breached) = ctx
        .db
        .read(|c| {
            Ok::<_, rusqlite::Error>((db::outbox::backlog(c)?, db::inbound::quarantine_count(c)?, db::sla::open_breached(c)?))
        })
        .await?;
    let gauges = [
        ("helpdesk_outbox_pending", "Mails waiting to be sent (retries included)", pending),
        ("helpdesk_outbox_given_up", "Mails given up (refused for good, or undeliverable for 48 h)", failed),
        ("helpdesk_quarantine_open", "Quarantined messages not yet replayed", quarantined),
        ("helpdesk_sla_open_breached", "Open tickets that missed an SLA goal", breached),
    ];
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], ctx.metrics.render(&gauges)))
}
