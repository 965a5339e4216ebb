//! Files on a request: reading a multipart upload within the portal's limits, adding
//! files to a request (Răsfoire + Adăugare, or dropped on the page), and downloading one.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::requests::{Feedback, request_page, ticket_id};
use super::say;
use crate::service::customer_actions;
use crate::service::queries::portal;
use crate::service::{Ctx, ServiceError};
use crate::templates::Texts;
use crate::web::error::WebError;
use crate::web::extract::CurrentCustomer;
use crate::web::page_error::PageError;
use crate::web::pages;
use crate::web::uploads::{UploadProblem, read_upload};
use crate::web::visitor::Visitor;

/// Why an upload was refused, in the customer's words.
pub(super) fn read_problem(tx: &Texts, ctx: &Ctx, problem: UploadProblem) -> String {
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

pub async fn attach(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Path(key): Path<String>,
    mp: Multipart,
) -> Result<Response, PageError> {
    let customer = &customer;
    let id = ticket_id(&ctx, &key)?;
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
    // The token is a field of the multipart form, read with the files.
    let token = form.fields.get("csrf").map(String::as_str).unwrap_or("");
    v.check_csrf(&ctx, token)?;
    if form.files.is_empty() {
        return refuse(
            say(tx, "attach_empty", &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match customer_actions::contribute(&ctx, customer, id, "", form.files, ctx.now()).await {
        Ok(_) => Ok(v.finish(
            Redirect::to(&format!("/portal/requests/{key}?done=attach#conversation"))
                .into_response(),
        )),
        Err(ServiceError::Refused(_)) => {
            refuse(say(tx, "closed_no_comments", &[]), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn download(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    Path((key, att)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let id = ticket_id(&ctx, &key)?;
    let file = portal::download(&ctx, &customer, id, att)
        .await?
        .ok_or_else(|| WebError::NotFound("attachment".into()))?;
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
    Ok(r)
}
