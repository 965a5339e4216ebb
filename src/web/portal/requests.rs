//! Solicitări: the customer's requests, one request with its conversation, adding a
//! comment, and the request's status mail switch.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{local_time, render, say, say_count, time_zone};
use crate::domain::ids::TicketId;
use crate::domain::message_kind::MessageKind;
use crate::domain::ticket::Status;
use crate::service::queries::portal::{self, PortalRequest, RequestQuery};
use crate::service::queries::{Customer, MessageView};
use crate::service::{Ctx, ServiceError};
use crate::service::{customer_actions, participants as cc};
use crate::templates::Texts;
use crate::web::error::WebError;
use crate::web::extract::{CarriesCsrf, Csrf, CurrentCustomer};
use crate::web::html;
use crate::web::page_error::PageError;
use crate::web::visitor::Visitor;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    q: String,
    page: Option<i64>,
    welcome: Option<String>,
}

fn list_url(status: &str, q: &str, page: i64) -> String {
    let pairs = [("status", status), ("q", q), ("page", &page.to_string())];
    let query = serde_urlencoded::to_string(
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    format!("/portal/requests?{query}")
}

pub async fn list(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let tx = ctx.templates.texts(v.lang);
    let status = Status::parse(&q.status);
    let text: String = q.q.trim().chars().take(200).collect();
    let size = ctx.config.portal.page_size;
    let page = q.page.unwrap_or(1).max(1);
    let query = RequestQuery {
        address: customer.email.clone(),
        status,
        id: ctx
            .parse_key(&text.to_ascii_uppercase())
            .or_else(|| text.parse().ok().map(TicketId)),
        text: (!text.is_empty()).then(|| text.clone()),
        limit: size,
        offset: (page - 1).saturating_mul(size),
    };
    let (rows, total) = portal::requests(&ctx, query).await?;
    let tz = time_zone(&ctx, &v);
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "key": ctx.key(r.id).to_string(), "subject": r.subject, "status": r.status.as_str(),
                "status_label": r.status.label(v.lang), "updated": local_time(&r.updated_at, tz, v.lang),
            })
        })
        .collect();
    let pages = ((total + size - 1) / size).max(1);
    let status_code = status.map(Status::as_str).unwrap_or("");
    let flash = q.welcome.as_ref().map(|_| say(tx, "password_set", &[]));
    let vars = json!({
        "rows": rows, "total": total, "page": page, "pages": pages,
        "page_text": say_count(tx, "page_of", total, &[("page", &page), ("pages", &pages), ("total", &total)]),
        "prev_url": (page > 1).then(|| list_url(status_code, &text, page - 1)),
        "next_url": (page < pages).then(|| list_url(status_code, &text, page + 1)),
        "statuses": Status::ALL.iter().map(|s| json!({ "code": s.as_str(), "label": s.label(v.lang) })).collect::<Vec<_>>(),
        "status": status_code, "q": text, "filtered": status.is_some() || !text.is_empty(), "flash": flash,
    });
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "portal/requests.html",
        vars,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ViewQuery {
    done: String,
}

/// What the request page shows besides the request: a message after an action, an
/// error with the text the customer typed (so nothing is lost).
#[derive(Default)]
pub(super) struct Feedback {
    pub(super) flash: Option<String>,
    pub(super) comment: String,
    pub(super) comment_error: Option<String>,
    pub(super) attach_error: Option<String>,
}

pub(super) fn ticket_id(ctx: &Ctx, key: &str) -> Result<TicketId, WebError> {
    ctx.parse_key(key)
        .ok_or_else(|| WebError::NotFound("request".into()))
}

pub async fn view(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Path(key): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let tx = ctx.templates.texts(v.lang);
    let flash = match q.done.as_str() {
        "comment" => Some(say(tx, "comment_added", &[])),
        "attach" => Some(say(tx, "attach_added", &[])),
        "notifications" => Some(say(tx, "notifications_saved", &[])),
        "created" => Some(say(
            tx,
            "request_created",
            &[("key", &key.to_ascii_uppercase())],
        )),
        _ => None,
    };
    let id = ticket_id(&ctx, &key)?;
    let fb = Feedback {
        flash,
        ..Default::default()
    };
    request_page(&ctx, &v, &customer, id, StatusCode::OK, fb).await
}

