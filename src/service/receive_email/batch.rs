//! A batch of inbound mail in one transaction: every message is stored, each that fails is
//! quarantined alone, and the others go on.

use std::sync::mpsc::Receiver;

use chrono::{DateTime, Utc};

use super::incoming::Incoming;
use super::{Outcome, Stored, process};
use crate::config::Mailbox as OurMailbox;
use crate::db::inbound::{NewReceived, Settled};
use crate::db::outbox::Holding;
use crate::db::sql::Savepoints;
use crate::db::{self, Conn};
use crate::service::{Ctx, ServiceError};

/// Stores and processes a batch, its messages in the order they come. Messages rarely
/// fail, so the batch first runs whole, under one savepoint; when a message fails, that
/// run is undone and the batch runs again with each message in a savepoint of its own
/// (where the one that failed is quarantined alone): a savepoint per message would cost a
/// round trip each. The mail the batch queues is written once it is through, in one
/// statement ([`Holding`]). The messages parsed by the time the writer is free are stored as
/// received together ([`keep`]), and what became of each is written once the batch is
/// through, in one statement. A batch that may not part (one of two lanes, see
/// [`super::lanes`]) fails instead, and its transaction is undone.
pub(super) fn store(
    conn: &Conn,
    ctx: &Ctx,
    via: &OurMailbox,
    incoming: &Receiver<Incoming>,
    parting: Parting,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    conn.batch("SAVEPOINT batch")?;
    let (mut outcomes, mut settled, mut messages) = (Vec::new(), Vec::new(), Vec::new());
    let mut whole = true;
    let holding = Holding::start(conn);
    while let Some(group) = arrived(incoming) {
        if whole {
            for (m, stored) in group.iter().zip(keep(conn, via, &group, now)?) {
                let Some(stored) = stored else {
                    outcomes.push(Outcome::Duplicate);
                    continue;
                };
                match receive_one(conn, None, ctx, via, m, stored, &mut settled, now)? {
                    Ok(outcome) => outcomes.push(outcome),
                    Err(Redo) => {
                        whole = false;
                        break;
                    }
                }
            }
        }
        messages.extend(group);
    }
    // The mail the batch queued goes in one statement; should that fail, the batch runs
    // again, its messages apart, each one's mail written as it is queued.
    whole = match whole {
        true => holding
            .write(now)
            .inspect_err(|e| tracing::warn!(error = %e, "the batch's mail could not be queued"))
            .is_ok(),
        false => {
            drop(holding);
            false
        }
    };
    if !whole {
        if parting == Parting::Never {
            anyhow::bail!("a message of the lane failed: the lane is stored again on its own");
        }
        conn.batch("ROLLBACK TO batch")?;
        (outcomes, settled) = (Vec::new(), Vec::new());
        let mut apart = Savepoints::new(conn);
        for (m, stored) in messages.iter().zip(keep(conn, via, &messages, now)?) {
            let Some(stored) = stored else {
                outcomes.push(Outcome::Duplicate);
                continue;
            };
            let Ok(outcome) = receive_one(
                conn,
                Some(&mut apart),
                ctx,
                via,
                m,
                stored,
                &mut settled,
                now,
            )?
            else {
                unreachable!("a message in a savepoint of its own is quarantined alone");
            };
            outcomes.push(outcome);
        }
    }
    db::inbound::settle(conn, &settled)?;
    Ok(outcomes)
}

/// Whether a batch in which a message failed runs again message by message (and quarantines
/// the one that fails), or fails whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Parting {
    MessageByMessage,
    Never,
}

/// The messages parsed so far, waiting for the next one when there are none yet; `None`
/// once the parser is through.
fn arrived(incoming: &Receiver<Incoming>) -> Option<Vec<Incoming>> {
    let first = incoming.recv().ok()?;
    Some(std::iter::once(first).chain(incoming.try_iter()).collect())
}

/// Stores messages as received, together: each one's row, or `None` for a re-delivery.
fn keep(
    conn: &Conn,
    via: &OurMailbox,
    messages: &[Incoming],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Option<Stored>>> {
    let mails: Vec<NewReceived<'_>> = messages
        .iter()
        .map(|m| NewReceived {
            dedup_key: &m.dedup_key,
            fingerprint: m.fingerprint.as_deref(),
            raw: &m.raw,
            author: m
                .parsed
                .as_ref()
                .ok()
                .map(|mail| mail.from.address.as_str()),
        })
        .collect();
    let received = db::inbound::insert_all_received(conn, &mails, &via.address, now)?;
    Ok(received
        .into_iter()
        .map(|r| {
            r.map(|r| Stored {
                raw_id: r.id,
                key: r.key,
                author_is_agent: r.author_is_agent,
            })
        })
        .collect())
}

/// A message failed while its batch ran whole: the batch runs again, its messages apart.
pub(super) struct Redo;

/// Processes one stored message: in a savepoint of `apart`, where a failure quarantines
/// it, or, without one, with [`Redo`] for a failure. What became of a message that went
/// through joins `settled`.
#[allow(clippy::too_many_arguments)]
pub(super) fn receive_one(
    conn: &Conn,
    apart: Option<&mut Savepoints<'_>>,
    ctx: &Ctx,
    via: &OurMailbox,
    m: &Incoming,
    stored: Stored,
    settled: &mut Vec<Settled>,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Outcome, Redo>> {
    let raw_id = stored.raw_id;
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
                key: stored.key,
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
