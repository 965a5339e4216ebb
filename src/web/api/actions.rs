//! The agent actions on a ticket: assign, reply or note, ask the customer or a partner,
//! resolve, close, set the priority, merge. Each answers with the ticket as it is now; an
//! illegal transition is 409 with the reason.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

use super::models::{
    BadRequest, Json, NotFound, Refused, TicketSummary, TooLarge, Unauthorized, Unprocessable,
};
use super::schemas::EmailAddress;
use super::tickets::TicketKey;
use crate::domain::ticket::Priority;
use crate::service::Ctx;
use crate::service::agent_actions::{self, Command};
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath, JsonBody};

async fn act(
    ctx: Ctx,
    agent: ApiAgent,
    key: String,
    cmd: Command,
) -> Result<Json<TicketSummary>, WebError> {
    let t = agent_actions::act(&ctx, &agent.0, &key, cmd, ctx.now()).await?;
    Ok(Json(TicketSummary::new(&ctx, &t)))
}

#[derive(Deserialize, ToSchema)]
pub struct AssignBody {
    #[schema(value_type = EmailAddress)]
    agent_email: crate::domain::email_address::EmailAddress,
}

/// Assign to an agent
#[utoipa::path(post, path = "/tickets/{key}/assign", tag = "tickets", params(TicketKey),
    request_body = AssignBody,
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge))]
pub async fn assign(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<AssignBody>,
) -> Result<Json<TicketSummary>, WebError> {
    let agent_email = b.agent_email.to_string();
    act(ctx, a, key, Command::Assign { agent_email }).await
}

#[derive(Deserialize, ToSchema)]
pub struct CommentBody {
    /// Must not be empty or blank.
    #[schema(pattern = r"\S")]
    body: String,
    /// An internal note, which the customer never sees.
    #[serde(default)]
    #[schema(default = false)]
    internal: bool,
}

/// Public reply (mailed to the customer) or internal note
#[utoipa::path(post, path = "/tickets/{key}/comments", tag = "tickets", params(TicketKey),
    request_body = CommentBody,
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge))]
pub async fn comment(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<CommentBody>,
) -> Result<Json<TicketSummary>, WebError> {
    let (body, internal) = (b.body, b.internal);
    act(ctx, a, key, Command::Comment { body, internal }).await
}

#[derive(Deserialize, ToSchema)]
pub struct MessageBody {
    /// Must not be empty or blank.
    #[schema(pattern = r"\S")]
    message: String,
}

/// Ask the customer for information (pauses the SLA)
#[utoipa::path(post, path = "/tickets/{key}/request-info", tag = "tickets", params(TicketKey),
    request_body = MessageBody,
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge))]
pub async fn request_info(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<MessageBody>,
) -> Result<Json<TicketSummary>, WebError> {
    act(ctx, a, key, Command::RequestInfo { message: b.message }).await
}

#[derive(Deserialize, ToSchema)]
pub struct ThirdPartyBody {
    #[schema(value_type = EmailAddress)]
    partner_email: crate::domain::email_address::EmailAddress,
    /// Must not be empty or blank.
    #[schema(pattern = r"\S")]
    message: String,
}

/// Ask a partner (pauses the SLA; the partner's mail resumes it)
#[utoipa::path(post, path = "/tickets/{key}/third-party", tag = "tickets", params(TicketKey),
    request_body = ThirdPartyBody,
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge))]
pub async fn third_party(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<ThirdPartyBody>,
) -> Result<Json<TicketSummary>, WebError> {
    let (partner_email, message) = (b.partner_email.to_string(), b.message);
    act(
        ctx,
        a,
        key,
        Command::ThirdParty {
            partner_email,
            message,
        },
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveBody {
    /// Must not be empty or blank.
    #[schema(pattern = r"\S")]
    resolution: String,
}

/// Resolve, with the resolution mailed to the customer
#[utoipa::path(post, path = "/tickets/{key}/resolve", tag = "tickets", params(TicketKey),
    request_body = ResolveBody,
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge))]
pub async fn resolve(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<ResolveBody>,
) -> Result<Json<TicketSummary>, WebError> {
    let resolution = b.resolution;
    act(ctx, a, key, Command::Resolve { resolution }).await
}

/// Close (never reopened)
#[utoipa::path(post, path = "/tickets/{key}/close", tag = "tickets", params(TicketKey),
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unauthorized, NotFound, Refused))]
pub async fn close(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<TicketSummary>, WebError> {
    act(ctx, a, key, Command::Close).await
}

#[derive(Deserialize, ToSchema)]
pub struct PriorityBody {
    priority: Priority,
}

/// Set the priority (moves the resolution goal)
#[utoipa::path(post, path = "/tickets/{key}/priority", tag = "tickets", params(TicketKey),
    request_body = PriorityBody,
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge))]
pub async fn priority(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<PriorityBody>,
) -> Result<Json<TicketSummary>, WebError> {
    let priority = b.priority;
    act(ctx, a, key, Command::SetPriority { priority }).await
}

#[derive(Deserialize, ToSchema)]
pub struct MergeBody {
    /// The key of the ticket to merge into, e.g. HD-42.
    #[schema(value_type = String, pattern = r"^[A-Z]+-[1-9][0-9]{0,8}$")]
    into: crate::domain::ids::TicketKey,
}

/// Close this ticket as a duplicate of another
#[utoipa::path(post, path = "/tickets/{key}/merge", tag = "tickets", params(TicketKey),
    request_body = MergeBody,
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge))]
pub async fn merge(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<MergeBody>,
) -> Result<Json<TicketSummary>, WebError> {
    act(
        ctx,
        a,
        key,
        Command::Merge {
            into: b.into.to_string(),
        },
    )
    .await
}
