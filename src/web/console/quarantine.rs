//! The quarantine in the console: what could not be processed, its raw source, replay and
//! discard.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::admin::FindQuery;
use crate::service::{Ctx, ServiceError, admin, queries, receive_email};
use crate::web::extract::{Csrf, CurrentAgent};
use crate::web::page_error::PageError;
use crate::web::pages::{CsrfForm, local_time, render, say};
use crate::web::visitor::Visitor;

pub async fn quarantine_page(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Result<Response, PageError> {
    let items = queries::admin::quarantine(&ctx).await?;
    let sla = ctx.sla();
    let tz = &sla.config.calendar.time_zone;
    let items: Vec<_> = items
        .iter()
        .map(|i| json!({ "id": i.id, "reason": i.reason, "at": local_time(&i.created_at, tz, v.lang), "size": i.size, "preview": i.preview, "mailbox": i.mailbox }))
        .collect();
    let flash = (!q.done.is_empty()).then(|| say(ctx.templates.texts(v.lang), "c_done", &[]));
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "console/quarantine.html",
        json!({ "items": items, "flash": flash }),
    ))
}

/// The raw source, as plain text to read in the browser.
pub async fn quarantine_raw(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let mut r = queries::admin::quarantine_source(&ctx, id)
        .await?
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(r)
}

pub async fn quarantine_act(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    v: Visitor,
    Path((id, action)): Path<(i64, String)>,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    let now = ctx.now();
    match action.as_str() {
        "replay" => receive_email::replay(&ctx, id, now).await.map(|_| ())?,
        "discard" => admin::discard_quarantined(&ctx, id, now).await?,
        other => Err(ServiceError::Invalid(format!("unknown action {other:?}")))?,
    }
    Ok(v.finish(Redirect::to("/console/quarantine?done=1").into_response()))
}
