//! Canned replies in the console: every agent sees them (and inserts them in a reply from
//! the ticket page); admins add, change and remove them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::admin::FindQuery;
use crate::service::{Ctx, canned_replies, queries};
use crate::web::extract::{Admin, CarriesCsrf, Csrf, CurrentAgent};
use crate::web::page_error::PageError;
use crate::web::pages::{CsrfForm, render, say};
use crate::web::visitor::Visitor;

pub async fn page(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Result<Response, PageError> {
    let replies = queries::admin::canned_replies(&ctx).await?;
    let flash = (!q.done.is_empty()).then(|| say(ctx.templates.texts(v.lang), "c_done", &[]));
    let vars = json!({
        "replies": replies,
        "placeholders": canned_replies::PLACEHOLDERS.join(", "),
        "flash": flash,
    });
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "console/canned.html",
        vars,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CannedForm {
    csrf: String,
    name: String,
    body: String,
}

impl CarriesCsrf for CannedForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn add(
    State(ctx): State<Ctx>,
    Admin(by): Admin,
    v: Visitor,
    Csrf(f): Csrf<CannedForm>,
) -> Result<Response, PageError> {
    canned_replies::add(&ctx, &by, &f.name, &f.body, ctx.now()).await?;
    Ok(v.finish(Redirect::to("/console/canned?done=1").into_response()))
}

pub async fn change(
    State(ctx): State<Ctx>,
    Admin(by): Admin,
    v: Visitor,
    Path(id): Path<i64>,
    Csrf(f): Csrf<CannedForm>,
) -> Result<Response, PageError> {
    canned_replies::change(&ctx, &by, id, &f.name, &f.body, ctx.now()).await?;
    Ok(v.finish(Redirect::to("/console/canned?done=1").into_response()))
}

pub async fn remove(
    State(ctx): State<Ctx>,
    Admin(by): Admin,
    v: Visitor,
    Path(id): Path<i64>,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    canned_replies::remove(&ctx, &by, id).await?;
    Ok(v.finish(Redirect::to("/console/canned?done=1").into_response()))
}
