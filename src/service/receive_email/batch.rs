//! A batch of inbound mail in one transaction: every message is stored, each that fails is
//! quarantined alone, and the others go on.

use chrono::{DateTime, Utc};

use super::incoming::Incoming;
use super::{Outcome, Stored, process};
use crate::config::Mailbox as OurMailbox;
use crate::db::inbound::Settled;
use crate::db::sql::Savepoints;
use crate::db::{self, Conn};
use crate::service::{Ctx, ServiceError};

/// Stores and processes a batch, its messages in the order they come. Messages rarely
/// fail, so the batch first runs whole, under one savepoint; when a message fails, that
/// run is undone and the batch runs again with each message in a savepoint of its own
/// (where the one that failed is quarantined alone): a savepoint per message would cost a
/// round trip each. What became of each message is written once the batch is through, in
/// one statement.
pub(super) fn store(
    conn: &Conn,
    ctx: &Ctx,
    via: &OurMailbox,
    incoming: impl Iterator<Item = Incoming>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    conn.batch("SAVEPOINT batch")?;
    let (mut outcomes, mut settled, mut messages) = (Vec::new(), Vec::new(), Vec::new());
    let mut whole = true;
    for m in incoming {
        if whole {
            match receive_one(conn, None, ctx, via, &m, None, &mut settled, now)? {
                Ok(outcome) => outcomes.push(outcome),
                Err(Redo) => whole = false,
            }
        }
        messages.push(m);
    }
    if !whole {
        conn.batch("ROLLBACK TO batch")?;
        (outcomes, settled) = (Vec::new(), Vec::new());
        let mut apart = Savepoints::new(conn);
        for m in &messages {
            let Ok(outcome) =
                receive_one(conn, Some(&mut apart), ctx, via, m, None, &mut settled, now)?
            else {
                unreachable!("a message in a savepoint of its own is quarantined alone");
            };
            outcomes.push(outcome);
        }
    }
    db::inbound::settle(conn, &settled)?;
    Ok(outcomes)
}

/// A message failed while its batch ran whole: the batch runs again, its messages apart.
pub(super) struct Redo;

/// Stores and processes one message: in a savepoint of `apart`, where a failure
/// quarantines it, or, without one, with [`Redo`] for a failure. What became of a message
/// that went through joins `settled`.
#[allow(clippy::too_many_arguments)]
pub(super) fn receive_one(
    conn: &Conn,
    apart: Option<&mut Savepoints<'_>>,
    ctx: &Ctx,
    via: &OurMailbox,
    m: &Incoming,
    replay_of: Option<i64>,
    settled: &mut Vec<Settled>,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Outcome, Redo>> {
    let author = m
        .parsed
        .as_ref()
        .ok()
        .map(|mail| mail.from.address.as_str());
    let (raw_id, author_is_agent) = match replay_of {
        Some(id) => (id, None),
        None => match db::inbound::insert_received(
            conn,
            &m.dedup_key,
            m.fingerprint.as_deref(),
            &m.raw,
            &via.address,
            author,
            now,
        )? {
            Some(r) => (r.id, r.author_is_agent),
            None => return Ok(Ok(Outcome::Duplicate)),
        },
    };
    let stored = Stored {
        raw_id,
        author_is_agent,
    };
    let is_apart = apart.is_some();
    let earlier: &[Settled] = settled;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match apart {
        Some(items) => items.run(|sp| process(sp, ctx, via, m, &stored, earlier, now)),
        None => process(conn, ctx, via, m, &stored, earlier, now),
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned());
        Err(ServiceError::Internal(anyhow::anyhow!(
            "internal error while processing: {}",
            what.unwrap_or_default()
        )))
    });
    match result {
        Ok((outcome, ticket_id)) => {
            settled.push(Settled {
                raw_id,
                outcome: outcome.stored(),
                ticket_id,
            });
            Ok(Ok(outcome))
        }
        Err(_) if !is_apart => Ok(Err(Redo)),
        Err(e) => {
            let reason = match e {
                ServiceError::Internal(e) => format!("{e:#}"),
                other => other.to_string(),
            };
            tracing::warn!(raw_id, %reason, "message quarantined");
            db::inbound::quarantine(conn, raw_id, &reason, now)?;
            Ok(Ok(Outcome::Quarantined { reason }))
        }
    }
}
