//! The customer portal: server-rendered pages in Romanian (default) and English.
//! Accounts and sign-in live in `account`, the requests in `requests`, the signed
//! opt-out link from mail in `unsubscribe`, the signed satisfaction links in `rate`, a
//! partner's signed answer page in `partner`.

mod account;
mod files;
mod new_request;
mod partner;
mod rate;
mod requests;
mod unsubscribe;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::body_limit;
use super::page_error;
use super::pages::{self, Area};
pub(super) use super::pages::{local_time, render, say, say_count};
use super::visitor::Visitor;
use crate::service::Ctx;
use crate::service::notify::PortalLink;

pub fn routes(ctx: &Ctx) -> Router<Ctx> {
    let forms = Router::new()
        .route("/", get(account::home))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/forgot", get(account::forgot_page).post(account::forgot))
        .nest("/invite", link_routes(PortalLink::Invite))
        .nest("/reset", link_routes(PortalLink::Reset))
        .route(
            "/preferences",
            get(account::preferences_page).post(account::preferences),
        )
        .route("/requests", get(requests::list))
        .route("/requests/new", get(new_request::new_page))
        .route("/requests/{key}", get(requests::view))
        .route("/requests/{key}/comments", post(requests::comment))
        .route("/requests/{key}/attachments/{id}", get(files::download))
        .route(
            "/requests/{key}/notifications",
            post(requests::notifications),
        )
        .route(
            "/requests/{key}/participants/{action}",
            post(requests::participants),
        )
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe::page).post(unsubscribe::opt_out),
        )
        .route("/rate/{token}", get(rate::page).post(rate::record))
        .route("/partner/{token}", get(partner::page).post(partner::answer));
    let upload_limit = ctx.config.portal.max_upload_body_bytes();
    let files = Router::new()
        .route("/requests/new", post(new_request::create))
        .route("/requests/{key}/attachments", post(files::attach))
        .layer(DefaultBodyLimit::max(upload_limit));
    let pages_of_portal = body_limit::cap(forms, body_limit::FORM_BYTES)
        .merge(files)
        .layer(from_fn_with_state(ctx.clone(), page_error::portal_pages));
    pages::secured(pages_of_portal)
}

/// The pages behind a one-time link of one kind; the handlers learn the kind from the
/// `Extension`.
fn link_routes(link: PortalLink) -> Router<Ctx> {
    Router::new()
        .route(
            "/{token}",
            get(account::link_page).post(account::set_password),
        )
        .route("/{token}/renew", post(account::renew))
        .layer(Extension(link))
}

/// A short page with a heading and a few paragraphs, in the portal's layout.
fn notice(
    ctx: &Ctx,
    v: &Visitor,
    status: StatusCode,
    heading: &str,
    paragraphs: &[String],
) -> Response {
    pages::notice(ctx, v, Area::Portal, status, heading, paragraphs)
}

/// The visitor's time zone: the customer's, else the helpdesk's.
fn time_zone<'a>(ctx: &'a Ctx, v: &'a Visitor) -> &'a str {
    v.customer
        .as_ref()
        .map(|c| c.time_zone.as_str())
        .unwrap_or(&ctx.config.helpdesk.time_zone)
}
