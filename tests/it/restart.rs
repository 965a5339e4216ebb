//! Restarts lose and double nothing: mail that arrives while the daemon is down, a stop
//! in the middle of a stream, and a changed UIDVALIDITY.

use std::time::Duration;

use crate::helpers::{
    IMAP_PORT, Options, Switch, TestApp, config, folder_counts, send_mail, unique, wait_until,
};

#[tokio::test(flavor = "multi_thread")]
async fn restart_mid_stream_loses_and_doubles_nothing() {
    let app = TestApp::spawn().await;
    let dir = app.db_path.parent().unwrap().to_path_buf();
    let support = app.support.clone();
    let people: Vec<String> = (0..12)
        .map(|_| format!("{}@customer.test", unique("rs")))
        .collect();
    for p in &people[..6] {
        app.send(p, "Înainte de oprire", "x", &[]).await;
    }
    app.wait_tickets(&people[0], 1).await;
    // Stop while the rest of the first half may still be in flight.
    let (tmp, _) = app.stop().await;
    for p in &people[6..] {
        send_mail(p, &support, "În timpul opririi", "x", &[]).await;
    }
    let app = TestApp::spawn_with(Options {
        support: Some(support.clone()),
        db_dir: Some(dir.clone()),
        ..Default::default()
    })
    .await;
    for p in &people {
        app.wait_tickets(p, 1).await;
    }
    // Every message in the mailbox is processed (flagged) by now: nothing more can come.
    let all_seen = wait_until(Duration::from_secs(20), || async {
        folder_counts(&support, "INBOX").await == (12, 12)
    })
    .await;
    assert!(all_seen, "all twelve messages were processed");
    for p in &people {
        assert_eq!(
            app.tickets_of(p).await.len(),
            1,
            "{p} has exactly one ticket"
        );
    }
    let (s, v) = app.api("GET", "/tickets?limit=1000", None).await;
    assert_eq!(s, 200);
    assert_eq!(v["tickets"].as_array().unwrap().len(), 12);
    drop(tmp);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_uidvalidity_rescans_without_duplicates() {
    let app = TestApp::spawn().await;
    let dir = app.db_path.parent().unwrap().to_path_buf();
    let support = app.support.clone();
    let people: Vec<String> = (0..3)
        .map(|_| format!("{}@customer.test", unique("uv")))
        .collect();
    for p in &people {
        app.send(p, "Cerere", "x", &[]).await;
    }
    for p in &people {
        app.wait_tickets(p, 1).await;
    }
    let (tmp, _) = app.stop().await;
    // As if the server had rebuilt the mailbox: the saved UIDVALIDITY no longer matches.
    {
        let url = crate::engine::database_url(&dir.join("helpdesk.db"));
        let db = helpdesk::db::Db::connect(&url).unwrap();
        db.write(|c| {
            c.execute(
                "UPDATE imap_checkpoints SET uidvalidity = uidvalidity + 1, last_uid = 0",
                helpdesk::params![],
            )
        })
        .await
        .unwrap();
        db.close().await;
    }
    let late = format!("{}@customer.test", unique("uv"));
    send_mail(&late, &support, "După schimbare", "x", &[]).await;
    let app = TestApp::spawn_with(Options {
        support: Some(support),
        db_dir: Some(dir),
        ..Default::default()
    })
    .await;
    app.wait_tickets(&late, 1).await;
    let ok = wait_until(Duration::from_secs(20), || async {
        app.ctx
            .metrics
            .duplicates
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 3
    })
    .await;
    assert!(ok, "the rescan met the three old messages as duplicates");
    for p in &people {
        assert_eq!(app.tickets_of(p).await.len(), 1);
    }
    drop(tmp);
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_without_idle_also_works() {
    let app = TestApp::spawn_with(Options {
        idle: false,
        ..Default::default()
    })
    .await;
    let c = format!("{}@customer.test", unique("poll"));
    app.send(&c, "Fără IDLE", "x", &[]).await;
    app.wait_tickets(&c, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn processed_mail_is_flagged_seen_or_moved_to_the_configured_folder() {
    let app = TestApp::spawn().await;
    let c = format!("{}@customer.test", unique("seen"));
    app.send(&c, "Marcat citit", "x", &[]).await;
    app.wait_tickets(&c, 1).await;
    let ok = wait_until(Duration::from_secs(10), || async {
        folder_counts(&app.support, "INBOX").await == (1, 1)
    })
    .await;
    assert!(ok, "the message stays in INBOX, flagged \\Seen");

    let app = TestApp::spawn_with(Options {
        processed_folder: "Procesate".into(),
        ..Default::default()
    })
    .await;
    let c = format!("{}@customer.test", unique("moved"));
    app.send(&c, "Mutat", "x", &[]).await;
    app.wait_tickets(&c, 1).await;
    let ok = wait_until(Duration::from_secs(10), || async {
        folder_counts(&app.support, "INBOX").await.0 == 0
            && folder_counts(&app.support, "Procesate").await.0 == 1
    })
    .await;
    assert!(ok, "the message moved to the processed folder");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_poller_reconnects_after_the_mail_server_goes_away() {
    let switch = Switch::start(IMAP_PORT, true).await;
    let app = TestApp::spawn_with(Options {
        imap_port: switch.port,
        ..Default::default()
    })
    .await;
    let before = format!("{}@customer.test", unique("up"));
    app.send(&before, "Înainte de cădere", "x", &[]).await;
    app.wait_tickets(&before, 1).await;

    switch.set_up(false);
    let lost = wait_until(Duration::from_secs(10), || async {
        app.ctx.metrics.mailboxes.watching() == 0
    })
    .await;
    assert!(lost, "the poller noticed the connection was cut");
    let during = format!("{}@customer.test", unique("down"));
    app.send(&during, "În timpul căderii", "x", &[]).await;
    switch.set_up(true);
    app.wait_tickets(&during, 1).await;
    assert_eq!(app.ctx.metrics.mailboxes.watching(), 1);
    assert_eq!(
        app.tickets_of(&before).await.len(),
        1,
        "nothing processed twice after the reconnect"
    );
}

#[tokio::test]
async fn a_second_daemon_on_the_same_database_is_refused_until_the_first_stops() {
    // On PostgreSQL several daemons serve one database (see the postgres tests).
    if crate::engine::on_postgres() {
        return;
    }
    let app = TestApp::spawn().await;
    let cfg = config(&app.support, &app.db_path, &Options::default());
    let second = helpdesk::app::Application::build(cfg.clone())
        .await
        .err()
        .expect("a second serve is refused");
    let said = format!("{second:#}");
    assert!(
        said.contains("another `helpdesk serve` is already running"),
        "{said}"
    );
    // Commands beside it still open the database.
    assert!(helpdesk::db::Db::connect(&cfg.database.url).is_ok());
    let (_kept, _) = app.stop().await;
    let again = helpdesk::app::Application::build(cfg).await;
    assert!(
        again.is_ok(),
        "once it stopped, another may serve: {:#}",
        again.err().unwrap()
    );
}
