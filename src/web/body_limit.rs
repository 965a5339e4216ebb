//! Request body limits: 64 KiB for every form and JSON body; the routes that take files
//! set their own, larger limit. A body over the limit gets 413 before it is buffered.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use super::error::WebError;
use crate::service::Ctx;

/// What a form, a JSON body or a sign-in may weigh.
pub const FORM_BYTES: usize = 64 * 1024;

/// Caps the bodies of every route of `router` at `limit` bytes: a declared
/// `Content-Length` over it is refused at once, unread; a body without one (chunked) is
/// cut by the extractors when it passes the limit.
pub fn cap(router: Router<Ctx>, limit: usize) -> Router<Ctx> {
    router
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            refuse_declared(limit, req, next)
        }))
}

async fn refuse_declared(limit: usize, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let e = WebError::PayloadTooLarge(limit);
        // The API answers in JSON; pages answer with a page.
        return if req.uri().path().starts_with("/api/") {
            e.into_response()
        } else {
            e.page()
        };
    }
    next.run(req).await
}
