//! `/healthz` (200 while the process serves; JSON naming the database's state and each
//! mailbox's) and `/metrics` (Prometheus text: with
//! `Authorization: Bearer <[web] metrics_token>` once that is set; while it is empty,
//! only from the machine itself).

use axum::extract::State;
use axum::{Json, Router};
use std::net::IpAddr;
use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::client_ip::ClientIp;
use super::error::WebError;
use super::extract::bearer;
use super::visitor::constant_time_eq;
use crate::service::Ctx;
use crate::service::queries::health;
use crate::telemetry::{MailboxState, MailboxStatus};

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// What `/healthz` says.
#[derive(serde::Serialize)]
struct Health {
    /// "ok" when the database answers and every mailbox is watched, here or (on
    /// PostgreSQL) by another node; else "degraded".
    status: &'static str,
    /// "ok", or the database's error.
    database: String,
    /// Each mailbox's state: `watching` is one this node holds, `standby` one another node
    /// holds.
    mailboxes: Vec<MailboxStatus>,
    /// "ready", or "starting" while the node's search indexer does its start: on
    /// PostgreSQL it adds every open ticket's words to the queue's again (seconds of the
    /// server's time for each hundred thousand open tickets), and searches meanwhile are
    /// slower. Not counted in `status`: they find what they should.
    search: &'static str,
}

async fn healthz(State(ctx): State<Ctx>) -> Json<Health> {
    let database = match health::ping(&ctx).await {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e}"),
    };
    let mailboxes = ctx.metrics.mailboxes.snapshot();
    // A mailbox another node watches is as it should be.
    let all_well = database == "ok"
        && mailboxes
            .iter()
            .all(|m| matches!(m.state, MailboxState::Watching | MailboxState::Standby));
    Json(Health {
        status: if all_well { "ok" } else { "degraded" },
        database,
        mailboxes,
        search: match ctx.metrics.search_started.load(Ordering::Relaxed) {
            true => "ready",
            false => "starting",
        },
    })
}

/// Whether this request may read `/metrics`.
fn may_read_metrics(token: &str, headers: &HeaderMap, client: IpAddr) -> bool {
    if token.is_empty() {
        return client.is_loopback();
    }
    bearer(headers).is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes()))
}

async fn metrics(
    State(ctx): State<Ctx>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if !may_read_metrics(&ctx.config.web.metrics_token, &headers, client) {
        let mut r = WebError::Unauthorized.into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Ok(r);
    }
    let health::Gauges {
        outbox_pending: pending,
        outbox_given_up: failed,
        quarantined,
        breached,
    } = health::gauges(&ctx).await?;
    let gauges = [
        (
            "helpdesk_outbox_pending",
            "Mails waiting to be sent (retries included)",
            pending,
        ),
        (
            "helpdesk_outbox_given_up",
            "Mails given up (refused for good, or undeliverable for 48 h)",
            failed,
        ),
        (
            "helpdesk_quarantine_open",
            "Quarantined messages not yet replayed",
            quarantined,
        ),
        (
            "helpdesk_sla_open_breached",
            "Open tickets that missed an SLA goal",
            breached,
        ),
    ];
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ctx.metrics.render(&gauges),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_need_the_token_once_it_is_set_and_the_machine_itself_until_then() {
        let (local, remote): (IpAddr, IpAddr) =
            ("127.0.0.1".parse().unwrap(), "203.0.113.9".parse().unwrap());
        let mut with = HeaderMap::new();
        with.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        let mut wrong = HeaderMap::new();
        wrong.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cre"),
        );
        assert!(may_read_metrics("", &HeaderMap::new(), local));
        assert!(!may_read_metrics("", &HeaderMap::new(), remote));
        assert!(may_read_metrics("s3cret", &with, remote));
        assert!(!may_read_metrics("s3cret", &wrong, local));
        assert!(
            !may_read_metrics("s3cret", &HeaderMap::new(), local),
            "once set, even the machine itself needs it"
        );
    }
}
