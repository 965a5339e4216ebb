//! Logging set-up and the Prometheus metrics the daemon exports at `/metrics`.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::LogFormat;

/// Logs to stderr at `RUST_LOG` (default `info`): readable lines, or one JSON object per
/// line for log collectors.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Seconds from mail arrival (the IMAP server's INTERNALDATE) to commit.
const BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum in microseconds.
    sum_us: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, seconds: f64) {
        let seconds = seconds.max(0.0);
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
pub struct Metrics {
    pub received: AtomicU64,
    pub created: AtomicU64,
    pub threaded: AtomicU64,
    pub ignored: AtomicU64,
    pub duplicates: AtomicU64,
    pub quarantined: AtomicU64,
    pub outbox_queued: AtomicU64,
    pub outbox_sent: AtomicU64,
    pub outbox_failed: AtomicU64,
    pub outbox_retried: AtomicU64,
    pub loop_suppressed: AtomicU64,
    pub sla_warnings: AtomicU64,
    pub sla_breaches: AtomicU64,
    pub auto_closed: AtomicU64,
    /// What each watched mailbox is doing.
    pub mailboxes: MailboxStates,
    pub latency: Histogram,
    /// Whether the search indexer's start is through (on PostgreSQL, the pass that adds
    /// every open ticket's words to the queue's again): `/healthz` says so.
    pub search_started: AtomicBool,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn outbox_retries_seen(&self) -> u64 {
        self.outbox_retried.load(Ordering::Relaxed)
    }

    /// The counters and histogram, then `gauges` read from the database at scrape time.
    pub fn render(&self, gauges: &[(&str, &str, i64)]) -> String {
        let mut out = String::new();
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        let counters: [(&str, &str, &AtomicU64); 14] = [
            (
                "helpdesk_messages_received_total",
                "Inbound messages handed to receive()",
                &self.received,
            ),
            (
                "helpdesk_messages_created_total",
                "Inbound messages that opened a ticket",
                &self.created,
            ),
            (
                "helpdesk_messages_threaded_total",
                "Inbound messages added to a ticket",
                &self.threaded,
            ),
            (
                "helpdesk_messages_ignored_total",
                "Auto-replies, bounces, list and bulk mail",
                &self.ignored,
            ),
            (
                "helpdesk_messages_duplicate_total",
                "Re-deliveries recognised as such",
                &self.duplicates,
            ),
            (
                "helpdesk_messages_quarantined_total",
                "Messages that could not be processed",
                &self.quarantined,
            ),
            (
                "helpdesk_outbox_queued_total",
                "Outbound mails queued",
                &self.outbox_queued,
            ),
            (
                "helpdesk_outbox_sent_total",
                "Outbound mails accepted by the SMTP server",
                &self.outbox_sent,
            ),
            (
                "helpdesk_outbox_failed_total",
                "Outbound mails given up",
                &self.outbox_failed,
            ),
            (
                "helpdesk_outbox_retries_total",
                "Failed delivery attempts that will be retried",
                &self.outbox_retried,
            ),
            (
                "helpdesk_loop_suppressed_total",
                "Automatic mails not sent by loop protection",
                &self.loop_suppressed,
            ),
            (
                "helpdesk_sla_warnings_total",
                "SLA clocks that reached the warning share of their goal",
                &self.sla_warnings,
            ),
            (
                "helpdesk_sla_breaches_total",
                "SLA goals missed",
                &self.sla_breaches,
            ),
            (
                "helpdesk_tickets_auto_closed_total",
                "Resolved tickets closed after auto_close_days",
                &self.auto_closed,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP helpdesk_imap_connected 1 while logged in to the mailbox\n# TYPE helpdesk_imap_connected gauge"
        );
        for m in self.mailboxes.snapshot() {
            let up = u8::from(m.state == MailboxState::Watching);
            let _ = writeln!(
                out,
                "helpdesk_imap_connected{{mailbox=\"{}\"}} {up}",
                m.address.replace(['\\', '"', '\n'], "_")
            );
        }
        let name = "helpdesk_mail_commit_latency_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from mail arrival in the mailbox to its commit\n# TYPE {name} histogram"
        );
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{le}\"}} {}",
                self.latency.counts[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.latency.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {count}");
        out
    }
}

/// What a mailbox's watcher is doing, as `/healthz` and `/metrics` name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "error", rename_all = "snake_case")]
pub enum MailboxState {
    /// Connecting or signing in.
    Connecting,
    /// Signed in and watching (IDLE or polling).
    Watching,
    /// The connection was lost or failed; retried with backoff.
    Retrying(String),
    /// The server or the token endpoint refused our credentials; retried with backoff,
    /// but someone has to fix the configuration or the account.
    Refused(String),
    /// Another node sharing the PostgreSQL database watches it; this one takes over when
    /// that node stops.
    Standby,
}

/// One mailbox's state, and since when.
#[derive(Debug, Clone, Serialize)]
pub struct MailboxStatus {
    pub address: String,
    pub queue: String,
    #[serde(flatten)]
    pub state: MailboxState,
    pub since: DateTime<Utc>,
}

/// The state of every watched mailbox, set by its watcher.
#[derive(Debug, Default)]
pub struct MailboxStates(Mutex<Vec<MailboxStatus>>);

impl MailboxStates {
    /// Sets `address`'s state; returns the one it replaces (None for a new mailbox).
    pub fn set(&self, address: &str, queue: &str, state: MailboxState) -> Option<MailboxState> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Utc::now();
        match all.iter_mut().find(|m| m.address == address) {
            Some(m) if m.state == state => Some(state),
            Some(m) => {
                m.since = now;
                Some(std::mem::replace(&mut m.state, state))
            }
            None => {
                all.push(MailboxStatus {
                    address: address.into(),
                    queue: queue.into(),
                    state,
                    since: now,
                });
                None
            }
        }
    }

    pub fn snapshot(&self) -> Vec<MailboxStatus> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many mailboxes are signed in and watched.
    pub fn watching(&self) -> usize {
        self.snapshot()
            .iter()
            .filter(|m| m.state == MailboxState::Watching)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        Metrics::inc(&m.created);
        m.latency.observe(0.3);
        m.latency.observe(7.0);
        let text = m.render(&[("helpdesk_outbox_pending", "Mails waiting to be sent", 3)]);
        assert!(text.contains("# TYPE helpdesk_outbox_pending gauge\nhelpdesk_outbox_pending 3\n"));
        assert!(text.contains("helpdesk_messages_created_total 1\n"));
        assert!(text.contains("# TYPE helpdesk_mail_commit_latency_seconds histogram"));
        assert!(text.contains("helpdesk_mail_commit_latency_seconds_bucket{le=\"0.5\"} 1\n"));
        assert!(text.contains("helpdesk_mail_commit_latency_seconds_bucket{le=\"10\"} 2\n"));
        assert!(text.contains("helpdesk_mail_commit_latency_seconds_count 2\n"));
    }

    #[test]
    fn each_mailbox_has_its_state_and_connected_line() {
        let m = Metrics::default();
        assert_eq!(
            m.mailboxes
                .set("a@x.test", "Suport", MailboxState::Connecting),
            None
        );
        m.mailboxes
            .set("b@x.test", "Facturare", MailboxState::Connecting);
        let was = m
            .mailboxes
            .set("a@x.test", "Suport", MailboxState::Watching);
        assert_eq!(was, Some(MailboxState::Connecting));
        m.mailboxes
            .set("b@x.test", "Facturare", MailboxState::Refused("no".into()));
        assert_eq!(m.mailboxes.watching(), 1);
        let text = m.render(&[]);
        assert!(
            text.contains("helpdesk_imap_connected{mailbox=\"a@x.test\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("helpdesk_imap_connected{mailbox=\"b@x.test\"} 0\n"),
            "{text}"
        );
        let json = serde_json::to_value(m.mailboxes.snapshot()).unwrap();
        assert_eq!(json[1]["state"], "refused");
        assert_eq!(json[1]["error"], "no");
        assert_eq!(json[1]["queue"], "Facturare");
    }
}
