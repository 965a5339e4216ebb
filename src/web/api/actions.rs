//! The agent actions on a ticket: assign, reply or note, ask the customer or a partner,
//! resolve, close, set the priority, merge. Each answers with the ticket as it is now; an
//! illegal transition is 409 with the reason.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::ToSchema;

use super::models::{
    BadRequest, Json, NotFound, Refused, Stale, TicketSummary, TooLarge, Unauthorized,
    Unprocessable,
};
use super::schemas::EmailAddress;
use super::tickets::TicketKey;
use crate::domain::ticket::Priority;
use crate::service::Ctx;
use crate::service::agent_actions::{self, Command, Said};
use crate::service::customer_actions::Upload;
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath, JsonBody};
use crate::web::uploads::{UploadProblem, read_upload};

/// The agent acting, and the version of the ticket they acted on (`If-Match`), if given.
pub struct Acting {
    agent: ApiAgent,
    if_version: Option<i64>,
}

impl FromRequestParts<Ctx> for Acting {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let agent = ApiAgent::from_request_parts(parts, ctx).await?;
        let if_version = match parts.headers.get(header::IF_MATCH) {
            None => None,
            Some(v) => if_match_version(v.to_str().unwrap_or(""))?,
        };
        Ok(Acting { agent, if_version })
    }
}

/// The version an `If-Match` names: `"7"` (the ETag we send), `W/"7"` or `7`; `*` is any.
fn if_match_version(value: &str) -> Result<Option<i64>, WebError> {
    let v = value.trim();
    if v == "*" {
        return Ok(None);
    }
    v.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| {
            WebError::PreconditionFailed(format!(
                "If-Match {v:?} names no version of this ticket (its ETag is a number in quotes)"
            ))
        })
}

/// The ticket as the action left it, with its new `ETag`.
type Acted = ([(axum::http::HeaderName, String); 1], Json<TicketSummary>);

async fn act(ctx: Ctx, acting: Acting, key: String, cmd: Command) -> Result<Acted, WebError> {
    let Acting { agent, if_version } = acting;
    let t = agent_actions::act(&ctx, &agent.0, &key, cmd, if_version, ctx.now()).await?;
    let ticket = TicketSummary::new(&ctx, &t);
    Ok((ticket.etag(), Json(ticket)))
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
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge, Stale))]
pub async fn assign(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<AssignBody>,
) -> Result<Acted, WebError> {
    let agent_email = b.agent_email.to_string();
    act(ctx, a, key, Command::Assign { agent_email }).await
}

