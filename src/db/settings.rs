//! Values the daemon keeps for itself: a generated HMAC key, the SLA settings an admin set,
//! a rotated OAuth2 refresh token, the mailboxes whose sign-in the team was told is refused.

use rusqlite::{OptionalExtension, params};

use super::Conn;

/// The stored value, or `make()` stored now and returned.
pub fn get_or_insert(
    conn: &Conn,
    key: &str,
    make: impl FnOnce() -> String,
) -> rusqlite::Result<String> {
    let found: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match found {
        Some(v) => Ok(v),
        None => {
            let v = make();
            conn.prepare_cached("INSERT INTO settings (key, value) VALUES (?, ?)")?
                .execute(params![key, v])?;
            Ok(v)
        }
    }
}

pub fn get(conn: &Conn, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM settings WHERE key = ?")?
        .query_row([key], |r| r.get(0))
        .optional()
}

pub fn put(conn: &Conn, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute(params![key, value])?;
    Ok(())
}

/// Removes `key`; true when it was there.
pub fn delete(conn: &Conn, key: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM settings WHERE key = ?")?
        .execute([key])?
        > 0)
}
