//! PostgreSQL: Debian's PostgreSQL 15 started by the project's own script
//! (`scripts/postgres/start.sh`, a cluster in /tmp/hd-it-postgres on 127.0.0.1:25432), a
//! fresh database per test; and moving a team's SQLite data into it with `copy-db`.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use sqlx::{Connection, Row};

use crate::engine::{fresh_database, server};
use crate::helpers::*;

/// `helpdesk ARGS` on the project's default config, `[database] url` set to `url` when given
/// (through the environment); the exit status and everything it printed.
pub fn helpdesk(url: Option<&str>, args: &[&str]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    command
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/helpdesk.toml"),
        ])
        .args(args)
        .env("RUST_BACKTRACE", "0");
    if let Some(url) = url {
        command.env("HELPDESK_DATABASE_URL", url);
    }
    let out = command.output().expect("running helpdesk");
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

pub fn copy_db(from: &Path, to: &str) -> (Option<i32>, String) {
    let from = format!("sqlite://{}", from.display());
    helpdesk(None, &["copy-db", "--from", &from, "--to", to])
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_db_moves_every_row_to_postgres_once() {
    // The team's database is a SQLite file here (the SQLite run of the suite).
    if crate::engine::on_postgres() {
        return;
    }
    // A team's database with a bit of everything: a request with a file, a CC, a note,
    // a public reply, a resolution.
    let app = TestApp::spawn().await;
    let who = format!("{}@customer.test", unique("copy"));
    let colleague = format!("{}@customer.test", unique("copy-cc"));
    let raw = format!(
        "From: Ioana Șerban <{who}>\r\nTo: {support}\r\nCc: {colleague}\r\nSubject: Ședință amânată\r\n\
         Message-ID: <{id}@customer.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Proiectorul nu pornește.\r\n--b\r\nContent-Type: application/octet-stream; name=jurnal.bin\r\n\
         Content-Disposition: attachment; filename=jurnal.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         AAECA/8=\r\n--b--\r\n",
        support = app.support,
        id = unique("copy-mid")
    );
    send_raw(&who, &app.support, raw.as_bytes()).await;
    let key = app.wait_key(&who).await;
    for (path, body) in [
        (
            "comments",
            json!({"body": "Notă: sunăm furnizorul", "internal": true}),
        ),
        ("comments", json!({"body": "Verificăm proiectorul."})),
        ("resolve", json!({"resolution": "Am schimbat lampa."})),
    ] {
        let (s, v) = app
            .api("POST", &format!("/tickets/{key}/{path}"), Some(body))
            .await;
        assert_eq!(s, 200, "{path}: {v}");
    }
    let db = app.db_path.clone();
    let (_dir, _) = app.stop().await;
    // A text PostgreSQL cannot hold (a NUL let through by a mail client).
    let sqlite = rusqlite::Connection::open(&db).unwrap();
    sqlite
        .execute(
            "UPDATE messages SET body = 'Proiectorul' || char(0) || 'nu' WHERE id = 1",
            [],
        )
        .unwrap();

    let url = fresh_database("copy");
    let (code, out) = copy_db(&db, &url);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("every count checked"), "{out}");
    assert!(out.contains("1 texts held NUL"), "said: {out}");

    // Every table the same, row for row where it matters.
    let mut pg = sqlx::PgConnection::connect(&url).await.unwrap();
    for table in [
        "customers",
        "agents",
        "tickets",
        "participants",
        "messages",
        "attachments",
        "blobs",
        "raw_emails",
        "raw_email_bytes",
        "status_history",
        "outbox",
        "portal_tokens",
    ] {
        let here: i64 = sqlite
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        let there: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut pg)
                .await
                .unwrap();
        assert!(here > 0, "{table} has rows to copy");
        assert_eq!(here, there, "{table}");
        assert!(out.contains(table), "{table} is reported: {out}");
    }
    let (subject, version, created): (String, i64, String) = sqlite
        .query_row(
            "SELECT subject, version, created_at FROM tickets WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let row = sqlx::query(
        "SELECT subject, version, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM tickets WHERE id = 1",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>(0), subject);
    assert_eq!(
        row.get::<i64, _>(1),
        version,
        "no trigger ran on the copied rows"
    );
    assert_eq!(row.get::<String, _>(2), created, "the same instant");
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE internal")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(notes, 1, "flags are booleans");
    let raw_here: Vec<u8> = sqlite
        .query_row(
            "SELECT raw FROM raw_email_bytes ORDER BY raw_email_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let raw_there: Vec<u8> =
        sqlx::query_scalar("SELECT raw FROM raw_email_bytes ORDER BY raw_email_id LIMIT 1")
            .fetch_one(&mut pg)
            .await
            .unwrap();
    assert_eq!(raw_here, raw_there, "the mail byte for byte");
    let cc: (i64,) = sqlite
        .query_row(
            "SELECT rowid FROM participants WHERE address = ?",
            [&colleague],
            |r| Ok((r.get(0)?,)),
        )
        .unwrap();
    let cc_there: i64 =
        sqlx::query_scalar("SELECT rowid FROM participants WHERE address = $1::citext")
            .bind(colleague.to_uppercase())
            .fetch_one(&mut pg)
            .await
            .unwrap();
    assert_eq!(
        cc.0, cc_there,
        "participants keep their numbers, addresses match in any case"
    );
    // New rows go on after the copied ones.
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO customers (email, created_at) VALUES ('nou@customer.test', now()) RETURNING id",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    let most: i64 = sqlite
        .query_row("SELECT max(id) FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(next, most + 1);

    // Every index is there after the copy (those that back no constraint are built at the
    // end), as in a database made by migrate.
    let indexes = "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname";
    let copied: Vec<String> = sqlx::query_scalar(indexes)
        .fetch_all(&mut pg)
        .await
        .unwrap();
    let migrated_url = fresh_database("copy-indexes");
    let (code, out) = helpdesk(Some(&migrated_url), &["migrate"]);
    assert_eq!(code, Some(0), "{out}");
    let mut migrated = sqlx::PgConnection::connect(&migrated_url).await.unwrap();
    let made: Vec<String> = sqlx::query_scalar(indexes)
        .fetch_all(&mut migrated)
        .await
        .unwrap();
    assert_eq!(copied, made);
    assert!(
        copied.iter().any(|d| d.contains("gin (body_words)")),
        "{copied:?}"
    );
    let body: String = sqlx::query_scalar("SELECT body FROM messages WHERE id = 1")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(body, "Proiectorul\u{fffd}nu");
    // Our triggers are on again: a change people see raises its ticket's version, a
    // participant takes its ticket's status, and both go on after the copied ids.
    sqlx::query("UPDATE tickets SET priority = 'urgent' WHERE id = 1")
        .execute(&mut pg)
        .await
        .unwrap();
    let after: i64 = sqlx::query_scalar("SELECT version FROM tickets WHERE id = 1")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(after, version + 1, "the version trigger runs again");
    let rowid: i64 = sqlx::query_scalar(
        "INSERT INTO participants (ticket_id, address, role) VALUES (1, 'nou@customer.test', 'cc')
         RETURNING rowid",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    let most_rowid: i64 = sqlite
        .query_row("SELECT max(rowid) FROM participants", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rowid, most_rowid + 1, "participants' numbers go on");
    let taken: Option<String> = sqlx::query_scalar(
        "SELECT status FROM participants WHERE ticket_id = 1 AND address = 'nou@customer.test'",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(
        taken.as_deref(),
        Some("resolved"),
        "the status trigger runs again"
    );

    // A second copy into the same database is refused, and changes nothing.
    let (code, out) = copy_db(&db, &url);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("is not empty"), "{out}");
    let customers: i64 = sqlx::query_scalar("SELECT count(*) FROM customers")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(customers, most + 1);

    // A row PostgreSQL refuses halfway through (a time that is not one, in a table copied
    // after others): the copy stops naming it, and no row of any table is kept.
    let bad = db.with_file_name("bad.db");
    sqlite
        .execute("VACUUM INTO ?", [bad.display().to_string()])
        .unwrap();
    rusqlite::Connection::open(&bad)
        .unwrap()
        .execute("UPDATE tickets SET created_at = 'ieri' WHERE id = 1", [])
        .unwrap();
    let url = fresh_database("copy-half");
    let (code, out) = copy_db(&bad, &url);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("copying tickets"), "{out}");
    let mut pg = sqlx::PgConnection::connect(&url).await.unwrap();
    for table in ["customers", "messages", "participants", "tickets"] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut pg)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_db_says_what_is_wrong_and_writes_nothing() {
    let url = fresh_database("copy-bad");
    let (code, out) = copy_db(Path::new("/nonexistent/helpdesk.db"), &url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("there is no database at /nonexistent/helpdesk.db"),
        "{out}"
    );
    let (code, out) = copy_db(Path::new("/tmp/x.db"), "sqlite:///tmp/y.db");
    assert_eq!(code, Some(1));
    assert!(out.contains("--to must be a PostgreSQL URL"), "{out}");
    let mut pg = sqlx::PgConnection::connect(&url).await.unwrap();
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(tables, 0, "no schema made for a copy that could not start");
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_and_check_work_on_postgres() {
    let url = fresh_database("migrate");
    // A password in the URL is never printed.
    let mut admin = sqlx::PgConnection::connect(server()).await.unwrap();
    sqlx::query("DO $$ BEGIN CREATE ROLE hd_secret LOGIN PASSWORD 'hunter22'; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        .execute(&mut admin)
        .await
        .unwrap();
    let with_password = url.replace("postgres@", "hd_secret:hunter22@");
    let line = |out: &str| {
        out.lines()
            .find(|l| l.contains("database"))
            .unwrap_or_default()
            .to_string()
    };
    let (_, out) = helpdesk(Some(&with_password), &["check"]);
    assert!(line(&out).contains("hd_secret:***@"), "{out}");
    assert!(!out.contains("hunter22"), "{out}");
    // Nobody listens on port 1: the failure names the server, never the password.
    let nowhere = "postgres://hd:hunter22@127.0.0.1:1/helpdesk?password=hunter22";
    let (code, out) = helpdesk(Some(nowhere), &["check"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(line(&out).starts_with("FAIL"), "{out}");
    assert!(line(&out).contains("hd:***@127.0.0.1:1"), "{out}");
    assert!(!out.contains("hunter22"), "{out}");
    let (code, out) = copy_db(Path::new("/tmp/x.db"), "mysql://hd:hunter22@db/helpdesk");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("mysql://hd:***@db/helpdesk"), "{out}");

    // The database is fine, and the mailboxes are tried on it (the default config's are
    // not there: exit 1).
    let (code, out) = helpdesk(Some(&url), &["check"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(line(&out).starts_with("ok"), "{out}");
    assert!(line(&out).contains("migration(s) to apply"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("mailbox ") && !l.contains("not tried")),
        "the mailboxes are tried: {out}"
    );
    let (code, out) = helpdesk(Some(&url), &["migrate"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("is up to date"), "{out}");
    let (_, out) = helpdesk(Some(&url), &["check"]);
    assert!(line(&out).contains("schema up to date"), "{out}");
    let (code, out) = helpdesk(Some(&url), &["migrate"]);
    assert_eq!(code, Some(0), "a second migrate changes nothing: {out}");
}
