//! The quarantine: messages that could not be processed, their raw source, and replay.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::Utc;

use crate::db;
use crate::service::{Ctx, receive_email};
use crate::web::error::WebError;
use crate::web::extract::ApiAgent;

pub async fn list(_: ApiAgent, State(ctx): State<Ctx>) -> Result<Json<serde_json::Value>, WebError> {
    let items = ctx.db.read(db::inbound::list_quarantine).await?;
    Ok(Json(serde_json::json!({ "quarantine": items })))
}

pub async fn raw(_: ApiAgent, State(ctx): State<Ctx>, Path(id): Path<i64>) -> Result<impl IntoResponse, WebError> {
    let raw = ctx.db.read(move |c| db::inbound::raw(c, id)).await?;
    let raw = raw.ok_or_else(|| WebError::NotFound(format!("message {id}")))?;
    Ok(([(header::CONTENT_TYPE, "message/rfc822")], raw))
}

pub async fn replay(_: ApiAgent, State(ctx): State<Ctx>, Path(id): Path<i64>) -> Result<Json<serde_json::Value>, WebError> {
    let stored = ctx.db.read(move |c| db::inbound::raw(c, id).map(|v| v.is_some())).await?;
    if !stored {
        return Err(WebError::NotFound(format!("message {id}")));
    }
    let outcome = receive_email::replay(&ctx, id, Utc::now()).await?;
    Ok(Json(serde_json::json!({ "outcome": outcome.label(), "detail": outcome.to_string() })))
}
