//! The pages' visitor: who is signed in (customer, agent), which language to speak, where
//! a form says it comes from, and the CSRF token bound to this browser and session.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::client_ip::ClientIp;
use super::error::WebError;
use crate::service::queries::{Agent, Customer};
use crate::service::{Ctx, accounts, links};

/// The browser behind a portal or console request: who is signed in, which language to
/// speak, and what its CSRF token is bound to.
///
/// CSRF: every form carries `csrf = HMAC(secret, "csrf:" + seed + ":" + session)`, where
/// the seed is a random HttpOnly, SameSite cookie and the session is the hash of the
/// area's sign-in cookie (empty before sign-in); a POST whose field does not match is
/// refused. A forged form can read neither cookie, so it cannot compute the field, and a
/// token leaked from one session is worthless in the next. Besides, a form from another
/// site (`Origin`, `Sec-Fetch-Site: cross-site`) is refused, and so is a signed-in
/// browser's form that names no origin at all.
#[derive(Clone)]
pub struct Visitor {
    pub customer: Option<Customer>,
    /// The agent signed in to the console (a cookie of its own).
    pub agent: Option<Agent>,
    pub agent_session: Option<String>,
    pub lang: &'static str,
    pub session: Option<String>,
    pub ip: IpAddr,
    seed: String,
    new_seed: bool,
    remember_lang: bool,
    lang_chosen: bool,
    /// The hash of the sign-in session of this page's area, empty when signed out.
    bound_to: String,
    source: FormSource,
    secure: bool,
}

/// Where a request says it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormSource {
    /// `Origin` is this site, or `Sec-Fetch-Site` says same-origin.
    Ours,
    /// Another site (or an opaque `null` origin).
    Elsewhere,
    /// Neither header came.
    Unsaid,
}

/// What `Origin` and `Sec-Fetch-Site` say about the request.
pub fn form_source(headers: &HeaderMap, base_url: &str) -> FormSource {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let ours = origin
            .to_str()
            .is_ok_and(|o| same_origin(o, base_url, headers));
        return if ours {
            FormSource::Ours
        } else {
            FormSource::Elsewhere
        };
    }
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin" | b"none") => FormSource::Ours,
        Some(_) => FormSource::Elsewhere,
        None => FormSource::Unsaid,
    }
}

pub const SESSION_COOKIE: &str = "hd_session";
pub const AGENT_SESSION_COOKIE: &str = "hd_agent_session";
const CSRF_COOKIE: &str = "hd_csrf";
const LANG_COOKIE: &str = "hd_lang";

impl FromRequestParts<Ctx> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        // Read once per request, whoever asks first (a page, a form check, a handler).
        if let Some(v) = parts.extensions.get::<Visitor>() {
            return Ok(v.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let now = ctx.now();
        let session = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|v| !v.is_empty());
        let mut customer = match &session {
            Some(token) => accounts::session_customer(ctx, token, now).await?,
            None => None,
        };
        let agent_session = jar
            .get(AGENT_SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|v| !v.is_empty());
        let agent = match &agent_session {
            Some(token) => accounts::session_agent(ctx, token, now).await?,
            None => None,
        };
        let asked = parts.uri.query().and_then(|q| {
            url_pairs(q)
                .into_iter()
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| if v == "en" { "en" } else { "ro" })
        });
        // A language picked with ?lang= is remembered: on the account when signed in.
        if let (Some(lang), Some(c)) = (asked, customer.as_mut())
            && c.locale != lang
        {
            accounts::set_preferences(ctx, c.id, lang, &c.time_zone).await?;
            c.locale = lang.to_string();
        }
        let chosen = asked
            .or_else(|| {
                customer
                    .as_ref()
                    .map(|c| if c.locale == "en" { "en" } else { "ro" })
            })
            .or_else(|| {
                jar.get(LANG_COOKIE)
                    .map(|c| if c.value() == "en" { "en" } else { "ro" })
            });
        let lang = chosen.unwrap_or(if ctx.config.helpdesk.default_locale == "en" {
            "en"
        } else {
            "ro"
        });
        let (seed, new_seed) = match jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|v| v.len() >= 32)
        {
            Some(seed) => (seed, false),
            None => (links::new_token(), true),
        };
        // The token is bound to the sign-in of the area the page belongs to.
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(parts.uri.path(), |u| u.0.path());
        let area_session = if path.starts_with("/console") {
            agent_session.as_deref().filter(|_| agent.is_some())
        } else {
            session.as_deref().filter(|_| customer.is_some())
        };
        let bound_to = area_session.map(links::hash_token).unwrap_or_default();
        let source = form_source(&parts.headers, &ctx.config.web.base_url);
        let ClientIp(ip) = ClientIp::from_request_parts(parts, ctx)
            .await
            .unwrap_or_else(|never| match never {});
        let v = Visitor {
            customer,
            agent,
            agent_session,
            lang,
            session,
            ip,
            seed,
            new_seed,
            remember_lang: asked.is_some(),
            lang_chosen: chosen.is_some(),
            bound_to,
            source,
            secure: ctx.config.web.base_url.starts_with("https://"),
        };
        parts.extensions.insert(v.clone());
        Ok(v)
    }
}

impl Visitor {
    /// Whether the language came from `?lang=`, a cookie or the account, rather than the default.
    pub fn lang_chosen(&self) -> bool {
        self.lang_chosen
    }

    pub fn csrf_token(&self, ctx: &Ctx) -> String {
        links::sign(
            &ctx.config.helpdesk.secret,
            &format!("csrf:{}:{}", self.seed, self.bound_to),
        )
    }

    /// Refuses a form that did not come from our own page in this browser and session.
    pub fn check_csrf(&self, ctx: &Ctx, token: &str) -> Result<(), WebError> {
        match self.source {
            FormSource::Elsewhere => return Err(WebError::Forbidden),
            FormSource::Unsaid if !self.bound_to.is_empty() => return Err(WebError::UnknownOrigin),
            _ => {}
        }
        let expected = self.csrf_token(ctx);
        let matches: bool = !self.new_seed
            && token.len() == expected.len()
            && constant_time_eq(token.as_bytes(), expected.as_bytes());
        if !matches {
            return Err(WebError::Forbidden);
        }
        Ok(())
    }

    /// A cookie of ours with the attributes every one of them gets.
    pub fn cookie(
        &self,
        name: &'static str,
        value: String,
        max_age: time::Duration,
    ) -> Cookie<'static> {
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(max_age)
            .build()
    }

    /// Adds the cookies this visit made (a new CSRF seed, a language picked) to a response.
    pub fn finish(&self, mut response: Response) -> Response {
        let mut add = |c: Cookie<'static>| {
            if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
                response
                    .headers_mut()
                    .append(axum::http::header::SET_COOKIE, v);
            }
        };
        if self.new_seed {
            add(self.cookie(CSRF_COOKIE, self.seed.clone(), time::Duration::days(400)));
        }
        if self.remember_lang {
            add(self.cookie(
                LANG_COOKIE,
                self.lang.to_string(),
                time::Duration::days(400),
            ));
        }
        response
    }
}

/// `key=value` pairs of a query string or form body, percent-decoded.
fn url_pairs(q: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default()
}

/// Whether `origin` is this site: the configured base URL, or the host the request named.
fn same_origin(origin: &str, base_url: &str, headers: &HeaderMap) -> bool {
    let base = base_url.trim_end_matches('/');
    let base_origin = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    if origin.eq_ignore_ascii_case(&base_origin) {
        return true;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bare = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    !host.is_empty() && bare.eq_ignore_ascii_case(host)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
