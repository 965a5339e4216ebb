//! Rate limits in the database, where every node sharing PostgreSQL counts the same tries
//! (on SQLite the one daemon keeps them in memory and never calls these).

use chrono::{DateTime, Utc};

use super::{Conn, SqlResult};
use crate::params;

/// The failures counted for `key` and when the last one was, locked until the transaction
/// ends so that concurrent tries of the key count one after the other.
pub fn failures(conn: &Conn, key: &str) -> SqlResult<Option<(i64, DateTime<Utc>)>> {
    conn.query_opt(
        "SELECT count, last_at FROM throttle_failures WHERE key = ? FOR UPDATE",
        params![key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Counts one failure of `key` at `now`: from zero again when the last one was at or before
/// `forgotten_before`; the row may go at `forget_at`.
pub fn count_failure(
    conn: &Conn,
    key: &str,
    now: DateTime<Utc>,
    forgotten_before: DateTime<Utc>,
    forget_at: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO throttle_failures (key, count, last_at, forget_at) VALUES (?1, 1, ?2, ?4)
         ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN throttle_failures.last_at <= ?3 THEN 1 ELSE throttle_failures.count + 1 END,
             last_at = ?2, forget_at = ?4",
        params![key, now, forgotten_before, forget_at],
    )?;
    Ok(())
}

/// Takes back one failure of `key`.
pub fn forgive(conn: &Conn, key: &str) -> SqlResult<()> {
    conn.execute(
        "UPDATE throttle_failures SET count = count - 1 WHERE key = ?",
        params![key],
    )?;
    conn.execute(
        "DELETE FROM throttle_failures WHERE key = ? AND count <= 0",
        params![key],
    )?;
    Ok(())
}

/// Forgets everything counted for `key`.
pub fn clear(conn: &Conn, key: &str) -> SqlResult<()> {
    conn.execute("DELETE FROM throttle_failures WHERE key = ?", params![key])?;
    conn.execute("DELETE FROM throttle_events WHERE key = ?", params![key])?;
    Ok(())
}

/// The time of `key`'s `nth` newest event after `since` (1 is the newest), if it had that many.
pub fn nth_newest_event(
    conn: &Conn,
    key: &str,
    since: DateTime<Utc>,
    nth: i64,
) -> SqlResult<Option<DateTime<Utc>>> {
    conn.query_opt(
        "SELECT at FROM throttle_events WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
        params![key, since, nth - 1],
        |r| r.get(0),
    )
}

/// Counts one event of `key` at `now`; it may go at `forget_at`.
pub fn record_event(
    conn: &Conn,
    key: &str,
    now: DateTime<Utc>,
    forget_at: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO throttle_events (key, at, forget_at) VALUES (?, ?, ?)",
        params![key, now, forget_at],
    )?;
    Ok(())
}

/// Deletes what no limit needs any more.
pub fn prune(conn: &Conn, now: DateTime<Utc>) -> SqlResult<()> {
    conn.execute(
        "DELETE FROM throttle_failures WHERE forget_at <= ?",
        params![now],
    )?;
    conn.execute(
        "DELETE FROM throttle_events WHERE forget_at <= ?",
        params![now],
    )?;
    Ok(())
}
