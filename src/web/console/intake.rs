//! Phone intake: an agent finds the customer (or types a new one) and opens a ticket on
//! their behalf.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::admin::FindQuery;
use super::{error_page, to_sign_in};
use crate::domain::ticket::{Channel, Priority};
use crate::service::agent_actions::{self, Intake};
use crate::service::{Ctx, ServiceError, queries};
use crate::web::error::WebError;
use crate::web::extract::Visitor;
use crate::web::pages::{PageForm, render};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct IntakeForm {
    csrf: String,
    email: String,
    name: String,
    phone: String,
    subject: String,
    description: String,
    priority: String,
}

pub async fn intake_page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Response {
    if v.agent.is_none() {
        return to_sign_in(&v, "/console/intake");
    }
    intake_form(
        &ctx,
        &v,
        StatusCode::OK,
        &q.find,
        IntakeForm::default(),
        None,
    )
    .await
}

async fn intake_form(
    ctx: &Ctx,
    v: &Visitor,
    status: StatusCode,
    find: &str,
    f: IntakeForm,
    error: Option<String>,
) -> Response {
    let term = find.trim().to_string();
    let found = if term.is_empty() {
        Ok(vec![])
    } else {
        queries::admin::find_customers(ctx, term, 20).await
    };
    let found = match found {
        Ok(found) => found,
        Err(e) => return error_page(ctx, v, e.into()),
    };
    let vars = json!({
        "find": find, "found": found.iter().map(|c| json!({ "email": c.email, "name": c.name, "phone": c.phone })).collect::<Vec<_>>(),
        "searched": !find.trim().is_empty(),
        "email": f.email, "name": f.name, "phone": f.phone, "subject": f.subject, "description": f.description,
        "priority": if f.priority.is_empty() { "normal".to_string() } else { f.priority },
        "priorities": ["low", "normal", "high", "urgent"], "error": error,
    });
    render(ctx, v, status, "console/intake.html", vars)
}

pub async fn intake(
    State(ctx): State<Ctx>,
    v: Visitor,
    PageForm(f): PageForm<IntakeForm>,
) -> Response {
    let Some(agent) = &v.agent else {
        return to_sign_in(&v, "/console/intake");
    };
    if let Err(e) = v.check_csrf(&ctx, &f.csrf) {
        return error_page(&ctx, &v, e);
    }
    let Some(priority) = Priority::parse(if f.priority.is_empty() {
        "normal"
    } else {
        &f.priority
    }) else {
        return error_page(
            &ctx,
            &v,
            WebError::BadRequest(format!("unknown priority {:?}", f.priority)),
        );
    };
    let intake = Intake {
        requester_email: f.email.clone(),
        requester_name: f.name.clone(),
        requester_phone: f.phone.clone(),
        subject: f.subject.clone(),
        description: f.description.clone(),
        channel: Channel::Phone,
        priority,
    };
    match agent_actions::open_for_customer(&ctx, agent, intake, ctx.now()).await {
        Ok(t) => v.finish(
            Redirect::to(&format!("/console/tickets/{}?done=intake", ctx.key(t.id)))
                .into_response(),
        ),
        Err(ServiceError::Invalid(m)) => {
            intake_form(&ctx, &v, StatusCode::UNPROCESSABLE_ENTITY, "", f, Some(m)).await
        }
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}