/// A comment as JSON: typed, or from a canned reply.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CommentBody {
    Typed(TypedComment),
    Canned(CannedComment),
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypedComment {
    /// The text; must not be blank.
    #[schema(pattern = r"\S")]
    body: String,
    /// An internal note, which the customer never sees.
    #[serde(default)]
    #[schema(default = false)]
    internal: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedComment {
    /// The name (or id) of a canned reply, sent with its `{{customer_name}}`,
    /// `{{ticket_key}}` and `{{agent_name}}` filled in; one that does not exist is
    /// 404, as an unknown ticket or agent is.
    #[schema(pattern = r"\S")]
    canned_reply: String,
    /// An internal note, which the customer never sees.
    #[serde(default)]
    #[schema(default = false)]
    internal: bool,
}

/// A comment sent as `multipart/form-data`, with files. A form field is text, never
/// null: `internal` is `true` or `false`, or left out. The files are optional, and at
/// most `[portal] max_attachments` (the served document says how many).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct CommentForm {
    /// The text; must not be blank (a `canned_reply` field may stand for it, as in JSON).
    #[schema(pattern = r"\S")]
    body: String,
    /// `true` for an internal note.
    #[serde(default)]
    #[schema(default = false)]
    internal: bool,
    /// Files, within the portal's limits (`[portal] max_attachments`, `max_attachment_mb`);
    /// a public reply mails them to the customer as attachments.
    #[serde(default)]
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// A comment as JSON (`CommentBody`) or as a multipart form with files (`CommentForm`).
pub struct CommentInput {
    body: Option<String>,
    canned_reply: Option<String>,
    internal: bool,
    files: Vec<Upload>,
}

impl FromRequest<Ctx> for CommentInput {
    type Rejection = WebError;

    async fn from_request(req: Request, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if !multipart {
            let JsonBody(b) = JsonBody::<CommentBody>::from_request(req, ctx).await?;
            let (body, canned_reply, internal) = match b {
                CommentBody::Typed(t) => (Some(t.body), None, t.internal),
                CommentBody::Canned(c) => (None, Some(c.canned_reply), c.internal),
            };
            return Ok(CommentInput {
                body,
                canned_reply,
                internal,
                files: Vec::new(),
            });
        }
        let mp = Multipart::from_request(req, ctx)
            .await
            .map_err(|e| WebError::BadRequest(format!("not a multipart form: {e}")))?;
        let form = read_upload(ctx, mp)
            .await
            .map_err(|problem| match problem {
                UploadProblem::TooMany => WebError::Unprocessable(format!(
                    "files: at most {} at once",
                    ctx.config.portal.max_attachments
                )),
                UploadProblem::TooLarge(name) => WebError::Unprocessable(format!(
                    "files: {name} is larger than {} MiB",
                    ctx.config.portal.max_attachment_mb
                )),
                UploadProblem::Unreadable => {
                    WebError::BadRequest("the multipart body is broken or over the limit".into())
                }
            })?;
        let field = |name: &str| form.fields.get(name).cloned().filter(|v| !v.is_empty());
        let internal = match field("internal").as_deref() {
            None | Some("false" | "0" | "off") => false,
            Some("true" | "1" | "on") => true,
            Some(other) => {
                return Err(WebError::Unprocessable(format!(
                    "internal: true or false, not {other:?}"
                )));
            }
        };
        Ok(CommentInput {
            body: field("body"),
            canned_reply: field("canned_reply"),
            internal,
            files: form.files,
        })
    }
}

/// Public reply (mailed to the customer, with its files) or internal note, typed or from a canned reply
#[utoipa::path(post, path = "/tickets/{key}/comments", tag = "tickets", params(TicketKey),
    request_body(content(
        (CommentBody = "application/json"),
        (CommentForm = "multipart/form-data"),
    )),
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge, Stale))]
pub async fn comment(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    c: CommentInput,
) -> Result<Acted, WebError> {
    let body = match (c.body, c.canned_reply) {
        (Some(text), None) => Said::Typed(text),
        (None, Some(name)) => Said::Canned(name),
        _ => {
            return Err(WebError::Unprocessable(
                "give either body or canned_reply".into(),
            ));
        }
    };
    let cmd = Command::Comment {
        body,
        internal: c.internal,
        files: c.files,
    };
    act(ctx, a, key, cmd).await
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
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge, Stale))]
pub async fn request_info(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<MessageBody>,
) -> Result<Acted, WebError> {
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
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge, Stale))]
pub async fn third_party(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<ThirdPartyBody>,
) -> Result<Acted, WebError> {
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
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge, Stale))]
pub async fn resolve(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<ResolveBody>,
) -> Result<Acted, WebError> {
    let resolution = b.resolution;
    act(ctx, a, key, Command::Resolve { resolution }).await
}

/// Close (never reopened)
#[utoipa::path(post, path = "/tickets/{key}/close", tag = "tickets", params(TicketKey),
    responses((status = 200, description = "OK", body = TicketSummary),
        BadRequest, Unauthorized, NotFound, Refused))]
pub async fn close(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
) -> Result<Acted, WebError> {
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
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge, Stale))]
pub async fn priority(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<PriorityBody>,
) -> Result<Acted, WebError> {
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
        BadRequest, Unprocessable, Unauthorized, NotFound, Refused, TooLarge, Stale))]
pub async fn merge(
    a: Acting,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<MergeBody>,
) -> Result<Acted, WebError> {
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

#[cfg(test)]
mod tests {
    use super::if_match_version;

    #[test]
    fn if_match_reads_our_etags_and_refuses_others() {
        assert_eq!(if_match_version("\"7\"").unwrap(), Some(7));
        assert_eq!(if_match_version("W/\"7\"").unwrap(), Some(7));
        assert_eq!(if_match_version(" 12 ").unwrap(), Some(12));
        assert_eq!(if_match_version("*").unwrap(), None);
        assert!(if_match_version("\"abc\"").is_err());
    }
}
