//! Ticket endpoints: list, show (messages, participants, history, SLA clocks), create
//! (phone intake), and the agent actions. Illegal transitions are 409 with the reason.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::ticket::{Channel, Priority, Status};
use crate::service::Ctx;
use crate::service::agent_actions::{self, Command, Intake};
use crate::service::queries;
use crate::service::queries::tickets::{Filter, TicketRow};
use crate::service::queue::QueueFilter;
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath, ApiQuery, JsonBody};

fn summary(ctx: &Ctx, t: &TicketRow) -> Value {
    json!({
        "key": ctx.key(t.id).to_string(),
        "id": t.id,
        "subject": t.subject,
        "status": t.status,
        "status_label": t.status.label(&ctx.config.helpdesk.default_locale),
        "priority": t.priority,
        "channel": t.channel,
        "requester": { "email": t.requester_email, "name": t.requester_name },
        "assignee": t.assignee_email,
        "linked_from": t.linked_from_id.map(|id| ctx.key(id).to_string()),
        "merged_into": t.merged_into_id.map(|id| ctx.key(id).to_string()),
        "status_mail": t.status_mail,
        "resolution": t.resolution,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    requester: Option<String>,
    limit: Option<i64>,
    before: Option<i64>,
}

pub async fn list(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, WebError> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| WebError::BadRequest(format!("unknown status {s:?}")))?,
        ),
        None => None,
    };
    let filter = Filter {
        status,
        requester: q
            .requester
            .filter(|r| !r.is_empty())
            .map(|r| r.trim().to_lowercase()),
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        before_id: q.before,
    };
    let limit = filter.limit;
    let rows = queries::tickets::list(&ctx, filter).await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|t| t.id))
        .flatten();
    Ok(Json(json!({
        "tickets": rows.iter().map(|t| summary(&ctx, t)).collect::<Vec<_>>(),
        "next_before": next,
    })))
}

