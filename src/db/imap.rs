//! The mailbox poller's checkpoint: last UID processed under a UIDVALIDITY.

use super::{Conn, SqlResult};
use crate::params;

pub fn checkpoint(conn: &Conn, mailbox: &str) -> SqlResult<Option<(u32, u32)>> {
    conn.query_opt(
        "SELECT uidvalidity, last_uid FROM imap_checkpoints WHERE mailbox = ?",
        params![mailbox],
        |r| Ok((r.get::<_, i64>(0)? as u32, r.get::<_, i64>(1)? as u32)),
    )
}

pub fn save_checkpoint(
    conn: &Conn,
    mailbox: &str,
    uidvalidity: u32,
    last_uid: u32,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO imap_checkpoints (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?)
         ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid",
        params![mailbox, uidvalidity as i64, last_uid as i64],
    )?;
    Ok(())
}
