//! The web server: JSON API, health and metrics, and the customer-facing pages.

pub mod api;
pub mod body_limit;
pub mod client_ip;
pub mod console;
pub mod error;
pub mod extract;
pub mod health;
pub mod html;
pub mod page_error;
pub mod pages;
pub mod portal;
pub mod sign_in;
pub mod throttle;
pub mod uploads;
pub mod visitor;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use crate::service::Ctx;

pub fn router(ctx: Ctx) -> Router {
    // Only the portal's uploads, the console's reply box and the API's comments take more
    // than a form's worth of body; the portal, the console and the API set their own limits.
    let capped = Router::new()
        .merge(health::routes())
        .route("/static/{name}", get(asset));
    body_limit::cap(capped, body_limit::FORM_BYTES)
        .nest("/api/v1", api::routes(&ctx))
        .nest("/console", console::routes(&ctx))
        .nest("/portal", portal::routes(&ctx))
        .fallback(error::not_found)
        .layer(Extension(throttle::Limits::for_ctx(&ctx)))
        .with_state(ctx)
}

/// The pages' stylesheet and script, embedded from `templates/static/`.
async fn asset(Path(name): Path<String>) -> Response {
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        _ => return error::WebError::NotFound("file".into()).into_response(),
    };
    match crate::templates::asset(&format!("static/{name}")) {
        Some(body) => {
            let mut r = body.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            r
        }
        None => error::WebError::NotFound("file".into()).into_response(),
    }
}
