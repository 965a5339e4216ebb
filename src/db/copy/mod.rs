//! Moving a team's data from SQLite to PostgreSQL (`helpdesk copy-db`): every table of a
//! SQLite database into an empty PostgreSQL one, read in one SQLite transaction (a
//! consistent picture, even beside a serving daemon) and written in one PostgreSQL
//! transaction with COPY, counted on both sides before it commits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, bail, ensure};
use rusqlite::OpenFlags;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};
use tokio::sync::mpsc;

use super::postgres::{self, redact};
use super::{migrations, search};

mod csv;

/// SQLite's tables without a counterpart in PostgreSQL, by name prefix: SQLite's own, the
/// migration record (sqlx keeps PostgreSQL's) and the FTS5 full-text machinery (PostgreSQL
/// has its own text search, built from the copied rows).
const SQLITE_ONLY: &[&str] = &[
    "sqlite_",
    "schema_migrations",
    "subject_search",
    "message_search",
    "customer_search",
    "search_words",
    "search_watermark",
    "search_readers_pending",
];

/// PostgreSQL's tables without a counterpart in SQLite: the rate limits and the console's
/// presence nodes share (one daemon on SQLite keeps them in memory), which start empty, and
/// the search vocabulary, totals and queue's words, made from the copied rows' words.
const POSTGRES_ONLY: &[&str] = &[
    "throttle_failures",
    "throttle_events",
    "presence",
    "search_vocabulary",
    "search_totals",
    "queue_words",
];

/// How many rows each table holds in both databases after the copy, and in how many texts
/// what PostgreSQL cannot hold (NUL, bytes that are not UTF-8) became U+FFFD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: String,
    pub rows: u64,
    pub replaced: u64,
}

/// One table's copy: PostgreSQL's columns in order, each with what SQLite reads for it.
#[derive(Debug, Clone)]
struct Plan {
    table: String,
    columns: Vec<Column>,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    /// PostgreSQL's type name (`boolean`, `bytea`, …): how a SQLite value is written.
    pg_type: String,
    /// The SQLite expression that reads it: the column itself, or `rowid` for
    /// PostgreSQL's stand-in for SQLite's row id.
    sqlite: String,
}

/// What the SQLite reader sends: a piece of a table's COPY data, or the end of a table
/// with how many rows SQLite counted in it and how many texts had characters replaced.
enum Piece {
    Data(Vec<u8>),
    End { rows: u64, replaced: u64 },
}

/// COPY data is sent in pieces of about this many bytes.
const PIECE: usize = 256 * 1024;

