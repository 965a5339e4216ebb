//! Drills on the real stack with the real binary: the daemon killed (SIGKILL) in the middle
//! of a stream of mail loses and doubles nothing once it is started again.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{
    Options, TestApp, config, folder_counts, mail_stack, send_mail, send_raw_via, start_stack,
    unique, wait_until,
};

/// `helpdesk serve` on `config_file`, its output in `log`.
pub fn serve(config_file: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(["--config", &config_file.display().to_string(), "serve"])
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("helpdesk serve starts")
}

/// A count read beside the daemon; 0 while the database is not there yet.
fn count(db: &Path, sql: &str) -> i64 {
    crate::engine::count(db, sql)
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_in_the_middle_of_a_thousand_mails_it_loses_and_doubles_nothing() {
    const MAILS: usize = 1000;
    mail_stack();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("helpdesk.db");
    let support = format!("{}@example.test", unique("drill"));
    let mut cfg = config(&support, &db, &Options::default());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    cfg.web.bind = format!("127.0.0.1:{port}");
    cfg.web.base_url = format!("http://127.0.0.1:{port}");
    // Answers to 100 customers a few times each are not what is measured here.
    cfg.helpdesk.auto_reply_limit_per_hour = 1;
    let config_file = dir.path().join("helpdesk.toml");
    std::fs::write(&config_file, toml::to_string(&cfg).unwrap()).unwrap();

    let first = serve(&config_file, &dir.path().join("first.log"));
    let senders: Vec<_> = (0..10)
        .map(|s| {
            let support = support.clone();
            tokio::spawn(async move {
                for i in (s..MAILS).step_by(10) {
                    let from = format!("drill{}@customer.test", i % 100);
                    send_mail(
                        &from,
                        &support,
                        &format!("Drill {i:04}"),
                        "Mesaj de încercare.",
                        &[],
                    )
                    .await;
                }
            })
        })
        .collect();
    let mut first = first;
    let db2 = db.clone();
    let midway = wait_until(Duration::from_secs(120), || {
        let db = db2.clone();
        async move { count(&db, "SELECT count(*) FROM tickets") >= 200 }
    })
    .await;
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        midway,
        "the first daemon took mail: {}",
        std::fs::read_to_string(dir.path().join("first.log")).unwrap_or_default()
    );
    let at_kill = count(&db, "SELECT count(*) FROM tickets");
    assert!(
        at_kill < MAILS as i64,
        "the kill came in the middle of the stream ({at_kill} tickets then)"
    );
    eprintln!("killed with {at_kill} of {MAILS} tickets stored");
    for s in senders {
        s.await.unwrap();
    }

    let mut second = serve(&config_file, &dir.path().join("second.log"));
    let db2 = db.clone();
    let all = wait_until(Duration::from_secs(180), || {
        let db = db2.clone();
        async move { count(&db, "SELECT count(*) FROM tickets") >= MAILS as i64 }
    })
    .await;
    let seen = wait_until(Duration::from_secs(60), || async {
        folder_counts(&support, "INBOX").await == (MAILS, MAILS)
    })
    .await;
    second.kill().unwrap();
    second.wait().unwrap();
    let log = std::fs::read_to_string(dir.path().join("second.log")).unwrap_or_default();
    assert!(
        all,
        "killed at {at_kill} tickets; after the restart: {}\n{log}",
        count(&db, "SELECT count(*) FROM tickets")
    );
    assert!(
        seen,
        "every mail is flagged as processed: {:?}",
        folder_counts(&support, "INBOX").await
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM tickets"),
        MAILS as i64,
        "no mail opened two tickets"
    );
    assert_eq!(
        count(&db, "SELECT count(DISTINCT subject) FROM tickets"),
        MAILS as i64,
        "every mail has its ticket"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM raw_emails"),
        MAILS as i64,
        "each mail stored once"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM quarantine"), 0);
}

/// The disk under the database fills up (SQLite's `max_page_count` stands in for a small
/// disk): the batch fails with a clear error and leaves nothing behind, so the poller flags
/// nothing; once there is room again the same mail goes in.
#[tokio::test]
async fn a_full_disk_is_a_clear_error_and_the_same_mail_goes_in_once_there_is_room() {
    use helpdesk::db::Db;
    use helpdesk::service::Ctx;
    use helpdesk::service::receive_email::{Outcome, receive_batch};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let db = Db::connect(&format!("sqlite://{}", path.display())).unwrap();
    db.migrate().await.unwrap();
    let ctx = Ctx::new(
        config("support@example.test", &path, &Options::default()),
        db,
    )
    .unwrap();
    let page_count = |c: &helpdesk::db::Conn| {
        c.query_row("PRAGMA page_count", helpdesk::params![], |r| {
            r.get::<_, i64>(0)
        })
    };
    let pages = ctx.db.write(move |c| page_count(c)).await.unwrap();
    let limit = move |n: i64| {
        move |c: &helpdesk::db::Conn| {
            c.query_row(
                &format!("PRAGMA max_page_count = {n}"),
                helpdesk::params![],
                |r| r.get::<_, i64>(0),
            )
        }
    };
    ctx.db.write(limit(pages + 4)).await.unwrap();
    let file = "QUJD".repeat(200_000);
    let mail = |i: usize| {
        format!(
            "From: ion@client.ro\r\nTo: support@example.test\r\nSubject: Arhiva {i}\r\nMessage-ID: <full{i}@client.ro>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nVedeți arhiva.\r\n\
             --b\r\nContent-Type: application/zip; name=a.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n{file}\r\n--b--\r\n"
        )
        .into_bytes()
    };
    let err = receive_batch(&ctx, ctx.home(), vec![mail(1), mail(2)], chrono::Utc::now())
        .await
        .expect_err("a full disk is an error");
    assert!(format!("{err:#}").contains("full"), "{err:#}");
    let stored = ctx
        .db
        .read(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM raw_emails) + (SELECT count(*) FROM tickets)",
                helpdesk::params![],
                |r| r.get::<_, i64>(0),
            )
        })
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing half-stored");
    // The writer is not left inside a failed transaction: with room, the same batch goes in.
    ctx.db.write(limit(1_000_000)).await.unwrap();
    let outcomes = receive_batch(&ctx, ctx.home(), vec![mail(1), mail(2)], chrono::Utc::now())
        .await
        .unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Created { .. })),
        "{outcomes:?}"
    );
}

