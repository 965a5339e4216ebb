//! The mailbox poller's checkpoint: last UID processed under a UIDVALIDITY.

use super::Conn;

pub async fn checkpoint(conn: &mut Conn, mailbox: &str) -> sqlx::Result<Option<(u32, u32)>> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT uidvalidity, last_uid FROM imap_checkpoints WHERE mailbox = ?")
            .bind(mailbox)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(v, u)| (v as u32, u as u32)))
}

pub async fn save_checkpoint(conn: &mut Conn, mailbox: &str, uidvalidity: u32, last_uid: u32) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO imap_checkpoints (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?)
         ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid",
    )
    .bind(mailbox)
    .bind(uidvalidity as i64)
    .bind(last_uid as i64)
    .execute(conn)
    .await?;
    Ok(())
}
