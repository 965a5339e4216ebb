//! Which database the daemons under test use. SQLite files by default; with
//! `HELPDESK_TEST_ENGINE=postgres` every test's database is a fresh PostgreSQL database in the
//! cluster that `scripts/postgres/start.sh` starts once for the run (/tmp/hd-it-postgres,
//! 127.0.0.1:25432). The PostgreSQL tests use that cluster whatever the engine.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use crate::helpers::unique;

const RUN_DIR: &str = "/tmp/hd-it-postgres";
const PORT: u16 = 25432;

/// Whether this run's daemons keep their data in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("HELPDESK_TEST_ENGINE").is_ok_and(|e| e.eq_ignore_ascii_case("postgres"))
}

/// The server's URL, the cluster started once for the whole test binary.
pub fn server() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres/start.sh");
        let out = Command::new(script)
            .args([RUN_DIR, &PORT.to_string()])
            .output()
            .expect("running scripts/postgres/start.sh");
        assert!(
            out.status.success(),
            "PostgreSQL did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

/// Runs `work` to its end on a thread of its own, with a runtime of its own: callable from
/// any thread, async or not.
fn on_a_thread<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(work)
    })
    .join()
    .expect("a thread of its own")
}

/// A new, empty database of its own; returns its URL.
pub fn fresh_database(prefix: &str) -> String {
    let name = unique(prefix).to_lowercase();
    let admin = server().to_string();
    let create = format!("CREATE DATABASE \"{name}\"");
    on_a_thread(async move {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&admin)
            .await
            .expect("the test cluster");
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut admin)
            .await
            .expect("a database");
    });
    format!("postgres://postgres@127.0.0.1:{PORT}/{name}")
}

/// The `[database] url` for a daemon whose SQLite file would be `db`: that file, or on
/// PostgreSQL a database made for it the first time and found again after (a restart
/// reopens the same data), named in a file beside it.
pub fn database_url(db: &Path) -> String {
    if !on_postgres() {
        return format!("sqlite://{}", db.display());
    }
    let named = db.with_extension("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&named) {
        return url;
    }
    let url = fresh_database("hd");
    if let Some(dir) = named.parent() {
        std::fs::create_dir_all(dir).expect("the database's directory");
    }
    std::fs::write(&named, &url).expect("naming the database");
    url
}

/// A count read beside a daemon whose SQLite file would be `db` (see [`database_url`]); 0
/// while its database is not there yet.
pub fn count(db: &Path, sql: &str) -> i64 {
    if !on_postgres() {
        let Ok(conn) =
            rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        else {
            return 0;
        };
        let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
        return conn.query_row(sql, [], |r| r.get(0)).unwrap_or(0);
    }
    count_in(&database_url(db), sql)
}

/// A count in the PostgreSQL database at `url`; 0 while it does not answer.
pub fn count_in(url: &str, sql: &str) -> i64 {
    let (url, sql) = (url.to_string(), sql.to_string());
    on_a_thread(async move {
        use sqlx::Connection;
        let Ok(mut conn) = sqlx::PgConnection::connect(&url).await else {
            return 0;
        };
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await
            .unwrap_or(0)
    })
}
