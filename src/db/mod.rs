//! SQLite access: one table family per file; SQL lives here and only here.
//!
//! One writer thread owns the only writing connection and runs each use case as one
//! closure inside one transaction (SQLite has one writer; a whole use case costs one
//! thread hand-off, not one per statement). Reads run on blocking threads with
//! connections of their own (WAL lets them run beside the writer).

pub mod agents;
mod backup;
pub mod canned;
pub mod copy;
pub mod customers;
pub mod fts5;
pub mod imap;
pub mod inbound;
pub mod messages;
pub mod migrations;
pub mod outbox;
pub mod participants;
pub mod partners;
pub mod portal;
pub mod postgres;
pub mod queue;
pub mod satisfaction;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod sla;
pub mod tickets;

pub use backup::backup;

/// The statuses of an open ticket (neither resolved nor closed), as an SQL list:
/// `status IN {OPEN_STATUSES}`.
pub const OPEN_STATUSES: &str =
    "('waiting_for_support', 'in_progress', 'waiting_for_customer', 'waiting_for_third_party')";

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
pub use rusqlite::Connection as Conn;
use rusqlite::OpenFlags;
use rusqlite::functions::FunctionFlags;

use crate::domain::ids::{AgentId, CustomerId, TicketId};
use crate::domain::search_text;

/// What a statement can fail with; the rest of the code names it through here, so the
/// database crate stays inside `db`.
pub use rusqlite::Error as SqlError;

/// Why a database call did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database writer has stopped")]
    Closed,
}

/// Lets closures that only run SQL return `rusqlite::Result` directly.
impl From<DbError> for rusqlite::Error {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Sqlite(e) => e,
            DbError::Closed => rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
                Some("the database writer has stopped".into()),
            ),
        }
    }
}

type Job = Box<dyn FnOnce(&mut Conn) + Send>;

struct Inner {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Conn>>,
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.inner.path)
            .finish()
    }
}

fn open(path: &Path, write: bool) -> rusqlite::Result<Conn> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Conn::open_with_flags(path, flags)?;
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
pub fn add_functions(conn: &Conn) -> rusqlite::Result<()> {
    fts5::register(conn)?;
    text_function(conn, "fold", search_text::fold)?;
    text_function(conn, "reader_token", search_text::reader_token)
}

/// Registers `f` as the SQL function `name`: text in, text out, NULL for NULL.
fn text_function(conn: &Conn, name: &str, f: fn(&str) -> String) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        name,
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        move |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|text| f(&text))),
    )
}

/// The file a `sqlite://` URL names (a PostgreSQL URL is refused with what it can do).
pub fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(
        !postgres::is_postgres(url),
        "the daemon does not serve from PostgreSQL yet: `helpdesk migrate` creates its schema and \
         `helpdesk copy-db` fills it; serve from sqlite:// meanwhile"
    );
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
pub fn claim_for_serving(url: &str) -> anyhow::Result<std::fs::File> {
    let mut lock = sqlite_file(url)?.into_os_string();
    lock.push(".serve-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .with_context(|| format!("opening {}", PathBuf::from(&lock).display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another `helpdesk serve` is already running on {url} (it holds {}); stop it first, or give this one its own [database] url",
            PathBuf::from(&lock).display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", PathBuf::from(&lock).display()))
        }
    }
}

