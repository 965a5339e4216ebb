//! One SQL text for both engines. A [`Conn`] is SQLite's or PostgreSQL's; a statement's
//! parameters ([`Param`]) and columns ([`Column`]) convert themselves for either, and its
//! `?` / `?N` placeholders become `$N` on PostgreSQL. The few statements that must read
//! differently name both texts with [`Conn::pick`].

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, ToSqlOutput, ValueRef};
use sqlx::postgres::{PgArguments, PgRow, PgValueRef, Postgres};
use sqlx::{Arguments, Decode, Row as _, TypeInfo, ValueRef as _};

use super::postgres::Session;
use crate::domain::ids::{AgentId, CustomerId, TicketId};

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
        match self {
            Conn::Sqlite(c) => {
                c.prepare_cached(sql)?.execute(sqlite_params(params))?;
                Ok(c.last_insert_rowid())
            }
            Conn::Postgres(_) => {
                self.query_row(&format!("{sql} RETURNING id"), params, |r| r.get(0))
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

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A value a column gives back, read from either engine.
pub trait Column: Sized {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError>;
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError>;
}

/// A statement's parameter, bound on either engine.
pub trait Param: Sync {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>>;
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError>;
}

fn sqlite_value<T: FromSql>(value: ValueRef<'_>) -> Result<T, BoxError> {
    T::column_result(value).map_err(|e| e.to_string().into())
}

fn decode<'r, T: Decode<'r, Postgres>>(value: PgValueRef<'r>) -> Result<T, BoxError> {
    if value.is_null() {
        return Err("unexpected NULL".into());
    }
    T::decode(value)
}

impl<T: Column> Column for Option<T> {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        match value {
            ValueRef::Null => Ok(None),
            v => T::from_sqlite(v).map(Some),
        }
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        if value.is_null() {
            Ok(None)
        } else {
            T::from_postgres(value).map(Some)
        }
    }
}

impl Column for i64 {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        sqlite_value(value)
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        match value.type_info().name() {
            "INT2" => decode::<i16>(value).map(i64::from),
            "INT4" => decode::<i32>(value).map(i64::from),
            "BOOL" => decode::<bool>(value).map(i64::from),
            _ => decode::<i64>(value),
        }
    }
}

impl Column for f64 {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        sqlite_value(value)
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        match value.type_info().name() {
            "FLOAT4" => decode::<f32>(value).map(f64::from),
            "INT2" | "INT4" | "INT8" => i64::from_postgres(value).map(|n| n as f64),
            _ => decode::<f64>(value),
        }
    }
}

impl Column for bool {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        sqlite_value(value)
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        match value.type_info().name() {
            "BOOL" => decode::<bool>(value),
            _ => i64::from_postgres(value).map(|n| n != 0),
        }
    }
}

/// Text; a PostgreSQL time comes back as SQLite stores it (see [`super::ts`]).
impl Column for String {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        sqlite_value(value)
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        match value.type_info().name() {
            "TIMESTAMPTZ" => decode::<DateTime<Utc>>(value).map(super::ts),
            _ => decode::<String>(value),
        }
    }
}

impl Column for Vec<u8> {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        sqlite_value(value)
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        decode::<Vec<u8>>(value)
    }
}

impl Column for DateTime<Utc> {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        let text: String = sqlite_value(value)?;
        super::parse_ts(&text).map_err(|e| e.to_string().into())
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        decode::<DateTime<Utc>>(value)
    }
}

/// A type whose value binds the same way on both engines.
macro_rules! plain_param {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                rusqlite::ToSql::to_sql(self)
            }
            fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
                args.add(self)
            }
        }
    )*};
}

plain_param!(i64, i32, f64, bool, Vec<u8>, [u8]);

/// Text. PostgreSQL's text cannot hold NUL, which SQLite's can: there it becomes U+FFFD,
/// as `copy-db` writes it, rather than failing the whole use case (a form or a mail with one).
impl Param for str {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        rusqlite::ToSql::to_sql(self)
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
        if self.contains('\0') {
            args.add(self.replace('\0', "\u{FFFD}"))
        } else {
            args.add(self)
        }
    }
}

