//! Which database a bench measures: SQLite files (the default) or, with
//! `BENCH_ENGINE=postgres`, PostgreSQL in a cluster of the benches' own: started by
//! `scripts/postgres/start.sh` in `target/bench-postgres/cluster` on 127.0.0.1:BENCH_PG_PORT
//! (default 25600), its data kept between runs, the server stopped when the bench ends.
//!
//! A cached SQLite database (the portal's and the console's million tickets) is moved into
//! the cluster once with `helpdesk copy-db` and kept there as a template, named after the
//! file and refilled when the file or the PostgreSQL migrations change; each run works on a copy of the template, as
//! the SQLite runs work on a copy of the file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use helpdesk::db::Conn;
use helpdesk::db::postgres::Session;

use super::target_dir;

pub enum Engine {
    Sqlite,
    Postgres(Cluster),
}

impl Engine {
    /// `BENCH_ENGINE`: unset or `sqlite`, or `postgres` (whose cluster this starts).
    pub fn from_env() -> anyhow::Result<Self> {
        match std::env::var("BENCH_ENGINE")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "" | "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres(Cluster::start()?)),
            other => bail!("BENCH_ENGINE={other}: sqlite or postgres"),
        }
    }

    /// The engine, its version and the settings that matter for the figures.
    pub fn describe(&self) -> anyhow::Result<String> {
        match self {
            Engine::Sqlite => Ok(format!(
                "SQLite {} (WAL, synchronous=FULL)",
                rusqlite::version()
            )),
            Engine::Postgres(cluster) => cluster.describe(),
        }
    }

    /// A new, empty database for one measurement: `dir/NAME.db`, or a database of its own in
    /// the cluster, dropped with the [`Store`].
    pub fn fresh(&self, dir: &Path, name: &str) -> anyhow::Result<Store> {
        match self {
            Engine::Sqlite => {
                let file = dir.join(format!("{name}.db"));
                Ok(Store {
                    url: format!("sqlite://{}", file.display()),
                    file: Some(file),
                    database: None,
                })
            }
            Engine::Postgres(cluster) => {
                let database = cluster.create(&format!("bench_{name}"), None)?;
                Ok(Store {
                    url: cluster.url(&database.name),
                    file: None,
                    database: Some(database),
                })
            }
        }
    }

    /// A working copy of the cached SQLite database `cached`: a copy of the file in `dir`, or
    /// a copy of its template in the cluster (filled the first time, and again whenever the
    /// file is not the one it was filled from).
    pub fn copy_of(&self, cached: &Path, dir: &Path) -> anyhow::Result<Store> {
        match self {
            Engine::Sqlite => {
                let file = dir.join(cached.file_name().context("a file name")?);
                std::fs::copy(cached, &file)?;
                Ok(Store {
                    url: format!("sqlite://{}", file.display()),
                    file: Some(file),
                    database: None,
                })
            }
            Engine::Postgres(cluster) => {
                let template = cluster.template_of(cached)?;
                let database = cluster.create(&format!("{template}_run"), Some(&template))?;
                Ok(Store {
                    url: cluster.url(&database.name),
                    file: None,
                    database: Some(database),
                })
            }
        }
    }
}

/// One bench's database: its URL, and the file or the PostgreSQL database behind it (a
/// PostgreSQL one is dropped with it).
pub struct Store {
    pub url: String,
    file: Option<PathBuf>,
    database: Option<Database>,
}

