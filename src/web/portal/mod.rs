//! The customer portal: server-rendered pages in Romanian (default) and English.
//! Accounts and sign-in live in `account`, the requests in `requests`, the signed
//! opt-out link from mail in `unsubscribe`.

mod account;
mod requests;
mod unsubscribe;

use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::{Form, Router};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use tower_http::set_header::SetResponseHeaderLayer;

use super::error::WebError;
use super::extract::Visitor;
use crate::db::customers::Customer;
use crate::service::Ctx;
use crate::templates::Texts;

pub fn routes(ctx: &Ctx) -> Router<Ctx> {
    // Uploads may carry the configured number of files of the configured size, plus the form.
    let upload_limit = ctx.config.portal.max_attachment_bytes().saturating_mul(ctx.config.portal.max_attachments) + (1 << 20);
    Router::new()
        .route("/", get(account::home))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/forgot", get(account::forgot_page).post(account::forgot))
        .route("/invite/{token}", get(account::invite_page).post(account::invite))
        .route("/invite/{token}/renew", post(account::invite_renew))
        .route("/reset/{token}", get(account::reset_page).post(account::reset))
        .route("/reset/{token}/renew", post(account::reset_renew))
        .route("/preferences", get(account::preferences_page).post(account::preferences))
        .route("/requests", get(requests::list))
        .route("/requests/new", get(requests::new_page).post(requests::create))
        .route("/requests/{key}", get(requests::view))
        .route("/requests/{key}/comments", post(requests::comment))
        .route("/requests/{key}/attachments", post(requests::attach))
        .route("/requests/{key}/attachments/{id}", get(requests::download))
        .route("/requests/{key}/notifications", post(requests::notifications))
        .route("/unsubscribe/{token}", get(unsubscribe::page).post(unsubscribe::opt_out))
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                 base-uri 'none'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// A urlencoded form; one that cannot be read at all gets a short page, not JSON.
pub struct PageForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(rejection) => {
                let text = html_escape::encode_text(&rejection.body_text()).into_owned();
                let page = format!("<!doctype html><meta charset=\"utf-8\"><title>400</title><p>{text}</p>");
                Err((rejection.status(), Html(page)).into_response())
            }
        }
    }
}

/// A page's word, with `{name}` placeholders filled in.
fn say(tx: &Texts, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut text = tx.get(key).cloned().unwrap_or_else(|| key.to_string());
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    text
}

/// Renders a page with what every page shows: language, words, the signed-in customer
/// and the CSRF token for its forms.
fn render(ctx: &Ctx, v: &Visitor, status: StatusCode, name: &str, vars: Value) -> Response {
    let mut all = match vars {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    all.insert("lang".into(), json!(v.lang));
    all.insert("tx".into(), json!(ctx.templates.texts(v.lang)));
    all.insert("helpdesk_name".into(), json!(ctx.config.helpdesk.name));
    all.insert("csrf".into(), json!(v.csrf_token(ctx)));
    all.insert("signed_in".into(), json!(v.customer.is_some()));
    all.insert("customer_email".into(), json!(v.customer.as_ref().map(|c| c.email.as_str()).unwrap_or("")));
    match ctx.templates.page(name, &Value::Object(all)) {
        Ok(html) => v.finish((status, Html(html)).into_response()),
        Err(e) => WebError::Internal(e).page(),
    }
}

/// A short page with a heading and a few paragraphs.
fn notice(ctx: &Ctx, v: &Visitor, status: StatusCode, heading: &str, paragraphs: &[String]) -> Response {
    render(ctx, v, status, "portal/notice.html", json!({ "heading": heading, "paragraphs": paragraphs }))
}

/// An error as a page in the visitor's language; never a bare 500 for bad input.
fn error_page(ctx: &Ctx, v: &Visitor, e: WebError) -> Response {
    let tx = ctx.templates.texts(v.lang);
    let (status, title, text) = match &e {
        WebError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found_title", say(tx, "not_found", &[])),
        WebError::Forbidden => (StatusCode::FORBIDDEN, "forbidden_title", say(tx, "forbidden", &[])),
        WebError::BadRequest(m) | WebError::Conflict(m) => {
            let status = if matches!(e, WebError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
            (status, "error_title", m.clone())
        }
        WebError::TooManyRequests(secs) => {
            (StatusCode::TOO_MANY_REQUESTS, "error_title", say(tx, "mail_throttled", &[("minutes", &minutes(*secs))]))
        }
        WebError::Internal(err) => {
            tracing::error!(error = %format!("{err:#}"), "portal page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error_title", say(tx, "error", &[]))
        }
        WebError::Unauthorized | WebError::MethodNotAllowed => {
            (StatusCode::BAD_REQUEST, "error_title", say(tx, "error", &[]))
        }
    };
    notice(ctx, v, status, &say(tx, title, &[]), &[text])
}

fn minutes(secs: u64) -> u64 {
    secs.div_ceil(60).max(1)
}

/// The signed-in customer, or a redirect to Conectare that comes back to `here`.
#[allow(clippy::result_large_err)]
fn signed_in<'a>(v: &'a Visitor, here: &str) -> Result<&'a Customer, Response> {
    v.customer.as_ref().ok_or_else(|| {
        let next: String = url_encode(here);
        v.finish(Redirect::to(&format!("/portal/login?next={next}")).into_response())
    })
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e.trim_start_matches('=').to_string()).unwrap_or_default()
}

/// A time stored as RFC 3339 UTC, shown in the customer's time zone.
fn local_time(stored: &str, time_zone: &str, lang: &str) -> String {
    let Ok(t) = stored.parse::<DateTime<Utc>>() else { return stored.to_string() };
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::Europe::Bucharest);
    let local = t.with_timezone(&tz);
    if lang == "en" { local.format("%d %b %Y, %H:%M").to_string() } else { local.format("%d.%m.%Y %H:%M").to_string() }
}

/// The visitor's time zone: the customer's, else the helpdesk's.
fn time_zone<'a>(ctx: &'a Ctx, v: &'a Visitor) -> &'a str {
    v.customer.as_ref().map(|c| c.time_zone.as_str()).unwrap_or(&ctx.config.helpdesk.time_zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_customers_zone() {
        assert_eq!(local_time("2026-07-01T09:30:00Z", "Europe/Bucharest", "ro"), "01.07.2026 12:30");
        assert_eq!(local_time("2026-01-01T09:30:00Z", "Europe/Bucharest", "ro"), "01.01.2026 11:30");
        assert_eq!(local_time("2026-01-01T09:30:00Z", "America/New_York", "en"), "01 Jan 2026, 04:30");
        assert_eq!(local_time("garbage", "Europe/Bucharest", "ro"), "garbage");
    }

    #[test]
    fn words_fill_their_placeholders() {
        let mut tx = Texts::new();
        tx.insert("k".into(), "Pagina {page} din {pages}".into());
        assert_eq!(say(&tx, "k", &[("page", &2), ("pages", &7)]), "Pagina 2 din 7");
        assert_eq!(say(&tx, "missing", &[]), "missing");
    }
}
