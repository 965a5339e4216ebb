//! How a page handler fails: it returns `Result<Response, PageError>` and uses `?`. One
//! layer per area turns the failure into a page in the visitor's language (the error
//! page, or the sign-in that comes back here), so no handler renders its own errors.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::WebError;
use super::pages::{self, Area};
use super::visitor::Visitor;
use crate::service::{Ctx, ServiceError};

/// Why a page was not served as the handler meant.
#[derive(Debug)]
pub enum PageError {
    /// An error, shown as a page of the area.
    Failed(WebError),
    /// Nobody is signed in to the area: to its sign-in, then back here.
    SignIn,
    /// A response that is already whole (a form that could not be read at all).
    Ready(Response),
}

impl From<WebError> for PageError {
    fn from(e: WebError) -> Self {
        PageError::Failed(e)
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        PageError::Failed(e.into())
    }
}

/// A failure on its way to the area's layer, which renders it.
#[derive(Clone)]
struct Unrendered(Arc<Held>);

enum Held {
    Failed(WebError),
    SignIn,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let held = match self {
            PageError::Ready(response) => return response,
            PageError::Failed(e) => Held::Failed(e),
            PageError::SignIn => Held::SignIn,
        };
        let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        r.extensions_mut().insert(Unrendered(Arc::new(held)));
        r
    }
}

/// The portal's layer: renders a failed page handler's error as a portal page.
pub async fn portal_pages(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    render_failures(ctx, Area::Portal, req, next).await
}

/// The console's layer: renders a failed page handler's error as a console page.
pub async fn console_pages(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    render_failures(ctx, Area::Console, req, next).await
}

async fn render_failures(ctx: Ctx, area: Area, req: Request, next: Next) -> Response {
    // What the page is rendered for: the request as it came (its cookies, language and
    // address), kept aside because the handler consumes the request.
    let mut seen = Request::builder()
        .method(req.method().clone())
        .uri(req.uri().clone())
        .body(())
        .map(|r| r.into_parts().0)
        .ok();
    if let Some(seen) = seen.as_mut() {
        seen.headers = req.headers().clone();
        seen.extensions = req.extensions().clone();
    }
    let mut response = next.run(req).await;
    let Some(Unrendered(failure)) = response.extensions_mut().remove::<Unrendered>() else {
        return response;
    };
    let Some(mut seen) = seen else {
        return WebError::Internal(anyhow::anyhow!("unreadable request")).into_response();
    };
    let v = match Visitor::from_request_parts(&mut seen, &ctx).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    match &*failure {
        Held::Failed(e) => pages::error_page(&ctx, &v, area, e),
        Held::SignIn => pages::to_sign_in(&v, area, &back_here(&seen, area)),
    }
}

/// Where the sign-in leads back: the page itself when it was asked for, else (a form
/// sent when the session had ended) the page the form was on, when it is ours.
fn back_here(seen: &axum::http::request::Parts, area: Area) -> String {
    let uri = seen
        .extensions
        .get::<OriginalUri>()
        .map_or(&seen.uri, |u| &u.0);
    if seen.method == Method::GET || seen.method == Method::HEAD {
        return uri
            .path_and_query()
            .map_or(uri.path(), |p| p.as_str())
            .to_string();
    }
    // Only the path is taken (the sign-in follows local paths only).
    seen.headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|r| r.path_and_query().map(|p| p.as_str().to_string()))
        .filter(|p| p.starts_with(area.home()))
        .unwrap_or_else(|| area.home().to_string())
}