pub(super) async fn request_page(
    ctx: &Ctx,
    v: &Visitor,
    customer: &Customer,
    id: TicketId,
    status: StatusCode,
    fb: Feedback,
) -> Result<Response, PageError> {
    let PortalRequest {
        ticket,
        messages,
        agent_names: agents,
        cc,
    } = portal::request(ctx, customer, id).await?;
    let tx = ctx.templates.texts(v.lang);
    let key = ctx.key(id).to_string();
    let tz = time_zone(ctx, v);
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| message_json(tx, v.lang, tz, &key, customer, &agents, m))
        .collect();
    let p = &ctx.config.portal;
    let vars = json!({
        "key": key, "subject": ticket.subject, "status": ticket.status.as_str(),
        "status_label": ticket.status.label(v.lang),
        "title": say(tx, "request_title", &[("key", &key)]),
        "next_text": say(tx, &format!("next_{}", ticket.status.as_str()), &[]),
        "created": local_time(&ticket.created_at, tz, v.lang), "updated": local_time(&ticket.updated_at, tz, v.lang),
        "resolution": ticket.resolution.filter(|_| matches!(ticket.status, Status::Resolved | Status::Closed)),
        "closed": ticket.status == Status::Closed,
        "messages": messages,
        "is_requester": ticket.requester_id == customer.id, "status_mail": ticket.status_mail, "cc": cc,
        "attach_limits": say(tx, "attach_limits", &[("count", &p.max_attachments), ("mb", &p.max_attachment_mb)]),
        "max_files": p.max_attachments, "max_bytes": p.max_attachment_bytes(),
        "flash": fb.flash, "comment": fb.comment, "comment_error": fb.comment_error, "attach_error": fb.attach_error,
    });
    Ok(render(ctx, v, status, "portal/request.html", vars))
}

fn message_json(
    tx: &Texts,
    lang: &str,
    tz: &str,
    key: &str,
    customer: &Customer,
    agents: &HashMap<String, String>,
    m: &MessageView,
) -> Value {
    let author = if m.author.eq_ignore_ascii_case(&customer.email) {
        say(tx, "author_you", &[])
    } else if m.kind == MessageKind::Agent {
        let support = say(tx, "author_support", &[]);
        match agents.get(&m.author).filter(|n| !n.is_empty()) {
            Some(name) => format!("{name} ({support})"),
            None => support,
        }
    } else {
        m.author.clone()
    };
    let url = |id: i64| format!("/portal/requests/{key}/attachments/{id}");
    let inline: HashMap<String, String> = m
        .attachments
        .iter()
        .filter_map(|a| Some((a.content_id.clone()?, url(a.id))))
        .collect();
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .map(|a| json!({ "name": a.filename, "url": url(a.id), "size": say(tx, "size_kb", &[("n", &((a.size + 1023) / 1024))]) }))
        .collect();
    json!({
        "id": m.id, "mine": m.author.eq_ignore_ascii_case(&customer.email), "from_support": m.kind == MessageKind::Agent,
        "author": author, "at": local_time(&m.created_at, tz, lang), "body": m.body, "quoted": m.quoted,
        "html": m.html.as_deref().map(|h| html::sanitize(h, inline)), "attachments": attachments,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentForm {
    body: String,
    csrf: String,
}

impl CarriesCsrf for CommentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn comment(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Path(key): Path<String>,
    Csrf(f): Csrf<CommentForm>,
) -> Result<Response, PageError> {
    let id = ticket_id(&ctx, &key)?;
    let customer = &customer;
    let tx = ctx.templates.texts(v.lang);
    if f.body.trim().is_empty() {
        let fb = Feedback {
            comment_error: Some(say(tx, "comment_empty", &[])),
            ..Default::default()
        };
        return request_page(&ctx, &v, customer, id, StatusCode::UNPROCESSABLE_ENTITY, fb).await;
    }
    match customer_actions::contribute(&ctx, customer, id, &f.body, vec![], ctx.now()).await {
        Ok(_) => Ok(v.finish(
            Redirect::to(&format!("/portal/requests/{key}?done=comment#conversation"))
                .into_response(),
        )),
        Err(ServiceError::Refused(_)) => {
            let fb = Feedback {
                comment: f.body,
                comment_error: Some(say(tx, "closed_no_comments", &[])),
                ..Default::default()
            };
            request_page(&ctx, &v, customer, id, StatusCode::CONFLICT, fb).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NotificationsForm {
    on: String,
    csrf: String,
}

impl CarriesCsrf for NotificationsForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParticipantForm {
    csrf: String,
    email: String,
}

impl CarriesCsrf for ParticipantForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// "Participanți": the requester adds (`add`) or removes (`remove`) a colleague on CC.
pub async fn participants(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Path((key, action)): Path<(String, String)>,
    Csrf(f): Csrf<ParticipantForm>,
) -> Result<Response, PageError> {
    let id = ticket_id(&ctx, &key)?;
    match action.as_str() {
        "add" => cc::add_cc(&ctx, &customer, id, &f.email, ctx.now()).await?,
        "remove" => cc::remove_cc(&ctx, &customer, id, &f.email).await?,
        other => return Err(WebError::NotFound(format!("action {other:?}")).into()),
    }
    let done = format!("/portal/requests/{key}?done=participants#participants");
    Ok(v.finish(Redirect::to(&done).into_response()))
}

pub async fn notifications(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Path(key): Path<String>,
    Csrf(f): Csrf<NotificationsForm>,
) -> Result<Response, PageError> {
    let id = ticket_id(&ctx, &key)?;
    customer_actions::set_status_mail(&ctx, &customer, id, f.on == "1").await?;
    let done = format!("/portal/requests/{key}?done=notifications#notifications");
    Ok(v.finish(Redirect::to(&done).into_response()))
}
