//! A new request from the portal: subject, description and files.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::files::{read_problem, read_upload};
use super::{error_page, render, say, to_sign_in};
use crate::service::Ctx;
use crate::service::customer_actions;
use crate::web::extract::Visitor;

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
