//! Mail in: new tickets, threading, duplicates, automatic mail, quarantine.

use std::time::Duration;

use crate::helpers::{
    Options, TestApp, header, mail_stack, mailbox, maildir, send_mail, send_raw, unique, wait_mail,
    wait_until,
};

fn customer() -> String {
    format!("{}@customer.test", unique("c"))
}

#[tokio::test(flavor = "multi_thread")]
async fn new_mail_opens_a_ticket_with_confirmation_and_invitation() {
    let app = TestApp::spawn().await;
    let c = customer();
    let mid = app
        .send(
            &format!("Ion Popescu <{c}>"),
            "Imprimanta nu funcționează",
            "Bună ziua,\nNu mai tipărește.",
            &[],
        )
        .await;
    let t = app.wait_tickets(&c, 1).await;
    let key = t[0]["key"].as_str().unwrap().to_string();
    assert_eq!(t[0]["status"], "waiting_for_support");
    assert_eq!(t[0]["subject"], "Imprimanta nu funcționează");
    assert_eq!(t[0]["requester"]["name"], "Ion Popescu");

    let conf = wait_mail(&c, |m| {
        m.subject.contains(&format!("[{key}]")) && !m.text.contains("/portal/invite/")
    })
    .await;
    let (raw, m) = &conf[0];
    assert_eq!(
        m.references.first().map(String::as_str),
        Some(mid.as_str()),
        "threads to the customer's mail"
    );
    assert_eq!(
        header(raw, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(
        m.text
            .contains(&format!("{}/portal/requests/{key}", app.base)),
        "{}",
        m.text
    );
    assert!(m.text.contains("Vizualizați solicitarea"));
    assert!(m.text.contains("În așteptare departament suport"));

    let inv = wait_mail(&c, |m| m.text.contains("/portal/invite/")).await;
    assert!(inv[0].1.text.contains("Vizitează Portalul"));
    assert!(
        inv[0].1.subject.contains(&format!("[{key}]")),
        "the invitation names the request that caused it"
    );
    assert!(
        inv[0]
            .1
            .text
            .contains(&format!("{}/portal/requests/{key}", app.base))
    );
    assert!(
        inv[0].1.references.contains(&mid),
        "the invitation joins the thread"
    );
    let link = inv[0]
        .1
        .text
        .split_whitespace()
        .find(|w| w.contains("/portal/invite/"))
        .unwrap()
        .to_string();
    let (status, page) = app.get(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains(&c), "the invitation page names the username");
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_thread_by_in_reply_to_and_by_token_but_strangers_do_not() {
    let app = TestApp::spawn().await;
    let c = customer();
    app.send(&c, "Nu am internet", "De ieri.", &[]).await;
    let key = app.wait_key(&c).await;
    let conf = wait_mail(&c, |m| m.subject.contains(&key)).await;
    let our_id = conf[0].1.message_id.clone().unwrap();

    // 1. By In-Reply-To, with no token in the subject; quoted history kept apart.
    let body = format!(
        "Am repornit routerul.\n\nOn Tue, 3 Mar 2026 at 10:00, Helpdesk <{}> wrote:\n> Am primit solicitarea\n",
        app.support
    );
    app.send(
        &c,
        "Re: internet",
        &body,
        &[
            ("In-Reply-To", &format!("<{our_id}>")),
            ("References", &format!("<{our_id}>")),
        ],
    )
    .await;
    let ok = wait_until(Duration::from_secs(20), || async {
        app.ticket(&key).await["messages"].as_array().unwrap().len() == 2
    })
    .await;
    assert!(ok, "the reply joined the ticket");
    let t = app.ticket(&key).await;
    let reply = &t["messages"][1];
    assert_eq!(reply["body"], "Am repornit routerul.");
    assert!(
        reply["quoted"]
            .as_str()
            .unwrap()
            .contains("> Am primit solicitarea")
    );
    assert!(
        reply["full_text"]
            .as_str()
            .unwrap()
            .contains("> Am primit solicitarea")
    );

    // 2. By the subject token alone.
    app.send(
        &c,
        &format!("[{key}] încă ceva"),
        "Modelul este TP-Link.",
        &[],
    )
    .await;
    let ok = wait_until(Duration::from_secs(20), || async {
        app.ticket(&key).await["messages"].as_array().unwrap().len() == 3
    })
    .await;
    assert!(ok, "the token reply joined the ticket");

    // 3. A stranger with the token opens a new ticket and adds nothing.
    let stranger = customer();
    app.send(
        &stranger,
        &format!("Re: [{key}] vreau să văd"),
        "hijack",
        &[],
    )
    .await;
    let theirs = app.wait_tickets(&stranger, 1).await;
    assert_ne!(theirs[0]["key"], key);
    assert!(
        !theirs[0]["subject"].as_str().unwrap().contains(&key),
        "the other ticket's token is dropped"
    );
    assert_eq!(
        app.ticket(&key).await["messages"].as_array().unwrap().len(),
        3
    );
    assert_eq!(app.tickets_of(&c).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_message_twice_makes_one_ticket() {
    let app = TestApp::spawn().await;
    let c = customer();
    let raw = format!(
        "From: {c}\r\nTo: {}\r\nSubject: Dublura\r\nMessage-ID: <{}@customer.test>\r\n\r\no singura data\r\n",
        app.support,
        unique("dup")
    );
    send_raw(&c, &app.support, raw.as_bytes()).await;
    app.wait_tickets(&c, 1).await;
    // The mail has no Date: Postfix gives each delivery its own, to the second. The second
    // delivery comes in a later second, and is still the same message.
    let first = chrono::Utc::now().timestamp();
    assert!(
        wait_until(Duration::from_secs(3), || async {
            chrono::Utc::now().timestamp() > first
        })
        .await
    );
    send_raw(&c, &app.support, raw.as_bytes()).await;
    let ok = wait_until(Duration::from_secs(20), || async {
        app.ctx
            .metrics
            .duplicates
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    })
    .await;
    assert!(ok, "the second delivery was seen as a duplicate");
    assert_eq!(app.tickets_of(&c).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mailer_that_reuses_its_message_id_loses_no_message() {
    let app = TestApp::spawn().await;
    let c = customer();
    let mid = format!("<{}@form.customer.test>", unique("same"));
    for (subject, text) in [
        ("Alerta disc plin", "Discul C: are 2% liber."),
        ("Alerta memorie", "Memoria e la 97%."),
    ] {
        let raw = format!(
            "From: {c}\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n\r\n{text}\r\n",
            app.support
        );
        send_raw(&c, &app.support, raw.as_bytes()).await;
    }
    app.wait_tickets(&c, 2).await;
    let subjects: Vec<String> = app
        .tickets_of(&c)
        .await
        .iter()
        .map(|t| t["subject"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        subjects.contains(&"Alerta disc plin".to_string())
            && subjects.contains(&"Alerta memorie".to_string()),
        "{subjects:?}"
    );
    assert_eq!(
        app.ctx
            .metrics
            .duplicates
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_replies_and_bounces_open_nothing_and_get_no_reply() {
    let app = TestApp::spawn().await;
    let ooo = customer();
    app.send(
        &ooo,
        "Out of office",
        "I am away",
        &[("Auto-Submitted", "auto-replied")],
    )
    .await;
    let daemon = format!("MAILER-DAEMON@{}.test", unique("mx"));
    app.send(
        &daemon,
        "Undelivered Mail Returned to Sender",
        "This is the mail system",
        &[],
    )
    .await;
    let list = customer();
    app.send(
        &list,
        "[users] announcement",
        "hello list",
        &[("List-Id", "<users.lists.test>"), ("Precedence", "list")],
    )
    .await;
    // A normal mail behind them proves they were processed.
    let after = customer();
    app.send(&after, "O întrebare", "?", &[]).await;
    app.wait_tickets(&after, 1).await;
    let ok = wait_until(Duration::from_secs(20), || async {
        app.ctx
            .metrics
            .ignored
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 3
    })
    .await;
    assert!(ok, "three messages were ignored");
    assert!(app.tickets_of(&ooo).await.is_empty());
    assert!(app.tickets_of(&daemon.to_lowercase()).await.is_empty());
    assert!(app.tickets_of(&list).await.is_empty());
    wait_mail(&after, |_| true).await;
    assert!(
        mailbox(&ooo).await.is_empty(),
        "an auto-reply gets no reply"
    );
    assert!(mailbox(&list).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_message_is_quarantined_and_the_next_one_is_processed() {
    let app = TestApp::spawn().await;
    let junk = b"\xff\xfe garbage: \x01\r\n\r\n\x00\x00".repeat(50);
    send_raw("junk@junk.test", &app.support, &junk).await;
    let broken = format!(
        "From: <<<@@@>>>\r\nTo: {}\r\nSubject: fara expeditor\r\n\r\ntext\r\n",
        app.support
    );
    send_raw("broken@junk.test", &app.support, broken.as_bytes()).await;
    let after = customer();
    app.send(&after, "După gunoi", "tot merge?", &[]).await;
    app.wait_tickets(&after, 1).await;
    // Postfix does not promise delivery order: wait for the junk too.
    let ok = wait_until(Duration::from_secs(20), || async {
        app.api("GET", "/quarantine", None).await.1["quarantine"]
            .as_array()
            .is_some_and(|q| q.len() == 2)
    })
    .await;
    assert!(ok, "the junk was quarantined");
    assert!(app.tickets_of("junk@junk.test").await.is_empty());
    let (s, q) = app.api("GET", "/quarantine", None).await;
    assert_eq!(s, 200);
    let (_, metrics) = app.get(&format!("{}/metrics", app.base)).await;
    assert!(
        metrics.contains("\nhelpdesk_quarantine_open 2\n"),
        "{metrics}"
    );
    let items = q["quarantine"].as_array().unwrap();
    let reasons: Vec<&str> = items
        .iter()
        .map(|i| i["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("control characters")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("From")), "{reasons:?}");
    let junk_item = items
        .iter()
        .find(|i| i["reason"].as_str().unwrap().contains("control"))
        .unwrap();
    let id = junk_item["id"].as_i64().unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/quarantine/{id}/raw", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let raw = resp.bytes().await.unwrap();
    // Kept as the mailbox served it (Dovecot shows NUL bytes as 0x80).
    let served: Vec<u8> = junk
        .iter()
        .map(|b| if *b == 0 { 0x80 } else { *b })
        .collect();
    let stored: Vec<u8> = raw
        .iter()
        .map(|b| if *b == 0 { 0x80 } else { *b })
        .filter(|b| *b != b'\r')
        .collect();
    let served: Vec<u8> = served.into_iter().filter(|b| *b != b'\r').collect();
    assert!(
        stored.windows(served.len()).any(|w| w == served.as_slice()),
        "the raw bytes are kept whole"
    );
    // A replay of what is still unprocessable keeps it quarantined.
    let (s, v) = app
        .api("POST", &format!("/quarantine/{id}/replay"), None)
        .await;
    assert_eq!((s, v["outcome"].as_str()), (200, Some("quarantined")));
    // Only what is in quarantine can be replayed: a processed message never runs twice.
    let (s, _) = app.api("POST", "/quarantine/999999/replay", None).await;
    assert_eq!(s, 404);
    assert_eq!(app.tickets_of(&after).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_the_server_will_not_hand_over_does_not_hold_up_the_mailbox() {
    use std::os::unix::fs::PermissionsExt;
    mail_stack();
    let support = format!("{}@example.test", unique("support"));
    let c = customer();
    let delivered = |n: usize| {
        let new = maildir(&support).join("new");
        async move { std::fs::read_dir(&new).map(|d| d.count()).unwrap_or(0) >= n }
    };
    // A mail waits in the mailbox with its file damaged so that the server cannot read it
    // (FETCH fails: "Internal error occurred"), and a good one behind it.
    send_mail(&c, &support, "Stricat", "fișierul nu poate fi citit", &[]).await;
    assert!(wait_until(Duration::from_secs(20), || delivered(1)).await);
    let damaged = std::fs::read_dir(maildir(&support).join("new"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::set_permissions(damaged, std::fs::Permissions::from_mode(0o000)).unwrap();
    send_mail(&c, &support, "Bun", "acesta trece", &[]).await;
    assert!(wait_until(Duration::from_secs(20), || delivered(2)).await);

    // The poller's connections fail and come back while it finds the damaged message.
    let app = TestApp::spawn_with(Options {
        support: Some(support.clone()),
        wait_for_login: false,
        ..Default::default()
    })
    .await;
    let tickets = app.wait_tickets(&c, 1).await;
    assert_eq!(tickets[0]["subject"], "Bun");
    let (_, q) = app.api("GET", "/quarantine", None).await;
    let entries = q["quarantine"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{q:#}");
    let reason = entries[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!(
            "would not hand this message over (UID 1 in {support}/INBOX"
        )),
        "{reason}"
    );
    assert_eq!(
        entries[0]["mailbox"],
        support.as_str(),
        "it names its mailbox"
    );
    // Nothing was fetched, so there is nothing to replay.
    let (s, body) = app
        .api(
            "POST",
            &format!("/quarantine/{}/replay", entries[0]["id"]),
            None,
        )
        .await;
    assert!((400..500).contains(&s), "{s} {body}");
    // The message stays in the mailbox (the server moved it to cur/): readable again.
    for dir in ["new", "cur"] {
        for file in std::fs::read_dir(maildir(&support).join(dir)).unwrap() {
            std::fs::set_permissions(file.unwrap().path(), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
    }
    app.stop().await;
}
