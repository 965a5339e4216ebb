//! One error type for the web layer: JSON for the API, a readable page elsewhere; bad
//! input is a 4xx with a message, never a 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::service::ServiceError;

#[derive(Debug)]
pub enum WebError {
    BadRequest(String),
    /// A well-formed request with a value that is not acceptable; the message names it.
    Unprocessable(String),
    Unauthorized,
    /// A form without a valid CSRF token, or posted from another site.
    Forbidden,
    /// An agent asking for what only admins may do.
    NotAdmin,
    /// A signed-in browser's form that did not say which site it came from (no `Origin`,
    /// no `Sec-Fetch-Site`).
    UnknownOrigin,
    /// A body over the route's limit (bytes).
    PayloadTooLarge(usize),
    NotFound(String),
    /// Too many attempts; the client may try again after this many seconds.
    TooManyRequests(u64),
    Conflict(String),
    /// An `If-Match` that names an older version of what it changes.
    PreconditionFailed(String),
    MethodNotAllowed,
    Internal(anyhow::Error),
}

impl WebError {
    fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            WebError::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
            WebError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "a valid bearer token is required".into(),
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "the form is missing a valid CSRF token".into(),
            ),
            WebError::NotAdmin => (StatusCode::FORBIDDEN, "only an admin may do this".into()),
            WebError::UnknownOrigin => (
                StatusCode::FORBIDDEN,
                "the browser did not say which site the form came from (no Origin header)".into(),
            ),
            WebError::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is over the limit of {} KiB", limit / 1024),
            ),
            WebError::NotFound(what) => (StatusCode::NOT_FOUND, format!("{what} not found")),
            WebError::TooManyRequests(secs) => (
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many attempts; try again in {secs} seconds"),
            ),
            WebError::Conflict(m) => (StatusCode::CONFLICT, m.clone()),
            WebError::PreconditionFailed(m) => (StatusCode::PRECONDITION_FAILED, m.clone()),
            WebError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed here".into(),
            ),
            WebError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
            }
        }
    }

    /// The same error as a small HTML page, for links people open in a browser.
    pub fn page(self) -> Response {
        let (status, message) = self.status_and_message();
        let body = format!(
            "<!doctype html><html lang=\"ro\"><meta charset=\"utf-8\"><title>{status}</title><body><h1>{}</h1><p>{}</p></body></html>",
            status.canonical_reason().unwrap_or("Error"),
            html_escape::encode_text(&message)
        );
        (status, Html(body)).into_response()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(what) => WebError::NotFound(what),
            ServiceError::Refused(r) => WebError::Conflict(r.to_string()),
            ServiceError::Invalid(m) => WebError::Unprocessable(m),
            ServiceError::NotAdmin => WebError::NotAdmin,
            ServiceError::Conflict(m) => WebError::Conflict(m),
            ServiceError::Stale(m) => WebError::PreconditionFailed(m),
            ServiceError::Internal(e) => WebError::Internal(e),
        }
    }
}

/// A malformed path segment, query string or JSON body is the client's mistake; a body
/// cut at the limit is too large.
macro_rules! bad_request_from {
    ($($rejection:ty),*) => {$(
        impl From<$rejection> for WebError {
            fn from(r: $rejection) -> Self {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    return WebError::PayloadTooLarge(super::body_limit::FORM_BYTES);
                }
                WebError::BadRequest(r.body_text())
            }
        }
    )*};
}

bad_request_from!(
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::QueryRejection
);

/// A body that is not JSON is malformed (400); JSON whose values do not fit is a 422 that
/// names the field (`agent_email: not an email address: "x"`).
impl From<axum::extract::rejection::JsonRejection> for WebError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection;
        match r {
            r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                WebError::PayloadTooLarge(super::body_limit::FORM_BYTES)
            }
            JsonRejection::JsonDataError(e) => WebError::Unprocessable(e.body_text()),
            r => WebError::BadRequest(r.body_text()),
        }
    }
}

impl From<anyhow::Error> for WebError {
    fn from(e: anyhow::Error) -> Self {
        WebError::Internal(e)
    }
}

pub async fn not_found() -> WebError {
    WebError::NotFound("page".into())
}