impl Store {
    /// The SQLite file, when it is one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// A connection opened as the daemon opens its readers. PostgreSQL's drives its own
    /// runtime: use it off the async threads ([`off_runtime`]).
    pub fn conn(&self) -> anyhow::Result<Conn> {
        match &self.file {
            Some(file) => {
                let conn = rusqlite::Connection::open(file)?;
                conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
                conn.set_prepared_statement_cache_capacity(128);
                helpdesk::db::add_functions(&conn)?;
                Ok(Conn::Sqlite(conn))
            }
            None => Ok(Conn::Postgres(Session::connect(&self.url)?)),
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // The database goes first (the file's directory is its owner's).
        drop(self.database.take());
    }
}

/// Runs `f` on a thread of its own, so that PostgreSQL sessions (which block on a runtime
/// of their own) may be used from async code.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// The benches' PostgreSQL cluster; its server stops when this is dropped (the data stays).
pub struct Cluster {
    /// `target/bench-postgres`: the cluster in `cluster/`, beside the templates' markers.
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    pub fn start() -> anyhow::Result<Self> {
        let dir = target_dir().join("bench-postgres");
        std::fs::create_dir_all(&dir)?;
        // The scripts run PostgreSQL's programs from `/`.
        let dir = dir.canonicalize()?;
        let port = super::env_usize("BENCH_PG_PORT", 25600) as u16;
        let out = Command::new(script("postgres/start.sh"))
            .arg(dir.join("cluster"))
            .arg(port.to_string())
            .output()
            .context("running scripts/postgres/start.sh")?;
        ensure!(
            out.status.success(),
            "PostgreSQL did not start (scripts/postgres/install.sh installs it): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(Self { dir, port })
    }

    /// The URL of `database` in this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs `f` on a session of its own to `database`, off the async threads.
    fn on<T: Send>(
        &self,
        database: &str,
        f: impl FnOnce(&Conn) -> helpdesk::db::SqlResult<T> + Send,
    ) -> anyhow::Result<T> {
        let url = self.url(database);
        off_runtime(move || {
            let conn = Conn::Postgres(Session::connect(&url)?);
            Ok(f(&conn)?)
        })
    }

    pub fn describe(&self) -> anyhow::Result<String> {
        self.on("postgres", |c| {
            c.query_row(
                "SELECT 'PostgreSQL ' || current_setting('server_version') || ' (shared_buffers='
                     || current_setting('shared_buffers') || ', work_mem=' || current_setting('work_mem')
                     || ', effective_cache_size=' || current_setting('effective_cache_size')
                     || ', max_wal_size=' || current_setting('max_wal_size')
                     || ', synchronous_commit=' || current_setting('synchronous_commit')
                     || ', fsync=' || current_setting('fsync') || ', loopback TCP)'",
                helpdesk::params![],
                |r| r.get(0),
            )
        })
    }

    /// A new database `name` (made again if a run that was killed left one), empty or a
    /// copy of `template`; dropped with the [`Database`].
    pub fn create(&self, name: &str, template: Option<&str>) -> anyhow::Result<Database> {
        let database = Database {
            admin: self.url("postgres"),
            name: name.to_string(),
        };
        let create = match template {
            // A copy of the files, not of their every page through the log.
            Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\" STRATEGY FILE_COPY"),
            None => format!("CREATE DATABASE \"{name}\""),
        };
        let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        self.on("postgres", |c| {
            c.batch(&drop)?;
            c.batch(&create)
        })
        .with_context(|| format!("creating the database {name}"))?;
        Ok(database)
    }

