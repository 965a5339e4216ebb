//! Rate limits shared by every node on PostgreSQL: the rules of `domain::throttle` applied
//! to counts kept in the database, one transaction per question.

use std::time::Duration;

use super::{Ctx, ServiceError};
use crate::db;
use crate::domain::throttle::{Backoff, Limit};

/// As chrono's, for the database; a rule's durations are far below its bounds.
fn span(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// A try under several backoffs at once: refused with the longest wait while any key must
/// still wait; otherwise counted as a failure of every key before the password is checked.
pub async fn begin(
    ctx: &Ctx,
    keys: &[(&str, Backoff)],
) -> Result<Result<(), Duration>, ServiceError> {
    let now = ctx.now();
    let keys: Vec<(String, Backoff)> = keys.iter().map(|(k, b)| (k.to_string(), *b)).collect();
    let outcome = ctx
        .db
        .write(move |c| {
            db::throttles::prune(c, now)?;
            let mut longest = None;
            for (key, backoff) in &keys {
                if let Some((count, last)) = db::throttles::failures(c, key)? {
                    let since = (now - last).to_std().unwrap_or_default();
                    let failures = u32::try_from(count).unwrap_or(u32::MAX);
                    if since < backoff.forget
                        && let Some(wait) = backoff.wait(failures, since)
                    {
                        longest = longest.max(Some(wait));
                    }
                }
            }
            if let Some(wait) = longest {
                return Ok::<_, db::SqlError>(Err(wait));
            }
            for (key, backoff) in &keys {
                let forget = span(backoff.forget);
                db::throttles::count_failure(c, key, now, now - forget, now + forget)?;
            }
            Ok(Ok(()))
        })
        .await?;
    Ok(outcome)
}

/// Takes back one try counted by [`begin`].
pub async fn forgive(ctx: &Ctx, key: &str) -> Result<(), ServiceError> {
    let key = key.to_string();
    Ok(ctx
        .db
        .write(move |c| db::throttles::forgive(c, &key))
        .await?)
}

/// Forgets `key` (a successful sign-in clears the account's failures).
pub async fn clear(ctx: &Ctx, key: &str) -> Result<(), ServiceError> {
    let key = key.to_string();
    Ok(ctx.db.write(move |c| db::throttles::clear(c, &key)).await?)
}

/// How long until `key` may act again under `limit`; `None` when it may now.
pub async fn wait(ctx: &Ctx, key: &str, limit: Limit) -> Result<Option<Duration>, ServiceError> {
    let now = ctx.now();
    let key = key.to_string();
    let window = span(limit.window);
    let nth = i64::try_from(limit.max).unwrap_or(i64::MAX);
    let oldest = ctx
        .db
        .read(move |c| db::throttles::nth_newest_event(c, &key, now - window, nth))
        .await?;
    Ok(oldest.and_then(|at| (at + window - now).to_std().ok()))
}

/// Counts one event of `key` under `limit`.
pub async fn record(ctx: &Ctx, key: &str, limit: Limit) -> Result<(), ServiceError> {
    let now = ctx.now();
    let key = key.to_string();
    let forget_at = now + span(limit.window);
    Ok(ctx
        .db
        .write(move |c| {
            db::throttles::prune(c, now)?;
            db::throttles::record_event(c, &key, now, forget_at)
        })
        .await?)
}
