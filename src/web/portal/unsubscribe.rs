//! The signed opt-out link from mail: GET confirms, POST (the page's button, or an
//! RFC 8058 one-click from the mail client) opts out. No sign-in needed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{render, say};
use crate::service::Ctx;
use crate::service::customer_actions::{self, OptOut};
use crate::web::page_error::PageError;
use crate::web::visitor::Visitor;

pub async fn page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let target = customer_actions::unsubscribe_target(&ctx, &token).await?;
    Ok(respond(&ctx, v, target, false))
}

/// Needs no CSRF token: the signed link is the proof, and a mail client posts it
/// without any page (RFC 8058).
pub async fn opt_out(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let target = customer_actions::unsubscribe(&ctx, &token).await?;
    Ok(respond(&ctx, v, target, true))
}

fn respond(ctx: &Ctx, mut v: Visitor, t: OptOut, done: bool) -> Response {
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
