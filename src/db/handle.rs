//! [`Db`], the handle the services hold: a writer thread owns a writing connection and runs
//! each use case as one closure inside one transaction (a whole use case costs one thread
//! hand-off, not one per statement). Every use case goes to the first writer; PostgreSQL
//! has a second one, for the second half of a batch of mail ([`Db::write_on`]). Reads run
//! on blocking threads with connections of their own: beside the writer under SQLite's
//! WAL, side by side on PostgreSQL.

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
    /// How many writers: SQLite takes one at a time; on PostgreSQL a second one stores a
    /// batch of mail whose messages share nothing in two transactions side by side.
    fn writers(&self) -> usize {
        match self {
            Source::Sqlite(_) => 1,
            Source::Postgres(_) => 2,
        }
    }

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
    /// The writers' queues, the first one the default (empty once closed).
    writers: Mutex<Vec<mpsc::Sender<Job>>>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
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
    /// `postgres://…`, and starts the writers.
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
        let (mut writers, mut threads) = (Vec::new(), Vec::new());
        for lane in 0..source.writers() {
            let (tx, thread) = start_writer(&source, lane)?;
            writers.push(tx);
            threads.push(thread);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                source,
                writers: Mutex::new(writers),
                threads: Mutex::new(threads),
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
    /// on the first writer thread, where every use case runs but the second half of a
    /// batch of mail.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Conn) -> Result<T, E> + Send + 'static,
    {
        self.write_on(0, f).await
    }

    /// How many writers this database has: one on SQLite (it takes one writer at a time),
    /// two on PostgreSQL.
    pub fn writers(&self) -> usize {
        self.inner.source.writers()
    }

    /// [`Db::write`] on writer `lane` (counted from 0, modulo [`Db::writers`]): two lanes'
    /// transactions run side by side, and see each other's rows only once committed.
    pub async fn write_on<T, E, F>(&self, lane: usize, f: F) -> Result<T, E>
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
            .writers
            .lock()
            .map_err(|_| E::from(DbError::Closed))?
            .get(lane % self.writers())
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

    /// Stops the writers after the work already queued, and closes the readers.
    pub async fn close(&self) {
        if let Ok(mut w) = self.inner.writers.lock() {
            w.clear();
        }
        let threads = self
            .inner
            .threads
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        for t in threads {
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

/// Starts writer `lane`: a thread that owns a writing connection and runs the jobs sent to
/// it, one at a time. Returns once its connection is open.
fn start_writer(
    source: &Source,
    lane: usize,
) -> anyhow::Result<(mpsc::Sender<Job>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<Job>();
    let (opened, first) = mpsc::sync_channel(1);
    let writer_source = source.clone();
    let name = match lane {
        0 => "db-writer".to_string(),
        n => format!("db-writer-{n}"),
    };
    let thread = std::thread::Builder::new()
        .name(name)
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
                let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)))
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
    let describe = || match source {
        Source::Sqlite(path) => format!("opening {}", path.display()),
        Source::Postgres(url) => format!("connecting to {}", postgres::redact(url)),
    };
    first
        .recv()
        .map_err(|_| anyhow::anyhow!("the database writer stopped while starting"))?
        .with_context(describe)?;
    Ok((tx, thread))
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