pub async fn show(
    _: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Value>, WebError> {
    let not_found = || WebError::NotFound(format!("ticket {key}"));
    let id = ctx.parse_key(&key).ok_or_else(not_found)?;
    let d = queries::tickets::detail(&ctx, id)
        .await?
        .ok_or_else(not_found)?;
    let mut v = summary(&ctx, &d.ticket);
    v["messages"] = json!(d.messages);
    v["participants"] = json!(
        d.participants
            .iter()
            .map(|(a, r)| json!({"address": a, "role": r}))
            .collect::<Vec<_>>()
    );
    v["history"] = json!(d.history);
    v["sla"] = json!({
        "assignment": d.assignment,
        "resolution": d.resolution,
        "events": d.sla_events,
    });
    Ok(Json(v))
}

#[derive(Deserialize)]
pub struct CreateBody {
    requester_email: String,
    #[serde(default)]
    requester_name: String,
    #[serde(default)]
    requester_phone: String,
    subject: String,
    #[serde(default)]
    description: String,
    channel: Option<String>,
    priority: Option<String>,
}

pub async fn create(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(b): JsonBody<CreateBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    let channel = match b.channel.as_deref() {
        None => Channel::Phone,
        Some(c) => Channel::parse(c)
            .ok_or_else(|| WebError::BadRequest(format!("unknown channel {c:?}")))?,
    };
    let priority = match b.priority.as_deref() {
        None => Priority::Normal,
        Some(p) => Priority::parse(p)
            .ok_or_else(|| WebError::BadRequest(format!("unknown priority {p:?}")))?,
    };
    let intake = Intake {
        requester_email: b.requester_email,
        requester_name: b.requester_name,
        requester_phone: b.requester_phone,
        subject: b.subject,
        description: b.description,
        channel,
        priority,
    };
    let t = agent_actions::open_for_customer(&ctx, &agent, intake, ctx.now()).await?;
    Ok((StatusCode::CREATED, Json(summary(&ctx, &t))))
}

async fn act(
    ctx: Ctx,
    agent: ApiAgent,
    key: String,
    cmd: Command,
) -> Result<Json<Value>, WebError> {
    let t = agent_actions::act(&ctx, &agent.0, &key, cmd, ctx.now()).await?;
    Ok(Json(summary(&ctx, &t)))
}

#[derive(Deserialize)]
pub struct AssignBody {
    agent_email: String,
}

pub async fn assign(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<AssignBody>,
) -> Result<Json<Value>, WebError> {
    act(
        ctx,
        a,
        key,
        Command::Assign {
            agent_email: b.agent_email,
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct CommentBody {
    body: String,
    #[serde(default)]
    internal: bool,
}

pub async fn comment(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<CommentBody>,
) -> Result<Json<Value>, WebError> {
    act(
        ctx,
        a,
        key,
        Command::Comment {
            body: b.body,
            internal: b.internal,
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct MessageBody {
    message: String,
}

pub async fn request_info(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<MessageBody>,
) -> Result<Json<Value>, WebError> {
    act(ctx, a, key, Command::RequestInfo { message: b.message }).await
}

#[derive(Deserialize)]
pub struct ThirdPartyBody {
    partner_email: String,
    message: String,
}

pub async fn third_party(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<ThirdPartyBody>,
) -> Result<Json<Value>, WebError> {
    act(
        ctx,
        a,
        key,
        Command::ThirdParty {
            partner_email: b.partner_email,
            message: b.message,
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct ResolveBody {
    resolution: String,
}

pub async fn resolve(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<ResolveBody>,
) -> Result<Json<Value>, WebError> {
    act(
        ctx,
        a,
        key,
        Command::Resolve {
            resolution: b.resolution,
        },
    )
    .await
}

pub async fn close(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Value>, WebError> {
    act(ctx, a, key, Command::Close).await
}

#[derive(Deserialize)]
pub struct PriorityBody {
    priority: String,
}

pub async fn priority(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<PriorityBody>,
) -> Result<Json<Value>, WebError> {
    let priority = Priority::parse(&b.priority)
        .ok_or_else(|| WebError::BadRequest(format!("unknown priority {:?}", b.priority)))?;
    act(ctx, a, key, Command::SetPriority { priority }).await
}

#[derive(Deserialize)]
pub struct MergeBody {
    into: String,
}

pub async fn merge(
    a: ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(key): ApiPath<String>,
    JsonBody(b): JsonBody<MergeBody>,
) -> Result<Json<Value>, WebError> {
    act(ctx, a, key, Command::Merge { into: b.into }).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    /// `mine`, `unassigned` or `breached`; anything else is every open ticket.
    view: String,
    status: Option<String>,
    q: String,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// The console's queue: open tickets, unassigned first, then by SLA due time, each with
/// both clocks.
pub async fn queue(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Value>, WebError> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| WebError::BadRequest(format!("unknown status {s:?}")))?,
        ),
        None => None,
    };
    let text = q.q.trim().to_string();
    let filter = QueueFilter {
        assignee: (q.view == "mine").then_some(agent.id),
        unassigned: q.view == "unassigned",
        status,
        breached_at: (q.view == "breached").then(|| ctx.now()),
        id: ctx.parse_key(&text.to_ascii_uppercase()),
        text: (!text.is_empty()).then_some(text),
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (items, total) = crate::service::queue::page(&ctx, filter, ctx.now()).await?;
    let tickets: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({
                "key": ctx.key(i.row.id).to_string(), "subject": i.row.subject, "status": i.row.status,
                "priority": i.row.priority, "requester": { "email": i.row.requester_email, "name": i.row.requester_name },
                "assignee": i.row.assignee_name, "updated_at": i.row.updated_at, "sla_due_at": i.row.sla_due_at,
                "sla": { "assignment": i.assignment, "resolution": i.resolution },
            })
        })
        .collect();
    Ok(Json(json!({ "tickets": tickets, "total": total })))
}
