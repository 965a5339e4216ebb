//! The mailbox poller's checkpoint: last UID processed under a UIDVALIDITY.

use rusqlite::{OptionalExtension, params};

use super::Conn;

pub fn checkpoint(conn: &Conn, mailbox: &str) -> rusqlite::Result<Option<(u32, u32)>> {
    conn.prepare_cached("SELECT uidvalidity, last_uid FROM imap_checkpoints WHERE mailbox = ?")?
        .query_row([mailbox], |r| {
            Ok((r.get::<_, i64>(0)? as u32, r.get::<_, i64>(1)? as u32))
        })
        .optional()
}

pub fn save_checkpoint(
    conn: &Conn,
    mailbox: &str,
    uidvalidity: u32,
    last_uid: u32,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO imap_checkpoints (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?)
         ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid",
    )?
    .execute(params![mailbox, uidvalidity as i64, last_uid as i64])?;
    Ok(())
}
