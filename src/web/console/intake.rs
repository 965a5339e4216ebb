//! Phone intake: an agent finds the customer (or types a new one) and opens a ticket on
//! their behalf.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::admin::FindQuery;
use crate::domain::ticket::{Channel, Priority};
use crate::service::agent_actions::{self, Intake};
use crate::service::{Ctx, ServiceError, queries};
use crate::web::error::WebError;
use crate::web::extract::{CarriesCsrf, Csrf, CurrentAgent};
use crate::web::page_error::PageError;
use crate::web::pages::render;
use crate::web::visitor::Visitor;

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

impl CarriesCsrf for IntakeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn intake_page(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Result<Response, PageError> {
    let form = IntakeForm::default();
    intake_form(&ctx, &v, StatusCode::OK, &q.find, form, None).await
}

async fn intake_form(
    ctx: &Ctx,
    v: &Visitor,
    status: StatusCode,
    find: &str,
    f: IntakeForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let term = find.trim().to_string();
    let found = if term.is_empty() {
        vec![]
    } else {
        queries::admin::find_customers(ctx, term, 20).await?
    };
    let vars = json!({
        "find": find, "found": found.iter().map(|c| json!({ "email": c.email, "name": c.name, "phone": c.phone })).collect::<Vec<_>>(),
        "searched": !find.trim().is_empty(),
        "email": f.email, "name": f.name, "phone": f.phone, "subject": f.subject, "description": f.description,
        "priority": if f.priority.is_empty() { "normal".to_string() } else { f.priority },
        "priorities": ["low", "normal", "high", "urgent"], "error": error,
    });
    Ok(render(ctx, v, status, "console/intake.html", vars))
}

pub async fn intake(
    State(ctx): State<Ctx>,
    CurrentAgent(agent): CurrentAgent,
    v: Visitor,
    Csrf(f): Csrf<IntakeForm>,
) -> Result<Response, PageError> {
    let priority = match f.priority.as_str() {
        "" => Priority::Normal,
        p => Priority::parse(p)
            .ok_or_else(|| WebError::BadRequest(format!("unknown priority {p:?}")))?,
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
    match agent_actions::open_for_customer(&ctx, &agent, intake, ctx.now()).await {
        Ok(t) => Ok(v.finish(
            Redirect::to(&format!("/console/tickets/{}?done=intake", ctx.key(t.id)))
                .into_response(),
        )),
        Err(ServiceError::Invalid(m)) => {
            intake_form(&ctx, &v, StatusCode::UNPROCESSABLE_ENTITY, "", f, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}
