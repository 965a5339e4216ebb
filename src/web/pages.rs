//! What the portal's and the console's pages share: rendering with the visitor's words
//! and CSRF token, forms that fail as pages, notices and error pages, dates.

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use tower_http::set_header::SetResponseHeaderLayer;

use super::error::WebError;
use super::visitor::Visitor;
use crate::domain::agent_role::AgentRole;
use crate::service::Ctx;
use crate::templates::Texts;

/// The headers every page gets: a Content-Security-Policy that allows only our own script
/// and stylesheet (mail HTML can run nothing), nosniff, same-origin referrers, no caching
/// of pages that show people's requests.
pub fn secured(router: Router<Ctx>) -> Router<Ctx> {
    let header =
        |name, value| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
    router
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(header::CACHE_CONTROL, "no-store"))
}

/// Which part of the site a page belongs to (its layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Portal,
    Console,
}

impl Area {
    fn notice_template(self) -> &'static str {
        match self {
            Area::Portal => "portal/notice.html",
            Area::Console => "console/notice.html",
        }
    }

    /// The area's first page.
    pub fn home(self) -> &'static str {
        match self {
            Area::Portal => "/portal",
            Area::Console => "/console",
        }
    }

    fn login_path(self) -> &'static str {
        match self {
            Area::Portal => "/portal/login",
            Area::Console => "/console/login",
        }
    }
}

/// A form that carries nothing but its CSRF token (sign-out, a button).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
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
                let page = format!(
                    "<!doctype html><meta charset=\"utf-8\"><title>400</title><p>{text}</p>"
                );
                Err((rejection.status(), Html(page)).into_response())
            }
        }
    }
}

/// A page's word, with `{name}` placeholders filled in.
pub fn say(tx: &Texts, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut text = tx.get(key).cloned().unwrap_or_else(|| key.to_string());
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    text
}

/// A page's word about `n` things, in the form the number takes: the key with `_one` for
/// 1, with `_few` for 0 and for 1 to 19 after the hundreds (Romanian: "3 solicitări",
/// "20 de solicitări" is the key itself), or the key; a form the language's texts lack
/// falls back to the key (English's `_few` is its plural again).
pub fn say_count(tx: &Texts, key: &str, n: i64, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let form = format!("{key}_{}", plural_form(n));
    say(tx, if tx.contains_key(&form) { &form } else { key }, args)
}

fn plural_form(n: i64) -> &'static str {
    match n {
        1 => "one",
        _ if n == 0 || (1..=19).contains(&(n.abs() % 100)) => "few",
        _ => "other",
    }
}

