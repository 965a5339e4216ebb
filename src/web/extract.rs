//! Request extractors: the agent behind an API bearer token, and JSON bodies whose
//! rejections are JSON errors.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;

use super::error::WebError;
use crate::db::{self, agents::Agent};
use crate::service::{Ctx, links};

/// The agent whose `Authorization: Bearer <token>` came with the request.
pub struct ApiAgent(pub Agent);

impl FromRequestParts<Ctx> for ApiAgent {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(WebError::Unauthorized)?;
        let hash = links::hash_token(token);
        let agent = ctx.db.read(move |c| db::agents::find_by_token(c, &hash)).await?;
        agent.map(ApiAgent).ok_or(WebError::Unauthorized)
    }
}

/// Like `axum::extract::Path`, but a malformed segment is a JSON 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(WebError))]
pub struct ApiPath<T>(pub T);

/// Like `axum::extract::Query`, but a malformed query string is a JSON 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(WebError))]
pub struct ApiQuery<T>(pub T);

/// Like `axum::Json`, but a malformed body is a JSON 400 with the parser's message.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(WebError))]
pub struct JsonBody<T>(pub T);