/// Dovecot and Postfix restarted while the poller idles: it reconnects with backoff and
/// takes the mail that came meanwhile and after. A stack of its own, so that the other
/// tests' shared one stays up.
#[tokio::test(flavor = "multi_thread")]
async fn the_mail_servers_restarted_during_idle_lose_nothing() {
    const RUN_DIR: &str = "/tmp/hd-it-mail-drill";
    const PORTS: (u16, u16, u16) = (27143, 27525, 27424);
    let script = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scripts/mailstack")
            .join(name)
    };
    start_stack(RUN_DIR, PORTS, &[]);
    let app = TestApp::spawn_with(Options {
        imap_port: PORTS.0,
        smtp_port: PORTS.1,
        ..Default::default()
    })
    .await;
    let mail = |from: &str, subject: &str| {
        format!(
            "From: {from}\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <{}@customer.test>\r\n\r\nx\r\n",
            app.support,
            unique("r")
        )
    };
    let ion = format!("{}@customer.test", unique("idle"));
    send_raw_via(
        PORTS.1,
        &ion,
        &app.support,
        mail(&ion, "Înainte").as_bytes(),
    )
    .await;
    app.wait_tickets(&ion, 1).await;
    // The poller is idling now; the servers go away and come back.
    let stopped = Command::new(script("stop.sh"))
        .arg(RUN_DIR)
        .output()
        .unwrap();
    assert!(
        stopped.status.success(),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    start_stack(RUN_DIR, PORTS, &[]);
    send_raw_via(
        PORTS.1,
        &ion,
        &app.support,
        mail(&ion, "După repornire").as_bytes(),
    )
    .await;
    let both = wait_until(Duration::from_secs(60), || async {
        app.tickets_of(&ion).await.len() == 2
    })
    .await;
    let _ = Command::new(script("stop.sh")).arg(RUN_DIR).output();
    assert!(
        both,
        "the mail after the restart became a ticket: {:?}",
        app.tickets_of(&ion).await
    );
    app.stop().await;
}
