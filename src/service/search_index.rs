//! The full-text index, kept behind the commit: receiving mail does not write it; the
//! daemon's indexer catches it up every few seconds in batches, and every search catches
//! it up first, so a search never misses what was committed.

use super::{Ctx, ServiceError};
use crate::db;

/// Rows indexed per transaction (each of subjects and messages).
const BATCH: i64 = 5_000;

/// Indexes everything committed since the last catch-up; returns how many rows.
pub async fn catch_up(ctx: &Ctx) -> Result<usize, ServiceError> {
    if !ctx.db.read(db::search::behind).await? {
        return Ok(0);
    }
    let mut total = 0;
    loop {
        let n = ctx.db.write(|c| db::search::catch_up(c, BATCH)).await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}
