//! Conectare: sign-in and sign-out, the invitation and reset links that set a password,
//! "forgot password", and the customer's language and time zone.

use std::time::Instant;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::pages::CsrfForm;
use super::{PageForm, error_page, notice, render, say, to_sign_in};
use crate::domain::password::WeakPassword;
use crate::service::accounts::{self, SetPasswordError};
use crate::service::notify::PortalLink;
use crate::service::{Ctx, ServiceError};
use crate::web::error::WebError;
use crate::web::extract::{SESSION_COOKIE, Visitor};
use crate::web::sign_in;
use crate::web::throttle::{self, Throttle};

pub async fn home(v: Visitor) -> Response {
    let to = if v.customer.is_some() {
        "/portal/requests"
    } else {
        "/portal/login"
    };
    v.finish(Redirect::to(to).into_response())
}

/// Only our own portal pages are places to come back to after signing in.
fn safe_next(next: &str) -> &str {
    sign_in::safe_next(next, "/portal", "/portal/requests")
}

pub async fn login_page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<sign_in::LoginQuery>,
) -> Response {
    if v.customer.is_some() {
        return v.finish(Redirect::to(safe_next(&q.next)).into_response());
    }
    let flash = q
        .signed_out
        .map(|_| say(ctx.templates.texts(v.lang), "signed_out", &[]));
    login_form(&ctx, &v, StatusCode::OK, &q.next, "", None, flash)
}

fn login_form(
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
        "portal/login.html",
        json!({ "next": next, "email": email, "error": error, "flash": flash }),
    )
}

pub async fn login(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<std::sync::Arc<Throttle>>,
    v: Visitor,
    PageForm(f): PageForm<sign_in::LoginForm>,
) -> Response {
    if let Err(e) = v.check_csrf(&ctx, &f.csrf) {
        return error_page(&ctx, &v, e);
    }
    let tx = ctx.templates.texts(v.lang);
    let attempt = sign_in::Attempt::new(&limits, "portal", &f.email, v.ip);
    if let Err(wait) = attempt.begin() {
        let text = sign_in::throttled_text(tx, wait);
        let r = login_form(
            &ctx,
            &v,
            StatusCode::TOO_MANY_REQUESTS,
            &f.next,
            &f.email,
            Some(text),
            None,
        );
        return sign_in::retry_after(r, wait);
    }
    match accounts::sign_in(&ctx, &f.email, &f.password, ctx.now()).await {
        Ok(Some(session)) => {
            attempt.succeeded();
            sign_in::signed_in(&ctx, &v, SESSION_COOKIE, session.token, safe_next(&f.next))
        }
        Ok(None) => {
            let text = say(tx, "login_failed", &[]);
            login_form(
                &ctx,
                &v,
                StatusCode::UNPROCESSABLE_ENTITY,
                &f.next,
                &f.email,
                Some(text),
                None,
            )
        }
        Err(e) => {
            attempt.abandoned();
            error_page(&ctx, &v, e.into())
        }
    }
}

