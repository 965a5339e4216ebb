//! A ticket in the console: the whole thread (public and internal apart), participants,
//! status and SLA history, both clocks, and every action an agent takes on it.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::clock_json;
use crate::domain::ticket::{Priority, Status};
use crate::service::agent_actions::{self, Command, Said};
use crate::service::customer_actions::Upload;
use crate::service::queries::tickets::TicketDetail;
use crate::service::queries::{self, Agent};
use crate::service::{Ctx, ServiceError, agent_alerts, canned_replies, presence};
use crate::web::error::WebError;
use crate::web::extract::{CarriesCsrf, Csrf, CurrentAgent};
use crate::web::html;
use crate::web::page_error::PageError;
use crate::web::pages::{local_time, render, say};
use crate::web::uploads::{UploadProblem, read_upload};
use crate::web::visitor::Visitor;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// What the page shows after a refused action: the reason and what was typed.
#[derive(Default)]
struct Feedback {
    flash: Option<String>,
    error: Option<String>,
    action: String,
    text: String,
}

pub async fn page(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    v: Visitor,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let tx = ctx.templates.texts(v.lang);
    let flash = (!q.done.is_empty()).then(|| say(tx, "c_done", &[]));
    ticket_page(
        &ctx,
        &v,
        &key,
        StatusCode::OK,
        Feedback {
            flash,
            ..Default::default()
        },
    )
    .await
}

