//! Request extractors: the agent behind an API bearer token, JSON bodies whose
//! rejections are JSON errors, and the portal's visitor (session, language, CSRF).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::error::WebError;
use crate::db::{self, agents::Agent, customers::Customer};
use crate::service::{Ctx, accounts, links};

/// The agent whose `Authorization: Bearer <token>` came with the request.
pub struct ApiAgent(pub Agent);

impl FromRequestParts<Ctx> for ApiAgent {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(WebError::Unauthorized)?;
        let hash = links::hash_token(token);
        let agent = ctx.db.read(move |c| db::agents::find_by_token(c, &hash)).await?;
        agent.map(ApiAgent).ok_or(WebError::Unauthorized)
    }
}

/// Like `axum::extract::Path`, but a malformed segment is a JSON 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(WebError))]
pub struct ApiPath<T>(pub T);

/// Like `axum::extract::Query`, but a malformed query string is a JSON 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(WebError))]
pub struct ApiQuery<T>(pub T);

/// Like `axum::Json`, but a malformed body is a JSON 400 with the parser's message.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(WebError))]
pub struct JsonBody<T>(pub T);

/// The browser behind a portal request: who is signed in, which language to speak, and
/// the seed of its CSRF token.
///
/// CSRF: every form carries `csrf = HMAC(secret, "csrf:" + seed)`, where the seed is a
/// random HttpOnly, SameSite cookie; a POST whose field does not match, or whose
/// `Origin` is another site, is refused. A forged form cannot read the cookie, so it
/// cannot compute the field.
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
    foreign_origin: bool,
    secure: bool,
}

pub const SESSION_COOKIE: &str = "hd_session";
pub const AGENT_SESSION_COOKIE: &str = "hd_agent_session";
const CSRF_COOKIE: &str = "hd_csrf";
const LANG_COOKIE: &str = "hd_lang";

impl FromRequestParts<Ctx> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let now = ctx.now();
        let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty());
        let mut customer = match &session {
            Some(token) => accounts::session_customer(ctx, token, now).await?,
            None => None,
        };
        let agent_session = jar.get(AGENT_SESSION_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty());
        let agent = match &agent_session {
            Some(token) => accounts::session_agent(ctx, token, now).await?,
            None => None,
        };
        let asked = parts.uri.query().and_then(|q| {
            url_pairs(q).into_iter().find(|(k, _)| k == "lang").map(|(_, v)| if v == "en" { "en" } else { "ro" })
        });
        // A language picked with ?lang= is remembered: on the account when signed in.
        if let (Some(lang), Some(c)) = (asked, customer.as_mut()) {
            if c.locale != lang {
                accounts::set_preferences(ctx, c.id, lang, &c.time_zone).await?;
                c.locale = lang.to_string();
            }
        }
        let chosen = asked
            .or_else(|| customer.as_ref().map(|c| if c.locale == "en" { "en" } else { "ro" }))
            .or_else(|| jar.get(LANG_COOKIE).map(|c| if c.value() == "en" { "en" } else { "ro" }));
        let lang = chosen.unwrap_or(if ctx.config.helpdesk.default_locale == "en" { "en" } else { "ro" });
        let (seed, new_seed) = match jar.get(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() >= 32) {
            Some(seed) => (seed, false),
            None => (links::new_token(), true),
        };
        let origin = parts.headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok());
        let foreign_origin = origin.is_some_and(|o| !same_origin(o, &ctx.config.web.base_url, &parts.headers));
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(Visitor {
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
            foreign_origin,
            secure: ctx.config.web.base_url.starts_with("https://"),
        })
    }
}

impl Visitor {
    /// Whether the language came from `?lang=`, a cookie or the account, rather than the default.
    pub fn lang_chosen(&self) -> bool {
        self.lang_chosen
    }

    pub fn csrf_token(&self, ctx: &Ctx) -> String {
        links::sign(&ctx.config.helpdesk.secret, &format!("csrf:{}", self.seed))
    }

    /// Refuses a form that did not come from our own page in this browser.
    pub fn check_csrf(&self, ctx: &Ctx, token: &str) -> Result<(), WebError> {
        let expected = self.csrf_token(ctx);
        let matches: bool = !self.new_seed && token.len() == expected.len() && constant_time_eq(token.as_bytes(), expected.as_bytes());
        if self.foreign_origin || !matches {
            return Err(WebError::Forbidden);
        }
        Ok(())
    }

    /// A cookie of ours with the attributes every one of them gets.
    pub fn cookie(&self, name: &'static str, value: String, max_age: time::Duration) -> Cookie<'static> {
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
                response.headers_mut().append(axum::http::header::SET_COOKIE, v);
            }
        };
        if self.new_seed {
            add(self.cookie(CSRF_COOKIE, self.seed.clone(), time::Duration::days(400)));
        }
        if self.remember_lang {
            add(self.cookie(LANG_COOKIE, self.lang.to_string(), time::Duration::days(400)));
        }
        response
    }
}

/// `key=value` pairs of a query string or form body, percent-decoded.
fn url_pairs(q: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default()
}

/// Whether `origin` is this site: the configured base URL, or the host the request named.
fn same_origin(origin: &str, base_url: &str, headers: &axum::http::HeaderMap) -> bool {
    let base = base_url.trim_end_matches('/');
    let base_origin = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    if origin.eq_ignore_ascii_case(&base_origin) {
        return true;
    }
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or("");
    !host.is_empty() && bare.eq_ignore_ascii_case(host)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
