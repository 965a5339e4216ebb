//! Append-only SQLite migrations from `migrations/sqlite/`, embedded at build time and
//! applied in name order; each one once, in the caller's transaction.

use rusqlite::params;

use super::Conn;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

pub fn run(conn: &Conn) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version TEXT PRIMARY KEY,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ) STRICT",
    )?;
    for (name, sql) in embedded::SQLITE {
        let done: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)",
            params![name],
            |r| r.get(0),
        )?;
        if !done {
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO schema_migrations (version) VALUES (?)",
                params![name],
            )?;
        }
    }
    Ok(())
}

/// How many of the embedded migrations this database has not had yet.
pub fn pending(conn: &Conn) -> rusqlite::Result<usize> {
    let table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !table {
        return Ok(embedded::SQLITE.len());
    }
    let mut done = conn.prepare("SELECT 1 FROM schema_migrations WHERE version = ?")?;
    let mut pending = 0;
    for (name, _) in embedded::SQLITE {
        if !done.exists([name])? {
            pending += 1;
        }
    }
    Ok(pending)
}
