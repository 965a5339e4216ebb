//! Request extractors: the agent behind an API bearer token, JSON bodies whose
//! rejections are JSON errors, and for pages the signed-in customer, the signed-in agent,
//! an admin, and a form whose CSRF token matches.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::WebError;
use super::page_error::PageError;
use super::pages::{CsrfForm, PageForm};
use super::visitor::Visitor;
use crate::service::queries::{Agent, Customer};
use crate::service::{self, Ctx, accounts};

/// The agent whose `Authorization: Bearer <token>` came with the request: an enabled
/// agent's token that has not expired. Its last use is noted (at most once a minute).
pub struct ApiAgent(pub Agent);

/// The token of `Authorization: Bearer <token>`, if one came.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<Ctx> for ApiAgent {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(WebError::Unauthorized)?;
        let agent = accounts::agent_by_token(ctx, token, ctx.now())
            .await?
            .ok_or(WebError::Unauthorized)?;
        Ok(ApiAgent(agent))
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

/// The customer signed in to the portal; anyone else is sent to sign in and back.
pub struct CurrentCustomer(pub Customer);

impl FromRequestParts<Ctx> for CurrentCustomer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let v = Visitor::from_request_parts(parts, ctx).await?;
        v.customer.map(CurrentCustomer).ok_or(PageError::SignIn)
    }
}

/// The agent signed in to the console; anyone else is sent to sign in and back.
pub struct CurrentAgent(pub Agent);

impl FromRequestParts<Ctx> for CurrentAgent {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let v = Visitor::from_request_parts(parts, ctx).await?;
        v.agent.map(CurrentAgent).ok_or(PageError::SignIn)
    }
}

/// An admin signed in to the console; another agent gets the "admins only" page.
pub struct Admin(pub Agent);

impl FromRequestParts<Ctx> for Admin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let CurrentAgent(agent) = CurrentAgent::from_request_parts(parts, ctx).await?;
        service::admin::require_admin(&agent)?;
        Ok(Admin(agent))
    }
}

/// A page's form with the CSRF token it carries.
pub trait CarriesCsrf {
    fn csrf(&self) -> &str;
}

impl CarriesCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A page's form, read and checked: it came from our own page in this browser and
/// session (see `Visitor`). Take it after `CurrentCustomer`/`CurrentAgent`, so that an
/// ended session leads to the sign-in rather than to a refusal.
pub struct Csrf<T>(pub T);

impl<T> FromRequest<Ctx> for Csrf<T>
where
    T: DeserializeOwned + CarriesCsrf + Send,
{
    type Rejection = PageError;

    async fn from_request(req: Request, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let v = Visitor::from_request_parts(&mut parts, ctx).await?;
        let PageForm(form) = PageForm::<T>::from_request(Request::from_parts(parts, body), ctx)
            .await
            .map_err(PageError::Ready)?;
        v.check_csrf(ctx, form.csrf())?;
        Ok(Csrf(form))
    }
}