async fn ticket_page(
    ctx: &Ctx,
    v: &Visitor,
    key: &str,
    status: StatusCode,
    fb: Feedback,
) -> Result<Response, PageError> {
    let not_found = || WebError::NotFound("ticket".into());
    let id = ctx.parse_key(key).ok_or_else(not_found)?;
    let detail = queries::tickets::detail(ctx, id)
        .await?
        .ok_or_else(not_found)?;
    let mut others = Vec::new();
    if let Some(agent) = &v.agent {
        agent_alerts::seen(ctx, &detail.ticket, agent.id).await?;
        others = presence::beat(ctx, id, agent.id, &agent.name, false).await?;
    }
    let agents = queries::admin::agents(ctx).await?;
    let partners = queries::admin::partners(ctx).await?;
    let canned = queries::admin::canned_replies(ctx).await?;
    let TicketDetail {
        ticket: t,
        messages,
        participants,
        history,
        assignment,
        resolution,
        sla_events: events,
    } = detail;
    let tx = ctx.templates.texts(v.lang);
    let sla = ctx.sla();
    let tz = &sla.config.calendar.time_zone;
    let key = ctx.key(id).to_string();
    let url = |a: i64| format!("/console/tickets/{key}/attachments/{a}");
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| {
            let inline: HashMap<String, String> =
                m.attachments.iter().filter_map(|a| Some((a.content_id.clone()?, url(a.id)))).collect();
            json!({
                "id": m.id, "kind": m.kind, "internal": m.internal, "author": m.author, "sender_auth": m.sender_auth,
                "at": local_time(&m.created_at, tz, v.lang), "body": m.body, "quoted": m.quoted, "signature": m.signature,
                "html": m.html.as_deref().map(|h| html::sanitize(h, inline)),
                "attachments": m.attachments.iter().map(|a| json!({ "name": a.filename, "url": url(a.id), "size": a.size })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let history: Vec<Value> = history
        .iter()
        .map(|h| {
            let label = Status::parse(&h.to).map(|s| s.label(v.lang)).unwrap_or("");
            json!({ "at": local_time(&h.at, tz, v.lang), "to": label, "actor": h.actor })
        })
        .collect();
    let events: Vec<Value> = events
        .iter()
        .map(|e| {
            let what = say(tx, &format!("c_sla_{}_{}", e.goal, e.kind), &[]);
            json!({ "at": local_time(&e.at, tz, v.lang), "what": what, "notified": e.notified })
        })
        .collect();
    // Each canned reply as it would go out on this ticket, for the reply box.
    let customer = if t.requester_name.is_empty() {
        &t.requester_email
    } else {
        &t.requester_name
    };
    let agent_name = v
        .agent
        .as_ref()
        .map(|a| a.name.as_str())
        .unwrap_or_default();
    let canned: Vec<Value> = canned
        .iter()
        .map(|c| {
            let text = canned_replies::fill_text(&c.body, customer, &key, agent_name);
            json!({ "id": c.id, "name": c.name, "text": text })
        })
        .collect();
    let vars = json!({
        "key": key, "version": t.version, "canned": canned, "others": others,
        "attach_limits": say(tx, "attach_limits", &[("count", &ctx.config.portal.max_attachments), ("mb", &ctx.config.portal.max_attachment_mb)]),
        "max_files": ctx.config.portal.max_attachments, "max_bytes": ctx.config.portal.max_attachment_bytes(), "subject": t.subject, "status": t.status.as_str(), "status_label": t.status.label(v.lang),
        "closed": t.status == Status::Closed, "resolved": t.status == Status::Resolved,
        "priority": t.priority.as_str(), "channel": t.channel.as_str(),
        "queue": t.queue, "mailbox": t.mailbox,
        "satisfaction": t.satisfaction.as_ref().map(|s| json!({ "rating": s.rating.as_str(), "comment": s.comment })),
        "priorities": ["low", "normal", "high", "urgent"],
        "requester": if t.requester_name.is_empty() { t.requester_email.clone() } else { format!("{} <{}>", t.requester_name, t.requester_email) },
        "assignee": t.assignee_email, "mine": v.agent.as_ref().map(|a| a.id) == t.assignee_id,
        "status_mail": t.status_mail, "resolution": t.resolution,
        "linked_from": t.linked_from_id.map(|i| ctx.key(i).to_string()),
        "created": local_time(&t.created_at, tz, v.lang),
        "assignment": clock_json(tx, &assignment), "resolution_clock": clock_json(tx, &resolution),
        "messages": messages, "participants": participants,
        "history": history, "events": events,
        "agents": agents.iter().map(|a| json!({ "email": a.email, "name": a.name })).collect::<Vec<_>>(),
        "partners": partners,
        "flash": fb.flash, "error": fb.error, "failed_action": fb.action, "typed": fb.text,
    });
    Ok(render(ctx, v, status, "console/ticket.html", vars))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    body: String,
    agent_email: String,
    partner_email: String,
    priority: String,
    into: String,
    /// A canned reply picked without JavaScript (with it, its text is in `body`).
    canned: String,
    /// The ticket's version when the page was loaded; none from an older page.
    version: Option<i64>,
}

fn command(
    agent: &Agent,
    action: &str,
    f: &ActionForm,
    files: Vec<Upload>,
) -> Result<Command, String> {
    let text = f.body.clone();
    // A canned reply picked with nothing typed is sent as it is.
    let said = if text.trim().is_empty() && !f.canned.is_empty() {
        Said::Canned(f.canned.clone())
    } else {
        Said::Typed(text.clone())
    };
    Ok(match action {
        "take" => Command::Assign {
            agent_email: agent.email.clone(),
        },
        "assign" => Command::Assign {
            agent_email: f.agent_email.clone(),
        },
        "reply" => Command::Comment {
            body: said,
            internal: false,
            files,
        },
        "note" => Command::Comment {
            body: said,
            internal: true,
            files,
        },
        "request-info" => Command::RequestInfo { message: text },
        "third-party" => Command::ThirdParty {
            partner_email: f.partner_email.clone(),
            message: text,
        },
        "resolve" => Command::Resolve { resolution: text },
        "close" => Command::Close,
        "priority" => Command::SetPriority {
            priority: Priority::parse(&f.priority)
                .ok_or_else(|| format!("unknown priority {:?}", f.priority))?,
        },
        "merge" => Command::Merge {
            into: f.into.clone(),
        },
        other => return Err(format!("unknown action {other:?}")),
    })
}

impl CarriesCsrf for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn act(
    State(ctx): State<Ctx>,
    CurrentAgent(agent): CurrentAgent,
    v: Visitor,
    Path((key, action)): Path<(String, String)>,
    Csrf(f): Csrf<ActionForm>,
) -> Result<Response, PageError> {
    let cmd = command(&agent, &action, &f, Vec::new()).map_err(WebError::BadRequest)?;
    run(&ctx, v, &agent, (key, action), cmd, f).await
}

/// A reply or a note with files (the reply box's form, multipart): dropped on the box or
/// picked with Browse.
pub async fn act_with_files(
    State(ctx): State<Ctx>,
    CurrentAgent(agent): CurrentAgent,
    v: Visitor,
    Path((key, action)): Path<(String, String)>,
    mp: Multipart,
) -> Result<Response, PageError> {
    if !matches!(action.as_str(), "reply" | "note") {
        return Err(WebError::NotFound(format!("action {action:?}")).into());
    }
    let form = read_upload(&ctx, mp)
        .await
        .map_err(|problem| match problem {
            UploadProblem::TooMany => WebError::Unprocessable(format!(
                "at most {} files at once",
                ctx.config.portal.max_attachments
            )),
            UploadProblem::TooLarge(name) => WebError::Unprocessable(format!(
                "{name} is larger than {} MiB",
                ctx.config.portal.max_attachment_mb
            )),
            UploadProblem::Unreadable => {
                WebError::PayloadTooLarge(ctx.config.portal.max_attachment_bytes())
            }
        })?;
    let field = |name: &str| form.fields.get(name).cloned().unwrap_or_default();
    // The token is a field of the multipart form, read with the files.
    v.check_csrf(&ctx, &field("csrf"))?;
    let f = ActionForm {
        body: field("body"),
        canned: field("canned"),
        version: field("version").parse().ok(),
        ..Default::default()
    };
    let cmd = command(&agent, &action, &f, form.files).map_err(WebError::BadRequest)?;
    run(&ctx, v, &agent, (key, action), cmd, f).await
}

/// Runs an action of the ticket page; a refusal, a bad value or a stale page shows the
/// page again with the reason and the typed text kept.
async fn run(
    ctx: &Ctx,
    v: Visitor,
    agent: &Agent,
    (key, action): (String, String),
    cmd: Command,
    f: ActionForm,
) -> Result<Response, PageError> {
    match agent_actions::act(ctx, agent, &key, cmd, f.version, ctx.now()).await {
        Ok(_) => Ok(v.finish(
            Redirect::to(&format!("/console/tickets/{key}?done={action}")).into_response(),
        )),
        Err(e @ (ServiceError::Refused(_) | ServiceError::Invalid(_) | ServiceError::Stale(_))) => {
            let (status, error) = match &e {
                ServiceError::Refused(_) => (StatusCode::CONFLICT, e.to_string()),
                ServiceError::Stale(what) => {
                    let tx = ctx.templates.texts(v.lang);
                    (
                        StatusCode::PRECONDITION_FAILED,
                        format!("{} ({what})", say(tx, "c_stale", &[])),
                    )
                }
                _ => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            };
            let fb = Feedback {
                error: Some(error),
                action,
                text: f.body,
                ..Default::default()
            };
            ticket_page(ctx, &v, &key, status, fb).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn download(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    Path((key, att)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let id = ctx
        .parse_key(&key)
        .ok_or_else(|| WebError::NotFound("ticket".into()))?;
    let file = queries::tickets::download(&ctx, id, att)
        .await?
        .ok_or_else(|| WebError::NotFound("attachment".into()))?;
    let mut r = Response::new(Body::from(file.content));
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    r.headers_mut().insert(header::CONTENT_TYPE, content_type);
    if let Ok(value) =
        HeaderValue::from_str(&crate::web::pages::content_disposition(&file.filename))
    {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PresenceForm {
    csrf: String,
    /// "1" while the agent is writing in the reply box.
    typing: String,
}

impl CarriesCsrf for PresenceForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The ticket page's beat: this agent is here (and writing, or not); the answer names the
/// other agents on the ticket.
pub async fn presence(
    State(ctx): State<Ctx>,
    CurrentAgent(agent): CurrentAgent,
    Path(key): Path<String>,
    Csrf(f): Csrf<PresenceForm>,
) -> Result<Response, PageError> {
    let id = ctx
        .parse_key(&key)
        .ok_or_else(|| WebError::NotFound("ticket".into()))?;
    let typing = f.typing == "1";
    let others = presence::beat(&ctx, id, agent.id, &agent.name, typing).await?;
    Ok(axum::Json(json!({ "others": others })).into_response())
}
