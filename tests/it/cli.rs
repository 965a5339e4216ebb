//! The `helpdesk` binary as an operator uses it: migrate, agent add/token, import, check,
//! serve with JSON logs.

use std::io::Write;
use std::process::{Command, Stdio};

fn helpdesk(db: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/helpdesk.toml"),
        ])
        .args(args)
        .env(
            "HELPDESK_DATABASE_URL",
            format!("sqlite://{}", db.display()),
        )
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_agents_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/helpdesk.db");
    let (ok, out, err) = helpdesk(&db, &["migrate"], None);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));
    let (ok, _, err) = helpdesk(
        &db,
        &["agent", "add", "ana@example.test", "--name", "Ana"],
        Some("scurta\n"),
    );
    assert!(!ok, "a weak password is refused");
    assert!(err.contains("8 letters or digits"), "{err}");
    let (ok, out, err) = helpdesk(
        &db,
        &["agent", "add", "ana@example.test", "--name", "Ana"],
        Some("parola123\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("ana@example.test"));
    let (ok, token, err) = helpdesk(&db, &["agent", "token", "ana@example.test"], None);
    assert!(ok, "{err}");
    assert!(token.trim().len() >= 40);
    let (ok, _, err) = helpdesk(&db, &["agent", "token", "nobody@example.test"], None);
    assert!(!ok);
    assert!(err.contains("no agent"), "{err}");
}

#[test]
fn import_reads_eml_files_mboxes_and_maildirs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("helpdesk.db");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/emails");
    let (ok, out, err) = helpdesk(&db, &["import", fixtures], None);
    assert!(ok, "{err}");
    let count = |label: &str| -> usize {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{label}: ")))
            .and_then(|n| n.trim().parse().ok())
            .unwrap()
    };
    assert_eq!(
        count("quarantined"),
        2,
        "only the two malformed fixtures: {out}"
    );
    assert!(count("created") >= 10, "{out}");
    assert!(count("ignored") >= 5, "{out}");

    // An mbox with two messages, and a Maildir with one; then the same again: duplicates.
    let mbox = dir.path().join("export.mbox");
    std::fs::write(
        &mbox,
        "From a@x.test Mon Mar  2 10:00:00 2026\nFrom: Ana <ana@client.ro>\nSubject: Prima\nMessage-ID: <mb1@client.ro>\n\nText unu\n>From the start\n\n\
         From b@x.test Mon Mar  2 10:01:00 2026\nFrom: Bogdan <bogdan@client.ro>\nSubject: A doua\nMessage-ID: <mb2@client.ro>\n\nText doi\n",
    )
    .unwrap();
    let maildir = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::write(
        maildir.join("new/1.eml"),
        "From: dan@client.ro\r\nSubject: Din maildir\r\nMessage-ID: <md1@client.ro>\r\n\r\nx\r\n",
    )
    .unwrap();
    std::fs::write(
        maildir.join("tmp/2.eml"),
        "From: half@client.ro\r\nSubject: still being delivered\r\n\r\nx\r\n",
    )
    .unwrap();
    let (ok, out, err) = helpdesk(
        &db,
        &["import", mbox.to_str().unwrap(), maildir.to_str().unwrap()],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("created: 3"), "{out}");
    let (ok, out, _) = helpdesk(
        &db,
        &["import", mbox.to_str().unwrap(), maildir.to_str().unwrap()],
        None,
    );
    assert!(ok);
    assert!(
        out.contains("duplicate: 3") && out.contains("created: 0"),
        "{out}"
    );

    // The quarantined ones can be replayed; they stay quarantined since they are still broken.
    let (ok, out, err) = helpdesk(&db, &["import", "--quarantined"], None);
    assert!(ok, "{err}");
    assert!(out.contains("quarantined: 2"), "{out}");
}

