//! Agents sign in to the console and out again; failed attempts are throttled like the
//! portal's.

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::error_page;
use crate::service::{Ctx, accounts};
use crate::web::extract::{AGENT_SESSION_COOKIE, Visitor};
use crate::web::pages::{PageForm, minutes, render, say};
use crate::web::throttle::{self, Throttle};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
    signed_out: Option<String>,
}

fn safe_next(next: &str) -> &str {
    if next.starts_with("/console") && !next.starts_with("//") && !next.contains('\\') { next } else { "/console" }
}

pub async fn login_page(State(ctx): State<Ctx>, v: Visitor, Query(q): Query<LoginQuery>) -> Response {
    if v.agent.is_some() {
        return v.finish(Redirect::to(safe_next(&q.next)).into_response());
    }
    let flash = q.signed_out.map(|_| say(ctx.templates.texts(v.lang), "signed_out", &[]));
    form(&ctx, &v, StatusCode::OK, &q.next, "", None, flash)
}

fn form(ctx: &Ctx, v: &Visitor, status: StatusCode, next: &str, email: &str, error: Option<String>, flash: Option<String>) -> Response {
    render(ctx, v, status, "console/login.html", json!({ "next": next, "email": email, "error": error, "flash": flash }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
    csrf: String,
}

pub async fn login(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<Arc<Throttle>>,
    v: Visitor,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    if let Err(e) = v.check_csrf(&ctx, &f.csrf) {
        return error_page(&ctx, &v, e);
    }
    let tx = ctx.templates.texts(v.lang);
    let (account, ip) = (format!("console:account:{}", f.email.trim().to_lowercase()), format!("console:ip:{}", v.ip));
    let now = Instant::now();
    if let Some(wait) = limits.wait(&account, throttle::LOGIN_PER_ACCOUNT, now).or(limits.wait(&ip, throttle::LOGIN_PER_IP, now)) {
        let text = say(tx, "login_throttled", &[("minutes", &minutes(wait.as_secs()))]);
        let mut r = form(&ctx, &v, StatusCode::TOO_MANY_REQUESTS, &f.next, &f.email, Some(text), None);
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        return r;
    }
    match accounts::agent_sign_in(&ctx, &f.email, &f.password, ctx.now()).await {
        Ok(Some((token, _))) => {
            limits.clear(&account);
            let cookie = v.cookie(AGENT_SESSION_COOKIE, token, time::Duration::days(ctx.config.portal.session_days));
            let mut r = v.finish(Redirect::to(safe_next(&f.next)).into_response());
            if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
                r.headers_mut().append(header::SET_COOKIE, value);
            }
            r
        }
        Ok(None) => {
            limits.record(&account, throttle::LOGIN_PER_ACCOUNT, now);
            limits.record(&ip, throttle::LOGIN_PER_IP, now);
            form(&ctx, &v, StatusCode::UNPROCESSABLE_ENTITY, &f.next, &f.email, Some(say(tx, "login_failed", &[])), None)
        }
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(State(ctx): State<Ctx>, v: Visitor, PageForm(f): PageForm<CsrfForm>) -> Response {
    if let Err(e) = v.check_csrf(&ctx, &f.csrf) {
        return error_page(&ctx, &v, e);
    }
    if let Some(token) = &v.agent_session {
        if let Err(e) = accounts::sign_out(&ctx, token).await {
            return error_page(&ctx, &v, e.into());
        }
    }
    let gone = v.cookie(AGENT_SESSION_COOKIE, String::new(), time::Duration::ZERO);
    let mut r = v.finish(Redirect::to("/console/login?signed_out=1").into_response());
    if let Ok(value) = HeaderValue::from_str(&gone.to_string()) {
        r.headers_mut().append(header::SET_COOKIE, value);
    }
    r
}
