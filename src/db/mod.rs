//! The database, SQLite's or PostgreSQL's: one table family per file; SQL lives here and
//! only here, one text per statement for both engines wherever they agree (`sql`).

pub mod agents;
mod backup;
pub mod canned;
pub mod copy;
pub mod customers;
pub mod fts5;
mod handle;
pub mod imap;
pub mod inbound;
pub mod messages;
pub mod migrations;
pub mod outbox;
pub mod participants;
pub mod partners;
pub mod portal;
pub mod postgres;
pub mod presence;
pub mod queue;
pub mod satisfaction;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod sla;
pub mod sql;
mod sqlite;
pub mod throttles;
pub mod tickets;

use crate::params;
pub use backup::backup;

/// The statuses of an open ticket (neither resolved nor closed), as an SQL list:
/// `status IN {OPEN_STATUSES}`.
pub const OPEN_STATUSES: &str =
    "('waiting_for_support', 'in_progress', 'waiting_for_customer', 'waiting_for_third_party')";

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};

pub use handle::Db;
pub use sql::{Array, CiText, Column, Conn, Many, Param, Row, SqlError};
pub use sqlite::{add_functions, claim_for_serving, sqlite_file};

/// What a statement gives back.
pub type SqlResult<T> = Result<T, SqlError>;

/// Why a database call did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sql(#[from] SqlError),
    #[error("the database writer has stopped")]
    Closed,
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sql(e.into())
    }
}

/// Lets closures that only run SQL return [`SqlResult`] directly.
impl From<DbError> for SqlError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Sql(e) => e,
            DbError::Closed => SqlError::Closed,
        }
    }
}

/// Runs `f` inside a savepoint of the current transaction: its writes are undone when it
/// fails (or panics: the panic goes on after the undo), and the transaction goes on.
pub fn savepoint<T, E: From<SqlError>>(
    conn: &Conn,
    f: impl FnOnce(&Conn) -> Result<T, E>,
) -> Result<T, E> {
    let mut one = sql::Savepoints::new(conn);
    let v = one.run(f)?;
    one.release()?;
    Ok(v)
}

/// A column's text read as one of the values it may hold, else an error that names the
/// column and the text.
pub(crate) fn known<T>(v: Option<T>, col: usize, text: String) -> SqlResult<T> {
    v.ok_or_else(|| SqlError::column(col, format!("unknown value {text:?}")))
}

/// The database answers a query.
pub fn ping(conn: &Conn) -> SqlResult<()> {
    conn.query_row("SELECT 1", params![], |_| Ok(()))
}

/// A list as a JSON array, for `IN (SELECT value FROM json_each(?))` on SQLite (PostgreSQL:
/// `json_array_elements_text(?::json)`): one statement, one cached plan, whatever the
/// list's length.
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
