//! `/healthz` (the database answers) and `/metrics` (Prometheus text).

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::error::WebError;
use crate::service::Ctx;

pub fn routes() -> Router<Ctx> {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics))
}

async fn healthz(State(ctx): State<Ctx>) -> Result<&'static str, WebError> {
    ctx.db.read(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await?;
    Ok("ok\n")
}

async fn metrics(State(ctx): State<Ctx>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], ctx.metrics.render())
}
