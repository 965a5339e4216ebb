//! [`Db`], the handle the services hold: one writer thread owns the writing connection and
//! runs each use case as one closure inside one transaction (a whole use case costs one
//! thread hand-off, not one per statement). Reads run on blocking threads with connections
//! of their own: beside the writer under SQLite's WAL, side by side on PostgreSQL.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

use anyhow::Context;

use super::sql::{Conn, SqlError};
use super::{DbError, migrations, postgres, sqlite};

/// A use case for the writer; says whether it went through.
type Job = Box<dyn FnOnce(&mut Conn) -> bool + Send>;

/// Where connections come from.
#[derive(Debug, Clone)]
enum Source {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Source {
    fn open(&self, write: bool) -> Result<Conn, SqlError> {
        match self {
            Source::Sqlite(path) => Ok(Conn::Sqlite(sqlite::open(path, write)?)),
            Source::Postgres(url) => postgres::Session::connect(url)
                .map(Conn::Postgres)
                .map_err(|e| SqlError::Postgres(sqlx::Error::Configuration(e.into()))),
        }
    }
}

struct Inner {
    source: Source,
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
        let source = match &self.inner.source {
            Source::Sqlite(path) => path.display().to_string(),
            Source::Postgres(url) => postgres::redact(url),
        };
        f.debug_struct("Db").field("source", &source).finish()
    }
}

/// How many idle reading connections are kept.
const IDLE_READERS: usize = 8;

impl Db {
    /// Opens `sqlite://PATH` (creating the file and its directory) or connects to
    /// `postgres://…`, and starts the writer.
    pub fn connect(url: &str) -> anyhow::Result<Self> {
        let source = if postgres::is_postgres(url) {
            Source::Postgres(url.to_string())
        } else {
            let path = sqlite::sqlite_file(url)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            Source::Sqlite(path)
        };
        let (tx, rx) = mpsc::channel::<Job>();
        let (opened, first) = mpsc::sync_channel(1);
        let writer_source = source.clone();
        let thread = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                let mut conn = match writer_source.open(true) {
                    Ok(conn) => {
                        let _ = opened.send(Ok(()));
                        conn
                    }
                    Err(e) => {
                        let _ = opened.send(Err(e));
                        return;
                    }
                };
                for job in rx {
                    // A job that panics loses its answer (the caller gets an error); the
                    // writer rolls back whatever it left open and serves the next one.
                    let ok =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)))
                            .unwrap_or_else(|_| {
                                let _ = conn.batch("ROLLBACK");
                                false
                            });
                    // A PostgreSQL connection that broke (the server restarted) is replaced.
                    if !ok
                        && let Conn::Postgres(session) = &conn
                        && session.is_broken()
                        && let Ok(fresh) = writer_source.open(true)
                    {
                        conn = fresh;
                    }
                }
            })
            .context("starting the database writer")?;
        let describe = || match &source {
            Source::Sqlite(path) => format!("opening {}", path.display()),
            Source::Postgres(url) => format!("connecting to {}", postgres::redact(url)),
        };
        first
            .recv()
            .map_err(|_| anyhow::anyhow!("the database writer stopped while starting"))?
            .with_context(describe)?;
        Ok(Self {
            inner: Arc::new(Inner {
                source,
                writer: Mutex::new(Some(tx)),
                thread: Mutex::new(Some(thread)),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Whether this database is PostgreSQL's (several daemons may share it).
    pub fn is_postgres(&self) -> bool {
        matches!(self.inner.source, Source::Postgres(_))
    }

    /// The PostgreSQL database's URL, for connections of their own (mailbox claims).
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.inner.source {
            Source::Postgres(url) => Some(url),
            Source::Sqlite(_) => None,
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.inner.source {
            Source::Postgres(url) => postgres::migrate(url).await,
            Source::Sqlite(_) => {
                self.write(|conn| {
                    let sqlite = conn.sqlite().ok_or(SqlError::Closed)?;
                    Ok::<_, SqlError>(migrations::run(sqlite)?)
                })
                .await
                .context("running migrations")?;
                Ok(())
            }
        }
    }

    /// Runs `f` in one write transaction (`BEGIN` … `COMMIT`, or `ROLLBACK` when it fails)
    /// on the writer thread.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Conn) -> Result<T, E> + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn: &mut Conn| {
            let outcome = in_transaction(conn, f);
            let ok = outcome.is_ok();
            let _ = done.send(outcome);
            ok
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
                None => inner
                    .source
                    .open(false)
                    .map_err(|e| E::from(DbError::Sql(e)))?,
            };
            let result = f(&conn);
            let healthy = match &conn {
                Conn::Postgres(session) => result.is_ok() || !session.is_broken(),
                Conn::Sqlite(_) => true,
            };
            if healthy
                && let Ok(mut r) = inner.readers.lock()
                && r.len() < IDLE_READERS
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
        let readers = self
            .inner
            .readers
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default();
        drop(readers);
    }
}

/// `f` inside one transaction: committed when it succeeds, rolled back when it fails.
fn in_transaction<T, E: From<DbError>>(
    conn: &mut Conn,
    f: impl FnOnce(&Conn) -> Result<T, E>,
) -> Result<T, E> {
    let begin = conn.pick("BEGIN IMMEDIATE", "BEGIN");
    if let Err(e) = conn.batch(begin) {
        return Err(E::from(DbError::Sql(e)));
    }
    match f(conn) {
        Ok(v) => conn.batch("COMMIT").map(|()| v).map_err(|e| {
            // A COMMIT that failed (a full disk, an I/O error) may leave SQLite's transaction
            // open, and every later BEGIN would fail behind it. (PostgreSQL ends it.)
            if let Conn::Sqlite(c) = conn
                && !c.is_autocommit()
            {
                let _ = c.execute_batch("ROLLBACK");
            }
            E::from(DbError::Sql(e))
        }),
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}
