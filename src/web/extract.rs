//! Request extractors: the agent behind an API bearer token, and JSON bodies whose
//! rejections are JSON errors.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

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
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => Err(WebError::BadRequest(rejection.body_text())),
        }
    }
}

/// Like `axum::extract::Query`, but a malformed query string is a JSON 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(WebError::BadRequest(rejection.body_text())),
        }
    }
}

/// Like `axum::Json`, but a malformed body is a JSON 400 with the parser's message.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(rejection) => Err(WebError::BadRequest(rejection.body_text())),
        }
    }
}
