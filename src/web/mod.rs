//! The web server: JSON API, health and metrics, and the customer-facing pages.

pub mod api;
pub mod error;
pub mod extract;
pub mod health;
pub mod portal;

use axum::Router;

use crate::service::Ctx;

pub fn router(ctx: Ctx) -> Router {
    Router::new()
        .merge(health::routes())
        .nest("/api/v1", api::routes())
        .nest("/portal", portal::routes())
        .fallback(error::not_found)
        .with_state(ctx)
}
