//! Agents sign in to the console and out again; failed attempts are throttled like the
//! portal's.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::service::{Ctx, accounts};
use crate::web::extract::Csrf;
use crate::web::page_error::PageError;
use crate::web::pages::CsrfForm;
use crate::web::sign_in;
use crate::web::throttle::Limits;
use crate::web::visitor::{AGENT_SESSION_COOKIE, Visitor};

/// The console's sign-in: its own cookie, and only console pages to come back to.
const DOOR: sign_in::Door = sign_in::Door {
    scope: "console",
    cookie: AGENT_SESSION_COOKIE,
    page: "console/login.html",
    area: "/console",
    home: "/console",
};

pub async fn login_page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<sign_in::LoginQuery>,
) -> Response {
    DOOR.login_page(&ctx, &v, &q, v.agent.is_some())
}

pub async fn login(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<Limits>,
    v: Visitor,
    Csrf(f): Csrf<sign_in::LoginForm>,
) -> Result<Response, PageError> {
    let check = async {
        let signed = accounts::agent_sign_in(&ctx, &f.email, &f.password, ctx.now()).await?;
        Ok(signed.map(|(token, _)| token))
    };
    DOOR.log_in(&ctx, &limits, &v, &f, check).await
}

pub async fn logout(
    State(ctx): State<Ctx>,
    v: Visitor,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    DOOR.log_out(&ctx, &v, v.agent_session.as_deref()).await
}
