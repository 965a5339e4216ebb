//! The mailbox poller: IDLE with a polling fallback, reconnect with backoff, a UID +
//! UIDVALIDITY checkpoint, and each message flagged (or moved) only after its commit. With
//! OAuth2 it signs in anew before its token expires.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use async_imap::extensions::idle::IdleResponse;
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::config::Mailbox;
use crate::mail::imap::{
    COMMAND_TIMEOUT, ImapSession, fetch, fetch_header, mark_processed, sizes, timed,
};
use crate::service::mail_sign_in::{self, SignInError, SignedIn};
use crate::service::receive_email::{self, ServerCopy, receive_batch};
use crate::service::{Ctx, checkpoint};

pub mod claimed;
mod standing;

use standing::Standing;

/// Messages fetched and committed together (one fsync), then flagged together: at most
/// this many, and at most `BATCH_BYTES` of them unless a single message is larger.
const BATCH: usize = 50;
const BATCH_BYTES: u64 = 32 * 1024 * 1024;
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// The shortest a session signed in with an OAuth2 token lives before it signs in anew.
const MIN_SESSION: Duration = Duration::from_secs(10);
/// How many times a lone FETCH of one message may fail (each on a connection of its own,
/// with backoff between) before it is recorded as unfetchable and passed by.
const FETCH_ATTEMPTS: u32 = 3;

/// What the poller remembers across connections about messages the server did not hand
/// over, keyed by (UIDVALIDITY, UID).
#[derive(Debug, Default)]
struct Refusals {
    /// Messages of a batch whose FETCH failed: fetched one by one from then on, to find
    /// the one at fault.
    suspects: HashSet<(u32, u32)>,
    /// How often a lone FETCH of a message failed.
    attempts: HashMap<(u32, u32), u32>,
}

