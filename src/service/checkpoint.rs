//! The mailbox poller's checkpoint: the last UID processed under a UIDVALIDITY, per mailbox.

use super::{Ctx, ServiceError};
use crate::db;

/// The saved (UIDVALIDITY, last UID) of `mailbox`, if any.
pub async fn load(ctx: &Ctx, mailbox: String) -> Result<Option<(u32, u32)>, ServiceError> {
    Ok(ctx
        .db
        .read(move |c| db::imap::checkpoint(c, &mailbox))
        .await?)
}

/// Everything of `mailbox` up to `uid` under `validity` is processed.
pub async fn save(ctx: &Ctx, mailbox: String, validity: u32, uid: u32) -> Result<(), ServiceError> {
    Ok(ctx
        .db
        .write(move |c| db::imap::save_checkpoint(c, &mailbox, validity, uid))
        .await?)
}
