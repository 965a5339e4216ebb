//! What became of one inbound message, and the metrics that count it.

use crate::service::Ctx;
use crate::telemetry::Metrics;

/// What became of one inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created { key: String },
    Threaded { key: String },
    Ignored { kind: &'static str },
    Quarantined { reason: String },
    Duplicate,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Created { .. } => "created",
            Outcome::Threaded { .. } => "threaded",
            Outcome::Ignored { .. } => "ignored",
            Outcome::Quarantined { .. } => "quarantined",
            Outcome::Duplicate => "duplicate",
        }
    }

    /// As the raw message's row keeps it (`raw_emails.outcome`).
    pub(super) fn stored(&self) -> String {
        match self {
            Outcome::Ignored { kind } => format!("ignored:{kind}"),
            other => other.label().to_string(),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Created { key } => write!(f, "created {key}"),
            Outcome::Threaded { key } => write!(f, "threaded {key}"),
            Outcome::Ignored { kind } => write!(f, "ignored ({kind})"),
            Outcome::Quarantined { reason } => write!(f, "quarantined ({reason})"),
            Outcome::Duplicate => f.write_str("duplicate (already received)"),
        }
    }
}

/// Counts one received message by what became of it.
pub(super) fn count(ctx: &Ctx, o: &Outcome) {
    let m = &ctx.metrics;
    Metrics::inc(&m.received);
    Metrics::inc(match o {
        Outcome::Created { .. } => &m.created,
        Outcome::Threaded { .. } => &m.threaded,
        Outcome::Ignored { .. } => &m.ignored,
        Outcome::Quarantined { .. } => &m.quarantined,
        Outcome::Duplicate => &m.duplicates,
    });
}
