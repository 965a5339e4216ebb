//! Reaching a PostgreSQL database: telling its URL apart, connecting, creating its schema,
//! its URL in messages without the password, and [`Session`], a connection the
//! synchronous database code drives statement by statement.

use std::cell::{RefCell, RefMut};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection};

use super::migrations;
use super::outbox::Held;
use super::sql::{Param, Result, SqlError, Texts};

/// How long a connection may take to open before the command says so.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether `url` names a PostgreSQL database (`postgres://…` or `postgresql://…`).
pub fn is_postgres(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")
    })
}

/// A connection to the PostgreSQL database at `url`, without the server's notices (such as
/// "relation already exists, skipping") or sqlx's statement lines in the log.
pub async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    let options: sqlx::postgres::PgConnectOptions = url
        .parse()
        .with_context(|| format!("reading the database url {}", redact(url)))?;
    // A commit is on disk before the mailbox is told a mail is processed, as on SQLite.
    let options = options
        .options([
            ("client_min_messages", "warning"),
            ("synchronous_commit", "on"),
        ])
        .disable_statement_logging();
    let connecting = options.connect();
    tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "connecting to {}: no answer in {} s",
                redact(url),
                CONNECT_TIMEOUT.as_secs()
            )
        })?
        .with_context(|| format!("connecting to {}", redact(url)))
}

/// Creates or upgrades the PostgreSQL schema at `url`.
pub async fn migrate(url: &str) -> anyhow::Result<()> {
    let mut conn = connect(url).await?;
    migrations::run_postgres(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// A connection with a runtime of its own, so that code holding a [`super::Conn`] runs
/// each statement to its end without being async (a database thread, or a blocking one).
pub struct Session {
    conn: RefCell<Option<PgConnection>>,
    runtime: Option<tokio::runtime::Runtime>,
    texts: RefCell<Texts>,
    /// The mail queued while a batch holds it (see [`super::outbox::Holding`]).
    held_mail: RefCell<Option<Held>>,
}

impl Session {
    /// Connects to `url`; call it off the async threads.
    pub fn connect(url: &str) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting a database runtime")?;
        let conn = runtime.block_on(connect(url))?;
        Ok(Self {
            conn: RefCell::new(Some(conn)),
            runtime: Some(runtime),
            texts: RefCell::default(),
            held_mail: RefCell::default(),
        })
    }

    /// Starts holding queued mail (`Some`) or stops (`None`); the mail held until then.
    pub(super) fn hold_mail(&self, hold: Option<Held>) -> Option<Held> {
        self.held_mail.replace(hold)
    }

    /// The mail held, while mail is held.
    pub(super) fn held_mail(&self) -> Option<RefMut<'_, Held>> {
        RefMut::filter_map(self.held_mail.borrow_mut(), Option::as_mut).ok()
    }

    /// Runs `work` on the connection to its end.
    fn run<T>(
        &self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T> {
        let mut conn = self.conn.borrow_mut();
        let (Some(conn), Some(runtime)) = (conn.as_mut(), self.runtime.as_ref()) else {
            return Err(SqlError::Closed);
        };
        Ok(runtime.block_on(work(conn))?)
    }

    /// `sql` with PostgreSQL's placeholders, and `params` bound for it.
    fn prepared(&self, sql: &str, params: &[&dyn Param]) -> Result<(Arc<str>, PgArguments)> {
        let text = self.texts.borrow_mut().get(sql);
        let mut args = PgArguments::default();
        for p in params {
            p.postgres(&mut args).map_err(sqlx::Error::Encode)?;
        }
        Ok((text, args))
    }

    pub(super) fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<usize> {
        let (text, args) = self.prepared(sql, params)?;
        let done =
            self.run(async |c| sqlx::query_with(AssertSqlSafe(text), args).execute(c).await)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }

    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        let sql = sql.to_string();
        self.run(async |c| sqlx::raw_sql(AssertSqlSafe(sql)).execute(c).await)
            .map(drop)
    }

    pub(super) fn fetch_optional(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<PgRow>> {
        let (text, args) = self.prepared(sql, params)?;
        self.run(async |c| {
            sqlx::query_with(AssertSqlSafe(text), args)
                .fetch_optional(c)
                .await
        })
    }

    pub(super) fn fetch_all(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<PgRow>> {
        let (text, args) = self.prepared(sql, params)?;
        self.run(async |c| {
            sqlx::query_with(AssertSqlSafe(text), args)
                .fetch_all(c)
                .await
        })
    }

    /// Whether the server is still there: after a failed transaction, a session whose
    /// connection broke is replaced.
    pub(super) fn is_broken(&self) -> bool {
        self.run(async |c| c.ping().await).is_err()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The connection goes first, while its runtime is there; the runtime then stops
        // without waiting, which is allowed from any thread, async ones included.
        drop(self.conn.get_mut().take());
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A node's claim on a mailbox, held or waited for: PostgreSQL's advisory lock on its
/// address, held by a connection of its own. When the node dies its connection closes and
/// the server lets the lock go, for another to take. The connection is kept from one try
/// to the next, so that a node standing by does not connect anew at each.
pub struct MailboxClaim {
    url: String,
    address: String,
    conn: Option<PgConnection>,
}

/// Whose advisory locks these are: the first half of each key (the second is the address's).
const MAILBOX_LOCKS: &str = "helpdesk mailbox";

impl MailboxClaim {
    pub fn new(url: &str, address: &str) -> Self {
        Self {
            url: url.to_string(),
            address: address.to_string(),
            conn: None,
        }
    }

    /// Takes the claim if no node holds it: whether this node holds it now.
    pub async fn try_take(&mut self) -> anyhow::Result<bool> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(connect(&self.url).await?),
        };
        let taken =
            sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1), hashtext(lower($2)))")
                .bind(MAILBOX_LOCKS)
                .bind(&self.address)
                .fetch_one(conn)
                .await
                .context("claiming the mailbox");
        if taken.is_err() {
            // Broken, most likely: the next try connects again.
            self.conn = None;
        }
        taken
    }

    /// Whether the claim still holds: its connection answers (the lock lives as long).
    pub async fn holds(&mut self) -> bool {
        let Some(conn) = &mut self.conn else {
            return false;
        };
        matches!(
            tokio::time::timeout(Duration::from_secs(5), conn.ping()).await,
            Ok(Ok(()))
        )
    }

    /// Lets the claim go (with its connection): another node may take it at once.
    pub fn let_go(&mut self) {
        self.conn = None;
    }
}

