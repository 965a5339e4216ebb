//! A batch large enough for two writers side by side (PostgreSQL's; SQLite stores it with
//! its one writer): what becomes of each mail is what one writer makes of it.

use chrono::Utc;
use helpdesk::service::Ctx;
use helpdesk::service::receive_email::receive_batch;

use crate::batches::{fresh_helpdesk, mail, texts};

/// Twelve customers' new mail, each from an address of its own.
fn strangers() -> Vec<Vec<u8>> {
    (0..12)
        .map(|n| {
            let (from, id) = (format!("c{n}@client.ro"), format!("m{n}@client.ro"));
            mail(&from, &format!("Cerere {n}"), "", &id)
        })
        .collect()
}

async fn labels(ctx: &Ctx, batch: Vec<Vec<u8>>) -> Vec<&'static str> {
    let outcomes = receive_batch(ctx, ctx.home(), batch, Utc::now())
        .await
        .unwrap();
    outcomes.iter().map(|o| o.label()).collect()
}

/// Each query's count, in order.
async fn counts(ctx: &Ctx, queries: &[&'static str]) -> Vec<i64> {
    let mut counts = Vec::new();
    for &sql in queries {
        let n = ctx
            .db
            .read(move |c| c.query_row(sql, helpdesk::params![], |r| r.get(0)));
        counts.push(n.await.unwrap());
    }
    counts
}

const TICKETS: &str = "SELECT count(*) FROM tickets";
const CONFIRMATIONS: &str = "SELECT count(*) FROM outbox WHERE template = 'confirmation'";

#[tokio::test(flavor = "multi_thread")]
async fn a_large_batch_threads_and_registers_as_one_writer_would() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = fresh_helpdesk(&dir, "lanes.db", |_| {}).await;
    let mut batch = strangers();
    // The first customer answers their mail of the same batch.
    let answer = "In-Reply-To: <m0@client.ro>\r\n";
    batch.push(mail("c0@client.ro", "Re: Cerere 0", answer, "r0@client.ro"));
    // The second writes again: a ticket of its own, no second invitation.
    batch.push(mail("c1@client.ro", "Altă cerere", "", "r1@client.ro"));
    // A new customer copies the third, who takes part in the new ticket.
    let copy = "Cc: c2@client.ro\r\n";
    batch.push(mail("nou@client.ro", "Împreună", copy, "r2@client.ro"));
    // The fourth's mail, handed over twice.
    batch.push(mail("c3@client.ro", "Cerere 3", "", "m3@client.ro"));
    let mut expected = vec!["created"; 12];
    expected.extend(["threaded", "created", "created", "duplicate"]);
    assert_eq!(labels(&ctx, batch).await, expected);
    let answered = texts(
        &ctx,
        "SELECT CAST(ticket_id AS TEXT) FROM raw_emails
         WHERE dedup_key IN ('mid:m0@client.ro', 'mid:r0@client.ro')",
    )
    .await;
    assert_eq!(answered.len(), 2);
    assert_eq!(answered[0], answered[1], "the answer is on its ticket");
    let copied = texts(
        &ctx,
        "SELECT t.subject FROM participants p JOIN tickets t ON t.id = p.ticket_id
         WHERE p.address = 'c2@client.ro' ORDER BY t.subject",
    )
    .await;
    assert_eq!(copied, ["Cerere 2", "Împreună"]);
    let counts = counts(
        &ctx,
        &[
            TICKETS,
            "SELECT count(*) FROM customers",
            "SELECT count(*) FROM outbox WHERE template = 'invitation'",
            CONFIRMATIONS,
        ],
    )
    .await;
    assert_eq!(
        counts,
        [14, 13, 13, 14],
        "tickets, customers, invitations (one each), confirmations (one a ticket)"
    );
}

/// Two mails that cannot be processed, far apart: on two writers, one in each lane, so that
/// both lanes are undone and stored again.
#[tokio::test(flavor = "multi_thread")]
async fn mails_that_fail_in_a_large_batch_are_quarantined_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = fresh_helpdesk(&dir, "lanes.db", |_| {}).await;
    let mut batch = strangers();
    // No author: they cannot be processed.
    batch.insert(0, mail("<<<@@@>>>", "Fără expeditor", "", "x@client.ro"));
    batch.push(mail("@@@", "Nici acum", "", "y@client.ro"));
    let mut expected = vec!["created"; 14];
    (expected[0], expected[13]) = ("quarantined", "quarantined");
    assert_eq!(labels(&ctx, batch).await, expected);
    let queries = [
        TICKETS,
        "SELECT count(*) FROM quarantine",
        "SELECT count(*) FROM raw_emails",
        CONFIRMATIONS,
    ];
    let counts = counts(&ctx, &queries).await;
    assert_eq!(
        counts,
        [12, 2, 14, 12],
        "tickets, quarantined, stored, confirmations"
    );
}
