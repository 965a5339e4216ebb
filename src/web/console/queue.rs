//! The queue: open tickets, unassigned first, then by when their SLA runs out; filters,
//! search, pages, and a rows-only view the page refreshes itself with.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{clock_json, to_sign_in};
use crate::domain::ids::TicketId;
use crate::domain::ticket::Status;
use crate::service::queries::Agent;
use crate::service::queue::QueueFilter;
use crate::service::{Ctx, queue};
use crate::web::extract::CurrentAgent;
use crate::web::page_error::PageError;
use crate::web::pages::{local_time, render, say_count};
use crate::web::visitor::Visitor;

const PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct QueueQuery {
    /// `all`, `mine`, `unassigned` or `breached`.
    view: String,
    status: String,
    q: String,
    /// One queue's tickets; empty: every queue's.
    queue: String,
    page: Option<i64>,
}

impl QueueQuery {
    fn filter(&self, ctx: &Ctx, agent: &Agent) -> QueueFilter {
        let text = self.q.trim().to_string();
        QueueFilter {
            assignee: (self.view == "mine").then_some(agent.id),
            unassigned: self.view == "unassigned",
            status: Status::parse(&self.status),
            breached_at: (self.view == "breached").then(|| ctx.now()),
            id: ctx
                .parse_key(&text.to_ascii_uppercase())
                .or_else(|| text.parse().ok().map(TicketId)),
            text: (!text.is_empty()).then_some(text),
            queue: (!self.queue.is_empty()).then(|| self.queue.clone()),
            limit: PAGE,
            offset: (self.page.unwrap_or(1).max(1) - 1) * PAGE,
        }
    }

    /// The queue's address with these filters (page 1 is left out).
    fn url(&self, path: &str, page: i64) -> String {
        let page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        let pairs = [
            ("view", self.view.as_str()),
            ("status", &self.status),
            ("q", &self.q),
            ("queue", &self.queue),
            ("page", &page),
        ];
        let kept: Vec<_> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        if kept.is_empty() {
            return path.to_string();
        }
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(kept).unwrap_or_default()
        )
    }
}

async fn rows_json(
    ctx: &Ctx,
    v: &Visitor,
    agent: &Agent,
    q: &QueueQuery,
) -> Result<(Vec<Value>, i64), PageError> {
    let now = ctx.now();
    let (items, total) = queue::page(ctx, q.filter(ctx, agent), now).await?;
    let tx = ctx.templates.texts(v.lang);
    let sla = ctx.sla();
    let tz = &sla.config.calendar.time_zone;
    let rows = items
        .iter()
        .map(|i| {
            let r = &i.row;
            json!({
                "key": ctx.key(r.id).to_string(), "subject": r.subject,
                "requester": if r.requester_name.is_empty() { r.requester_email.clone() } else { format!("{} <{}>", r.requester_name, r.requester_email) },
                "status": r.status.as_str(), "status_label": r.status.label(v.lang), "priority": r.priority.as_str(),
                "assignee": r.assignee_name, "mine": r.assignee_id == Some(agent.id),
                "assignment": clock_json(tx, &i.assignment), "resolution": clock_json(tx, &i.resolution),
                "updated": local_time(&r.updated_at, tz, v.lang), "queue": r.queue, "news": r.news,
            })
        })
        .collect();
    Ok((rows, total))
}

pub async fn page(
    State(ctx): State<Ctx>,
    CurrentAgent(agent): CurrentAgent,
    v: Visitor,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let (rows, total) = rows_json(&ctx, &v, &agent, &q).await?;
    let tx = ctx.templates.texts(v.lang);
    let page = q.page.unwrap_or(1).max(1);
    let pages = ((total + PAGE - 1) / PAGE).max(1);
    let vars = json!({
        "rows": rows, "total": total, "view": if q.view.is_empty() { "all" } else { q.view.as_str() },
        "status": q.status, "q": q.q, "queue": q.queue,
        "queues": ctx.queues(), "show_queue": ctx.queues().len() > 1,
        "statuses": Status::ALL[..4].iter().map(|s| json!({ "code": s.as_str(), "label": s.label(v.lang) })).collect::<Vec<_>>(),
        "page_text": say_count(tx, "c_page_of", total, &[("page", &page), ("pages", &pages), ("total", &total)]),
        "prev_url": (page > 1).then(|| q.url("/console", page - 1)),
        "next_url": (page < pages).then(|| q.url("/console", page + 1)),
        "rows_url": q.url("/console/queue/rows", page),
    });
    Ok(render(&ctx, &v, StatusCode::OK, "console/queue.html", vars))
}

/// Only the table's rows, for the page's live refresh. When the session has ended, the
/// refresh is sent to the queue's sign-in (not to a page of bare rows).
pub async fn rows(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let Some(agent) = &v.agent else {
        return Ok(to_sign_in(&v, "/console"));
    };
    let (rows, _) = rows_json(&ctx, &v, agent, &q).await?;
    let vars = json!({ "rows": rows, "show_queue": ctx.queues().len() > 1 });
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "console/queue_rows.html",
        vars,
    ))
}
