//! Solicitări: the customer's requests, one request with its conversation, adding a
//! comment or files (Răsfoire + Adăugare, or dropped on the page), a new request, the
//! downloads, and the request's status mail switch.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PageForm, error_page, local_time, render, say, time_zone, to_sign_in};
use crate::domain::ticket::Status;
use crate::service::customer_actions::{self, Upload};
use crate::service::queries::portal::{self, PortalRequest, RequestQuery};
use crate::service::queries::{Customer, MessageView};
use crate::service::{Ctx, ServiceError};
use crate::templates::Texts;
use crate::web::error::WebError;
use crate::web::extract::Visitor;
use crate::web::html;
use crate::web::pages;

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

pub async fn list(State(ctx): State<Ctx>, v: Visitor, Query(q): Query<ListQuery>) -> Response {
    let here = list_url(&q.status, &q.q, q.page.unwrap_or(1));
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, &here);
    };
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
            .or_else(|| text.parse().ok()),
        text: (!text.is_empty()).then(|| text.clone()),
        limit: size,
        offset: (page - 1).saturating_mul(size),
    };
    let (rows, total) = match portal::requests(&ctx, query).await {
        Ok(found) => found,
        Err(e) => return error_page(&ctx, &v, WebError::from(e)),
    };
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
        "page_text": say(tx, "page_of", &[("page", &page), ("pages", &pages), ("total", &total)]),
        "prev_url": (page > 1).then(|| list_url(status_code, &text, page - 1)),
        "next_url": (page < pages).then(|| list_url(status_code, &text, page + 1)),
        "statuses": Status::ALL.iter().map(|s| json!({ "code": s.as_str(), "label": s.label(v.lang) })).collect::<Vec<_>>(),
        "status": status_code, "q": text, "filtered": status.is_some() || !text.is_empty(), "flash": flash,
    });
    render(&ctx, &v, StatusCode::OK, "portal/requests.html", vars)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ViewQuery {
    done: String,
}

/// What the request page shows besides the request: a message after an action, an
/// error with the text the customer typed (so nothing is lost).
#[derive(Default)]
struct Feedback {
    flash: Option<String>,
    comment: String,
    comment_error: Option<String>,
    attach_error: Option<String>,
}

fn ticket_id(ctx: &Ctx, key: &str) -> Result<i64, WebError> {
    ctx.parse_key(key)
        .ok_or_else(|| WebError::NotFound("request".into()))
}

pub async fn view(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(key): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, &format!("/portal/requests/{key}"));
    };
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
    match ticket_id(&ctx, &key) {
        Ok(id) => {
            request_page(
                &ctx,
                &v,
                customer,
                id,
                StatusCode::OK,
                Feedback {
                    flash,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => error_page(&ctx, &v, e),
    }
}

async fn request_page(
    ctx: &Ctx,
    v: &Visitor,
    customer: &Customer,
    id: i64,
    status: StatusCode,
    fb: Feedback,
) -> Response {
    let PortalRequest {
        ticket,
        messages,
        agent_names: agents,
    } = match portal::request(ctx, customer, id).await {
        Ok(found) => found,
        Err(e) => return error_page(ctx, v, e.into()),
    };
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
        "is_requester": ticket.requester_id == customer.id, "status_mail": ticket.status_mail,
        "attach_limits": say(tx, "attach_limits", &[("count", &p.max_attachments), ("mb", &p.max_attachment_mb)]),
        "max_files": p.max_attachments, "max_bytes": p.max_attachment_bytes(),
        "flash": fb.flash, "comment": fb.comment, "comment_error": fb.comment_error, "attach_error": fb.attach_error,
    });
    render(ctx, v, status, "portal/request.html", vars)
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
    } else if m.kind == "agent" {
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
        "id": m.id, "mine": m.author.eq_ignore_ascii_case(&customer.email), "from_support": m.kind == "agent",
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

pub async fn comment(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(key): Path<String>,
    PageForm(f): PageForm<CommentForm>,
) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, &format!("/portal/requests/{key}"));
    };
    let id = match v
        .check_csrf(&ctx, &f.csrf)
        .and_then(|()| ticket_id(&ctx, &key))
    {
        Ok(id) => id,
        Err(e) => return error_page(&ctx, &v, e),
    };
    let tx = ctx.templates.texts(v.lang);
    if f.body.trim().is_empty() {
        let fb = Feedback {
            comment_error: Some(say(tx, "comment_empty", &[])),
            ..Default::default()
        };
        return request_page(&ctx, &v, customer, id, StatusCode::UNPROCESSABLE_ENTITY, fb).await;
    }
    match customer_actions::contribute(&ctx, customer, id, &f.body, vec![], ctx.now()).await {
        Ok(_) => v.finish(
            Redirect::to(&format!("/portal/requests/{key}?done=comment#conversation"))
                .into_response(),
        ),
        Err(ServiceError::Refused(_)) => {
            let fb = Feedback {
                comment: f.body,
                comment_error: Some(say(tx, "closed_no_comments", &[])),
                ..Default::default()
            };
            request_page(&ctx, &v, customer, id, StatusCode::CONFLICT, fb).await
        }
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}

