//! A batch of inbound mail in one transaction, as the poller and `import` store it, on the
//! test engine: a message that fails is quarantined alone and the others go on, each once.

use chrono::Utc;
use helpdesk::db::Db;
use helpdesk::service::Ctx;
use helpdesk::service::receive_email::receive_batch;

use crate::helpers::config;

fn mail(from: &str, subject: &str, extra: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@example.test\r\n{extra}Subject: {subject}\r\nMessage-ID: <{id}>\r\n\r\ntext\r\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_that_fails_in_a_batch_is_quarantined_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.db");
    let cfg = config("support@example.test", &path, &Default::default());
    let db = Db::connect(&cfg.database.url).unwrap();
    db.migrate().await.unwrap();
    let ctx = Ctx::new(cfg, db).unwrap();
    let first = mail("ion@client.ro", "Imprimanta", "", "b1@client.ro");
    let batch = vec![
        first.clone(),
        // No author: it cannot be processed.
        mail("<<<@@@>>>", "Fără expeditor", "", "b2@client.ro"),
        // An answer to the first, which the same batch opened.
        mail(
            "ion@client.ro",
            "Re: Imprimanta",
            "In-Reply-To: <b1@client.ro>\r\n",
            "b3@client.ro",
        ),
        mail("ana@client.ro", "Scanerul", "", "b4@client.ro"),
        // The first again, as a mailbox may hand it over twice.
        first,
    ];
    let outcomes = receive_batch(&ctx, ctx.home(), batch, Utc::now())
        .await
        .unwrap();
    let labels: Vec<&str> = outcomes.iter().map(|o| o.label()).collect();
    assert_eq!(
        labels,
        ["created", "quarantined", "threaded", "created", "duplicate"]
    );
    let stored: Vec<(String, Option<i64>)> = ctx
        .db
        .read(|c| {
            c.query_map(
                "SELECT outcome, ticket_id FROM raw_emails ORDER BY id",
                helpdesk::params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
        .unwrap();
    let (what, tickets): (Vec<&str>, Vec<Option<i64>>) =
        stored.iter().map(|(o, t)| (o.as_str(), *t)).unzip();
    assert_eq!(
        what,
        ["created", "quarantined", "threaded", "created"],
        "every message is stored once, with what became of it"
    );
    // PostgreSQL's ids may skip those of the undone first run.
    let (first, second) = (tickets[0].unwrap(), tickets[3].unwrap());
    assert_eq!(tickets, [Some(first), None, Some(first), Some(second)]);
    assert_ne!(first, second);
    let counts: [i64; 5] = ctx
        .db
        .read(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages),
                    (SELECT count(*) FROM quarantine), (SELECT count(*) FROM portal_tokens),
                    (SELECT count(*) FROM outbox WHERE template = 'invitation')",
                helpdesk::params![],
                |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        counts,
        [2, 3, 1, 2, 2],
        "tickets, messages, quarantined, portal links, invitations"
    );
}

/// Loop protection counts what a sender got before, in the same batch too: new tickets
/// from one address get automatic mail up to the hourly limit, then none.
#[tokio::test(flavor = "multi_thread")]
async fn new_tickets_from_one_address_get_automatic_mail_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limit.db");
    let mut cfg = config("support@example.test", &path, &Default::default());
    cfg.helpdesk.auto_reply_limit_per_hour = 3;
    let db = Db::connect(&cfg.database.url).unwrap();
    db.migrate().await.unwrap();
    let ctx = Ctx::new(cfg, db).unwrap();
    let batch = (1..=4)
        .map(|n| {
            mail(
                "bucla@client.ro",
                &format!("Cerere {n}"),
                "",
                &format!("l{n}@client.ro"),
            )
        })
        .collect();
    let outcomes = receive_batch(&ctx, ctx.home(), batch, Utc::now())
        .await
        .unwrap();
    assert!(outcomes.iter().all(|o| o.label() == "created"));
    let templates: Vec<String> = ctx
        .db
        .read(|c| {
            c.query_map(
                "SELECT template FROM outbox WHERE recipient = 'bucla@client.ro' ORDER BY id",
                helpdesk::params![],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        templates,
        ["confirmation", "invitation", "confirmation"],
        "the first ticket's confirmation and invitation, the second's confirmation, then none"
    );
}