/// Renders a page with what every page shows: language, words, the signed-in customer
/// and the CSRF token for its forms.
pub fn render(ctx: &Ctx, v: &Visitor, status: StatusCode, name: &str, vars: Value) -> Response {
    let mut all = match vars {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    all.insert("lang".into(), json!(v.lang));
    all.insert("helpdesk_name".into(), json!(ctx.config.helpdesk.name));
    all.insert("csrf".into(), json!(v.csrf_token(ctx)));
    all.insert("signed_in".into(), json!(v.customer.is_some()));
    all.insert(
        "customer_email".into(),
        json!(v.customer.as_ref().map(|c| c.email.as_str()).unwrap_or("")),
    );
    all.insert(
        "agent".into(),
        json!(v.agent.as_ref().map(
            |a| json!({ "name": a.name, "email": a.email, "admin": a.role == AgentRole::Admin })
        )),
    );
    match ctx.templates.page_in(name, v.lang, &Value::Object(all)) {
        Ok(html) => v.finish((status, Html(html)).into_response()),
        Err(e) => WebError::Internal(e).page(),
    }
}

/// For a visitor who is not signed in: a redirect to the area's sign-in page that comes
/// back to `here`.
pub fn to_sign_in(v: &Visitor, area: Area, here: &str) -> Response {
    v.finish(
        axum::response::Redirect::to(&format!("{}?next={}", area.login_path(), url_encode(here)))
            .into_response(),
    )
}

/// A short page with a heading and a few paragraphs.
pub fn notice(
    ctx: &Ctx,
    v: &Visitor,
    area: Area,
    status: StatusCode,
    heading: &str,
    paragraphs: &[String],
) -> Response {
    render(
        ctx,
        v,
        status,
        area.notice_template(),
        json!({ "heading": heading, "paragraphs": paragraphs }),
    )
}

/// An error as a page in the visitor's language; never a bare 500 for bad input.
pub fn error_page(ctx: &Ctx, v: &Visitor, area: Area, e: &WebError) -> Response {
    let tx = ctx.templates.texts(v.lang);
    let (status, title, text) = match e {
        WebError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "not_found_title",
            say(tx, "not_found", &[]),
        ),
        WebError::Forbidden => (
            StatusCode::FORBIDDEN,
            "forbidden_title",
            say(tx, "forbidden", &[]),
        ),
        WebError::UnknownOrigin => (
            StatusCode::FORBIDDEN,
            "forbidden_title",
            say(tx, "forbidden_origin", &[]),
        ),
        WebError::NotAdmin => (
            StatusCode::FORBIDDEN,
            "c_admin_only_title",
            say(tx, "c_admin_only", &[]),
        ),
        WebError::PayloadTooLarge(limit) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "error_title",
            say(tx, "body_too_large", &[("kib", &(limit / 1024))]),
        ),
        WebError::BadRequest(m)
        | WebError::Unprocessable(m)
        | WebError::Conflict(m)
        | WebError::PreconditionFailed(m) => {
            let status = match e {
                WebError::Conflict(_) => StatusCode::CONFLICT,
                WebError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
                WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::BAD_REQUEST,
            };
            (status, "error_title", m.clone())
        }
        WebError::TooManyRequests(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            "error_title",
            say(tx, "mail_throttled", &[("minutes", &minutes(*secs))]),
        ),
        WebError::Internal(err) => {
            tracing::error!(error = %format!("{err:#}"), "page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "error_title",
                say(tx, "error", &[]),
            )
        }
        WebError::Unauthorized | WebError::MethodNotAllowed => (
            StatusCode::BAD_REQUEST,
            "error_title",
            say(tx, "error", &[]),
        ),
    };
    notice(ctx, v, area, status, &say(tx, title, &[]), &[text])
}

pub fn minutes(secs: u64) -> u64 {
    secs.div_ceil(60).max(1)
}

/// A time stored as RFC 3339 UTC, shown in the customer's time zone.
pub fn local_time(stored: &str, time_zone: &str, lang: &str) -> String {
    let Ok(t) = stored.parse::<DateTime<Utc>>() else {
        return stored.to_string();
    };
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::Europe::Bucharest);
    let local = t.with_timezone(&tz);
    if lang == "en" {
        local.format("%d %b %Y, %H:%M").to_string()
    } else {
        local.format("%d.%m.%Y %H:%M").to_string()
    }
}

pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// `attachment` with an ASCII fallback name and the exact name in RFC 5987 form.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_customers_zone() {
        assert_eq!(
            local_time("2026-07-01T09:30:00Z", "Europe/Bucharest", "ro"),
            "01.07.2026 12:30"
        );
        assert_eq!(
            local_time("2026-01-01T09:30:00Z", "Europe/Bucharest", "ro"),
            "01.01.2026 11:30"
        );
        assert_eq!(
            local_time("2026-01-01T09:30:00Z", "America/New_York", "en"),
            "01 Jan 2026, 04:30"
        );
        assert_eq!(local_time("garbage", "Europe/Bucharest", "ro"), "garbage");
    }

    #[test]
    fn words_fill_their_placeholders() {
        let mut tx = Texts::new();
        tx.insert("k".into(), "Pagina {page} din {pages}".into());
        assert_eq!(
            say(&tx, "k", &[("page", &2), ("pages", &7)]),
            "Pagina 2 din 7"
        );
        assert_eq!(say(&tx, "missing", &[]), "missing");
    }

    #[test]
    fn downloads_name_the_file_safely_and_exactly() {
        assert_eq!(
            content_disposition("factura-ăîș.txt"),
            "attachment; filename=\"factura-___.txt\"; filename*=UTF-8''factura-%C4%83%C3%AE%C8%99.txt"
        );
        assert_eq!(
            content_disposition("a \"b\".pdf"),
            "attachment; filename=\"a _b_.pdf\"; filename*=UTF-8''a%20%22b%22.pdf"
        );
    }
}