pub async fn logout(
    State(ctx): State<Ctx>,
    v: Visitor,
    PageForm(f): PageForm<CsrfForm>,
) -> Response {
    if let Err(e) = v.check_csrf(&ctx, &f.csrf) {
        return error_page(&ctx, &v, e);
    }
    match sign_in::signed_out(
        &ctx,
        &v,
        SESSION_COOKIE,
        v.session.as_deref(),
        "/portal/login?signed_out=1",
    )
    .await
    {
        Ok(r) => r,
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}

pub async fn forgot_page(State(ctx): State<Ctx>, v: Visitor) -> Response {
    render(
        &ctx,
        &v,
        StatusCode::OK,
        "portal/forgot.html",
        json!({ "email": "" }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
    csrf: String,
}

/// Counts one password mail for the account and the address; refuses past the limits.
fn mail_allowed(limits: &Throttle, v: &Visitor, account: &str) -> Result<(), WebError> {
    let now = Instant::now();
    let (account, ip) = (
        format!("mail:account:{}", accounts::typed_address(account)),
        format!("mail:ip:{}", v.ip),
    );
    let wait = limits
        .wait(&account, throttle::MAIL_PER_ACCOUNT, now)
        .or(limits.wait(&ip, throttle::MAIL_PER_IP, now));
    if let Some(wait) = wait {
        return Err(WebError::TooManyRequests(wait.as_secs()));
    }
    limits.record(&account, throttle::MAIL_PER_ACCOUNT, now);
    limits.record(&ip, throttle::MAIL_PER_IP, now);
    Ok(())
}

pub async fn forgot(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<std::sync::Arc<Throttle>>,
    v: Visitor,
    PageForm(f): PageForm<ForgotForm>,
) -> Response {
    if let Err(e) = v
        .check_csrf(&ctx, &f.csrf)
        .and_then(|()| mail_allowed(&limits, &v, &f.email))
    {
        return error_page(&ctx, &v, e);
    }
    if let Err(e) = accounts::request_reset(&ctx, &f.email, ctx.now()).await {
        return error_page(&ctx, &v, e.into());
    }
    let tx = ctx.templates.texts(v.lang);
    let text = say(
        tx,
        "forgot_sent",
        &[("hours", &ctx.config.portal.reset_ttl_hours)],
    );
    notice(
        &ctx,
        &v,
        StatusCode::OK,
        &say(tx, "forgot_title", &[]),
        &[text],
    )
}

fn link_path(link: PortalLink, token: &str) -> String {
    format!("/portal/{}/{token}", link.purpose())
}

/// The Conectare page behind a one-time link: the username shown, the password asked;
/// a spent link explains itself and offers a new one.
pub async fn link_page(
    State(ctx): State<Ctx>,
    Extension(link): Extension<PortalLink>,
    v: Visitor,
    Path(token): Path<String>,
) -> Response {
    let (ctx, v, token) = (&ctx, &v, token.as_str());
    match accounts::link_target(ctx, link, token, ctx.now()).await {
        Ok(Some(t)) if t.valid => {
            password_form(ctx, v, link, token, &t.customer.email, StatusCode::OK, None)
        }
        Ok(Some(_)) => spent_page(ctx, v, link, token),
        Ok(None) => error_page(ctx, v, WebError::NotFound("link".into())),
        Err(e) => error_page(ctx, v, e.into()),
    }
}

fn password_form(
    ctx: &Ctx,
    v: &Visitor,
    link: PortalLink,
    token: &str,
    email: &str,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let intro = if link == PortalLink::Invite {
        "set_password_intro"
    } else {
        "reset_password_intro"
    };
    let vars = json!({ "email": email, "action": link_path(link, token), "intro_key": intro, "error": error });
    render(ctx, v, status, "portal/set_password.html", vars)
}

fn spent_page(ctx: &Ctx, v: &Visitor, link: PortalLink, token: &str) -> Response {
    let action = format!("{}/renew", link_path(link, token));
    render(
        ctx,
        v,
        StatusCode::GONE,
        "portal/link_spent.html",
        json!({ "action": action }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
    confirm: Option<String>,
    csrf: String,
}

/// The password set through a one-time link: signed in to Solicitări, or the form again
/// with what to mend.
pub async fn set_password(
    State(ctx): State<Ctx>,
    Extension(link): Extension<PortalLink>,
    v: Visitor,
    Path(token): Path<String>,
    PageForm(f): PageForm<PasswordForm>,
) -> Response {
    let (ctx, v, token) = (&ctx, &v, token.as_str());
    if let Err(e) = v.check_csrf(ctx, &f.csrf) {
        return error_page(ctx, v, e);
    }
    // Without a confirmation field (a page of another design), the password stands alone.
    let confirm = f.confirm.as_deref().unwrap_or(&f.password);
    let tx = ctx.templates.texts(v.lang);
    let refused = |key: &str| say(tx, key, &[]);
    let error =
        match accounts::set_password(ctx, link, token, &f.password, confirm, ctx.now()).await {
            Ok(session) => {
                return sign_in::signed_in(
                    ctx,
                    v,
                    SESSION_COOKIE,
                    session.token,
                    "/portal/requests?welcome=1",
                );
            }
            Err(SetPasswordError::Weak(WeakPassword::TooShort)) => refused("pw_too_short"),
            Err(SetPasswordError::Weak(WeakPassword::TooFewDigits)) => refused("pw_too_few_digits"),
            Err(SetPasswordError::Weak(WeakPassword::TooLong)) => refused("pw_too_long"),
            Err(SetPasswordError::Mismatch) => refused("pw_mismatch"),
            Err(SetPasswordError::Spent) => return spent_page(ctx, v, link, token),
            Err(SetPasswordError::Service(e)) => return error_page(ctx, v, e.into()),
        };
    match accounts::link_target(ctx, link, token, ctx.now()).await {
        Ok(Some(t)) => password_form(
            ctx,
            v,
            link,
            token,
            &t.customer.email,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(error),
        ),
        Ok(None) => error_page(ctx, v, WebError::NotFound("link".into())),
        Err(e) => error_page(ctx, v, e.into()),
    }
}

/// A new link mailed in place of a spent one (throttled like every mail a visitor asks for).
pub async fn renew(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<std::sync::Arc<Throttle>>,
    Extension(link): Extension<PortalLink>,
    v: Visitor,
    Path(token): Path<String>,
    PageForm(f): PageForm<CsrfForm>,
) -> Response {
    let (ctx, v, token) = (&ctx, &v, token.as_str());
    if let Err(e) = v.check_csrf(ctx, &f.csrf) {
        return error_page(ctx, v, e);
    }
    let target = match accounts::link_target(ctx, link, token, ctx.now()).await {
        Ok(Some(t)) => t,
        Ok(None) => return error_page(ctx, v, WebError::NotFound("link".into())),
        Err(e) => return error_page(ctx, v, e.into()),
    };
    if let Err(e) = mail_allowed(&limits, v, &target.customer.email) {
        return error_page(ctx, v, e);
    }
    match accounts::renew_link(ctx, link, token, ctx.now()).await {
        Ok(email) => {
            let tx = ctx.templates.texts(v.lang);
            notice(
                ctx,
                v,
                StatusCode::OK,
                &say(tx, "login_title", &[]),
                &[say(tx, "link_renewed", &[("email", &email)])],
            )
        }
        Err(e) => error_page(ctx, v, e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn preferences_page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<SavedQuery>,
) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, "/portal/preferences");
    };
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let flash = q
        .saved
        .map(|_| say(ctx.templates.texts(v.lang), "preferences_saved", &[]));
    let vars = json!({ "zones": zones, "time_zone": customer.time_zone, "flash": flash });
    render(&ctx, &v, StatusCode::OK, "portal/preferences.html", vars)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PreferencesForm {
    lang: String,
    time_zone: String,
    csrf: String,
}

pub async fn preferences(
    State(ctx): State<Ctx>,
    v: Visitor,
    PageForm(f): PageForm<PreferencesForm>,
) -> Response {
    let Some(customer) = &v.customer else {
        return to_sign_in(&v, "/portal/preferences");
    };
    if let Err(e) = v.check_csrf(&ctx, &f.csrf) {
        return error_page(&ctx, &v, e);
    }
    match accounts::set_preferences(&ctx, customer.id, &f.lang, &f.time_zone).await {
        Ok(()) => v.finish(Redirect::to("/portal/preferences?saved=1").into_response()),
        Err(ServiceError::Invalid(m)) => error_page(&ctx, &v, WebError::BadRequest(m)),
        Err(e) => error_page(&ctx, &v, e.into()),
    }
}
