//! The partner's page from the signed link of the question mailed to them: the question,
//! and a form whose answer goes on the ticket. No sign-in needed.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{render, say};
use crate::service::partner_answers::{self, PartnerTarget};
use crate::service::{Ctx, ServiceError};
use crate::web::page_error::PageError;
use crate::web::visitor::Visitor;

pub async fn page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let target = partner_answers::target(&ctx, &token).await?;
    Ok(respond(&ctx, &v, target, Outcome::Asked, StatusCode::OK))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
}

enum Outcome {
    Asked,
    Answered,
    /// The answer was not taken; the text stays in the box.
    Refused(String, String),
}

/// Needs no CSRF token: the signed link is the proof, as for the opt-out link.
pub async fn answer(
    State(ctx): State<Ctx>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    match partner_answers::answer(&ctx, &token, &f.answer, ctx.now()).await {
        Ok(target) => Ok(respond(&ctx, &v, target, Outcome::Answered, StatusCode::OK)),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Refused(_))) => {
            let status = match e {
                ServiceError::Refused(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let target = partner_answers::target(&ctx, &token).await?;
            Ok(respond(
                &ctx,
                &v,
                target,
                Outcome::Refused(e.to_string(), f.answer),
                status,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn respond(
    ctx: &Ctx,
    v: &Visitor,
    t: PartnerTarget,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    let tx = ctx.templates.texts(v.lang);
    let key = t.key.as_str();
    let (done, error, typed) = match outcome {
        Outcome::Asked => (false, None, String::new()),
        Outcome::Answered => (true, None, String::new()),
        Outcome::Refused(why, typed) => (false, Some(why), typed),
    };
    let vars = json!({
        "title": say(tx, "partner_title", &[("key", &key)]),
        "subject": t.subject,
        "partner": t.partner,
        "questions": t.questions,
        "done": done,
        "error": error,
        "typed": typed,
    });
    render(ctx, v, status, "portal/partner.html", vars)
}
