//! Signing in and out, shared by the portal and the console: failed attempts throttled
//! per account and per client address, and the session cookie set or cleared.

use std::net::IpAddr;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::page_error::PageError;
use super::pages::{minutes, render, say, say_count};
use super::throttle::{self, Limits};
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

/// What sets the portal's sign-in apart from the console's.
pub struct Door {
    /// Keeps the two areas' counts apart in the throttle.
    pub scope: &'static str,
    /// The session cookie it sets.
    pub cookie: &'static str,
    /// The sign-in page's template.
    pub page: &'static str,
    /// The area's path, and its first page after signing in.
    pub area: &'static str,
    pub home: &'static str,
}

/// What the sign-in page shows around its form.
#[derive(Default)]
pub struct Shown<'a> {
    pub next: &'a str,
    pub email: &'a str,
    pub error: Option<String>,
    pub flash: Option<String>,
}

impl Door {
    /// `next` when it is a page of this area, else the area's first page.
    pub fn safe_next<'a>(&self, next: &'a str) -> &'a str {
        safe_next(next, self.area, self.home)
    }

    /// The sign-in page; one already signed in goes on to `next`.
    pub fn login_page(&self, ctx: &Ctx, v: &Visitor, q: &LoginQuery, signed_in: bool) -> Response {
        if signed_in {
            return v.finish(Redirect::to(self.safe_next(&q.next)).into_response());
        }
        let tx = ctx.templates.texts(v.lang);
        let flash = q.signed_out.as_ref().map(|_| say(tx, "signed_out", &[]));
        let shown = Shown {
            next: &q.next,
            flash,
            ..Shown::default()
        };
        self.show(ctx, v, StatusCode::OK, shown)
    }

    fn show(&self, ctx: &Ctx, v: &Visitor, status: StatusCode, s: Shown<'_>) -> Response {
        let vars = json!({ "next": s.next, "email": s.email, "error": s.error, "flash": s.flash });
        render(ctx, v, status, self.page, vars)
    }

    /// Signs out (the form already checked): the session `token` ends and its cookie is
    /// cleared, and the sign-in page says so.
    pub async fn log_out(
        &self,
        ctx: &Ctx,
        v: &Visitor,
        token: Option<&str>,
    ) -> Result<Response, PageError> {
        let to = format!("{}/login?signed_out=1", self.area);
        Ok(signed_out(ctx, v, self.cookie, token, &to).await?)
    }

    /// A sign-in (its form already checked): counted by the throttle before `check` looks
    /// at the password; `check` answers with the new session's token when it was right.
    pub async fn log_in(
        &self,
        ctx: &Ctx,
        limits: &Limits,
        v: &Visitor,
        f: &LoginForm,
        check: impl Future<Output = Result<Option<String>, ServiceError>>,
    ) -> Result<Response, PageError> {
        let tx = ctx.templates.texts(v.lang);
        let attempt = Attempt::new(limits, self.scope, &f.email, v.ip);
        let refused = |status, text| {
            let shown = Shown {
                next: &f.next,
                email: &f.email,
                error: Some(text),
                flash: None,
            };
            self.show(ctx, v, status, shown)
        };
        if let Err(wait) = attempt.begin().await? {
            let r = refused(StatusCode::TOO_MANY_REQUESTS, throttled_text(tx, wait));
            return Ok(retry_after(r, wait));
        }
        match check.await {
            Ok(Some(token)) => {
                attempt.succeeded().await;
                let next = self.safe_next(&f.next);
                Ok(signed_in(ctx, v, self.cookie, token, next))
            }
            Ok(None) => Ok(refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                say(tx, "login_failed", &[]),
            )),
            Err(e) => {
                attempt.abandoned().await;
                Err(e.into())
            }
        }
    }
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
    limits: &'a Limits,
    account: String,
    ip: String,
}

impl<'a> Attempt<'a> {
    /// `scope` keeps the portal's and the console's counts apart.
    pub fn new(limits: &'a Limits, scope: &str, email: &str, ip: IpAddr) -> Self {
        Attempt {
            limits,
            account: format!("{scope}:account:{}", accounts::typed_address(email)),
            ip: format!("{scope}:ip:{ip}"),
        }
    }

    /// Counts the try; refused with the wait while the account or the address must wait.
    pub async fn begin(&self) -> Result<Result<(), Duration>, ServiceError> {
        let keys = [
            (self.account.as_str(), throttle::LOGIN_PER_ACCOUNT),
            (self.ip.as_str(), throttle::LOGIN_PER_IP),
        ];
        self.limits.begin(&keys).await
    }

    /// A good password clears the account's failures and takes back the address's try.
    pub async fn succeeded(&self) {
        let cleared = self.limits.clear(&self.account).await;
        let forgiven = self.limits.forgive(&self.ip).await;
        note_lost_count(cleared.and(forgiven));
    }

    /// The password could not be checked (an internal error): the try does not count.
    pub async fn abandoned(&self) {
        let account = self.limits.forgive(&self.account).await;
        let ip = self.limits.forgive(&self.ip).await;
        note_lost_count(account.and(ip));
    }
}

/// A try that could not be taken back stays counted, which only slows its account a little:
/// worth a line in the log, not a failed sign-in.
fn note_lost_count(outcome: Result<(), ServiceError>) {
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "sign-in throttle: a try could not be taken back");
    }
}

/// What a throttled sign-in page says: when to come back, in seconds or minutes.
pub fn throttled_text(tx: &Texts, wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
    let wait = if secs < 60 {
        say_count(tx, "wait_seconds", secs as i64, &[("n", &secs)])
    } else {
        say_count(
            tx,
            "wait_minutes",
            minutes(secs) as i64,
            &[("n", &minutes(secs))],
        )
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
