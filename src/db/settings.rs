//! Values the daemon makes for itself and keeps (e.g. a generated HMAC key).

use rusqlite::{OptionalExtension, params};

use super::Conn;

/// The stored value, or `make()` stored now and returned.
pub fn get_or_insert(conn: &Conn, key: &str, make: impl FnOnce() -> String) -> rusqlite::Result<String> {
    let found: Option<String> =
        conn.prepare_cached("SELECT value FROM settings WHERE key = ?")?.query_row([key], |r| r.get(0)).optional()?;
    match found {
        Some(v) => Ok(v),
        None => {
            let v = make();
            conn.prepare_cached("INSERT INTO settings (key, value) VALUES (?, ?)")?.execute(params![key, v])?;
            Ok(v)
        }
    }
}
