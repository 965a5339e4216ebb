//! What goes into a statement and comes out of it, on either engine: parameters bind
//! themselves ([`Param`]), columns read themselves ([`Column`]).

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, ToSqlOutput, ValueRef};
use sqlx::postgres::{PgArguments, PgValueRef, Postgres};
use sqlx::{Arguments, Decode, TypeInfo, ValueRef as _};

use crate::db::{parse_ts, ts};
use crate::domain::ids::{AgentId, CustomerId, TicketId};

pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

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

/// Text; a PostgreSQL time comes back as SQLite stores it (see [`ts`]).
impl Column for String {
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, BoxError> {
        sqlite_value(value)
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        match value.type_info().name() {
            "TIMESTAMPTZ" => decode::<DateTime<Utc>>(value).map(ts),
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
        parse_ts(&text).map_err(|e| e.to_string().into())
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
        Ok(ToSqlOutput::from(ts(*self)))
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

/// A column of a batch's rows, bound as one PostgreSQL array that `unnest` reads back as
/// rows: the batch in one statement. SQLite has no arrays; its code goes row by row.
pub enum Array<'a> {
    Text(Vec<Option<&'a str>>),
    /// Compared without regard to case, as [`CiText`].
    CiText(Vec<Option<&'a str>>),
    Bytes(Vec<&'a [u8]>),
    Int(Vec<Option<i64>>),
    Bool(Vec<bool>),
    Time(Vec<DateTime<Utc>>),
}

impl Param for Array<'_> {
    fn sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Err(rusqlite::Error::ToSqlConversionFailure(
            "an array is bound on PostgreSQL only".into(),
        ))
    }
    fn postgres(&self, args: &mut PgArguments) -> Result<(), BoxError> {
        // NUL as in a single text (see `impl Param for str`).
        let text = |s: &str| s.replace('\0', "\u{FFFD}");
        match self {
            Array::Text(items) => args.add(items.iter().map(|s| s.map(text)).collect::<Vec<_>>()),
            Array::CiText(items) => args.add(
                items
                    .iter()
                    .map(|s| s.map(|s| sqlx::postgres::types::PgCiText(text(s))))
                    .collect::<Vec<_>>(),
            ),
            Array::Bytes(items) => args.add(items.as_slice()),
            Array::Int(items) => args.add(items.as_slice()),
            Array::Bool(items) => args.add(items.as_slice()),
            Array::Time(items) => args.add(items.as_slice()),
        }
    }
}

/// A column of many values in one (`array_agg`), which PostgreSQL alone has: where a
/// statement's rows are many, each costs the server and the driver more than a value in
/// one does. SQLite's code reads rows.
pub struct Many<T>(pub Vec<T>);

impl<T> Column for Many<T>
where
    T: for<'r> Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    fn from_sqlite(_: ValueRef<'_>) -> Result<Self, BoxError> {
        Err("an array is read on PostgreSQL only".into())
    }
    fn from_postgres(value: PgValueRef<'_>) -> Result<Self, BoxError> {
        decode::<Vec<T>>(value).map(Many)
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
