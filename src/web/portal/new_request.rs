//! A new request from the portal: subject, description and files.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::files::read_problem;
use super::{render, say};
use crate::service::Ctx;
use crate::service::customer_actions;
use crate::web::extract::CurrentCustomer;
use crate::web::page_error::PageError;
use crate::web::uploads::read_upload;
use crate::web::visitor::Visitor;

pub async fn new_page(
    State(ctx): State<Ctx>,
    _: CurrentCustomer,
    v: Visitor,
) -> Result<Response, PageError> {
    Ok(new_form(&ctx, &v, StatusCode::OK, "", "", None))
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

pub async fn create(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    mp: Multipart,
) -> Result<Response, PageError> {
    let tx = ctx.templates.texts(v.lang);
    let form = match read_upload(&ctx, mp).await {
        Ok(form) => form,
        Err(problem) => {
            let why = read_problem(tx, &ctx, problem);
            let status = StatusCode::PAYLOAD_TOO_LARGE;
            return Ok(new_form(&ctx, &v, status, "", "", Some(why)));
        }
    };
    let field = |name: &str| form.fields.get(name).map(String::as_str).unwrap_or("");
    // The token is a field of the multipart form, read with the files.
    v.check_csrf(&ctx, field("csrf"))?;
    let (subject, description) = (field("subject"), field("description"));
    let missing = if subject.trim().is_empty() {
        Some("subject_empty")
    } else if description.trim().is_empty() {
        Some("description_empty")
    } else {
        None
    };
    if let Some(missing) = missing {
        let (why, status) = (say(tx, missing, &[]), StatusCode::UNPROCESSABLE_ENTITY);
        return Ok(new_form(&ctx, &v, status, subject, description, Some(why)));
    }
    let now = ctx.now();
    let ticket =
        customer_actions::open_request(&ctx, &customer, subject, description, form.files, now)
            .await?;
    let key = ctx.key(ticket.id).to_string();
    Ok(v.finish(Redirect::to(&format!("/portal/requests/{key}?done=created")).into_response()))
}
