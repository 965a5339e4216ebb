//! Agents sign in to the console and out again; failed attempts are throttled like the
//! portal's.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use crate::service::{Ctx, accounts};
use crate::web::extract::Csrf;
use crate::web::page_error::PageError;
use crate::web::pages::{CsrfForm, render, say};
use crate::web::sign_in;
use crate::web::throttle::Throttle;
use crate::web::visitor::{AGENT_SESSION_COOKIE, Visitor};

fn safe_next(next: &str) -> &str {
    sign_in::safe_next(next, "/console", "/console")
}

pub async fn login_page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<sign_in::LoginQuery>,
) -> Response {
    if v.agent.is_some() {
        return v.finish(Redirect::to(safe_next(&q.next)).into_response());
    }
    let flash = q
        .signed_out
        .map(|_| say(ctx.templates.texts(v.lang), "signed_out", &[]));
    form(&ctx, &v, StatusCode::OK, &q.next, "", None, flash)
}

fn form(
    ctx: &Ctx,
    v: &Visitor,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<String>,
    flash: Option<String>,
) -> Response {
    render(
        ctx,
        v,
        status,
        "console/login.html",
        json!({ "next": next, "email": email, "error": error, "flash": flash }),
    )
}

pub async fn login(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<Arc<Throttle>>,
    v: Visitor,
    Csrf(f): Csrf<sign_in::LoginForm>,
) -> Result<Response, PageError> {
    let tx = ctx.templates.texts(v.lang);
    let attempt = sign_in::Attempt::new(&limits, "console", &f.email, v.ip);
    if let Err(wait) = attempt.begin() {
        let text = sign_in::throttled_text(tx, wait);
        let r = form(
            &ctx,
            &v,
            StatusCode::TOO_MANY_REQUESTS,
            &f.next,
            &f.email,
            Some(text),
            None,
        );
        return Ok(sign_in::retry_after(r, wait));
    }
    match accounts::agent_sign_in(&ctx, &f.email, &f.password, ctx.now()).await {
        Ok(Some((token, _))) => {
            attempt.succeeded();
            let next = safe_next(&f.next);
            Ok(sign_in::signed_in(
                &ctx,
                &v,
                AGENT_SESSION_COOKIE,
                token,
                next,
            ))
        }
        Ok(None) => {
            let (status, text) = (
                StatusCode::UNPROCESSABLE_ENTITY,
                say(tx, "login_failed", &[]),
            );
            Ok(form(&ctx, &v, status, &f.next, &f.email, Some(text), None))
        }
        Err(e) => {
            attempt.abandoned();
            Err(e.into())
        }
    }
}

pub async fn logout(
    State(ctx): State<Ctx>,
    v: Visitor,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    let session = v.agent_session.as_deref();
    let to = "/console/login?signed_out=1";
    Ok(sign_in::signed_out(&ctx, &v, AGENT_SESSION_COOKIE, session, to).await?)
}
