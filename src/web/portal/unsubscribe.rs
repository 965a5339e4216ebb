//! The signed opt-out link from mail: GET confirms, POST (the page's button, or an
//! RFC 8058 one-click from the mail client) opts out. No sign-in needed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{error_page, render, say};
use crate::service::customer_actions::{self, OptOut};
use crate::service::{Ctx, ServiceError};
use crate::web::error::WebError;
use crate::web::extract::Visitor;

pub async fn page(State(ctx): State<Ctx>, v: Visitor, Path(token): Path<String>) -> Response {
    let target = customer_actions::unsubscribe_target(&ctx, &token).await;
    respond(&ctx, v, target, false)
}

/// Needs no CSRF token: the signed link is the proof, and a mail client posts it
/// without any page (RFC 8058).
pub async fn opt_out(State(ctx): State<Ctx>, v: Visitor, Path(token): Path<String>) -> Response {
    let done = customer_actions::unsubscribe(&ctx, &token).await;
    respond(&ctx, v, done, true)
}

fn respond(
    ctx: &Ctx,
    mut v: Visitor,
    target: Result<OptOut, ServiceError>,
    done: bool,
) -> Response {
    let t = match target {
        Ok(t) => t,
        Err(e) => return error_page(ctx, &v, WebError::from(e)),
    };
    // The requester's language, unless the visitor chose one.
    if v.customer.is_none() && !v.lang_chosen() {
        v.lang = if t.locale == "en" { "en" } else { "ro" };
    }
    let tx = ctx.templates.texts(v.lang);
    let key = t.key.as_str();
    let vars = json!({
        "title": say(tx, "unsubscribe_title", &[("key", &key)]),
        "question": say(tx, "unsubscribe_question", &[("key", &key)]),
        "done_text": say(tx, "unsubscribe_done", &[("key", &key)]),
        "done": done,
    });
    render(ctx, &v, StatusCode::OK, "portal/unsubscribe.html", vars)
}
