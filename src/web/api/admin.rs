//! Partners, agents, the SLA settings in force, and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::agent_role::AgentRole;
use crate::domain::email_address::EmailAddress;
use crate::service::{Ctx, accounts, admin, queries};
use crate::web::error::WebError;
use crate::web::extract::{ApiAgent, ApiPath, JsonBody, bearer};

pub async fn partners(_: ApiAgent, State(ctx): State<Ctx>) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "partners": queries::admin::partners(&ctx).await? }),
    ))
}

#[derive(Deserialize)]
pub struct PartnerBody {
    email: String,
    #[serde(default)]
    name: String,
}

pub async fn partner_add(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(b): JsonBody<PartnerBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    admin::require_admin(&agent)?;
    let email = EmailAddress::parse(b.email.trim())
        .map_err(|_| WebError::BadRequest(format!("{:?} is not an email address", b.email)))?;
    let name = admin::save_partner(&ctx, &agent, &b.name, &email, ctx.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": name, "email": email.to_string() })),
    ))
}

pub async fn partner_delete(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, WebError> {
    admin::delete_partner(&ctx, &agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every agent, disabled ones too, with their API tokens (when made, when they expire,
/// when last used; never the token).
pub async fn agents(_: ApiAgent, State(ctx): State<Ctx>) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "agents": queries::admin::roster(&ctx).await? }),
    ))
}

#[derive(Deserialize)]
pub struct AgentBody {
    email: String,
    name: String,
    password: String,
    #[serde(default)]
    role: String,
}

/// Adds an agent, or resets an agent's name, password and role (admins). A new password
/// or role ends the agent's sessions and tokens (an admin changing themselves keeps the
/// token of this call).
pub async fn agent_add(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<AgentBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    admin::require_admin(&agent)?;
    let email = EmailAddress::parse(b.email.trim())
        .map_err(|_| WebError::BadRequest(format!("{:?} is not an email address", b.email)))?;
    let name = b.name.trim().to_string();
    if name.is_empty() {
        return Err(WebError::BadRequest("name must not be empty".into()));
    }
    let password = crate::domain::password::Password::parse(&b.password)
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let role = match b.role.as_str() {
        "" => AgentRole::Agent,
        other => AgentRole::parse(other).ok_or_else(|| {
            WebError::BadRequest(format!("role must be agent or admin, not {other:?}"))
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
        Json(json!({ "email": saved.email, "name": saved.name, "role": saved.role })),
    ))
}

/// Disables an agent (admins): their sessions and tokens end at once, they cannot sign in.
pub async fn agent_disable(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    ApiPath(email): ApiPath<String>,
) -> Result<Json<Value>, WebError> {
    admin::require_admin(&agent)?;
    let disabled = accounts::disable_agent(&ctx, &email, Some(&agent), ctx.now()).await?;
    Ok(Json(
        json!({ "email": disabled.email, "name": disabled.name, "role": disabled.role, "disabled": true }),
    ))
}

/// The SLA goals and calendar in force (set in helpdesk.toml).
pub async fn sla_settings(_: ApiAgent, State(ctx): State<Ctx>) -> Json<Value> {
    Json(json!(ctx.sla().config))
}

/// Replaces the SLA settings (admins): checked, stored over helpdesk.toml's, in force at once.
pub async fn sla_replace(
    ApiAgent(agent): ApiAgent,
    State(ctx): State<Ctx>,
    JsonBody(config): JsonBody<crate::config::SlaConfig>,
) -> Result<Json<Value>, WebError> {
    admin::require_admin(&agent)?;
    crate::service::sla_settings::save(&ctx, config, ctx.now()).await?;
    Ok(Json(json!(ctx.sla().config)))
}

/// The OpenAPI 3 document of this API (public: it describes, it grants nothing).
pub async fn openapi() -> Response {
    match crate::templates::asset("api/openapi.json") {
        Some(doc) => {
            let mut r = doc.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        None => WebError::NotFound("document".into()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_describes_every_route() {
        let doc: serde_json::Value =
            serde_json::from_str(crate::templates::asset("api/openapi.json").unwrap()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let routes = regex::Regex::new(r#"\.route\("([^"]+)""#).unwrap();
        let source = include_str!("mod.rs");
        let mut n = 0;
        for r in routes.captures_iter(source) {
            assert!(
                doc["paths"].get(&r[1]).is_some(),
                "{} is not in openapi.json",
                &r[1]
            );
            n += 1;
        }
        assert!(n >= 19, "found only {n} routes");
    }
}
