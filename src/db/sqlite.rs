//! SQLite's side of the database: opening a file with our settings and SQL functions,
//! the file a `sqlite://` URL names, and the lock that lets one daemon serve it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags};

use super::{fts5, postgres};
use crate::domain::search_text;

pub(super) fn open(path: &Path, write: bool) -> rusqlite::Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL, and FULL: a commit is on disk before the mailbox is told the mail is processed.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Savepoints (one per inbound message) keep their undo copies in memory, not in a
    // temporary file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Checkpoint when the log reaches 32 MiB rather than 4: a page that many commits
    // change (an index leaf) is copied back once per checkpoint, so fewer, larger
    // checkpoints copy less in all.
    conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
    // Pages read through a memory map (no read syscall per page once the OS has them), and
    // a page cache of 32 MiB per connection: lists that touch thousands of rows scattered
    // over a large file (a queue search, a customer's requests) stay fast.
    conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    conn.pragma_update(None, "cache_size", -32768)?;
    conn.set_prepared_statement_cache_capacity(128);
    add_functions(&conn)?;
    Ok(conn)
}

/// The SQL functions our queries use, on a connection: `fold(text)` is text as search
/// compares it (lower case, no diacritics); `reader_token(address)` is the word that
/// stands for a reader in the full-text indexes; `relevance(index)` ranks full-text hits.
pub fn add_functions(conn: &Connection) -> rusqlite::Result<()> {
    fts5::register(conn)?;
    text_function(conn, "fold", search_text::fold)?;
    text_function(conn, "reader_token", search_text::reader_token)
}

/// Registers `f` as the SQL function `name`: text in, text out, NULL for NULL.
fn text_function(conn: &Connection, name: &str, f: fn(&str) -> String) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        name,
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        move |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|text| f(&text))),
    )
}

/// The file a `sqlite://` URL names.
pub fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .with_context(|| {
            format!(
                "database url {} must start with sqlite:// (or postgres://)",
                postgres::redact(url)
            )
        })?;
    Ok(PathBuf::from(path.split('?').next().unwrap_or(path)))
}

/// Claims the database for one serving daemon: a lock on `<file>.serve-lock`, held while
/// the returned file is open. A second `serve` on the same file is refused (two pollers
/// would take the same mail, two senders send it twice); CLI commands do not ask for it.
/// On PostgreSQL several daemons serve one database, and nothing is claimed here (each
/// mailbox is, in the database).
pub fn claim_for_serving(url: &str) -> anyhow::Result<Option<std::fs::File>> {
    if postgres::is_postgres(url) {
        return Ok(None);
    }
    let mut lock = sqlite_file(url)?.into_os_string();
    lock.push(".serve-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .with_context(|| format!("opening {}", PathBuf::from(&lock).display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another `helpdesk serve` is already running on {url} (it holds {}); stop it first, or give this one its own [database] url",
            PathBuf::from(&lock).display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", PathBuf::from(&lock).display()))
        }
    }
}
