//! The quarantine's way in besides a mail that fails to parse: a message the server will
//! not hand over, one over the size limit, and replaying an entry after a fix.

use chrono::{DateTime, Utc};

use super::batch::receive_one;
use super::{Incoming, Outcome, Stored, count};
use crate::db;
use crate::db::sql::Savepoints;
use crate::service::{Ctx, ServiceError};

/// Where a message lies on the mail server: its mailbox, UIDVALIDITY and UID.
#[derive(Debug, Clone, Copy)]
pub struct ServerCopy<'a> {
    pub mailbox: &'a crate::config::Mailbox,
    pub uid_validity: u32,
    pub uid: u32,
}

/// `mailbox:uidvalidity:uid`, the message's place in the keys of its quarantine entry.
impl std::fmt::Display for ServerCopy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = self.mailbox.place();
        write!(f, "{place}:{}:{}", self.uid_validity, self.uid)
    }
}

/// A message the mail server would not hand over, however often asked (its FETCH was
/// refused): recorded in quarantine with the server's answer and where the message
/// still lies, so that agents see it while the mail behind it goes on. Nothing was
/// fetched, so the entry holds no bytes and cannot be replayed; once the server's store is
/// mended, the message can be exported and given to `helpdesk import`.
pub async fn record_unfetchable(
    ctx: &Ctx,
    at: ServerCopy<'_>,
    error: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let key = format!("imap:{at}");
    let (uid, mailbox) = (at.uid, at.mailbox.place());
    let reason = format!(
        "the mail server would not hand this message over (UID {uid} in {mailbox}, left there unflagged): {error}"
    );
    let held = Held {
        key,
        headers: Vec::new(),
        reason,
        mailbox: at.mailbox.address.clone(),
    };
    record_unfetched(ctx, held, now).await
}

/// A message larger than `[imap] max_message_mb`: only its header block was fetched. It is
/// recorded in quarantine with its size and headers, and stays on the server unflagged;
/// the entry cannot be replayed (there is no body), but the message can be taken from the
/// server and given to `helpdesk import` once the limit is raised.
pub async fn record_oversize(
    ctx: &Ctx,
    at: ServerCopy<'_>,
    size: u64,
    max_mb: u64,
    headers: Vec<u8>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let key = format!("{OVERSIZE}{at}");
    let (uid, mailbox) = (at.uid, at.mailbox.place());
    let mib = size as f64 / (1024.0 * 1024.0);
    let reason = format!(
        "too large: {mib:.1} MiB, over [imap] max_message_mb = {max_mb}; only its headers were read, and it was left on the \
         mail server unflagged (UID {uid} in {mailbox})"
    );
    let held = Held {
        key,
        headers,
        reason,
        mailbox: at.mailbox.address.clone(),
    };
    record_unfetched(ctx, held, now).await
}

/// A message left on the server, as its quarantine entry records it.
struct Held {
    key: String,
    headers: Vec<u8>,
    reason: String,
    mailbox: String,
}

/// The key prefix of the quarantine entries of messages over the size limit.
const OVERSIZE: &str = "oversize:";

async fn record_unfetched(ctx: &Ctx, held: Held, now: DateTime<Utc>) -> anyhow::Result<()> {
    let Held {
        key,
        headers,
        reason,
        mailbox,
    } = held;
    let recorded = ctx
        .db
        .write(move |conn| {
            let Some(raw_id) = db::inbound::insert_raw(conn, &key, None, &headers, &mailbox, now)?
            else {
                return Ok(false);
            };
            db::inbound::quarantine(conn, raw_id, &reason, now)?;
            Ok::<_, ServiceError>(true)
        })
        .await?;
    if recorded {
        count(
            ctx,
            &Outcome::Quarantined {
                reason: String::new(),
            },
        );
    }
    Ok(())
}

/// Processes a quarantined message again (after a fix), from its stored raw bytes. Only
/// entries still in quarantine can be replayed: a processed message never runs twice.
pub async fn replay(
    ctx: &Ctx,
    quarantine_id: i64,
    now: DateTime<Utc>,
) -> Result<Outcome, ServiceError> {
    let c = ctx.clone();
    let outcome = ctx
        .db
        .write(move |conn| {
            let not_found = || ServiceError::NotFound(format!("quarantined message {quarantine_id}"));
            let raw_id = db::inbound::quarantined_raw_id(conn, quarantine_id)?.ok_or_else(not_found)?;
            let raw = db::inbound::raw(conn, raw_id)?.ok_or_else(not_found)?;
            let key = db::inbound::dedup_key(conn, raw_id)?.unwrap_or_default();
            if raw.is_empty() || key.starts_with(OVERSIZE) {
                return Err(ServiceError::Conflict("this message was never fetched whole from the mail server: there is nothing to replay".into()));
            }
            let via = c.mailbox(&db::inbound::mailbox(conn, raw_id)?).clone();
            let mut items = Savepoints::new(conn);
            let mut settled = Vec::new();
            let Ok(outcome) = receive_one(conn, Some(&mut items), &c, &via, &Incoming::new(raw), Stored { raw_id, key, author_is_agent: None }, &mut settled, now)? else {
                unreachable!("a message in a savepoint of its own is quarantined alone");
            };
            db::inbound::settle(conn, &settled)?;
            if !matches!(outcome, Outcome::Quarantined { .. }) {
                db::inbound::release(conn, raw_id, now)?;
            }
            Ok::<_, ServiceError>(outcome)
        })
        .await?;
    count(ctx, &outcome);
    ctx.outbox_wakeup.notify_one();
    Ok(outcome)
}