/// A multipart form read with the configured limits: its text fields and its files.
struct UploadForm {
    fields: HashMap<String, String>,
    files: Vec<Upload>,
}

/// Why an upload was refused, in the customer's words.
fn read_problem(tx: &Texts, ctx: &Ctx, problem: UploadProblem) -> String {
    let p = &ctx.config.portal;
    match problem {
        UploadProblem::TooMany => say(tx, "attach_too_many", &[("count", &p.max_attachments)]),
        UploadProblem::TooLarge(name) => say(
            tx,
            "attach_too_large",
            &[("name", &name), ("mb", &p.max_attachment_mb)],
        ),
        UploadProblem::Unreadable => say(tx, "attach_body_too_large", &[]),
    }
}

enum UploadProblem {
    TooMany,
    TooLarge(String),
    /// The body broke off or went over the total limit.
    Unreadable,
}

async fn read_upload(ctx: &Ctx, mut mp: Multipart) -> Result<UploadForm, UploadProblem> {
    let (max_files, max_bytes) = (
        ctx.config.portal.max_attachments,
        ctx.config.portal.max_attachment_bytes(),
    );
    let mut form = UploadForm {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|_| UploadProblem::Unreadable)?
    {
        let name = field.name().unwrap_or("").to_string();
        let Some(filename) = field.file_name().map(str::to_string) else {
            let text = field.text().await.map_err(|_| UploadProblem::Unreadable)?;
            form.fields.insert(name, text);
            continue;
        };
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let mut content = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| UploadProblem::Unreadable)? {
            if content.len() + chunk.len() > max_bytes {
                return Err(UploadProblem::TooLarge(filename));
            }
            content.extend_from_slice(&chunk);
        }
        // A file input left empty still sends a part, with no name and no bytes.
        if filename.is_empty() && content.is_empty() {
            continue;
        }
        if form.files.len() == max_files {
            return Err(UploadProblem::TooMany);
        }
        form.files.push(Upload {
            filename,
            content_type,
            content,
        });
    }
    Ok(form)
}

