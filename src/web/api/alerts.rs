//! The signed-in agent's own alerts: which mail about their tickets they get (the
//! console's "Notificările mele").

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{BadRequest, Json, TooLarge, Unauthorized, Unprocessable};
use crate::service::Ctx;
use crate::service::agent_alerts::{self, AlertPrefs};
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, JsonBody};

/// Which mail about their tickets an agent gets; every one is on until turned off.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// A customer or partner answered a ticket assigned to them.
    answer: bool,
    /// Someone else assigned them a ticket.
    assign: bool,
    /// A note mentions them (`@name`).
    mention: bool,
}

impl From<AlertPrefs> for Alerts {
    fn from(p: AlertPrefs) -> Self {
        Self {
            answer: p.answer,
            assign: p.assign,
            mention: p.mention,
        }
    }
}

/// Which mail about your tickets you get
#[utoipa::path(get, path = "/me/alerts", tag = "me", operation_id = "my_alerts",
    responses((status = 200, description = "OK", body = Alerts), Unauthorized))]
pub async fn show(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
) -> Result<Json<Alerts>, WebError> {
    Ok(Json(agent_alerts::prefs(&ctx, agent.id).await?.into()))
}

/// Choose which mail about your tickets you get (all three, each on or off)
#[utoipa::path(put, path = "/me/alerts", tag = "me", operation_id = "my_alerts_change", request_body = Alerts,
    responses((status = 200, description = "Saved", body = Alerts), BadRequest, Unprocessable, Unauthorized, TooLarge))]
pub async fn change(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(b): JsonBody<Alerts>,
) -> Result<Json<Alerts>, WebError> {
    let prefs = AlertPrefs {
        answer: b.answer,
        assign: b.assign,
        mention: b.mention,
    };
    agent_alerts::set_prefs(&ctx, agent.id, prefs).await?;
    Ok(Json(prefs.into()))
}
