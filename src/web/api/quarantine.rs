//! The quarantine: messages that could not be processed, their raw source, replay and discard.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::service::{Ctx, admin, queries, receive_email};
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath};

pub async fn list(
    _: ApiAgent,
    State(ctx): State<Ctx>,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = queries::admin::quarantine(&ctx).await?;
    Ok(Json(serde_json::json!({ "quarantine": items })))
}

pub async fn raw(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, WebError> {
    let raw = queries::admin::quarantine_source(&ctx, id).await?;
    Ok(([(header::CONTENT_TYPE, "message/rfc822")], raw))
}

pub async fn replay(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<serde_json::Value>, WebError> {
    let outcome = receive_email::replay(&ctx, id, ctx.now()).await?;
    Ok(Json(
        serde_json::json!({ "outcome": outcome.label(), "detail": outcome.to_string() }),
    ))
}

/// Takes an entry out of quarantine without processing it (the source stays stored).
pub async fn discard(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, WebError> {
    admin::discard_quarantined(&ctx, id, ctx.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
