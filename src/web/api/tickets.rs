//! Ticket endpoints: list, show (messages, participants, history, SLA clocks), create
//! (phone intake), and the agents' queue. The agent actions are in `actions`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::models::{
    BadRequest, Json, NotFound, QueuePage, QueueTicket, TicketDetail, TicketList, TicketSummary,
    TooLarge, Unauthorized, Unprocessable,
};
use super::schemas::EmailAddress;
use crate::domain::ids::TicketId;
use crate::domain::ticket::{Channel, Priority, Status};
use crate::service::Ctx;
use crate::service::agent_actions::{self, Intake};
use crate::service::queries;
use crate::service::queries::tickets::Filter;
use crate::service::queue::QueueFilter;
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath, ApiQuery, JsonBody};

/// A ticket's key in a path.
#[derive(IntoParams)]
#[into_params(names("key"), parameter_in = Path)]
pub struct TicketKey(
    #[param(example = "HD-42")]
    #[allow(dead_code)]
    pub String,
);

fn status_filter(status: Option<&str>) -> Result<Option<Status>, WebError> {
    match status.filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(Status::parse(s).ok_or_else(|| {
            WebError::BadRequest(format!("unknown status {s:?}"))
        })?)),
        None => Ok(None),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Status, required = false)]
    status: Option<String>,
    #[param(value_type = String, required = false)]
    requester: Option<String>,
    /// Only this queue's tickets (a mailbox's `queue`)
    #[param(value_type = String, required = false)]
    queue: Option<String>,
    /// Full-text search over subjects and every message (notes too), diacritics folded,
    /// each word a prefix; the best matches first (`before` does not apply)
    #[param(value_type = String, required = false)]
    q: Option<String>,
    #[param(value_type = i64, required = false, minimum = 1, maximum = 1000, default = 100)]
    limit: Option<i64>,
    /// Only tickets with a smaller id (the previous page's next_before)
    #[param(value_type = i64, required = false)]
    before: Option<i64>,
}

/// List tickets, newest first
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(ListQuery),
    responses((status = 200, description = "OK", body = TicketList), BadRequest, Unauthorized))]
pub async fn list(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<TicketList>, WebError> {
    let filter = Filter {
        status: status_filter(q.status.as_deref())?,
        requester: q
            .requester
            .filter(|r| !r.is_empty())
            .map(|r| r.trim().to_lowercase()),
        queue: q.queue.filter(|v| !v.trim().is_empty()),
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        before_id: q.before.map(TicketId),
    };
    let limit = filter.limit;
    let rows = match q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => {
            let rows = queries::tickets::search(&ctx, text, filter).await?;
            return Ok(Json(TicketList {
                next_before: None,
                tickets: rows.iter().map(|t| TicketSummary::new(&ctx, t)).collect(),
            }));
        }
        None => queries::tickets::list(&ctx, filter).await?,
    };
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|t| t.id.0))
        .flatten();
    Ok(Json(TicketList {
        next_before: next,
        tickets: rows.iter().map(|t| TicketSummary::new(&ctx, t)).collect(),
    }))
}

/// One ticket with its messages, participants, status history and SLA clocks
#[utoipa::path(get, path = "/tickets/{key}", tag = "tickets", params(TicketKey),
    responses((status = 200, description = "OK", body = TicketDetail), Unauthorized, NotFound))]
pub async fn show(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
) -> Result<impl IntoResponse, WebError> {
    let not_found = || WebError::NotFound(format!("ticket {key}"));
    let id = ctx.parse_key(&key).ok_or_else(not_found)?;
    let d = queries::tickets::detail(&ctx, id)
        .await?
        .ok_or_else(not_found)?;
    let detail = TicketDetail::new(&ctx, d);
    Ok((detail.ticket.etag(), Json(detail)))
}

/// A ticket opened for a customer.
#[derive(Deserialize, ToSchema)]
pub struct CreateBody {
    #[schema(value_type = EmailAddress)]
    requester_email: crate::domain::email_address::EmailAddress,
    #[serde(default)]
    requester_name: String,
    #[serde(default)]
    requester_phone: String,
    /// Must not be empty or blank.
    #[schema(pattern = r"\S")]
    subject: String,
    #[serde(default)]
    description: String,
    #[schema(required = false, default = "phone")]
    channel: Option<Channel>,
    #[schema(required = false, default = "normal")]
    priority: Option<Priority>,
}

/// Open a ticket for a customer (phone intake)
#[utoipa::path(post, path = "/tickets", tag = "tickets", request_body = CreateBody,
    responses((status = 201, description = "Created; the customer gets the confirmation (and the invitation when new)", body = TicketSummary),
        BadRequest, Unprocessable, Unauthorized, TooLarge))]
pub async fn create(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(b): JsonBody<CreateBody>,
) -> Result<(StatusCode, Json<TicketSummary>), WebError> {
    let intake = Intake {
        requester_email: b.requester_email.to_string(),
        requester_name: b.requester_name,
        requester_phone: b.requester_phone,
        subject: b.subject,
        description: b.description,
        channel: b.channel.unwrap_or(Channel::Phone),
        priority: b.priority.unwrap_or(Priority::Normal),
    };
    let t = agent_actions::open_for_customer(&ctx, &agent, intake, ctx.now()).await?;
    Ok((StatusCode::CREATED, Json(TicketSummary::new(&ctx, &t))))
}

/// Which tickets the queue shows; `all` (or anything else) is every open ticket.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueView {
    All,
    Mine,
    Unassigned,
    Breached,
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `mine`, `unassigned` or `breached`; anything else is every open ticket.
    #[param(value_type = QueueView, required = false)]
    view: String,
    #[param(value_type = Status, required = false)]
    status: Option<String>,
    /// Text in the subject or the requester, or a ticket key
    #[param(required = false)]
    q: String,
    /// Only this queue's tickets (a mailbox's `queue`)
    #[param(required = false)]
    queue: String,
    #[param(value_type = i64, required = false, default = 50)]
    limit: Option<i64>,
    #[param(value_type = i64, required = false, default = 0)]
    offset: Option<i64>,
}

/// The agents' queue: open tickets, unassigned first, then by SLA due time, with both clocks
#[utoipa::path(get, path = "/queue", tag = "queue", params(QueueQuery),
    responses((status = 200, description = "OK", body = QueuePage), BadRequest, Unauthorized))]
pub async fn queue(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<QueuePage>, WebError> {
    let status = status_filter(q.status.as_deref())?;
    let text = q.q.trim().to_string();
    let filter = QueueFilter {
        assignee: (q.view == "mine").then_some(agent.id),
        unassigned: q.view == "unassigned",
        status,
        breached_at: (q.view == "breached").then(|| ctx.now()),
        id: ctx.parse_key(&text.to_ascii_uppercase()),
        text: (!text.is_empty()).then_some(text),
        queue: (!q.queue.trim().is_empty()).then(|| q.queue.trim().to_string()),
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (items, total) = crate::service::queue::page(&ctx, filter, ctx.now()).await?;
    Ok(Json(QueuePage {
        tickets: items
            .into_iter()
            .map(|i| QueueTicket::new(&ctx, i))
            .collect(),
        total,
    }))
}
