//! The satisfaction report: the customers' answers per ISO week and agent.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::service::{Ctx, satisfaction};
use crate::web::extract::CurrentAgent;
use crate::web::page_error::PageError;
use crate::web::pages::{render, say};
use crate::web::visitor::Visitor;

pub async fn page(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    v: Visitor,
) -> Result<Response, PageError> {
    let rows: Vec<_> = satisfaction::report(&ctx, ctx.now())
        .await?
        .into_iter()
        .map(|r| {
            let percent = (r.good * 100) / (r.good + r.bad).max(1);
            json!({ "week": r.week, "agent": r.agent, "good": r.good, "bad": r.bad, "percent": percent })
        })
        .collect();
    let tx = ctx.templates.texts(v.lang);
    let weeks = satisfaction::REPORT_WEEKS;
    let vars = json!({
        "rows": rows,
        "intro": say(tx, "c_satisfaction_intro", &[("weeks", &weeks)]),
    });
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "console/satisfaction.html",
        vars,
    ))
}
