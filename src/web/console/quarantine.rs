//! The quarantine in the console: what could not be processed, its raw source, replay and
//! discard.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::admin::FindQuery;
use super::{error_page, to_sign_in};
use crate::service::{Ctx, ServiceError, admin, queries, receive_email};
use crate::web::extract::Visitor;
use crate::web::pages::{CsrfForm, PageForm, local_time, render, say};

pub async fn quarantine_page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Response {
    if v.agent.is_none() {
        return to_sign_in(&v, "/console/quarantine");
    }
    match queries::admin::quarantine(&ctx).await {
        Ok(items) => {
            let sla = ctx.sla();
            let tz = &sla.config.calendar.time_zone;
            let items: Vec<_> = items
                .iter()
                .map(|i| json!({ "id": i.id, "reason": i.reason, "at": local_time(&i.created_at, tz, v.lang), "size": i.size, "preview": i.preview }))
                .collect();
            let flash =
                (!q.done.is_empty()).then(|| say(ctx.templates.texts(v.lang), "c_done", &[]));
            render(
                &ctx,
                &v,
                StatusCode::OK,
                "console/quarantine.html",
                json!({ "items": items, "flash": flash }),
            )
        }
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}

/// The raw source, as plain text to read in the browser.
pub async fn quarantine_raw(State(ctx): State<Ctx>, v: Visitor, Path(id): Path<i64>) -> Response {
    if v.agent.is_none() {
        return to_sign_in(&v, "/console/quarantine");
    }
    match queries::admin::quarantine_source(&ctx, id).await {
        Ok(raw) => {
            let mut r = raw.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}

pub async fn quarantine_act(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path((id, action)): Path<(i64, String)>,
    PageForm(f): PageForm<CsrfForm>,
) -> Response {
    if v.agent.is_none() {
        return to_sign_in(&v, "/console/quarantine");
    }
    if let Err(e) = v.check_csrf(&ctx, &f.csrf) {
        return error_page(&ctx, &v, e);
    }
    let now = ctx.now();
    let done = match action.as_str() {
        "replay" => receive_email::replay(&ctx, id, now).await.map(|_| ()),
        "discard" => admin::discard_quarantined(&ctx, id, now).await,
        other => Err(ServiceError::Invalid(format!("unknown action {other:?}"))),
    };
    match done {
        Ok(()) => v.finish(Redirect::to("/console/quarantine?done=1").into_response()),
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}
