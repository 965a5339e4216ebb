//! Delivering the outbox: due mail goes out over SMTP, a failure is retried with backoff,
//! every row is marked, and a mail given up is noted on its ticket.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::mail_sign_in::Relay;
use super::tickets::{self, LostMail, Undelivered};
use super::{Ctx, ServiceError, notify};
use crate::db;
use crate::domain::outgoing::OutgoingFile;
use crate::mail::transport::SendError;
use crate::telemetry::Metrics;

/// A mail that could not be delivered for this long is given up (and counted as failed).
const GIVE_UP_AFTER_HOURS: i64 = 48;

/// 2 s, 4 s, 8 s … capped at 10 minutes.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let secs = 2i64.saturating_pow(attempts.clamp(1, 20) as u32).min(600);
    chrono::Duration::seconds(secs)
}

/// How long mail taken to send is this node's alone (see `db::outbox::take_due`); and the
/// longest one sending may take (each SMTP command times out after 30 s), which must fit
/// in what is left of the lease when it starts.
const LEASE: chrono::Duration = chrono::Duration::seconds(90);
const SENDING_TAKES: chrono::Duration = chrono::Duration::seconds(45);

/// How long the sender may sleep before the next row falls due (at most 30 s).
pub async fn until_next_due(ctx: &Ctx) -> Duration {
    let fallback = Duration::from_secs(30);
    match ctx.db.read(db::outbox::next_due).await {
        Ok(Some(at)) => db::parse_ts(&at)
            .map(|at| {
                (at - ctx.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(fallback)
            })
            .unwrap_or(fallback),
        _ => fallback,
    }
}

/// On PostgreSQL, wakes this node's sender whenever a commit on any node queued mail, until
/// `stop`: the node that queued it may be busy or gone, and the others would otherwise
/// wait [`until_next_due`]. A lost connection is made again, and wakes the sender too.
pub async fn wake_on_queued_mail(ctx: Ctx, stop: CancellationToken) {
    let Some(url) = ctx.db.postgres_url().map(str::to_string) else {
        return;
    };
    while !stop.is_cancelled() {
        // Listening ends only when it fails.
        let listening = async {
            let mut notices = db::postgres::QueuedMailNotices::listen(&url).await?;
            loop {
                notices.next().await?;
                ctx.outbox_wakeup.notify_one();
            }
        };
        let failed: anyhow::Result<std::convert::Infallible> = tokio::select! {
            _ = stop.cancelled() => return,
            failed = listening => failed,
        };
        let Err(e) = failed;
        tracing::warn!(error = %format!("{e:#}"), "outbox: not hearing other nodes' mail; trying again in 5 s");
        ctx.outbox_wakeup.notify_one();
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

/// A queued letter with the files it carries, as bytes. A bug in composing one letter
/// gives that letter up; the others go on.
async fn compose(ctx: &Ctx, letter: &str) -> anyhow::Result<Vec<u8>> {
    let letter = notify::Letter::parse(letter)?;
    let files = match letter.files_of {
        Some(message) => ctx
            .db
            .read(move |c| db::messages::files(c, message))
            .await?
            .into_iter()
            .map(|f| OutgoingFile {
                filename: f.filename,
                content_type: f.content_type,
                content: f.content,
            })
            .collect(),
        None => Vec::new(),
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        notify::compose_letter(&ctx.templates, letter, files)
    }))
    .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error while composing")))
}

/// Sends what is due (at most 50 rows); returns how many were sent. A transient failure
/// ends the round: the server is likely down.
pub async fn deliver_due(
    ctx: &Ctx,
    relay: &Relay,
    stop: &CancellationToken,
) -> anyhow::Result<usize> {
    let now = ctx.now();
    let lease_until = now + LEASE;
    // Nodes sharing PostgreSQL take a few at a time, so that none holds mail it is not
    // about to send.
    let batch = if ctx.db.is_postgres() { 5 } else { 50 };
    let due = ctx
        .db
        .write(move |c| db::outbox::take_due(c, now, batch, lease_until))
        .await?;
    let mut sent = 0;
    let mut due = due.into_iter().peekable();
    while let Some(mut mail) = due.next_if(|_| {
        // A mail is sent only well within its lease, so no other node takes it meanwhile.
        !stop.is_cancelled() && ctx.now() + SENDING_TAKES <= lease_until
    }) {
        let bytes = match (mail.raw.take(), &mail.letter) {
            (Some(raw), _) => Ok(raw),
            (None, Some(letter)) => compose(ctx, letter).await,
            (None, None) => Err(anyhow::anyhow!(
                "outbox row {} has nothing to send",
                mail.id
            )),
        };
        let result = match bytes {
            Ok(bytes) => {
                relay
                    .send(ctx, &mail.envelope_from, &mail.recipient, &bytes)
                    .await
            }
            Err(e) => Err(SendError::Permanent(format!("composing: {e:#}"))),
        };
        let now = ctx.now();
        let id = mail.id;
        match result {
            Ok(()) => {
                ctx.db
                    .write(move |c| db::outbox::mark_sent(c, id, now))
                    .await?;
                Metrics::inc(&ctx.metrics.outbox_sent);
                sent += 1;
            }
            Err(SendError::Permanent(e)) => {
                tracing::warn!(id = mail.id, recipient = %mail.recipient, error = %e, "outbox: refused for good");
                give_up(ctx, &mail, e, now).await?;
                Metrics::inc(&ctx.metrics.outbox_failed);
            }
            Err(SendError::Transient(e) | SendError::SignInRefused(e)) => {
                let attempts = mail.attempts + 1;
                let queued = db::parse_ts(&mail.created_at).unwrap_or(now);
                let retry = (now - queued < chrono::Duration::hours(GIVE_UP_AFTER_HOURS))
                    .then(|| now + backoff(attempts));
                tracing::warn!(id = mail.id, attempts, given_up = retry.is_none(), error = %e, "outbox: delivery failed");
                match retry {
                    Some(_) => {
                        ctx.db
                            .write(move |c| db::outbox::mark_attempt_failed(c, id, &e, retry))
                            .await?
                    }
                    None => give_up(ctx, &mail, e, now).await?,
                }
                Metrics::inc(if retry.is_some() {
                    &ctx.metrics.outbox_retried
                } else {
                    &ctx.metrics.outbox_failed
                });
                // The server is likely down: the rest waits for the next round.
                break;
            }
        }
    }
    // What this round took and did not try goes back to the outbox, due again at once
    // (not when its lease runs out).
    let untried: Vec<i64> = due.map(|m| m.id).collect();
    if !untried.is_empty() {
        ctx.db
            .write(move |c| db::outbox::give_back(c, &untried, now))
            .await?;
    }
    Ok(sent)
}

/// A mail that will not be sent: marked failed, and noted on its ticket for the agents.
async fn give_up(
    ctx: &Ctx,
    mail: &db::outbox::Due,
    error: String,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let (id, ticket_id, recipient, c) =
        (mail.id, mail.ticket_id, mail.recipient.clone(), ctx.clone());
    ctx.db
        .write(move |conn| {
            db::outbox::mark_attempt_failed(conn, id, &error, None)?;
            if let Some(ticket_id) = ticket_id {
                // The note is for people: if it cannot be written, the row must still leave
                // the queue (else it would be tried again at once, and again).
                let noted = db::savepoint(conn, |sp| {
                    tickets::note_undelivered(sp, &c, ticket_id, &LostMail { recipient: &recipient, what: Undelivered::NotSent, reason: &error, raw_email_id: None }, now)
                });
                if let Err(e) = noted {
                    tracing::warn!(id, ticket_id = ticket_id.0, error = %e, "outbox: the refusal could not be noted on its ticket");
                }
            }
            Ok::<_, ServiceError>(())
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1).num_seconds(), 2);
        assert_eq!(backoff(3).num_seconds(), 8);
        assert_eq!(backoff(12).num_seconds(), 600);
        assert_eq!(backoff(1000).num_seconds(), 600);
    }
}
