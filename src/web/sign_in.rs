//! Signing in and out, shared by the portal and the console: failed attempts throttled
//! per account and per client address, and the session cookie set or cleared.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::pages::{minutes, say};
use super::throttle::{self, Throttle};
use super::visitor::Visitor;
use crate::service::{Ctx, ServiceError, accounts};
use crate::templates::Texts;

/// The sign-in page's query: where to go afterwards, and whether the visitor just left.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    pub next: String,
    pub signed_out: Option<String>,
}

/// The sign-in form of the portal and of the console.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: String,
    pub csrf: String,
}

/// `next` when it is a page under `area` of this site (never another site), else `home`.
pub fn safe_next<'a>(next: &'a str, area: &str, home: &'a str) -> &'a str {
    let ours = next
        .strip_prefix(area)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
    if ours && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        home
    }
}

/// One sign-in attempt under the throttle: counted as a failure of the account and of the
/// client address before the password is checked, taken back when it was right.
pub struct Attempt<'a> {
    limits: &'a Throttle,
    account: String,
    ip: String,
}

impl<'a> Attempt<'a> {
    /// `scope` keeps the portal's and the console's counts apart.
    pub fn new(limits: &'a Throttle, scope: &str, email: &str, ip: IpAddr) -> Self {
        Attempt {
            limits,
            account: format!("{scope}:account:{}", accounts::typed_address(email)),
            ip: format!("{scope}:ip:{ip}"),
        }
    }

    /// Counts the try; refused with the wait while the account or the address must wait.
    pub fn begin(&self) -> Result<(), Duration> {
        let keys = [
            (self.account.as_str(), throttle::LOGIN_PER_ACCOUNT),
            (self.ip.as_str(), throttle::LOGIN_PER_IP),
        ];
        self.limits.begin(&keys, Instant::now())
    }

    /// A good password clears the account's failures and takes back the address's try.
    pub fn succeeded(&self) {
        self.limits.clear(&self.account);
        self.limits.forgive(&self.ip);
    }

    /// The password could not be checked (an internal error): the try does not count.
    pub fn abandoned(&self) {
        self.limits.forgive(&self.account);
        self.limits.forgive(&self.ip);
    }
}

/// What a throttled sign-in page says: when to come back, in seconds or minutes.
pub fn throttled_text(tx: &Texts, wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
    let wait = if secs < 60 {
        say(tx, "wait_seconds", &[("n", &secs)])
    } else {
        say(tx, "wait_minutes", &[("n", &minutes(secs))])
    };
    say(tx, "login_throttled", &[("wait", &wait)])
}

/// A throttled answer says when to come back.
pub fn retry_after(mut r: Response, wait: Duration) -> Response {
    r.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(wait.as_secs().max(1)),
    );
    r
}

fn with_cookie(
    mut r: Response,
    v: &Visitor,
    name: &'static str,
    value: String,
    max_age: time::Duration,
) -> Response {
    if let Ok(header) = HeaderValue::from_str(&v.cookie(name, value, max_age).to_string()) {
        r.headers_mut().append(header::SET_COOKIE, header);
    }
    r
}

/// Sets the session cookie `name` and goes on to `to`.
pub fn signed_in(ctx: &Ctx, v: &Visitor, name: &'static str, token: String, to: &str) -> Response {
    let r = v.finish(Redirect::to(to).into_response());
    with_cookie(
        r,
        v,
        name,
        token,
        time::Duration::days(ctx.config.portal.session_days),
    )
}

/// Ends the session `token` (if any), clears its cookie and goes on to `to`.
pub async fn signed_out(
    ctx: &Ctx,
    v: &Visitor,
    name: &'static str,
    token: Option<&str>,
    to: &str,
) -> Result<Response, ServiceError> {
    if let Some(token) = token {
        accounts::sign_out(ctx, token).await?;
    }
    Ok(with_cookie(
        v.finish(Redirect::to(to).into_response()),
        v,
        name,
        String::new(),
        time::Duration::ZERO,
    ))
}

impl super::extract::CarriesCsrf for LoginForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_our_own_pages_are_places_to_come_back_to() {
        assert_eq!(
            safe_next("/portal/requests/HD-1", "/portal", "/portal/requests"),
            "/portal/requests/HD-1"
        );
        assert_eq!(
            safe_next("/console?view=mine", "/console", "/console"),
            "/console?view=mine"
        );
        for bad in [
            "https://evil.test/",
            "//evil.test",
            "/portalevil",
            "/console/..\\evil",
            "",
        ] {
            assert_eq!(safe_next(bad, "/portal", "/home"), "/home", "{bad}");
        }
    }
}
