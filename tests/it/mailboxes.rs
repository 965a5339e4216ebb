//! Several mailboxes: each watched on its own connection with its own checkpoint; a
//! ticket keeps the queue and address of the mailbox it came in through, and its mail
//! goes out From that address; one mail delivered to two of ours is one ticket.

use std::time::Duration;

use helpdesk::config::MailboxConfig;
use lettre::AsyncTransport;
use serde_json::Value;

use crate::helpers::*;

fn facturare() -> (String, MailboxConfig) {
    let address = format!("{}@example.test", unique("facturare"));
    let mailbox = MailboxConfig {
        address: address.clone(),
        password: PASSWORD.into(),
        queue: "Facturare".into(),
        locale: "en".into(),
        ..Default::default()
    };
    (address, mailbox)
}

async fn spawn_two() -> (TestApp, String) {
    let (address, mailbox) = facturare();
    let app = TestApp::spawn_with(Options {
        more_mailboxes: vec![mailbox],
        ..Default::default()
    })
    .await;
    (app, address)
}

#[tokio::test]
async fn each_mailbox_fills_its_own_queue_and_answers_from_its_own_address() {
    let (app, billing) = spawn_two().await;
    let customer = format!("{}@customer.test", unique("bill"));
    send_mail(&customer, &billing, "Factura 1234", "Factura greșită", &[]).await;
    let t = app.wait_tickets(&customer, 1).await;
    let key = t[0]["key"].as_str().unwrap().to_string();
    assert_eq!(t[0]["queue"], "Facturare");
    assert_eq!(t[0]["mailbox"], billing.as_str());

    let confirmation = wait_mail(&customer, |m| m.subject.contains(&key)).await;
    let (raw, parsed) = &confirmation[0];
    assert_eq!(
        parsed.from.address.as_str(),
        billing,
        "the confirmation comes From the mailbox the request came to"
    );
    assert!(
        header(raw, "From").unwrap().contains("Helpdesk"),
        "under [smtp] from's display name"
    );
    // So does the portal invitation the request brought.
    let all = wait_mail(&customer, |m| m.message_id != parsed.message_id).await;
    assert!(
        all.iter()
            .all(|(_, m)| m.from.address.as_str() == billing.as_str()),
        "every mail about the ticket comes From its mailbox"
    );

    // The home mailbox's tickets stay in its queue.
    let other = format!("{}@customer.test", unique("home"));
    app.send(&other, "Imprimanta", "nu merge", &[]).await;
    let home = app.wait_tickets(&other, 1).await;
    assert_eq!(home[0]["queue"], "Suport");
    assert_eq!(home[0]["mailbox"], app.support.as_str());

    // The API and the queue filter by queue.
    let (status, list) = app.api("GET", "/tickets?queue=Facturare", None).await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["key"].as_str())
        .collect();
    assert_eq!(keys, [key.as_str()], "only the Facturare ticket");
    let (_, queue) = app.api("GET", "/queue?queue=Suport", None).await;
    let queues: Vec<&Value> = queue["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["queue"])
        .collect();
    assert!(!queues.is_empty() && queues.iter().all(|q| *q == "Suport"));

    // A reply to the Facturare ticket, to the Facturare address, threads onto it.
    send_mail(
        &customer,
        &billing,
        &format!("Re: [{key}] Factura"),
        "Am atașat",
        &[],
    )
    .await;
    let ok = wait_until(Duration::from_secs(20), || async {
        app.ticket(&key).await["messages"]
            .as_array()
            .is_some_and(|m| m.len() == 2)
    })
    .await;
    assert!(ok, "the reply threaded onto the ticket");
    app.stop().await;
}

#[tokio::test]
async fn one_mail_to_two_of_our_mailboxes_is_one_ticket() {
    let (app, billing) = spawn_two().await;
    let customer = format!("{}@customer.test", unique("both"));
    let id = format!("{}@customer.test", unique("both-mid"));
    let raw = format!(
        "From: {customer}\r\nTo: {}\r\nCc: {billing}\r\nSubject: Doua adrese\r\nMessage-ID: <{id}>\r\n\
         Date: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nO singura solicitare\r\n",
        app.support,
        chrono::Utc::now().to_rfc2822()
    );
    // One SMTP transaction with both recipients: the same bytes land in both mailboxes.
    let envelope = lettre::address::Envelope::new(
        Some(customer.parse().unwrap()),
        vec![app.support.parse().unwrap(), billing.parse().unwrap()],
    )
    .unwrap();
    let smtp = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(SMTP_PORT)
        .build();
    smtp.send_raw(&envelope, raw.as_bytes()).await.unwrap();
    app.wait_tickets(&customer, 1).await;
    // Both deliveries are in: each mailbox's checkpoint has moved past its copy.
    let both_read = wait_until(Duration::from_secs(20), || async {
        checkpoints(&app).await.len() == 2
    })
    .await;
    assert!(both_read, "each mailbox keeps its own checkpoint");
    let duplicates = app
        .ctx
        .metrics
        .duplicates
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(duplicates, 1, "the second delivery is a duplicate");
    let tickets = app.tickets_of(&customer).await;
    assert_eq!(tickets.len(), 1, "one ticket: {tickets:?}");
    let queue = tickets[0]["queue"].as_str().unwrap();
    assert!(["Suport", "Facturare"].contains(&queue));
    app.stop().await;
}

async fn healthz(app: &TestApp) -> Value {
    let answer = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    answer.json().await.unwrap()
}

#[tokio::test]
async fn healthz_and_metrics_name_each_mailbox() {
    let (app, billing) = spawn_two().await;
    let health = healthz(&app).await;
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["database"], "ok");
    let mailboxes = health["mailboxes"].as_array().unwrap();
    let named: Vec<(&str, &str, &str)> = mailboxes
        .iter()
        .map(|m| {
            (
                m["address"].as_str().unwrap(),
                m["queue"].as_str().unwrap(),
                m["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(named.contains(&(app.support.as_str(), "Suport", "watching")));
    assert!(named.contains(&(billing.as_str(), "Facturare", "watching")));
    // The search indexer's start (on PostgreSQL, a pass over the open tickets' words) ends.
    let mut search = health["search"].clone();
    for _ in 0..100 {
        if search == "ready" {
            break;
        }
        assert_eq!(search, "starting", "{health}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        search = healthz(&app).await["search"].clone();
    }
    assert_eq!(search, "ready");
    let metrics = reqwest::get(format!("{}/metrics", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains(&format!(
        "helpdesk_imap_connected{{mailbox=\"{billing}\"}} 1"
    )));
    app.stop().await;
}

/// The checkpoints saved, by mailbox key.
async fn checkpoints(app: &TestApp) -> Vec<String> {
    app.ctx
        .db
        .read(|c| {
            c.query_map(
                "SELECT mailbox FROM imap_checkpoints WHERE last_uid > 0",
                helpdesk::params![],
                |r| r.get(0),
            )
        })
        .await
        .unwrap()
}