pub async fn attach(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(key): Path<String>,
    mp: Multipart,
) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, &format!("/portal/requests/{key}"));
    };
    let id = match ticket_id(&ctx, &key) {
        Ok(id) => id,
        Err(e) => return error_page(&ctx, &v, e),
    };
    let tx = ctx.templates.texts(v.lang);
    let refuse = |text: String, status: StatusCode| {
        let fb = Feedback {
            attach_error: Some(text),
            ..Default::default()
        };
        request_page(&ctx, &v, customer, id, status, fb)
    };
    let form = match read_upload(&ctx, mp).await {
        Ok(form) => form,
        Err(problem) => {
            return refuse(
                read_problem(tx, &ctx, problem),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
    };
    if let Err(e) = v.check_csrf(
        &ctx,
        form.fields.get("csrf").map(String::as_str).unwrap_or(""),
    ) {
        return error_page(&ctx, &v, e);
    }
    if form.files.is_empty() {
        return refuse(
            say(tx, "attach_empty", &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match customer_actions::contribute(&ctx, customer, id, "", form.files, ctx.now()).await {
        Ok(_) => v.finish(
            Redirect::to(&format!("/portal/requests/{key}?done=attach#conversation"))
                .into_response(),
        ),
        Err(ServiceError::Refused(_)) => {
            refuse(say(tx, "closed_no_comments", &[]), StatusCode::CONFLICT).await
        }
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}

pub async fn download(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path((key, att)): Path<(String, i64)>,
) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, &format!("/portal/requests/{key}"));
    };
    let id = match ticket_id(&ctx, &key) {
        Ok(id) => id,
        Err(e) => return error_page(&ctx, &v, e),
    };
    let file = match portal::download(&ctx, customer, id, att).await {
        Ok(Some(file)) => file,
        Ok(None) => return error_page(&ctx, &v, WebError::NotFound("attachment".into())),
        Err(e) => return error_page(&ctx, &v, e.into()),
    };
    let mut r = Response::new(Body::from(file.content));
    let headers = r.headers_mut();
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Ok(value) = HeaderValue::from_str(&pages::content_disposition(&file.filename)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NotificationsForm {
    on: String,
    csrf: String,
}

pub async fn notifications(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(key): Path<String>,
    PageForm(f): PageForm<NotificationsForm>,
) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, &format!("/portal/requests/{key}"));
    };
    let id = match v
        .check_csrf(&ctx, &f.csrf)
        .and_then(|()| ticket_id(&ctx, &key))
    {
        Ok(id) => id,
        Err(e) => return error_page(&ctx, &v, e),
    };
    match customer_actions::set_status_mail(&ctx, customer, id, f.on == "1").await {
        Ok(()) => v.finish(
            Redirect::to(&format!(
                "/portal/requests/{key}?done=notifications#notifications"
            ))
            .into_response(),
        ),
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}

pub async fn new_page(State(ctx): State<Ctx>, v: Visitor) -> Response {
    if v.customer.is_none() {
        return to_sign_in(&v, "/portal/requests/new");
    }
    new_form(&ctx, &v, StatusCode::OK, "", "", None)
}

fn new_form(
    ctx: &Ctx,
    v: &Visitor,
    status: StatusCode,
    subject: &str,
    description: &str,
    error: Option<String>,
) -> Response {
    let p = &ctx.config.portal;
    let tx = ctx.templates.texts(v.lang);
    let vars = json!({
        "subject": subject, "description": description, "error": error,
        "attach_limits": say(tx, "attach_limits", &[("count", &p.max_attachments), ("mb", &p.max_attachment_mb)]),
        "max_files": p.max_attachments, "max_bytes": p.max_attachment_bytes(),
    });
    render(ctx, v, status, "portal/new_request.html", vars)
}

pub async fn create(State(ctx): State<Ctx>, v: Visitor, mp: Multipart) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, "/portal/requests/new");
    };
    let tx = ctx.templates.texts(v.lang);
    let form = match read_upload(&ctx, mp).await {
        Ok(form) => form,
        Err(problem) => {
            return new_form(
                &ctx,
                &v,
                StatusCode::PAYLOAD_TOO_LARGE,
                "",
                "",
                Some(read_problem(tx, &ctx, problem)),
            );
        }
    };
    let field = |name: &str| form.fields.get(name).map(String::as_str).unwrap_or("");
    if let Err(e) = v.check_csrf(&ctx, field("csrf")) {
        return error_page(&ctx, &v, e);
    }
    let (subject, description) = (field("subject"), field("description"));
    let missing = if subject.trim().is_empty() {
        Some("subject_empty")
    } else if description.trim().is_empty() {
        Some("description_empty")
    } else {
        None
    };
    if let Some(missing) = missing {
        return new_form(
            &ctx,
            &v,
            StatusCode::UNPROCESSABLE_ENTITY,
            subject,
            description,
            Some(say(tx, missing, &[])),
        );
    }
    match customer_actions::open_request(
        &ctx,
        customer,
        subject,
        description,
        form.files,
        ctx.now(),
    )
    .await
    {
        Ok(ticket) => {
            let key = ctx.key(ticket.id).to_string();
            v.finish(Redirect::to(&format!("/portal/requests/{key}?done=created")).into_response())
        }
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}
