//! "Notificările mele": which mail an agent gets about their tickets.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::admin::FindQuery;
use crate::service::Ctx;
use crate::service::agent_alerts;
use crate::web::extract::{CarriesCsrf, Csrf, CurrentAgent};
use crate::web::page_error::PageError;
use crate::web::pages::{render, say};
use crate::web::visitor::Visitor;

pub async fn page(
    State(ctx): State<Ctx>,
    CurrentAgent(agent): CurrentAgent,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Result<Response, PageError> {
    let prefs = agent_alerts::prefs(&ctx, agent.id).await?;
    let flash = (!q.done.is_empty()).then(|| say(ctx.templates.texts(v.lang), "c_done", &[]));
    let vars = json!({ "prefs": prefs, "flash": flash });
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "console/alerts.html",
        vars,
    ))
}

/// A checkbox left unticked is not sent: absent is off.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AlertsForm {
    csrf: String,
    answer: Option<String>,
    assign: Option<String>,
    mention: Option<String>,
}

impl CarriesCsrf for AlertsForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn save(
    State(ctx): State<Ctx>,
    CurrentAgent(agent): CurrentAgent,
    v: Visitor,
    Csrf(f): Csrf<AlertsForm>,
) -> Result<Response, PageError> {
    let prefs = agent_alerts::AlertPrefs {
        answer: f.answer.is_some(),
        assign: f.assign.is_some(),
        mention: f.mention.is_some(),
    };
    agent_alerts::set_prefs(&ctx, agent.id, prefs).await?;
    Ok(v.finish(Redirect::to("/console/alerts?done=1").into_response()))
}
