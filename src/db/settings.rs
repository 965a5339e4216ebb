//! Values the daemon keeps for itself: a generated HMAC key, the SLA settings an admin set,
//! a rotated OAuth2 refresh token, the mailboxes whose sign-in the team was told is refused.

use super::{Conn, SqlResult};
use crate::params;

/// The stored value, or `make()` stored now and returned.
pub fn get_or_insert(conn: &Conn, key: &str, make: impl FnOnce() -> String) -> SqlResult<String> {
    match get(conn, key)? {
        Some(v) => Ok(v),
        None => {
            let v = make();
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)",
                params![key, v],
            )?;
            Ok(v)
        }
    }
}

pub fn get(conn: &Conn, key: &str) -> SqlResult<Option<String>> {
    conn.query_opt(
        "SELECT value FROM settings WHERE key = ?",
        params![key],
        |r| r.get(0),
    )
}

pub fn put(conn: &Conn, key: &str, value: &str) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Removes `key`; true when it was there.
pub fn delete(conn: &Conn, key: &str) -> SqlResult<bool> {
    Ok(conn.execute("DELETE FROM settings WHERE key = ?", params![key])? > 0)
}