/// Copies the SQLite database at `from` (a file at the newest schema) into the empty
/// PostgreSQL database at `to_url` (its schema created or upgraded first). Refuses a
/// target that holds any row; nothing is written unless every table's count matches.
pub async fn sqlite_to_postgres(from: &Path, to_url: &str) -> anyhow::Result<Vec<Copied>> {
    ensure!(from.exists(), "there is no database at {}", from.display());
    let source = rusqlite::Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", from.display()))?;
    let pending = migrations::pending(&source)?;
    ensure!(
        pending == 0,
        "{} lacks {pending} migration(s): run `helpdesk migrate` on it first",
        from.display()
    );
    let mut target = postgres::connect(to_url).await?;
    let full = tables_with_rows(&mut target).await?;
    ensure!(
        full.is_empty(),
        "{} is not empty (rows in {}): copy-db only fills an empty database",
        redact(to_url),
        full.join(", ")
    );
    migrations::run_postgres(&mut target)
        .await
        .context("creating the PostgreSQL schema")?;
    let plans = plan(&source, &mut target).await?;

    let (tx, mut rx) = mpsc::channel::<Piece>(8);
    let reader_plans = plans.clone();
    let reader = tokio::task::spawn_blocking(move || read_all(source, &reader_plans, &tx));

    let mut pg = target.begin().await?;
    // Rows go in table by table, so references are checked once all are in; the copied
    // rows keep their versions and statuses (no trigger of ours runs on them).
    sqlx::query("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *pg)
        .await?;
    our_triggers(&mut pg, &plans, "DISABLE").await?;
    // Indexes that back no constraint are built once the rows are in, which costs a
    // fraction of keeping them up row by row (the text-search indexes above all).
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
        .execute(&mut *pg)
        .await?;
    let later: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexname::text, i.indexdef FROM pg_indexes i
         WHERE i.schemaname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                           WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)",
    )
    .fetch_all(&mut *pg)
    .await?;
    for (name, _) in &later {
        let q = format!("DROP INDEX {}", ident(name));
        sqlx::query(AssertSqlSafe(q)).execute(&mut *pg).await?;
    }
    let mut copied = Vec::new();
    for p in &plans {
        let columns: Vec<String> = p.columns.iter().map(|c| ident(&c.name)).collect();
        let statement = format!(
            "COPY {} ({}) FROM STDIN WITH (FORMAT csv)",
            ident(&p.table),
            columns.join(", ")
        );
        let mut copy = pg.copy_in_raw(&statement).await?;
        let (counted, replaced) = loop {
            match rx.recv().await {
                Some(Piece::Data(bytes)) => {
                    copy.send(bytes).await?;
                }
                Some(Piece::End { rows, replaced }) => break (rows, replaced),
                None => {
                    // The reader's own error says what went wrong; the copy is dropped
                    // with the transaction.
                    reader.await??;
                    copy.abort("the SQLite reader stopped").await?;
                    bail!("the SQLite reader stopped before {}", p.table);
                }
            }
        };
        let written = copy
            .finish()
            .await
            .with_context(|| format!("copying {}", p.table))?;
        let q = format!("SELECT count(*) FROM {}", ident(&p.table));
        let there: i64 = sqlx::query_scalar(AssertSqlSafe(q))
            .fetch_one(&mut *pg)
            .await?;
        ensure!(
            written == counted && u64::try_from(there).ok() == Some(counted),
            "{}: SQLite has {counted} rows, PostgreSQL took {written} and holds {there}; nothing was written",
            p.table
        );
        copied.push(Copied {
            table: p.table.clone(),
            rows: counted,
            replaced,
        });
    }
    reader.await??;
    // The references are checked here (each against the referenced table's key), before
    // the indexes are built and the triggers turned back on: neither is allowed while
    // checks are pending.
    sqlx::query("SET CONSTRAINTS ALL IMMEDIATE")
        .execute(&mut *pg)
        .await
        .context("checking the copied rows' references")?;
    // The words searches read, written before their indexes are built (the copied rows
    // are all there, readers too), so the copy is searchable at once.
    for (q, what) in search::postgres_fill() {
        sqlx::query(AssertSqlSafe(q))
            .execute(&mut *pg)
            .await
            .with_context(|| format!("writing {what}"))?;
    }
    for (name, definition) in later {
        sqlx::query(AssertSqlSafe(definition))
            .execute(&mut *pg)
            .await
            .with_context(|| format!("building the index {name}"))?;
    }
    our_triggers(&mut pg, &plans, "ENABLE").await?;
    // Identity columns go on from the highest copied id.
    let identities = sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *pg)
    .await?;
    for row in identities {
        let (table, column): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let q = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max({c}) FROM {t}), 0) + 1, false)",
            c = ident(&column),
            t = ident(&table)
        );
        sqlx::query(AssertSqlSafe(q))
            .bind(&table)
            .bind(&column)
            .execute(&mut *pg)
            .await?;
    }
    pg.commit().await.context("committing the copy")?;
    Ok(copied)
}

/// The tables of the target's schema that hold a row (sqlx's migration record aside).
async fn tables_with_rows(target: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
           AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(&mut *target)
    .await?;
    let mut full = Vec::new();
    for table in tables {
        let q = format!("SELECT EXISTS (SELECT 1 FROM {})", ident(&table));
        if sqlx::query_scalar::<_, bool>(AssertSqlSafe(q))
            .fetch_one(&mut *target)
            .await?
        {
            full.push(table);
        }
    }
    Ok(full)
}