/// Watches `mailbox` until `stop`. A failed or lost connection is retried with backoff;
/// so is a refused sign-in, which the mailbox's state, one log line and the team's mail
/// make known (see `standing`). Nothing of the mailbox is touched until signing in works.
pub async fn run(ctx: Ctx, mailbox: Mailbox, stop: CancellationToken) -> anyhow::Result<()> {
    let mut backoff = Duration::from_secs(1);
    let mut refusals = Refusals::default();
    let mut standing = Standing::new(&ctx, &mailbox);
    loop {
        let signed = tokio::select! {
            _ = stop.cancelled() => break,
            r = tokio::time::timeout(COMMAND_TIMEOUT, mail_sign_in::imap(&ctx, &mailbox)) => r,
        };
        match signed {
            Ok(Ok(signed)) => {
                standing.signed_in().await;
                match watch(&ctx, &mailbox, signed, &stop, &mut backoff, &mut refusals).await {
                    Ok(Ended::Stopped) => break,
                    Ok(Ended::Renew) => continue,
                    Err(e) => standing.lost(&e, backoff),
                }
            }
            Ok(Err(SignInError::Refused(reason))) => standing.refused(reason, backoff).await,
            Ok(Err(SignInError::Failed(e))) => standing.lost(&e.context("signing in"), backoff),
            Err(_) => {
                let e = anyhow!(
                    "connecting and signing in took over {} s",
                    COMMAND_TIMEOUT.as_secs()
                );
                standing.lost(&e, backoff);
            }
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    tracing::info!(mailbox = %mailbox.address, "mailbox poller stopped");
    Ok(())
}

/// How a connection's life ended, short of an error.
enum Ended {
    Stopped,
    /// Its OAuth2 token is due for renewal: sign in anew, at once.
    Renew,
}

/// One connection's life: sync, then wait for news (IDLE or a timer), until stopped or
/// until the token it signed in with is due for renewal.
async fn watch(
    ctx: &Ctx,
    mailbox: &Mailbox,
    signed: SignedIn,
    stop: &CancellationToken,
    backoff: &mut Duration,
    refusals: &mut Refusals,
) -> anyhow::Result<Ended> {
    let cfg = &mailbox.imap;
    let SignedIn {
        mut session,
        renew_at,
    } = signed;
    // A token that lives only seconds must not turn into a sign-in loop.
    let renew_at = renew_at.map(|at| at.max(Instant::now() + MIN_SESSION));
    let caps = timed("CAPABILITY", session.capabilities()).await?;
    let use_idle = cfg.idle && caps.has_str("IDLE");
    let can_move = caps.has_str("MOVE");
    if !cfg.processed_folder.is_empty() {
        // Already existing is fine; a real failure shows up at the first move.
        let _ = session.create(&cfg.processed_folder).await;
    }
    tracing::info!(mailbox = %mailbox.address, host = %cfg.host, folder = %cfg.mailbox, idle = use_idle, "mailbox: watching");
    let interval = Duration::from_secs(cfg.poll_interval_secs.clamp(1, 29 * 60));
    loop {
        sync(ctx, mailbox, &mut session, can_move, stop, refusals).await?;
        // Only a connection that did its work resets the backoff: a failure after login
        // (a wrong mailbox name, a database error) must not turn into a login loop.
        *backoff = Duration::from_secs(1);
        if stop.is_cancelled() {
            let _ = session.logout().await;
            return Ok(Ended::Stopped);
        }
        let wait = match renew_at.map(|at| at.saturating_duration_since(Instant::now())) {
            Some(left) if left.is_zero() => {
                let _ = timed("LOGOUT", session.logout()).await;
                tracing::debug!(mailbox = %mailbox.address, "mailbox: signing in anew with a fresh token");
                return Ok(Ended::Renew);
            }
            Some(left) => interval.min(left),
            None => interval,
        };
        if use_idle {
            let mut idle = session.idle();
            timed("IDLE", idle.init()).await?;
            {
                let (wait, interrupt) = idle.wait_with_timeout(wait);
                tokio::select! {
                    r = wait => {
                        if let IdleResponse::NewData(_) = r.context("IDLE wait")? {
                            tracing::debug!("mailbox: IDLE reported news");
                        }
                    }
                    _ = stop.cancelled() => drop(interrupt),
                }
            }
            session = timed("IDLE DONE", idle.done()).await?;
        } else {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// Fetches everything above the checkpoint, batch by batch: receive (commit), then flag
/// or move, then advance the checkpoint. A crash in between re-fetches; receive() makes
/// that a no-op. A new UIDVALIDITY restarts from UID 1 for the same reason.
///
/// A message the server will not hand over (a damaged file in its store) must not hold
/// up the mail behind it: its batch is fetched again one message at a time, and after
/// `FETCH_ATTEMPTS` failed fetches that message is recorded in quarantine and passed by.
/// It stays in the mailbox, unflagged.
async fn sync(
    ctx: &Ctx,
    watched: &Mailbox,
    session: &mut ImapSession,
    can_move: bool,
    stop: &CancellationToken,
    refusals: &mut Refusals,
) -> anyhow::Result<()> {
    let cfg = &watched.imap;
    let key = &watched.checkpoint_key;
    let mailbox = timed(
        &format!("SELECT {}", cfg.mailbox),
        session.select(&cfg.mailbox),
    )
    .await?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let saved = checkpoint::load(ctx, key.clone()).await?;
    let last_uid = match saved {
        Some((v, uid)) if v == validity => uid,
        Some((v, _)) => {
            tracing::warn!(
                old = v,
                new = validity,
                "mailbox: UIDVALIDITY changed; rescanning (duplicates are skipped)"
            );
            0
        }
        None => 0,
    };
    if mailbox.exists == 0 {
        return Ok(());
    }
    let mut uids: Vec<u32> = timed(
        "UID SEARCH",
        session.uid_search(format!("UID {}:*", last_uid + 1)),
    )
    .await?
    .into_iter()
    .filter(|u| *u > last_uid)
    .collect();
    uids.sort_unstable();
    let max = cfg.max_message_bytes();
    let sizes = sizes(session, &uids).await?;
    let size = |uid: u32| sizes.get(&uid).copied().unwrap_or(0);
    let chunks = group(&uids, size, max).into_iter().flat_map(|chunk| {
        if chunk
            .iter()
            .any(|uid| refusals.suspects.contains(&(validity, *uid)))
        {
            chunk.into_iter().map(|uid| vec![uid]).collect()
        } else {
            vec![chunk]
        }
    });
    for chunk in chunks.collect::<Vec<_>>() {
        let chunk = chunk.as_slice();
        if stop.is_cancelled() {
            break;
        }
        if let [uid] = chunk
            && size(*uid) > max
        {
            // Never fetched whole: its headers and size go to quarantine, and it stays on
            // the server, unflagged, for someone to take up there.
            let headers = fetch_header(session, *uid).await?;
            tracing::warn!(
                uid,
                size = size(*uid),
                "mailbox: message over max_message_mb; its headers recorded in quarantine, passed by"
            );
            let uid = *uid;
            let at = ServerCopy {
                mailbox: watched,
                uid_validity: validity,
                uid,
            };
            receive_email::record_oversize(
                ctx,
                at,
                size(uid),
                cfg.max_message_mb,
                headers,
                ctx.now(),
            )
            .await?;
            checkpoint::save(ctx, key.clone(), validity, uid).await?;
            continue;
        }
        let mut by_uid = match fetch(session, chunk).await {
            Ok(fetched) => fetched,
            Err(e) => match chunk {
                [uid] => {
                    let tries = refusals.attempts.entry((validity, *uid)).or_default();
                    *tries += 1;
                    if *tries < FETCH_ATTEMPTS {
                        return Err(e.context(format!(
                            "UID {uid}: not handed over, {tries} of {FETCH_ATTEMPTS} times"
                        )));
                    }
                    let reason = format!("{e:#}");
                    tracing::error!(uid, %reason, "mailbox: the server will not hand this message over; recorded in quarantine, passed by");
                    let uid = *uid;
                    let at = ServerCopy {
                        mailbox: watched,
                        uid_validity: validity,
                        uid,
                    };
                    receive_email::record_unfetchable(ctx, at, &reason, ctx.now()).await?;
                    refusals.attempts.remove(&(validity, uid));
                    refusals.suspects.remove(&(validity, uid));
                    checkpoint::save(ctx, key.clone(), validity, uid).await?;
                    continue;
                }
                _ => {
                    refusals
                        .suspects
                        .extend(chunk.iter().map(|uid| (validity, *uid)));
                    return Err(e.context(
                        "a batch was not handed over; fetching it one message at a time",
                    ));
                }
            },
        };
        for uid in chunk {
            refusals.suspects.remove(&(validity, *uid));
            refusals.attempts.remove(&(validity, *uid));
        }
        let present: Vec<u32> = chunk
            .iter()
            .copied()
            .filter(|u| by_uid.contains_key(u))
            .collect();
        let raws: Vec<Vec<u8>> = present
            .iter()
            .filter_map(|u| by_uid.get_mut(u).map(|e| std::mem::take(&mut e.0)))
            .collect();
        let outcomes = receive_batch(ctx, watched, raws, ctx.now()).await?;
        let committed = Utc::now();
        for (uid, outcome) in present.iter().zip(&outcomes) {
            if let Some(arrived) = by_uid[uid].1 {
                let secs =
                    (committed - arrived.with_timezone(&Utc)).num_milliseconds() as f64 / 1000.0;
                ctx.metrics.latency.observe(secs);
            }
            tracing::info!(uid, %outcome, "mailbox: message received");
        }
        if !present.is_empty() {
            let set = present
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            // The checkpoint, not the flag, says what was processed: a server that refuses
            // the flag or the move must not make us fetch the same batch forever.
            if let Err(e) = mark_processed(session, &set, &cfg.processed_folder, can_move).await {
                tracing::warn!(error = %format!("{e:#}"), "mailbox: could not flag or move processed mail");
            }
        }
        let upto = *chunk.last().unwrap_or(&last_uid);
        checkpoint::save(ctx, key.clone(), validity, upto).await?;
    }
    Ok(())
}

/// Groups the UIDs into batches bounded in count and in bytes, so that a run of large
/// messages is not held in memory at once; a message over `max` travels alone (it is not
/// fetched at all).
fn group(uids: &[u32], size: impl Fn(u32) -> u64, max: u64) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut bytes = 0;
    let mut open = false;
    for &uid in uids {
        let s = size(uid);
        match out.last_mut() {
            Some(batch) if open && s <= max && batch.len() < BATCH && bytes + s <= BATCH_BYTES => {
                batch.push(uid);
                bytes += s;
            }
            _ => {
                out.push(vec![uid]);
                bytes = s;
                open = s <= max;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_bounded_in_count_and_bytes() {
        let uids: Vec<u32> = (1..=120).collect();
        let small = group(&uids, |_| 1000, u64::MAX);
        assert_eq!(small.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
        let big = group(
            &[1, 2, 3, 4],
            |u| if u == 2 { 40 << 20 } else { 10 << 20 },
            u64::MAX,
        );
        assert_eq!(
            big,
            vec![vec![1], vec![2], vec![3, 4]],
            "a message over the limit travels alone"
        );
        assert!(group(&[], |_| 0, u64::MAX).is_empty());
        // Over max_message_mb: alone, and nothing joins it.
        let over = group(
            &[1, 2, 3, 4],
            |u| if u == 2 { 2 << 20 } else { 1000 },
            1 << 20,
        );
        assert_eq!(over, vec![vec![1], vec![2], vec![3, 4]]);
    }
}
