//! The outbox survives an SMTP outage and sends every mail exactly once; what is refused
//! for good is noted on its ticket.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::helpers::{Options, SMTP_PORT, Switch, TestApp, mailbox, unique, wait_until};

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_then_up_sends_every_notification_once() {
    let switch = Switch::start(SMTP_PORT, false).await;
    let app = TestApp::spawn_with(Options {
        smtp_port: switch.port,
        ..Default::default()
    })
    .await;
    let customers: Vec<String> = (0..3)
        .map(|_| format!("{}@customer.test", unique("out")))
        .collect();
    for c in &customers {
        app.send(c, "Cerere în timpul căderii", "x", &[]).await;
    }
    for c in &customers {
        app.wait_tickets(c, 1).await;
    }
    let retried = wait_until(Duration::from_secs(20), || async {
        app.ctx.metrics.outbox_retries_seen() > 0
    })
    .await;
    assert!(retried, "the sender tried and failed while SMTP was down");
    for c in &customers {
        assert!(
            mailbox(c).await.is_empty(),
            "nothing can arrive while SMTP is down"
        );
    }
    let (_, metrics) = app.get(&format!("{}/metrics", app.base)).await;
    assert!(
        metrics.contains("\nhelpdesk_outbox_pending 6\n"),
        "{metrics}"
    );
    switch.set_up(true);
    // Each customer gets the confirmation and the invitation: two mails, once each.
    let all = wait_until(Duration::from_secs(60), || async {
        let mut n = 0;
        for c in &customers {
            n += mailbox(c).await.len();
        }
        n >= 6
    })
    .await;
    assert!(all, "all mail went out after the outage");
    // Once no row is pending, nothing more can be sent: count what the SMTP server took.
    let drained = wait_until(Duration::from_secs(20), || async {
        let pending: i64 = app
            .ctx
            .db
            .read(|c| {
                c.query_row(
                    "SELECT count(*) FROM outbox WHERE state <> 'sent'",
                    helpdesk::params![],
                    |r| r.get(0),
                )
            })
            .await
            .unwrap();
        pending == 0
    })
    .await;
    assert!(drained, "every outbox row is marked sent");
    assert_eq!(
        app.ctx.metrics.outbox_sent.load(Ordering::Relaxed),
        6,
        "the SMTP server took each mail once"
    );
    let (_, metrics) = app.get(&format!("{}/metrics", app.base)).await;
    assert!(
        metrics.contains("\nhelpdesk_outbox_pending 0\n"),
        "{metrics}"
    );
    for c in &customers {
        let got = mailbox(c).await;
        assert_eq!(got.len(), 2, "{c} got each mail once");
        let ids: std::collections::HashSet<_> =
            got.iter().map(|(_, m)| m.message_id.clone()).collect();
        assert_eq!(ids.len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_refused_for_good_is_noted_on_its_ticket_for_the_agents() {
    let app = TestApp::spawn().await;
    // The test mail stack refuses every address at refused.test with 550 5.1.1.
    let customer = format!("{}@refused.test", unique("gone"));
    app.send(&customer, "Adresă greșită", "Nu primesc nimic.", &[])
        .await;
    app.wait_tickets(&customer, 1).await;
    let pattern = format!("The mail to {customer} could not be sent: %");
    let notes = || {
        let pattern = pattern.clone();
        app.ctx.db.read(move |c| {
            c.query_row("SELECT count(*) FROM messages WHERE kind = 'note' AND internal = TRUE AND body LIKE ?", helpdesk::params![pattern], |r| r.get::<_, i64>(0))
        })
    };
    // The confirmation and the invitation: each refused, each noted once.
    let noted = wait_until(Duration::from_secs(30), || async {
        notes().await.unwrap() >= 2
    })
    .await;
    assert!(noted, "the refusals were noted on the ticket");
    let rows: Vec<(String, String)> = app
        .ctx
        .db
        .read(|c| {
            c.query_map(
                "SELECT state, coalesce(last_error, '') FROM outbox ORDER BY id",
                helpdesk::params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (state, error) in &rows {
        assert_eq!(state, "failed");
        assert!(error.contains("550") || error.contains("5.1.1"), "{error}");
    }
    // No row is pending any more, so nothing can be tried (or noted) again.
    assert_eq!(notes().await.unwrap(), 2, "a refusal is noted once");
    assert_eq!(app.ctx.metrics.outbox_sent.load(Ordering::Relaxed), 0);
}