/// `helpdesk serve` as a process: it serves, takes mail, and SIGTERM stops it cleanly.
#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_and_stops_cleanly_on_sigterm() {
    crate::helpers::mail_stack();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let support = format!("{}@example.test", crate::helpers::unique("serve"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (ok, _, err) = helpdesk(
        &db,
        &["agent", "add", "agent@example.test", "--name", "Ana"],
        Some("parola123\n"),
    );
    assert!(ok, "{err}");
    let (_, token, _) = helpdesk(&db, &["agent", "token", "agent@example.test"], None);
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/helpdesk.toml"),
            "serve",
        ])
        .env(
            "HELPDESK_DATABASE_URL",
            format!("sqlite://{}", db.display()),
        )
        .env("HELPDESK_HELPDESK_SUPPORT_ADDRESS", &support)
        .env("HELPDESK_IMAP_PORT", crate::helpers::IMAP_PORT.to_string())
        .env("HELPDESK_IMAP_USERNAME", &support)
        .env("HELPDESK_SMTP_PORT", crate::helpers::SMTP_PORT.to_string())
        .env("HELPDESK_SMTP_USERNAME", "")
        .env("HELPDESK_WEB_BIND", format!("127.0.0.1:{port}"))
        .env("HELPDESK_WEB_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("HELPDESK_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let up = crate::helpers::wait_until(std::time::Duration::from_secs(20), || async {
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    assert!(up, "serve answers /healthz");
    let customer = format!("{}@customer.test", crate::helpers::unique("proc"));
    crate::helpers::send_mail(&customer, &support, "Din proces", "salut", &[]).await;
    let got = crate::helpers::wait_until(std::time::Duration::from_secs(20), || async {
        let r = http
            .get(format!("{base}/api/v1/tickets?requester={customer}"))
            .bearer_auth(token.trim())
            .send()
            .await;
        match r {
            Ok(r) => r
                .json::<serde_json::Value>()
                .await
                .is_ok_and(|v| v["tickets"].as_array().is_some_and(|t| t.len() == 1)),
            Err(_) => false,
        }
    })
    .await;
    assert!(got, "the running daemon turned the mail into a ticket");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not stop within 20 s of SIGTERM"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(log.contains("stopping"), "{log}");
    assert!(
        log.contains("mailbox poller stopped") && log.contains("outbox sender stopped"),
        "{log}"
    );
    // [log] format = "json": every line one JSON object, for log collectors.
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            v.is_object() && v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
    }
}

/// `helpdesk check` against the loopback mail stack: one line per part, exit 0; with a
/// wrong password, the mailbox's line fails with a hint and the exit status is 1.
#[test]
fn check_tries_every_part_and_says_what_to_fix() {
    crate::helpers::mail_stack();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("check.db");
    let run = |password: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
            .args([
                "--config",
                concat!(env!("CARGO_MANIFEST_DIR"), "/helpdesk.toml"),
                "check",
            ])
            .env(
                "HELPDESK_DATABASE_URL",
                format!("sqlite://{}", db.display()),
            )
            .env("HELPDESK_IMAP_PORT", crate::helpers::IMAP_PORT.to_string())
            .env("HELPDESK_IMAP_PASSWORD", password)
            .env("HELPDESK_SMTP_PORT", crate::helpers::SMTP_PORT.to_string())
            .env("HELPDESK_SMTP_USERNAME", "")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(crate::helpers::PASSWORD);
    assert_eq!(code, Some(0), "{out}");
    for part in [
        "ok   config",
        "ok   database",
        "ok   mailbox support@example.test",
        "ok   smtp",
    ] {
        assert!(out.contains(part), "{part}: {out}");
    }
    assert!(out.contains("IDLE offered"), "{out}");
    let (code, out) = run("not-the-password");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAIL mailbox support@example.test"), "{out}");
    assert!(
        out.contains("hint: the server refused the sign-in"),
        "{out}"
    );
    assert!(
        out.contains("ok   smtp"),
        "the other checks still run: {out}"
    );
}

/// `import --quarantined` replays what it can and leaves the rest, such as a message the
/// mail server never handed over (nothing to replay), where it is.
#[tokio::test(flavor = "multi_thread")]
async fn import_leaves_an_entry_never_fetched_in_quarantine() {
    use helpdesk::db::{Db, inbound};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("helpdesk.db");
    let db = Db::connect(&format!("sqlite://{}", path.display())).unwrap();
    db.migrate().await.unwrap();
    db.write(|c| {
        let now = chrono::Utc::now();
        let id =
            inbound::insert_raw(c, "imap:INBOX:1:7", None, b"", "", now)?.expect("a new entry");
        inbound::quarantine(
            c,
            id,
            "the mail server would not hand this message over (UID 7 in INBOX)",
            now,
        )
    })
    .await
    .unwrap();
    db.close().await;
    let (ok, out, err) =
        tokio::task::spawn_blocking(move || helpdesk(&path, &["import", "--quarantined"], None))
            .await
            .unwrap();
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "left in quarantine (this message was never fetched whole from the mail server"
        ),
        "{out}"
    );
}

/// `helpdesk backup PATH`: a consistent, checked copy; an existing file is never
/// overwritten.
#[test]
fn backup_copies_the_database_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let (ok, _, err) = helpdesk(
        &db,
        &["agent", "add", "ana@example.test", "--name", "Ana"],
        Some("parola123\n"),
    );
    assert!(ok, "{err}");
    let copy = dir.path().join("copy.db");
    let copy_arg = copy.display().to_string();
    let (ok, out, err) = helpdesk(&db, &["backup", &copy_arg], None);
    assert!(ok, "{err}");
    assert!(out.contains("integrity checked"), "{out}");
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let agents: i64 = conn
        .query_row(
            "SELECT count(*) FROM agents WHERE email = 'ana@example.test'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(agents, 1, "the copy holds what the database held");
    let (ok, _, err) = helpdesk(&db, &["backup", &copy_arg], None);
    assert!(!ok && err.contains("exists already"), "{err}");
}
