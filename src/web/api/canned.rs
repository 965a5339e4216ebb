//! Canned replies: any agent reads them; admins add, change and remove them. A comment
//! uses one by name with `{"canned_reply": "<name or id>"}`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::Id;
use super::models::{
    BadRequest, Json, NotAdmin, NotFound, Refused, TooLarge, Unauthorized, Unprocessable,
};
use crate::service::queries::admin::CannedReply;
use crate::service::{Ctx, canned_replies, queries};
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath, JsonBody};

/// Every canned reply, by name.
#[derive(Serialize, ToSchema)]
pub struct CannedReplyList {
    pub canned_replies: Vec<CannedReply>,
}

#[derive(Deserialize, ToSchema)]
pub struct CannedReplyBody {
    /// Unique, any case; must not be blank.
    #[schema(pattern = r"\S", max_length = 100)]
    name: String,
    /// The text; `{{customer_name}}`, `{{ticket_key}}` and `{{agent_name}}` are filled in
    /// when it is used, and no other `{{…}}` is taken. Must not be blank.
    #[schema(pattern = r"\S")]
    body: String,
}

/// Canned replies, by name
#[utoipa::path(get, path = "/canned-replies", tag = "canned replies", operation_id = "canned_replies",
    responses((status = 200, description = "OK", body = CannedReplyList), Unauthorized))]
pub async fn list(_: ApiAgent, State(ctx): State<Ctx>) -> Result<Json<CannedReplyList>, WebError> {
    let canned_replies = queries::admin::canned_replies(&ctx).await?;
    Ok(Json(CannedReplyList { canned_replies }))
}

/// Add a canned reply (admins)
#[utoipa::path(post, path = "/canned-replies", tag = "canned replies", operation_id = "canned_reply_add", request_body = CannedReplyBody,
    responses((status = 201, description = "Added", body = CannedReply),
        BadRequest, Unprocessable, Unauthorized, NotAdmin, Refused, TooLarge))]
pub async fn add(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(b): JsonBody<CannedReplyBody>,
) -> Result<(StatusCode, Json<CannedReply>), WebError> {
    let saved = canned_replies::add(&ctx, &agent, &b.name, &b.body, ctx.now()).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Change a canned reply's name and text (admins)
#[utoipa::path(put, path = "/canned-replies/{id}", tag = "canned replies", operation_id = "canned_reply_change", params(Id),
    request_body = CannedReplyBody,
    responses((status = 200, description = "Saved", body = CannedReply),
        BadRequest, Unprocessable, Unauthorized, NotAdmin, NotFound, Refused, TooLarge))]
pub async fn change(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
    JsonBody(b): JsonBody<CannedReplyBody>,
) -> Result<Json<CannedReply>, WebError> {
    let saved = canned_replies::change(&ctx, &agent, id, &b.name, &b.body, ctx.now()).await?;
    Ok(Json(saved))
}

/// Remove a canned reply (admins)
#[utoipa::path(delete, path = "/canned-replies/{id}", tag = "canned replies", operation_id = "canned_reply_remove", params(Id),
    responses((status = 204, description = "Removed"), BadRequest, Unauthorized, NotAdmin, NotFound))]
pub async fn remove(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, WebError> {
    canned_replies::remove(&ctx, &agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
