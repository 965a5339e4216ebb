//! The agent console (`/console`): sign-in, the queue, the ticket page with every action,
//! phone intake, partners, agents (admins) and the quarantine. Server-rendered like the
//! portal, sharing its sessions, CSRF and words.

mod admin;
mod alerts;
mod canned;
mod intake;
mod quarantine;
mod queue;
mod satisfaction;
mod session;
mod ticket;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};

use super::body_limit;
use super::page_error;
use super::pages::{self, Area};
use super::visitor::Visitor;
use crate::domain::sla::ClockView;
use crate::service::Ctx;
use crate::templates::Texts;

/// Every form takes at most a form's worth of body, but the reply box, which may carry
/// files within the attachment limits.
pub fn routes(ctx: &Ctx) -> Router<Ctx> {
    let files = Router::new().route(
        "/tickets/{key}/files/{action}",
        post(ticket::act_with_files),
    );
    let upload_limit = ctx.config.portal.max_upload_body_bytes();
    let forms = Router::new()
        .route("/", get(queue::page))
        .route("/queue/rows", get(queue::rows))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/tickets/{key}", get(ticket::page))
        .route("/tickets/{key}/actions/{action}", post(ticket::act))
        .route("/tickets/{key}/presence", post(ticket::presence))
        .route("/tickets/{key}/attachments/{id}", get(ticket::download))
        .route("/intake", get(intake::intake_page).post(intake::intake))
        .route(
            "/partners",
            get(admin::partners_page).post(admin::partner_add),
        )
        .route("/partners/{id}/delete", post(admin::partner_delete))
        .route("/satisfaction", get(satisfaction::page))
        .route("/alerts", get(alerts::page).post(alerts::save))
        .route("/canned", get(canned::page).post(canned::add))
        .route("/canned/{id}", post(canned::change))
        .route("/canned/{id}/delete", post(canned::remove))
        .route("/agents", get(admin::agents_page).post(admin::agent_add))
        .route("/agents/{email}/disable", post(admin::agent_disable))
        .route("/sla", post(admin::sla_save))
        .route("/quarantine", get(quarantine::quarantine_page))
        .route("/quarantine/{id}/raw", get(quarantine::quarantine_raw))
        .route(
            "/quarantine/{id}/{action}",
            post(quarantine::quarantine_act),
        );
    let router = body_limit::cap(forms, body_limit::FORM_BYTES)
        .merge(body_limit::cap(files, upload_limit))
        .layer(from_fn_with_state(ctx.clone(), page_error::console_pages));
    pages::secured(router)
}

/// For a visitor who is not signed in: a redirect to the console's sign-in that comes
/// back to `here` (pages take `CurrentAgent` instead, which does this for them).
fn to_sign_in(v: &Visitor, here: &str) -> Response {
    pages::to_sign_in(v, Area::Console, here)
}

/// A working-time span as agents read it: `45 min`, `3 h 20 min`, `24 h 0 min`, and in
/// days of 24 hours past two days: `3 z 1 h`.
fn span(tx: &Texts, seconds: i64) -> String {
    let minutes = seconds.abs() / 60;
    let (hours, m) = (minutes / 60, minutes % 60);
    let unit = |key: &str| tx.get(key).cloned().unwrap_or_default();
    // Business time is counted in hours: "1 day" of it would be ambiguous.
    let text = match hours {
        0 => format!("{m} {}", unit("c_min")),
        1..48 => format!("{hours} {} {m} {}", unit("c_hours"), unit("c_min")),
        _ => format!(
            "{} {} {} {}",
            hours / 24,
            unit("c_days"),
            hours % 24,
            unit("c_hours")
        ),
    };
    if seconds < 0 {
        format!("−{text}")
    } else {
        text
    }
}

/// A clock for a page: its text and the class that colours it.
fn clock_json(tx: &Texts, c: &ClockView) -> serde_json::Value {
    let (class, text) = if c.stopped {
        (
            "stopped",
            pages::say(tx, "c_clock_met", &[("time", &span(tx, c.elapsed_seconds))]),
        )
    } else if c.breached {
        (
            "breach",
            pages::say(
                tx,
                "c_clock_breached",
                &[("time", &span(tx, -c.remaining_seconds))],
            ),
        )
    } else if c.paused {
        (
            "paused",
            pages::say(
                tx,
                "c_clock_paused",
                &[("time", &span(tx, c.remaining_seconds))],
            ),
        )
    } else if c.warning {
        (
            "warning",
            pages::say(
                tx,
                "c_clock_left",
                &[("time", &span(tx, c.remaining_seconds))],
            ),
        )
    } else {
        (
            "ok",
            pages::say(
                tx,
                "c_clock_left",
                &[("time", &span(tx, c.remaining_seconds))],
            ),
        )
    };
    serde_json::json!({ "class": class, "text": text, "remaining": c.remaining_seconds })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_people_write_them() {
        let mut tx = Texts::new();
        for (k, v) in [("c_min", "min"), ("c_hours", "h"), ("c_days", "z")] {
            tx.insert(k.into(), v.into());
        }
        assert_eq!(span(&tx, 45 * 60 + 30), "45 min");
        assert_eq!(span(&tx, 3 * 3600 + 20 * 60), "3 h 20 min");
        assert_eq!(span(&tx, 24 * 3600), "24 h 0 min");
        assert_eq!(span(&tx, 73 * 3600), "3 z 1 h");
        assert_eq!(span(&tx, -300), "−5 min");
    }
}
