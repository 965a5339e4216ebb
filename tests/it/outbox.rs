//! The outbox survives an SMTP outage and sends every mail exactly once.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::helpers::{Options, SMTP_PORT, Switch, TestApp, mailbox, unique, wait_until};

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_then_up_sends_every_notification_once() {
    let switch = Switch::start(SMTP_PORT, false).await;
    let app = TestApp::spawn_with(Options { smtp_port: switch.port, ..Default::default() }).await;
    let customers: Vec<String> = (0..3).map(|_| format!("{}@customer.test", unique("out"))).collect();
    for c in &customers {
        app.send(c, "Cerere în timpul căderii", "x", &[]).await;
    }
    for c in &customers {
        app.wait_tickets(c, 1).await;
    }
    let retried = wait_until(Duration::from_secs(20), || async { app.ctx.metrics.outbox_retries_seen() > 0 }).await;
    assert!(retried, "the sender tried and failed while SMTP was down");
    for c in &customers {
        assert!(mailbox(c).await.is_empty(), "nothing can arrive while SMTP is down");
    }
    let (_, metrics) = app.get(&format!("{}/metrics", app.base)).await;
    assert!(metrics.contains("\nhelpdesk_outbox_pending 6\n"), "{metrics}");
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
            .read(|c| c.query_row("SELECT count(*) FROM outbox WHERE state <> 'sent'", [], |r| r.get(0)))
            .await
            .unwrap();
        pending == 0
    })
    .await;
    assert!(drained, "every outbox row is marked sent");
    assert_eq!(app.ctx.metrics.outbox_sent.load(Ordering::Relaxed), 6, "the SMTP server took each mail once");
    let (_, metrics) = app.get(&format!("{}/metrics", app.base)).await;
    assert!(metrics.contains("\nhelpdesk_outbox_pending 0\n"), "{metrics}");
    for c in &customers {
        let got = mailbox(c).await;
        assert_eq!(got.len(), 2, "{c} got each mail once");
        let ids: std::collections::HashSet<_> = got.iter().map(|(_, m)| m.message_id.clone()).collect();
        assert_eq!(ids.len(), 2);
    }
}