/// The notices of every commit that queued mail, on any node (the `outbox` channel, which
/// the outbox's insert trigger notifies), heard on a connection of their own.
pub struct QueuedMailNotices(sqlx::postgres::PgListener);

impl QueuedMailNotices {
    pub async fn listen(url: &str) -> anyhow::Result<Self> {
        let connecting = sqlx::postgres::PgListener::connect(url);
        let mut listener = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| anyhow::anyhow!("connecting to {}: no answer", redact(url)))?
            .with_context(|| format!("connecting to {}", redact(url)))?;
        listener
            .listen("outbox")
            .await
            .context("listening for queued mail")?;
        Ok(Self(listener))
    }

    /// Waits for the next notice, or for the connection to be made again after it was lost
    /// (the notices of that time are lost): either way mail may be waiting.
    pub async fn next(&mut self) -> anyhow::Result<()> {
        self.0
            .try_recv()
            .await
            .context("listening for queued mail")?;
        Ok(())
    }
}

/// A database URL for messages: the password, in the user part or as a `password=`
/// parameter, becomes `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme) = out.find("://") {
        let rest = scheme + 3;
        let end = out[rest..].find(['/', '?']).map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..end].rfind('@').map(|i| rest + i)
            && let Some(colon) = out[rest..at].find(':').map(|i| rest + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(query) = out.find('?') {
        let (head, params) = out.split_at(query + 1);
        let params: Vec<String> = params
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out = format!("{head}{}", params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://hd:s3cret@db.example:5432/helpdesk"),
            "postgres://hd:***@db.example:5432/helpdesk"
        );
        assert_eq!(
            redact("postgres://hd:p@ss@db/x?sslmode=require&password=two"),
            "postgres://hd:***@db/x?sslmode=require&password=***"
        );
        assert_eq!(redact("postgres://hd@db/x"), "postgres://hd@db/x");
        assert_eq!(
            redact("sqlite://data/helpdesk.db"),
            "sqlite://data/helpdesk.db"
        );
        assert_eq!(redact("POSTGRES://u:pw@h/d"), "POSTGRES://u:***@h/d");
    }

    #[test]
    fn postgres_urls_in_any_case() {
        assert!(is_postgres("postgres://h/d"));
        assert!(is_postgres("PostgreSQL://h/d"));
        assert!(!is_postgres("sqlite://data/helpdesk.db"));
        assert!(!is_postgres("postgres"));
    }
}
