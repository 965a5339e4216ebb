//! The full-text index, kept behind the commit: receiving mail does not write it; the
//! daemon's indexer catches it up every few seconds in batches, and every search catches
//! it up first, so a search never misses what was committed.

use super::{Ctx, ServiceError};
use crate::db;

/// Rows indexed per transaction (each of subjects and messages).
const BATCH: i64 = 5_000;

/// How often a catch-up that PostgreSQL undid to break a deadlock runs again.
const DEADLOCK_TRIES: usize = 3;

/// Indexes everything committed since the last catch-up; returns how many rows. Several
/// nodes catch up at once (each skips the rows another is indexing), and two that add the
/// same new words to the vocabulary in another order may each wait for the other: the one
/// PostgreSQL undoes runs again.
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