    /// The template holding the rows of the cached SQLite file `cached`, filled now unless
    /// it was filled from this very file (same size, same time of change).
    pub fn template_of(&self, cached: &Path) -> anyhow::Result<String> {
        let stem = cached
            .file_stem()
            .context("a file name")?
            .to_string_lossy()
            .to_lowercase();
        let name: String = stem
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let meta = std::fs::metadata(cached)?;
        // The schema it was made with too: copy-db fills what a migration derives (the
        // search words), which migrating a copy of an older template would redo every run.
        let mut schema: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))?
                .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<Result<_, _>>()?;
        schema.sort();
        let source = format!(
            "{} {} bytes, changed {:?}\nschema {}\n",
            cached.display(),
            meta.len(),
            meta.modified()?,
            schema.join(" ")
        );
        let marker = self.dir.join(format!("{name}.source"));
        let exists: i64 = self.on("postgres", |c| {
            c.query_row(
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                helpdesk::params![name],
                |r| r.get(0),
            )
        })?;
        if exists == 1 && std::fs::read_to_string(&marker).is_ok_and(|m| m == source) {
            println!("PostgreSQL: {name} (cached, from {})", cached.display());
            return Ok(name);
        }
        let _ = std::fs::remove_file(&marker);
        if exists == 1 {
            // A template is dropped only once it is none.
            self.on("postgres", |c| {
                c.batch(&format!(
                    "ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false ALLOW_CONNECTIONS true"
                ))
            })?;
        }
        self.fill(cached, &name)?;
        std::fs::write(&marker, source)?;
        Ok(name)
    }

    /// Moves the rows of `cached` into a new database `name` with `helpdesk copy-db`.
    fn fill(&self, cached: &Path, name: &str) -> anyhow::Result<()> {
        // copy-db takes a file with every migration, and never writes to it: a scratch copy
        // is migrated first (the cache may be some migrations behind, as the benches
        // migrate their copies).
        let started = Instant::now();
        let scratch = self.dir.join(format!("{name}.db"));
        let remove_scratch = || {
            for suffix in ["", "-wal", "-shm", "-journal", ".serve-lock"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
            }
        };
        remove_scratch();
        std::fs::copy(cached, &scratch)?;
        let sqlite = format!("sqlite://{}", scratch.display());
        helpdesk(&["migrate"], &sqlite)?;
        let migrated = started.elapsed().as_secs_f64();
        let database = self.create(name, None)?;
        let copying = Instant::now();
        let out = helpdesk(
            &["copy-db", "--from", &sqlite, "--to", &self.url(name)],
            &sqlite,
        )?;
        let copied = copying.elapsed().as_secs_f64();
        remove_scratch();
        // Planner statistics and the visibility map of the tables that hold rows, as
        // autovacuum makes them after a load; it leaves the empty ones alone, and so does
        // this (a table analyzed while empty is planned as empty until it is analyzed
        // again). The copies of the template inherit both.
        let vacuuming = Instant::now();
        self.on(name, |c| {
            let tables: Vec<String> = c.query_map(
                "SELECT relname::text FROM pg_class
                 WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY relname",
                helpdesk::params![],
                |r| r.get(0),
            )?;
            for table in tables {
                let rows: bool = c.query_row(
                    &format!("SELECT EXISTS (SELECT 1 FROM \"{table}\")"),
                    helpdesk::params![],
                    |r| r.get(0),
                )?;
                if rows {
                    c.batch(&format!("VACUUM (ANALYZE) \"{table}\""))?;
                }
            }
            Ok(())
        })?;
        let vacuumed = vacuuming.elapsed().as_secs_f64();
        // Kept as a template: no connection may hold it while a run copies it.
        self.on("postgres", |c| {
            c.batch(&format!(
                "ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
            ))
        })?;
        std::mem::forget(database);
        println!(
            "PostgreSQL: {name} filled from {} in {:.0} s (migrating a copy {migrated:.0} s, copy-db {copied:.0} s, \
             VACUUM ANALYZE {vacuumed:.0} s): {}",
            cached.display(),
            started.elapsed().as_secs_f64(),
            out.lines().last().unwrap_or("")
        );
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script("postgres/stop.sh"))
            .arg(self.dir.join("cluster"))
            .output();
    }
}

/// A database in the cluster, dropped (its sessions ended) when this is.
pub struct Database {
    admin: String,
    pub name: String,
}

impl Drop for Database {
    fn drop(&mut self) {
        let (admin, name) = (&self.admin, &self.name);
        let dropped = off_runtime(|| {
            let conn = Conn::Postgres(Session::connect(admin)?);
            conn.batch(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))?;
            anyhow::Ok(())
        });
        if let Err(e) = dropped {
            eprintln!("dropping the database {name}: {e:#}");
        }
    }
}

/// The path of one of the project's scripts.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

/// Runs the `helpdesk` binary on the database `url`; its standard output.
fn helpdesk(args: &[&str], url: &str) -> anyhow::Result<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .arg("--config")
        .arg(target_dir().join("bench-postgres/no-such-config.toml"))
        .args(args)
        .env("HELPDESK_DATABASE_URL", url)
        .output()
        .with_context(|| format!("running helpdesk {}", args[0]))?;
    ensure!(
        out.status.success(),
        "helpdesk {} failed: {}",
        args[0],
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
