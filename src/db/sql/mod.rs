//! One SQL text for both engines. A [`Conn`] is SQLite's or PostgreSQL's; a statement's
//! parameters ([`Param`]) and columns ([`Column`]) convert themselves for either, and its
//! `?` / `?N` placeholders become `$N` on PostgreSQL. The few statements that must read
//! differently name both texts with [`Conn::pick`].

use rusqlite::types::ToSqlOutput;
use sqlx::Row as _;
use sqlx::postgres::PgRow;

use super::postgres::Session;

mod placeholders;
mod savepoints;
mod values;

pub(crate) use placeholders::Texts;
pub use placeholders::postgres_text;
pub use savepoints::Savepoints;
pub use values::{Array, CiText, Column, Many, NullOf, Param};

/// A connection to either engine, inside the transaction its caller runs.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Session),
}

/// What a statement can fail with, on either engine.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Postgres(#[from] sqlx::Error),
    #[error("the query returned no row")]
    NoRow,
    /// A column held what its reader cannot take.
    #[error("column {column}: {why}")]
    Column { column: String, why: String },
    #[error("the database writer has stopped")]
    Closed,
}

impl SqlError {
    /// PostgreSQL undid this transaction to break a cycle of transactions waiting for each
    /// other (`40P01`): running it again is all it takes.
    pub fn is_deadlock(&self) -> bool {
        matches!(self, SqlError::Postgres(sqlx::Error::Database(e)) if e.code().as_deref() == Some("40P01"))
    }

    pub fn column(column: impl std::fmt::Debug, why: impl std::fmt::Display) -> Self {
        SqlError::Column {
            column: format!("{column:?}"),
            why: why.to_string(),
        }
    }
}

pub type Result<T, E = SqlError> = std::result::Result<T, E>;

/// The parameters of one statement: `params![a, b]`.
#[macro_export]
macro_rules! params {
    ($($p:expr),* $(,)?) => { &[$(&$p as &dyn $crate::db::Param),*] as &[&dyn $crate::db::Param] };
}

impl Conn {
    /// An empty in-memory SQLite database with our functions, for tests.
    pub fn sqlite_in_memory() -> Result<Self> {
        let conn = rusqlite::Connection::open_in_memory()?;
        super::add_functions(&conn)?;
        Ok(Conn::Sqlite(conn))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres(_))
    }

    /// The text of a statement that each engine spells its own way.
    pub fn pick<'a>(&self, sqlite: &'a str, postgres: &'a str) -> &'a str {
        if self.is_postgres() { postgres } else { sqlite }
    }

    /// Runs one statement; how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<usize> {
        match self {
            Conn::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute(sqlite_params(params))?),
            Conn::Postgres(s) => s.execute(sql, params),
        }
    }

    /// Runs one `INSERT` into a table whose key is `id`; the new row's id.
    pub fn insert(&self, sql: &str, params: &[&dyn Param]) -> Result<i64> {
        self.insert_new(sql, params)?.ok_or(SqlError::NoRow)
    }

    /// Runs one `INSERT … ON CONFLICT DO NOTHING` into a table whose key is `id`: the new
    /// row's id, `None` when the row was already there (on PostgreSQL, also when another
    /// transaction put it there first: the insert waits for it and skips).
    pub fn insert_new(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<i64>> {
        match self {
            Conn::Sqlite(c) => {
                let inserted = c.prepare_cached(sql)?.execute(sqlite_params(params))?;
                Ok((inserted > 0).then(|| c.last_insert_rowid()))
            }
            Conn::Postgres(_) => {
                self.query_opt(&format!("{sql} RETURNING id"), params, |r| r.get(0))
            }
        }
    }

    /// Runs statements without parameters, one after the other.
    pub fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(s) => s.batch(sql),
        }
    }

    /// The first row of a query, read by `f`; [`SqlError::NoRow`] when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.query_opt(sql, params, f)?.ok_or(SqlError::NoRow)
    }

    /// The first row of a query, if any, read by `f`.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params))?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)).map(Some),
                    None => Ok(None),
                }
            }
            Conn::Postgres(s) => match s.fetch_optional(sql, params)? {
                Some(r) => f(&Row::Postgres(&r)).map(Some),
                None => Ok(None),
            },
        }
    }

    /// Every row of a query, each read by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Conn::Postgres(s) => s
                .fetch_all(sql, params)?
                .iter()
                .map(|r| f(&Row::Postgres(r)))
                .collect(),
        }
    }

    /// The SQLite connection, for what only SQLite has (FTS5); `None` on PostgreSQL.
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres(_) => None,
        }
    }
}

fn sqlite_params<'a>(
    params: &'a [&'a dyn Param],
) -> rusqlite::ParamsFromIter<impl Iterator<Item = SqliteParam<'a>>> {
    rusqlite::params_from_iter(params.iter().map(|p| SqliteParam(*p)))
}

struct SqliteParam<'a>(&'a dyn Param);

impl rusqlite::ToSql for SqliteParam<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.sqlite()
    }
}

/// One row of a result, from either engine.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a PgRow),
}

/// A column named by position or by name.
pub trait Index: rusqlite::RowIndex + sqlx::ColumnIndex<PgRow> + std::fmt::Debug + Copy {}
impl<T: rusqlite::RowIndex + sqlx::ColumnIndex<PgRow> + std::fmt::Debug + Copy> Index for T {}

impl Row<'_> {
    pub fn get<I: Index, T: Column>(&self, index: I) -> Result<T> {
        match self {
            Row::Sqlite(r) => {
                let value = r.get_ref(index)?;
                T::from_sqlite(value).map_err(|e| SqlError::column(index, e))
            }
            Row::Postgres(r) => {
                let value = r.try_get_raw(index)?;
                T::from_postgres(value).map_err(|e| SqlError::column(index, e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;

    #[test]
    fn one_text_reads_and_writes_sqlite() {
        let conn = Conn::sqlite_in_memory().unwrap();
        conn.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, at TEXT, on_ INTEGER)")
            .unwrap();
        let now = DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let id = conn
            .insert(
                "INSERT INTO t (name, at, on_) VALUES (?, ?, ?)",
                params!["Ana", now, true],
            )
            .unwrap();
        let row = conn
            .query_row(
                "SELECT name, at, on_ FROM t WHERE id = ?1 AND name = ?2",
                params![id, CiText("ANA")],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, DateTime<Utc>>("at")?,
                        r.get::<_, bool>(2)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(row, ("Ana".to_string(), now, true));
        let none: Option<i64> = conn
            .query_opt(
                "SELECT id FROM t WHERE name = ?",
                params![None::<String>],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(none, None);
        assert!(matches!(
            conn.query_row("SELECT id FROM t WHERE id = 99", params![], |r| r
                .get::<_, i64>(0)),
            Err(SqlError::NoRow)
        ));
    }
}