/// Each PostgreSQL table with the SQLite columns it is filled from. Every SQLite table
/// must have a PostgreSQL counterpart unless it is SQLite's own ([`SQLITE_ONLY`]), and
/// every PostgreSQL column a SQLite one: nothing is left behind unnoticed.
async fn plan(
    source: &rusqlite::Connection,
    target: &mut PgConnection,
) -> anyhow::Result<Vec<Plan>> {
    let rows = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.udt_name::text
         FROM information_schema.columns c JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.table_name <> '_sqlx_migrations'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut *target)
    .await?;
    let mut pg: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for row in rows {
        pg.entry(row.try_get(0)?)
            .or_default()
            .push((row.try_get(1)?, row.try_get(2)?));
    }
    let sqlite_tables: BTreeSet<String> = source
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let left: Vec<&String> = sqlite_tables
        .iter()
        .filter(|t| !pg.contains_key(*t) && !SQLITE_ONLY.iter().any(|p| t.starts_with(p)))
        .collect();
    ensure!(
        left.is_empty(),
        "SQLite tables without a PostgreSQL counterpart: {left:?}"
    );
    let mut plans = Vec::new();
    for (table, columns) in pg {
        if POSTGRES_ONLY.contains(&table.as_str()) {
            continue;
        }
        ensure!(
            sqlite_tables.contains(&table),
            "the PostgreSQL table {table} has no SQLite counterpart"
        );
        let in_sqlite: BTreeSet<String> = source
            .prepare("SELECT name FROM pragma_table_info(?)")?
            .query_map([&table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let missing: Vec<&String> = in_sqlite
            .iter()
            .filter(|c| !columns.iter().any(|(name, _)| name == *c))
            .collect();
        ensure!(
            missing.is_empty(),
            "SQLite's {table} has columns PostgreSQL's has not: {missing:?}"
        );
        let columns = columns
            .into_iter()
            .filter(|(name, _)| {
                !search::POSTGRES_WORDS.iter().any(|w| {
                    w.table == table && (w.column == name || w.length == Some(name.as_str()))
                })
            })
            .map(|(name, pg_type)| {
                let sqlite = if in_sqlite.contains(&name) {
                    ident(&name)
                } else if name == "rowid" {
                    "rowid".to_string()
                } else {
                    bail!("{table}.{name} has no SQLite column")
                };
                Ok(Column {
                    name,
                    pg_type,
                    sqlite,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        plans.push(Plan { table, columns });
    }
    Ok(plans)
}

/// Reads every planned table in one read transaction, as CSV for COPY.
fn read_all(
    source: rusqlite::Connection,
    plans: &[Plan],
    out: &mpsc::Sender<Piece>,
) -> anyhow::Result<()> {
    let send = |piece| {
        out.blocking_send(piece)
            .map_err(|_| anyhow::anyhow!("the PostgreSQL side stopped"))
    };
    let tx = source.unchecked_transaction()?;
    for p in plans {
        let columns: Vec<&str> = p.columns.iter().map(|c| c.sqlite.as_str()).collect();
        let mut stmt = tx.prepare(&format!(
            "SELECT {} FROM {} ORDER BY rowid",
            columns.join(", "),
            ident(&p.table)
        ))?;
        let mut rows = stmt.query([])?;
        let (mut buf, mut n, mut replaced) = (Vec::with_capacity(PIECE + 4096), 0u64, 0u64);
        while let Some(row) = rows.next()? {
            for (i, c) in p.columns.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                let changed = csv::field(&mut buf, row.get_ref(i)?, &c.pg_type)
                    .with_context(|| format!("{}.{} in row {}", p.table, c.name, n + 1))?;
                replaced += u64::from(changed);
            }
            buf.push(b'\n');
            n += 1;
            if buf.len() >= PIECE {
                send(Piece::Data(std::mem::replace(
                    &mut buf,
                    Vec::with_capacity(PIECE + 4096),
                )))?;
            }
        }
        if !buf.is_empty() {
            send(Piece::Data(buf))?;
        }
        send(Piece::End { rows: n, replaced })?;
    }
    Ok(())
}

/// Turns our triggers on every planned table off or on (`DISABLE`/`ENABLE`); the
/// constraints' own triggers stay.
async fn our_triggers(pg: &mut PgConnection, plans: &[Plan], switch: &str) -> anyhow::Result<()> {
    for p in plans {
        let q = format!("ALTER TABLE {} {switch} TRIGGER USER", ident(&p.table));
        sqlx::query(AssertSqlSafe(q)).execute(&mut *pg).await?;
    }
    Ok(())
}

/// A name quoted as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
