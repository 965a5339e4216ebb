//! The quarantine: messages that could not be processed, their raw source, replay and discard.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::admin::Id;
use super::models::{
    BadRequest, ErrorBody, Json, NotFound, QuarantineList, Replayed, Unauthorized,
};
use crate::service::{Ctx, admin, queries, receive_email};
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath};

/// Messages that could not be processed, with the reason
#[utoipa::path(get, path = "/quarantine", tag = "quarantine", operation_id = "quarantine_list",
    responses((status = 200, description = "OK", body = QuarantineList), Unauthorized))]
pub async fn list(_: ApiAgent, State(ctx): State<Ctx>) -> Result<Json<QuarantineList>, WebError> {
    let quarantine = queries::admin::quarantine(&ctx).await?;
    Ok(Json(QuarantineList { quarantine }))
}

/// The raw source
#[utoipa::path(get, path = "/quarantine/{id}/raw", tag = "quarantine", operation_id = "quarantine_raw", params(Id),
    responses((status = 200, description = "message/rfc822", content_type = "message/rfc822", body = String),
        BadRequest, Unauthorized, NotFound))]
pub async fn raw(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, WebError> {
    let raw = queries::admin::quarantine_source(&ctx, id).await?;
    Ok(([(header::CONTENT_TYPE, "message/rfc822")], raw))
}

/// Process it again
#[utoipa::path(post, path = "/quarantine/{id}/replay", tag = "quarantine", operation_id = "quarantine_replay", params(Id),
    responses((status = 200, description = "OK", body = Replayed), BadRequest, Unauthorized, NotFound,
        (status = 409, description = "Not replayable: the mail was never fetched whole from the server", body = ErrorBody)))]
pub async fn replay(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Replayed>, WebError> {
    let outcome = receive_email::replay(&ctx, id, ctx.now()).await?;
    Ok(Json(Replayed {
        detail: outcome.to_string(),
        outcome: outcome.label(),
    }))
}

/// Take it out of quarantine unprocessed (the source stays stored)
#[utoipa::path(post, path = "/quarantine/{id}/discard", tag = "quarantine", operation_id = "quarantine_discard", params(Id),
    responses((status = 204, description = "Discarded"), BadRequest, Unauthorized, NotFound))]
pub async fn discard(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, WebError> {
    admin::discard_quarantined(&ctx, id, ctx.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