impl Param for String {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.as_str().sqlite()
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
        self.as_str().postgres(args)
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        (**self).sqlite()
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
        (**self).postgres(args)
    }
}

/// A time: RFC 3339 text on SQLite (text order is time order), `timestamptz` on PostgreSQL.
impl Param for DateTime<Utc> {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(super::ts(*self)))
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
        args.add(self)
    }
}

/// NULL of the type `T` would be: PostgreSQL learns a parameter's type from it.
impl<T: Param + NullOf> Param for Option<T> {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Some(v) => v.sqlite(),
            None => Ok(ToSqlOutput::from(rusqlite::types::Null)),
        }
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
        match self {
            Some(v) => v.postgres(args),
            None => T::null(args),
        }
    }
}

/// Binds a NULL of this type on PostgreSQL.
pub trait NullOf {
    fn null(args: &mut PgArguments) -> Result<(), BoxError>;
}

macro_rules! null_of {
    ($($t:ty => $pg:ty),*) => {$(
        impl NullOf for $t {
            fn null(args: &mut PgArguments) -> Result<(), BoxError> {
                args.add(None::<$pg>)
            }
        }
    )*};
}

null_of!(i64 => i64, i32 => i32, f64 => f64, bool => bool, String => String, &str => String,
    Vec<u8> => Vec<u8>, &[u8] => Vec<u8>, DateTime<Utc> => DateTime<Utc>, CiText<'_> => sqlx::postgres::types::PgCiText,
    TicketId => i64, AgentId => i64, CustomerId => i64);

/// Text compared without regard to case: an address or a name held in a `NOCASE` column on
/// SQLite, a `citext` one on PostgreSQL (where a plain text parameter would compare by case).
#[derive(Debug, Clone, Copy)]
pub struct CiText<'a>(pub &'a str);

impl Param for CiText<'_> {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
        args.add(sqlx::postgres::types::PgCiText(
            self.0.replace('\0', "\u{FFFD}"),
        ))
    }
}

/// A row id goes into SQL and comes back as the number it is.
macro_rules! id_column {
    ($($name:ident),*) => {$(
        impl Param for $name {
            fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
            fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
                args.add(self.0)
            }
        }

        impl Column for $name {
            fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
                i64::from_sqlite(value).map($name)
            }
            fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
                i64::from_postgres(value).map($name)
            }
        }
    )*};
}

id_column!(TicketId, AgentId, CustomerId);

/// SQLite's placeholders (`?`, `?N`) as PostgreSQL's (`$N`); text in quotes and comments
/// is left as it is. A bare `?` takes the number after the largest one so far, as in SQLite.
pub fn postgres_text(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut largest = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = digits.parse().unwrap_or(largest + 1);
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// Statements already turned into PostgreSQL's placeholders, by their SQLite text.
#[derive(Default)]
pub(crate) struct Texts(HashMap<String, Arc<str>>);

impl Texts {
    pub(crate) fn get(&mut self, sql: &str) -> Arc<str> {
        if let Some(text) = self.0.get(sql) {
            return text.clone();
        }
        let text: Arc<str> = postgres_text(sql).into();
        self.0.insert(sql.to_string(), text.clone());
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_outside_quotes_and_comments() {
        assert_eq!(
            postgres_text("SELECT '?', x FROM t WHERE a = ? AND b = ? -- why?\n AND c = ?"),
            "SELECT '?', x FROM t WHERE a = $1 AND b = $2 -- why?\n AND c = $3"
        );
        assert_eq!(
            postgres_text("UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?2 AND c = ?"),
            "UPDATE t SET a = $2 WHERE id = $1 AND b = $2 AND c = $3"
        );
        assert_eq!(
            postgres_text("SELECT \"a?\" FROM t"),
            "SELECT \"a?\" FROM t"
        );
    }

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