impl Db {
    /// Opens `sqlite://PATH` (creating the file and its directory), starts the writer.
    pub fn connect(url: &str) -> anyhow::Result<Self> {
        let path = sqlite_file(url)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut conn = open(&path, true).with_context(|| format!("opening {}", path.display()))?;
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                for job in rx {
                    // A job that panics loses its answer (the caller gets an error); the
                    // writer rolls back whatever it left open and serves the next one.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)))
                        .is_err()
                    {
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                }
            })
            .context("starting the database writer")?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(Some(tx)),
                thread: Mutex::new(Some(thread)),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.write(migrations::run)
            .await
            .context("running migrations")?;
        Ok(())
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` when
    /// it fails) on the writer thread.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Conn) -> Result<T, E> + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn: &mut Conn| {
            let outcome = match conn.execute_batch("BEGIN IMMEDIATE") {
                Err(e) => Err(E::from(DbError::Sqlite(e))),
                Ok(()) => match f(conn) {
                    Ok(v) => conn.execute_batch("COMMIT").map(|_| v).map_err(|e| {
                        // A COMMIT that failed (a full disk, an I/O error) may leave the
                        // transaction open, and every later BEGIN would fail behind it.
                        if !conn.is_autocommit() {
                            let _ = conn.execute_batch("ROLLBACK");
                        }
                        E::from(DbError::Sqlite(e))
                    }),
                    Err(e) => {
                        let _ = conn.execute_batch("ROLLBACK");
                        Err(e)
                    }
                },
            };
            let _ = done.send(outcome);
        });
        let sent = self
            .inner
            .writer
            .lock()
            .map_err(|_| E::from(DbError::Closed))?
            .as_ref()
            .map(|w| w.send(job));
        match sent {
            Some(Ok(())) => result.await.map_err(|_| E::from(DbError::Closed))?,
            _ => Err(E::from(DbError::Closed)),
        }
    }

    /// Runs `f` on a reading connection, off the async threads.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Conn) -> Result<T, E> + Send + 'static,
    {
        let inner = self.inner.clone();
        let job = move || {
            let pooled = inner.readers.lock().ok().and_then(|mut r| r.pop());
            let conn = match pooled {
                Some(c) => c,
                None => open(&inner.path, false).map_err(|e| E::from(DbError::Sqlite(e)))?,
            };
            let result = f(&conn);
            if let Ok(mut r) = inner.readers.lock()
                && r.len() < 8
            {
                r.push(conn);
            }
            result
        };
        tokio::task::spawn_blocking(job)
            .await
            .map_err(|_| E::from(DbError::Closed))?
    }

    /// Stops the writer after the work already queued, and closes the readers.
    pub async fn close(&self) {
        if let Ok(mut w) = self.inner.writer.lock() {
            w.take();
        }
        let thread = self.inner.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
        if let Ok(mut r) = self.inner.readers.lock() {
            r.clear();
        }
    }
}

/// Runs `f` inside a savepoint of the current transaction: its writes are undone when it
/// fails (or panics: the panic goes on after the undo), and the transaction goes on.
pub fn savepoint<T, E: From<rusqlite::Error>>(
    conn: &Conn,
    f: impl FnOnce(&Conn) -> Result<T, E>,
) -> Result<T, E> {
    conn.prepare_cached("SAVEPOINT one")?.execute([])?;
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn))) {
        Ok(Ok(v)) => {
            conn.prepare_cached("RELEASE one")?.execute([])?;
            Ok(v)
        }
        Ok(Err(e)) => {
            conn.execute_batch("ROLLBACK TO one; RELEASE one")?;
            Err(e)
        }
        Err(panic) => {
            conn.execute_batch("ROLLBACK TO one; RELEASE one")?;
            std::panic::resume_unwind(panic)
        }
    }
}

/// A list as a JSON array, for `IN (SELECT value FROM json_each(?))`: one statement
/// (one cached plan) whatever the list's length.
/// A column's text read as one of the values it may hold, else a conversion error that
/// names the column and the text.
pub(crate) fn known<T>(v: Option<T>, col: usize, text: String) -> rusqlite::Result<T> {
    v.ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("unknown value {text:?}").into(),
        )
    })
}

/// A row id goes into SQL and comes back as the number it is.
macro_rules! sql_id {
    ($($name:ident),*) => {$(
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.0.into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                i64::column_result(v).map($name)
            }
        }
    )*};
}

sql_id!(TicketId, AgentId, CustomerId);

/// The database answers a query.
pub fn ping(conn: &Conn) -> rusqlite::Result<()> {
    conn.query_row("SELECT 1", [], |_| Ok(()))
}

pub fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Times are stored as fixed-width RFC 3339 UTC text, so that text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_ts(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s)
        .with_context(|| format!("bad timestamp {s:?}"))?
        .with_timezone(&Utc))
}
