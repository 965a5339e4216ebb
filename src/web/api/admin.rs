//! Partners, agents, and the SLA settings in force.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::models::{
    AgentList, AgentRole, BadRequest, DisabledAgent, Json, NotAdmin, NotFound, PartnerList,
    SavedAgent, SavedPartner, TooLarge, Unauthorized, Unprocessable,
};
use super::schemas::{self, SlaSettings};
use crate::config::SlaConfig;
use crate::domain::email_address::EmailAddress;
use crate::service::{Ctx, accounts, admin, queries};
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath, JsonBody, bearer};

/// Partners agents can ask
#[utoipa::path(get, path = "/partners", tag = "admin",
    responses((status = 200, description = "OK", body = PartnerList), Unauthorized))]
pub async fn partners(_: ApiAgent, State(ctx): State<Ctx>) -> Result<Json<PartnerList>, WebError> {
    let partners = queries::admin::partners(&ctx).await?;
    Ok(Json(PartnerList { partners }))
}

#[derive(Deserialize, ToSchema)]
pub struct PartnerBody {
    #[schema(value_type = schemas::EmailAddress)]
    email: EmailAddress,
    #[serde(default)]
    name: String,
}

/// Add or rename a partner (admins)
#[utoipa::path(post, path = "/partners", tag = "admin", request_body = PartnerBody,
    responses((status = 201, description = "Saved", body = SavedPartner),
        BadRequest, Unprocessable, Unauthorized, NotAdmin, TooLarge))]
pub async fn partner_add(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(b): JsonBody<PartnerBody>,
) -> Result<(StatusCode, Json<SavedPartner>), WebError> {
    // Only admins: save_partner says so.
    let email = b.email;
    let name = admin::save_partner(&ctx, &agent, &b.name, &email, ctx.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(SavedPartner {
            email: email.to_string(),
            name,
        }),
    ))
}

/// A numeric id in a path. Described as an integer without the int64 `format` (`i128`
/// has none): a value out of that range is a 400 like any other malformed path, and the
/// generated checks start from 0, which no row has, rather than 1.
#[derive(IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct Id(
    #[param(value_type = i128)]
    #[allow(dead_code)]
    pub i64,
);

/// Remove a partner (admins)
#[utoipa::path(delete, path = "/partners/{id}", tag = "admin", params(Id),
    responses((status = 204, description = "Removed"), BadRequest, Unauthorized, NotAdmin, NotFound))]
pub async fn partner_delete(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, WebError> {
    admin::delete_partner(&ctx, &agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every agent, disabled ones too, with their API tokens
///
/// With each token: when it was made, when it expires, when it was last used; never the
/// token itself.
#[utoipa::path(get, path = "/agents", tag = "admin",
    responses((status = 200, description = "OK", body = AgentList), Unauthorized))]
pub async fn agents(_: ApiAgent, State(ctx): State<Ctx>) -> Result<Json<AgentList>, WebError> {
    let agents = queries::admin::roster(&ctx).await?;
    Ok(Json(AgentList { agents }))
}

#[derive(Deserialize, ToSchema)]
pub struct AgentBody {
    #[schema(value_type = schemas::EmailAddress)]
    email: EmailAddress,
    /// Must not be empty or blank.
    #[schema(pattern = r"\S")]
    name: String,
    /// At least 8 letters or digits, at least 2 of them digits (the pattern shows one such shape).
    #[schema(pattern = r"^[0-9]{2}[A-Za-z0-9]{6,30}$")]
    password: String,
    #[serde(default)]
    #[schema(value_type = AgentRole, required = false, default = "agent")]
    role: String,
}

/// Add an agent, or reset name, password and role (admins); a new password or role ends the agent's sessions and other tokens
///
/// An admin changing themselves keeps the token of this call.
#[utoipa::path(post, path = "/agents", tag = "admin", request_body = AgentBody,
    responses((status = 201, description = "Saved", body = SavedAgent),
        BadRequest, Unprocessable, Unauthorized, NotAdmin, TooLarge))]
pub async fn agent_add(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<AgentBody>,
) -> Result<(StatusCode, Json<SavedAgent>), WebError> {
    admin::require_admin(&agent)?;
    let email = b.email;
    let name = b.name.trim().to_string();
    if name.is_empty() {
        return Err(WebError::Unprocessable("name must not be empty".into()));
    }
    let password = crate::domain::password::Password::parse(&b.password)
        .map_err(|e| WebError::Unprocessable(format!("password: {e}")))?;
    let role = match b.role.as_str() {
        "" => AgentRole::Agent,
        other => AgentRole::parse(other).ok_or_else(|| {
            WebError::Unprocessable(format!("role must be agent or admin, not {other:?}"))
        })?,
    };
    let keep = accounts::Keep {
        session: None,
        token: bearer(&headers).map(str::to_string),
    };
    let saved = accounts::save_agent(
        &ctx,
        accounts::NewAgent {
            email,
            name,
            password,
            role,
        },
        keep,
        Some(&agent),
        ctx.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SavedAgent {
            email: saved.email,
            name: saved.name,
            role: saved.role,
        }),
    ))
}

/// An agent's address in a path.
#[derive(IntoParams)]
#[into_params(names("email"), parameter_in = Path)]
pub struct AgentEmail(
    #[param(value_type = schemas::EmailAddress)]
    #[allow(dead_code)]
    pub String,
);

/// Disable an agent (admins): their console sessions and API tokens end at once and they cannot sign in
#[utoipa::path(post, path = "/agents/{email}/disable", tag = "admin", params(AgentEmail),
    responses((status = 200, description = "Disabled", body = DisabledAgent),
        BadRequest, Unauthorized, NotAdmin, NotFound))]
pub async fn agent_disable(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(email): ApiPath<String>,
) -> Result<Json<DisabledAgent>, WebError> {
    admin::require_admin(&agent)?;
    let disabled = accounts::disable_agent(&ctx, &email, Some(&agent), ctx.now()).await?;
    Ok(Json(DisabledAgent {
        disabled: true,
        email: disabled.email,
        name: disabled.name,
        role: disabled.role,
    }))
}

/// The SLA goals and business calendar in force
#[utoipa::path(get, path = "/sla", tag = "admin",
    responses((status = 200, description = "OK", body = SlaConfig), Unauthorized))]
pub async fn sla_settings(_: ApiAgent, State(ctx): State<Ctx>) -> Json<SlaConfig> {
    Json(ctx.sla().config.clone())
}

/// Replace the SLA goals and business calendar (admins); stored over helpdesk.toml's, in force at once, every open ticket's due time redone
#[utoipa::path(put, path = "/sla", tag = "admin", request_body = SlaSettings,
    responses((status = 200, description = "The settings now in force", body = SlaConfig),
        BadRequest, Unprocessable, Unauthorized, NotAdmin, TooLarge))]
pub async fn sla_replace(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(config): JsonBody<SlaConfig>,
) -> Result<Json<SlaConfig>, WebError> {
    admin::require_admin(&agent)?;
    crate::service::sla_settings::save(&ctx, config, ctx.now()).await?;
    Ok(Json(ctx.sla().config.clone()))
}
