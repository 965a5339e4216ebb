//! JSON API v1: tickets, agent actions, phone intake, the queue, partners, canned
//! replies, the agent's own alerts, quarantine, SLA settings, and the OpenAPI document.

mod actions;
mod admin;
mod alerts;
mod canned;
mod doc;
mod models;
mod quarantine;
mod schemas;
mod tickets;

pub use doc::document;

use axum::Router;
use axum::routing::{get, post};

use crate::service::Ctx;
use crate::web::body_limit;
use crate::web::error::WebError;

/// Every route takes at most a form's worth of body, but a comment, which may carry files
/// (multipart) within the attachment limits.
pub fn routes(ctx: &Ctx) -> Router<Ctx> {
    let files = Router::new().route("/tickets/{key}/comments", post(actions::comment));
    let upload_limit = ctx.config.portal.max_upload_body_bytes();
    body_limit::cap(form_routes(), body_limit::FORM_BYTES)
        .merge(body_limit::cap(files, upload_limit))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

fn form_routes() -> Router<Ctx> {
    Router::new()
        .route("/tickets", get(tickets::list).post(tickets::create))
        .route("/tickets/{key}", get(tickets::show))
        .route("/tickets/{key}/assign", post(actions::assign))
        .route("/tickets/{key}/request-info", post(actions::request_info))
        .route("/tickets/{key}/third-party", post(actions::third_party))
        .route("/tickets/{key}/resolve", post(actions::resolve))
        .route("/tickets/{key}/close", post(actions::close))
        .route("/tickets/{key}/priority", post(actions::priority))
        .route("/tickets/{key}/merge", post(actions::merge))
        .route("/queue", get(tickets::queue))
        .route("/partners", get(admin::partners).post(admin::partner_add))
        .route(
            "/partners/{id}",
            axum::routing::delete(admin::partner_delete),
        )
        .route("/canned-replies", get(canned::list).post(canned::add))
        .route(
            "/canned-replies/{id}",
            axum::routing::put(canned::change).delete(canned::remove),
        )
        .route("/agents", get(admin::agents).post(admin::agent_add))
        .route("/me/alerts", get(alerts::show).put(alerts::change))
        .route("/agents/{email}/disable", post(admin::agent_disable))
        .route("/sla", get(admin::sla_settings).put(admin::sla_replace))
        .route("/openapi.json", get(doc::openapi))
        .route("/quarantine", get(quarantine::list))
        .route("/quarantine/{id}/raw", get(quarantine::raw))
        .route("/quarantine/{id}/replay", post(quarantine::replay))
        .route("/quarantine/{id}/discard", post(quarantine::discard))
}

async fn method_not_allowed() -> WebError {
    WebError::MethodNotAllowed
}

async fn not_found() -> WebError {
    WebError::NotFound("endpoint".into())
}
