//! SQLite access: one table family per file; SQL lives here and only here.

pub mod agents;
pub mod customers;
pub mod imap;
pub mod inbound;
pub mod messages;
pub mod outbox;
pub mod tickets;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use sqlx::SqliteConnection as Conn;

/// Two pools on one file: a single writer connection (SQLite has one writer; queuing
/// writers here avoids lock errors) and several readers (WAL lets them run alongside).
#[derive(Clone, Debug)]
pub struct Db {
    pub write: SqlitePool,
    pub read: SqlitePool,
}

impl Db {
    /// Opens (creating the file and its directory when missing) with WAL, foreign keys
    /// and `synchronous=FULL`: a committed message is on disk before it is flagged.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("database url {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening {url}"))?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(false))
            .await
            .with_context(|| format!("opening {url}"))?;
        Ok(Self { write, read })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        sqlx::migrate!("./migrations").run(&self.write).await.context("running migrations")?;
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Times are stored as fixed-width RFC 3339 UTC text, so that text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_ts(s: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(s).with_context(|| format!("bad timestamp {s:?}"))?.with_timezone(&Utc))
}
