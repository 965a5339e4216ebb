//! Append-only SQLite migrations from `migrations/sqlite/`, embedded at build time and
//! applied in name order; each one once, in the caller's transaction.

use rusqlite::params;

use rusqlite::Connection as Conn;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

pub fn run(conn: &Conn) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version TEXT PRIMARY KEY,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ) STRICT",
    )?;
    for (name, sql) in embedded::SQLITE {
        let done: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)",
            params![name],
            |r| r.get(0),
        )?;
        if !done {
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO schema_migrations (version) VALUES (?)",
                params![name],
            )?;
        }
    }
    Ok(())
}

/// How many of the embedded migrations this database has not had yet.
pub fn pending(conn: &Conn) -> rusqlite::Result<usize> {
    let table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !table {
        return Ok(embedded::SQLITE.len());
    }
    let mut done = conn.prepare("SELECT 1 FROM schema_migrations WHERE version = ?")?;
    let mut pending = 0;
    for (name, _) in embedded::SQLITE {
        if !done.exists([name])? {
            pending += 1;
        }
    }
    Ok(pending)
}

/// The PostgreSQL schema's migrations (`migrations/postgres/`), for sqlx's migrator: the
/// version is the name's leading number, the description the rest.
fn postgres_migrator() -> sqlx::migrate::Migrator {
    use sqlx::SqlSafeStr;
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    let migrations = embedded::POSTGRES
        .iter()
        .map(|(name, sql)| {
            let (version, description) = name.split_once('_').unwrap_or((name, ""));
            Migration::new(
                version.parse().unwrap_or_default(),
                description.replace('_', " ").into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// Creates or upgrades the PostgreSQL schema (each migration once, in its own transaction,
/// under sqlx's advisory lock, so nodes starting together migrate once).
pub async fn run_postgres(
    conn: &mut sqlx::PgConnection,
) -> Result<(), sqlx::migrate::MigrateError> {
    postgres_migrator().run(conn).await
}

/// How many of PostgreSQL's embedded migrations the database at the other end of `conn`
/// has not had yet.
pub async fn pending_postgres(conn: &mut sqlx::PgConnection) -> Result<usize, sqlx::Error> {
    let applied: Vec<i64> = match sqlx::query_scalar::<_, Option<String>>(
        "SELECT to_regclass('_sqlx_migrations')::text",
    )
    .fetch_one(&mut *conn)
    .await?
    {
        Some(_) => {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&mut *conn)
                .await?
        }
        None => Vec::new(),
    };
    Ok(postgres_migrator()
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .count())
}
