//! Conectare: sign-in and sign-out, the invitation and reset links that set a password,
//! "forgot password", and the customer's language and time zone.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::pages::CsrfForm;
use super::{notice, render, say};
use crate::domain::password::WeakPassword;
use crate::service::Ctx;
use crate::service::accounts::{self, SetPasswordError};
use crate::service::notify::PortalLink;
use crate::web::error::WebError;
use crate::web::extract::{CarriesCsrf, Csrf, CurrentCustomer};
use crate::web::page_error::PageError;
use crate::web::sign_in;
use crate::web::throttle::{self, Limits};
use crate::web::visitor::{SESSION_COOKIE, Visitor};

pub async fn home(v: Visitor) -> Response {
    let to = if v.customer.is_some() {
        "/portal/requests"
    } else {
        "/portal/login"
    };
    v.finish(Redirect::to(to).into_response())
}

/// The portal's sign-in: its own cookie, and only its own pages to come back to.
const DOOR: sign_in::Door = sign_in::Door {
    scope: "portal",
    cookie: SESSION_COOKIE,
    page: "portal/login.html",
    area: "/portal",
    home: "/portal/requests",
};

pub async fn login_page(
    State(ctx): State<Ctx>,
    v: Visitor,
    Query(q): Query<sign_in::LoginQuery>,
) -> Response {
    DOOR.login_page(&ctx, &v, &q, v.customer.is_some())
}

pub async fn login(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<Limits>,
    v: Visitor,
    Csrf(f): Csrf<sign_in::LoginForm>,
) -> Result<Response, PageError> {
    let check = async {
        let session = accounts::sign_in(&ctx, &f.email, &f.password, ctx.now()).await?;
        Ok(session.map(|s| s.token))
    };
    DOOR.log_in(&ctx, &limits, &v, &f, check).await
}

pub async fn logout(
    State(ctx): State<Ctx>,
    v: Visitor,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    DOOR.log_out(&ctx, &v, v.session.as_deref()).await
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
async fn mail_allowed(limits: &Limits, v: &Visitor, account: &str) -> Result<(), WebError> {
    let (account, ip) = (
        format!("mail:account:{}", accounts::typed_address(account)),
        format!("mail:ip:{}", v.ip),
    );
    let wait = match limits.wait(&account, throttle::MAIL_PER_ACCOUNT).await? {
        Some(wait) => Some(wait),
        None => limits.wait(&ip, throttle::MAIL_PER_IP).await?,
    };
    if let Some(wait) = wait {
        return Err(WebError::TooManyRequests(wait.as_secs()));
    }
    limits.record(&account, throttle::MAIL_PER_ACCOUNT).await?;
    limits.record(&ip, throttle::MAIL_PER_IP).await?;
    Ok(())
}

pub async fn forgot(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<Limits>,
    v: Visitor,
    Csrf(f): Csrf<ForgotForm>,
) -> Result<Response, PageError> {
    mail_allowed(&limits, &v, &f.email).await?;
    accounts::request_reset(&ctx, &f.email, ctx.now()).await?;
    let tx = ctx.templates.texts(v.lang);
    let text = say(
        tx,
        "forgot_sent",
        &[("hours", &ctx.config.portal.reset_ttl_hours)],
    );
    let title = say(tx, "forgot_title", &[]);
    Ok(notice(&ctx, &v, StatusCode::OK, &title, &[text]))
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
) -> Result<Response, PageError> {
    let (ctx, v, token) = (&ctx, &v, token.as_str());
    let t = accounts::link_target(ctx, link, token, ctx.now())
        .await?
        .ok_or_else(|| WebError::NotFound("link".into()))?;
    Ok(if t.valid {
        password_form(ctx, v, link, token, &t.customer.email, StatusCode::OK, None)
    } else {
        spent_page(ctx, v, link, token)
    })
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
    Csrf(f): Csrf<PasswordForm>,
) -> Result<Response, PageError> {
    let (ctx, v, token) = (&ctx, &v, token.as_str());
    // Without a confirmation field (a page of another design), the password stands alone.
    let confirm = f.confirm.as_deref().unwrap_or(&f.password);
    let tx = ctx.templates.texts(v.lang);
    let refused = |key: &str| say(tx, key, &[]);
    let error =
        match accounts::set_password(ctx, link, token, &f.password, confirm, ctx.now()).await {
            Ok(session) => {
                let to = "/portal/requests?welcome=1";
                return Ok(sign_in::signed_in(
                    ctx,
                    v,
                    SESSION_COOKIE,
                    session.token,
                    to,
                ));
            }
            Err(SetPasswordError::Weak(WeakPassword::TooShort)) => refused("pw_too_short"),
            Err(SetPasswordError::Weak(WeakPassword::TooFewDigits)) => refused("pw_too_few_digits"),
            Err(SetPasswordError::Weak(WeakPassword::TooLong)) => refused("pw_too_long"),
            Err(SetPasswordError::Mismatch) => refused("pw_mismatch"),
            Err(SetPasswordError::Spent) => return Ok(spent_page(ctx, v, link, token)),
            Err(SetPasswordError::Service(e)) => return Err(e.into()),
        };
    let t = accounts::link_target(ctx, link, token, ctx.now())
        .await?
        .ok_or_else(|| WebError::NotFound("link".into()))?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(password_form(
        ctx,
        v,
        link,
        token,
        &t.customer.email,
        status,
        Some(error),
    ))
}

/// A new link mailed in place of a spent one (throttled like every mail a visitor asks for).
pub async fn renew(
    State(ctx): State<Ctx>,
    Extension(limits): Extension<Limits>,
    Extension(link): Extension<PortalLink>,
    v: Visitor,
    Path(token): Path<String>,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    let (ctx, v, token) = (&ctx, &v, token.as_str());
    let target = accounts::link_target(ctx, link, token, ctx.now())
        .await?
        .ok_or_else(|| WebError::NotFound("link".into()))?;
    mail_allowed(&limits, v, &target.customer.email).await?;
    let email = accounts::renew_link(ctx, link, token, ctx.now()).await?;
    let tx = ctx.templates.texts(v.lang);
    let (title, text) = (
        say(tx, "login_title", &[]),
        say(tx, "link_renewed", &[("email", &email)]),
    );
    Ok(notice(ctx, v, StatusCode::OK, &title, &[text]))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn preferences_page(
    State(ctx): State<Ctx>,
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let flash = q
        .saved
        .map(|_| say(ctx.templates.texts(v.lang), "preferences_saved", &[]));
    let vars = json!({ "zones": zones, "time_zone": customer.time_zone, "flash": flash });
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "portal/preferences.html",
        vars,
    ))
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
    CurrentCustomer(customer): CurrentCustomer,
    v: Visitor,
    Csrf(f): Csrf<PreferencesForm>,
) -> Result<Response, PageError> {
    accounts::set_preferences(&ctx, customer.id, &f.lang, &f.time_zone).await?;
    Ok(v.finish(Redirect::to("/portal/preferences?saved=1").into_response()))
}

impl CarriesCsrf for ForgotForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl CarriesCsrf for PasswordForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl CarriesCsrf for PreferencesForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}
