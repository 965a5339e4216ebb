//! The full-text index, kept behind the commit: receiving mail does not write it; the
//! daemon's indexer catches it up every few seconds in batches, and every search catches
//! it up first, so a search never misses what was committed.

use super::{Ctx, ServiceError};
use crate::db;

/// Rows indexed per transaction (each of subjects and messages).
const BATCH: i64 = 5_000;

/// Tickets whose words are added again to the queue's per transaction, and the queue's
/// words of closed tickets dropped per transaction (PostgreSQL).
const QUEUE_CHUNK: i64 = 1_000;

/// How often a catch-up that PostgreSQL undid to break a deadlock runs again.
const DEADLOCK_TRIES: usize = 3;

/// Indexes everything committed since the last catch-up; returns how many rows. Several
/// nodes catch up at once (each skips the rows another is indexing, and writes the rows
/// they share last, in one order), but two that add the same new words to the vocabulary
/// in another order may each wait for the other: the one PostgreSQL undoes runs again.
pub async fn catch_up(ctx: &Ctx) -> Result<usize, ServiceError> {
    if !ctx.db.read(db::search::behind).await? {
        return Ok(0);
    }
    let (mut total, mut undone) = (0, 0);
    loop {
        let n = match ctx.db.write(|c| db::search::catch_up(c, BATCH)).await {
            Err(e) if e.is_deadlock() && undone < DEADLOCK_TRIES => {
                undone += 1;
                continue;
            }
            n => n?,
        };
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

/// On PostgreSQL, adds every ticket's words to the queue's again (`queue_words`), a chunk
/// of tickets at a time, so that a catch-up waits at most for one chunk. A node does it
/// when it starts: the first to start after the table was made fills it (and then marks it
/// as filled), and a node of an older version may have indexed texts without adding their
/// words.
pub async fn queue_words_again(ctx: &Ctx) -> Result<(), ServiceError> {
    let mut after = 0;
    while let Some(last) = ctx
        .db
        .write(move |c| db::search::queue_words_again(c, after, QUEUE_CHUNK))
        .await?
    {
        after = last;
    }
    ctx.db.write(db::search::queue_words_filled).await?;
    Ok(())
}

/// On PostgreSQL, drops the queue's words of closed tickets; how many.
pub async fn forget_closed(ctx: &Ctx) -> Result<usize, ServiceError> {
    let mut total = 0;
    loop {
        let n = ctx
            .db
            .write(|c| db::search::forget_closed(c, QUEUE_CHUNK))
            .await?;
        total += n;
        if (n as i64) < QUEUE_CHUNK {
            return Ok(total);
        }
    }
}
