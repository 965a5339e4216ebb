//! The signed satisfaction links of the resolution mail: GET shows the question with the
//! answer the link chose (recording nothing, so a mail scanner opening links rates no
//! ticket), POST records it with an optional comment. No sign-in needed.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{render, say};
use crate::domain::satisfaction::Rating;
use crate::service::Ctx;
use crate::service::satisfaction::{self, RateTarget};
use crate::web::error::WebError;
use crate::web::page_error::PageError;
use crate::web::visitor::Visitor;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Choice {
    rating: String,
    comment: String,
}

pub async fn page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(token): Path<String>,
    Query(q): Query<Choice>,
) -> Result<Response, PageError> {
    let target = satisfaction::target(&ctx, &token).await?;
    let chosen = Rating::parse(&q.rating);
    Ok(respond(&ctx, v, target, chosen, false))
}

/// Needs no CSRF token: the signed link is the proof, as for the opt-out link.
pub async fn record(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Form<Choice>,
) -> Result<Response, PageError> {
    let rating = Rating::parse(&f.rating).ok_or_else(|| {
        WebError::Unprocessable(format!("rating must be good or bad, not {:?}", f.rating))
    })?;
    let target = satisfaction::rate(&ctx, &token, rating, &f.comment, ctx.now()).await?;
    Ok(respond(&ctx, v, target, Some(rating), true))
}

fn respond(
    ctx: &Ctx,
    mut v: Visitor,
    t: RateTarget,
    chosen: Option<Rating>,
    done: bool,
) -> Response {
    // The requester's language, unless the visitor chose one.
    if v.customer.is_none() && !v.lang_chosen() {
        v.lang = if t.locale == "en" { "en" } else { "ro" };
    }
    let tx = ctx.templates.texts(v.lang);
    let key = t.key.as_str();
    let chosen = chosen.or(t.rated.as_ref().map(|r| r.rating));
    let vars = json!({
        "title": say(tx, "rate_title", &[("key", &key)]),
        "subject": t.subject,
        "chosen": chosen.map(Rating::as_str),
        "comment": t.rated.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
        "rated": t.rated.is_some(),
        "done": done,
    });
    render(ctx, &v, StatusCode::OK, "portal/rate.html", vars)
}
