//! The SLA sweeper: reads every open ticket's clocks, records each warning and breach once
//! (in the ticket's history), alerts the assigned agent or the team address, and closes
//! tickets resolved longer ago than `auto_close_days`.

use chrono::{DateTime, Duration, Utc};

use super::lifecycle::{self, Step};
use super::notify::{self, SlaAlert};
use super::{Ctx, ServiceError, Sla};
use crate::db::{self, sla::ClockInput};
use crate::domain::ids::TicketId;
use crate::domain::notification::Cause;
use crate::domain::sla::{ClockView, Goal};
use crate::domain::ticket::Event;
use crate::telemetry::Metrics;

/// What one sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    pub open: usize,
    pub warnings: usize,
    pub breaches: usize,
    pub auto_closed: usize,
}

/// A warning or breach a clock has reached and that is not recorded yet.
struct Due {
    ticket_id: TicketId,
    goal: Goal,
    kind: &'static str,
    view: ClockView,
    to: Option<String>,
}

/// The clocks of an open ticket at `now`.
pub fn clocks(sla: &Sla, t: &ClockInput, now: DateTime<Utc>) -> [(Goal, ClockView); 2] {
    let [assignment, resolution] = sla.clocks(now, &t.history, t.assigned_at, t.priority);
    [
        (Goal::Assignment, assignment),
        (Goal::Resolution, resolution),
    ]
}

fn due_alerts(sla: &Sla, tickets: &[ClockInput], now: DateTime<Utc>) -> Vec<Due> {
    let team = Some(sla.config.team_address.trim()).filter(|a| !a.is_empty());
    let mut due = Vec::new();
    for t in tickets {
        for (goal, view) in clocks(sla, t, now) {
            for kind in view.alerts() {
                if t.recorded
                    .iter()
                    .any(|(g, k)| g == goal.as_str() && k == kind)
                {
                    continue;
                }
                let to = t
                    .assignee_email
                    .clone()
                    .or_else(|| team.map(str::to_string));
                due.push(Due {
                    ticket_id: t.id,
                    goal,
                    kind,
                    view: view.clone(),
                    to,
                });
            }
        }
    }
    due
}

/// One pass over the clocks at `now` (tests pass any instant).
pub async fn sweep(ctx: &Ctx, now: DateTime<Utc>) -> Result<Sweep, ServiceError> {
    let sla = ctx.sla();
    // Running tickets without a due time (stored before the queue kept one) get theirs.
    let missing = ctx.db.read(db::sla::running_without_due).await?;
    for chunk in missing.chunks(CHUNK) {
        let (c2, s2, chunk) = (ctx.clone(), sla.clone(), chunk.to_vec());
        ctx.db
            .write(move |conn| {
                chunk
                    .iter()
                    .try_for_each(|&id| lifecycle::refresh_sla_due(conn, &c2, &s2, id, now))
            })
            .await?;
    }
    let tickets = ctx.db.read(db::sla::open_clock_inputs).await?;
    let due = due_alerts(&sla, &tickets, now);
    let close_before = now - Duration::days(sla.config.auto_close_days);
    let closing = if sla.config.auto_close_days > 0 {
        ctx.db
            .read(move |c| db::sla::resolved_before(c, close_before))
            .await?
    } else {
        vec![]
    };
    let mut report = Sweep {
        open: tickets.len(),
        ..Default::default()
    };
    if due.is_empty() && closing.is_empty() {
        return Ok(report);
    }
    // In transactions of a bounded size: the first sweep over a big database has hundreds
    // of thousands of them, and one transaction would hold the writer for minutes (and keep
    // each statement's plan from seeing the tables it fills). Each alert stays once: its
    // row is written, or found already there, in the transaction that queues its mail.
    let mut due = due.into_iter();
    loop {
        let chunk: Vec<Due> = due.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let c2 = ctx.clone();
        let recorded = ctx
            .db
            .write(move |conn| record(conn, &c2, chunk, now))
            .await?;
        if !recorded.is_empty() {
            // Their mail goes out as each part commits.
            ctx.outbox_wakeup.notify_one();
        }
        for kind in recorded {
            if kind == "breach" {
                report.breaches += 1;
                Metrics::inc(&ctx.metrics.sla_breaches);
            } else {
                report.warnings += 1;
                Metrics::inc(&ctx.metrics.sla_warnings);
            }
        }
    }
    for chunk in closing.chunks(CHUNK) {
        let (c2, chunk) = (ctx.clone(), chunk.to_vec());
        let closed = ctx
            .db
            .write(move |conn| auto_close(conn, &c2, &chunk, now))
            .await?;
        report.auto_closed += closed;
        for _ in 0..closed {
            Metrics::inc(&ctx.metrics.auto_closed);
        }
    }
    if report.warnings + report.breaches + report.auto_closed > 0 {
        ctx.outbox_wakeup.notify_one();
        tracing::info!(
            warnings = report.warnings,
            breaches = report.breaches,
            auto_closed = report.auto_closed,
            "SLA sweep"
        );
    }
    Ok(report)
}

/// How many alerts, or closings, one transaction of a sweep writes.
const CHUNK: usize = 500;

/// Records each alert not yet recorded and queues its mail; the kinds recorded.
fn record(
    conn: &db::Conn,
    ctx: &Ctx,
    due: Vec<Due>,
    now: DateTime<Utc>,
) -> Result<Vec<&'static str>, ServiceError> {
    let mut recorded = Vec::new();
    for d in due {
        if !db::sla::record_event(conn, d.ticket_id, d.goal, d.kind, d.to.as_deref(), now)? {
            continue;
        }
        let Some(ticket) = db::tickets::get(conn, d.ticket_id)? else {
            continue;
        };
        if let Some(to) = &d.to {
            let alert = SlaAlert {
                goal: d.goal,
                kind: d.kind,
                due_at: due_text(&ctx.sla(), &d.view, now),
            };
            notify::queue_sla_alert(conn, ctx, &ticket, to, &alert, now)?;
        }
        recorded.push(d.kind);
    }
    Ok(recorded)
}

/// Closes the resolved tickets still resolved; how many it closed.
fn auto_close(
    conn: &db::Conn,
    ctx: &Ctx,
    ids: &[TicketId],
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let mut closed = 0;
    for &id in ids {
        // Checked again inside the transaction: a reply may have reopened it.
        let Some(ticket) = db::tickets::get(conn, id)? else {
            continue;
        };
        let step = Step::new(Event::AutoClose, "system", Cause::Person);
        match lifecycle::apply(conn, ctx, &ticket, step, now) {
            Ok(_) => closed += 1,
            Err(ServiceError::Refused(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}

/// When the goal falls due, in the calendar's zone: `25.11.2026 14:30 (Europe/Bucharest)`.
fn due_text(sla: &Sla, view: &ClockView, now: DateTime<Utc>) -> String {
    let tz: chrono_tz::Tz = sla
        .config
        .calendar
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::Bucharest);
    let at = view.due_at.unwrap_or(now).with_timezone(&tz);
    format!("{} ({tz})", at.format("%d.%m.%Y %H:%M"))
}
