//! A batch of inbound mail in one transaction, as the poller and `import` store it, on the
//! test engine: a message that fails is quarantined alone and the others go on, each once.

use chrono::Utc;
use helpdesk::config::Config;
use helpdesk::db::Db;
use helpdesk::service::Ctx;
use helpdesk::service::receive_email::receive_batch;

use crate::helpers::config;

pub(crate) fn mail(from: &str, subject: &str, extra: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@example.test\r\n{extra}Subject: {subject}\r\nMessage-ID: <{id}>\r\n\r\ntext\r\n"
    )
    .into_bytes()
}

/// A helpdesk on a fresh database of the test engine (`name`d in `dir`), its config changed
/// by `change`.
pub(crate) async fn fresh_helpdesk(
    dir: &tempfile::TempDir,
    name: &str,
    change: impl FnOnce(&mut Config),
) -> Ctx {
    let mut cfg = config(
        "support@example.test",
        &dir.path().join(name),
        &Default::default(),
    );
    change(&mut cfg);
    let db = Db::connect(&cfg.database.url).unwrap();
    db.migrate().await.unwrap();
    Ctx::new(cfg, db).unwrap()
}

/// The agent `agent@example.test`.
fn add_agent(c: &helpdesk::db::Conn) -> Result<(), helpdesk::db::SqlError> {
    helpdesk::db::agents::upsert(
        c,
        "agent@example.test",
        "Agent",
        "x",
        helpdesk::domain::agent_role::AgentRole::Agent,
        Utc::now(),
    )?;
    Ok(())
}

/// The first column of a query's rows, as text.
pub(crate) async fn texts(ctx: &Ctx, sql: &'static str) -> Vec<String> {
    ctx.db
        .read(move |c| c.query_map(sql, helpdesk::params![], |r| r.get(0)))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_that_fails_in_a_batch_is_quarantined_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = fresh_helpdesk(&dir, "batch.db", |_| {}).await;
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
    let ctx = fresh_helpdesk(&dir, "batch.db", |cfg| {
        cfg.helpdesk.auto_reply_limit_per_hour = 3
    })
    .await;
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
    let templates = texts(
        &ctx,
        "SELECT template FROM outbox WHERE recipient = 'bucla@client.ro' ORDER BY id",
    )
    .await;
    assert_eq!(
        templates,
        ["confirmation", "invitation", "confirmation"],
        "the first ticket's confirmation and invitation, the second's confirmation, then none"
    );
}

/// A batch's mails are stored together: each as it would be alone, in its order. A mail
/// handed over twice is a duplicate, in the batch or after an earlier one; another mail
/// under a Message-ID already taken is kept under its content too; each processed mail
/// keeps its own bytes, and an agent's address is known for the agent's mail alone.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_stores_each_mail_as_it_would_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = fresh_helpdesk(&dir, "batch.db", |_| {}).await;
    ctx.db.write(add_agent).await.unwrap();
    let earlier = mail("ana@client.ro", "Factura", "", "e1@client.ro");
    let outcomes = receive_batch(&ctx, ctx.home(), vec![earlier.clone()], Utc::now())
        .await
        .unwrap();
    assert_eq!(outcomes[0].label(), "created");
    let first = mail("ion@client.ro", "Imprimanta", "", "a1@client.ro");
    let batch = vec![
        first.clone(),
        // Another mail under the same Message-ID.
        mail("ion@client.ro", "Monitorul", "", "a1@client.ro"),
        first,
        earlier,
        mail("ana@client.ro", "Contractul", "", "e1@client.ro"),
        mail(
            "agent@example.test",
            "Din partea echipei",
            "",
            "g1@example.test",
        ),
        mail("maria@client.ro", "Scanerul", "", "c1@client.ro"),
    ];
    let outcomes = receive_batch(&ctx, ctx.home(), batch, Utc::now())
        .await
        .unwrap();
    let labels: Vec<&str> = outcomes.iter().map(|o| o.label()).collect();
    assert_eq!(
        labels,
        [
            "created",
            "created",
            "duplicate",
            "duplicate",
            "created",
            "created",
            "created"
        ]
    );
    let stored: Vec<(Vec<u8>, String)> = ctx
        .db
        .read(|c| {
            c.query_map(
                "SELECT b.raw, t.subject FROM raw_emails e
                 JOIN raw_email_bytes b ON b.raw_email_id = e.id
                 JOIN tickets t ON t.id = e.ticket_id ORDER BY t.id",
                helpdesk::params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
        .unwrap();
    let subjects: Vec<&str> = stored.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        subjects.len(),
        6,
        "one stored mail for each ticket: {subjects:?}"
    );
    for (raw, subject) in &stored {
        let raw = String::from_utf8_lossy(raw);
        assert!(
            raw.contains(&format!("Subject: {subject}\r\n")),
            "the ticket {subject:?} keeps its own mail, not {raw:?}"
        );
    }
    let confirmed = texts(
        &ctx,
        "SELECT recipient FROM outbox WHERE template = 'confirmation' ORDER BY id",
    )
    .await;
    assert_eq!(
        confirmed,
        [
            "ana@client.ro",
            "ion@client.ro",
            "ion@client.ro",
            "ana@client.ro",
            "maria@client.ro"
        ],
        "every customer's new ticket is confirmed; the agent's unvouched mail is not"
    );
}

/// Mails stored together come out as stored one after the other: the same ones kept, under
/// the same keys, each with its own bytes, and an agent known as one.
#[tokio::test(flavor = "multi_thread")]
async fn mails_stored_together_are_stored_as_one_by_one() {
    use helpdesk::db::inbound::{NewReceived, insert_all_received, insert_received};
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Vec::new();
    for name in ["together.db", "one-by-one.db"] {
        let ctx = fresh_helpdesk(&dir, name, |_| {}).await;
        ctx.db
            .write(|c| {
                add_agent(c)?;
                // Stored before: a key the batch meets again.
                insert_received(
                    c,
                    &NewReceived {
                        dedup_key: "mid:old",
                        fingerprint: Some("v2:old"),
                        raw: b"old",
                        author: None,
                    },
                    "support@example.test",
                    Utc::now(),
                )
            })
            .await
            .unwrap();
        stores.push(ctx);
    }
    let mail = |dedup_key, fingerprint, raw, author| NewReceived {
        dedup_key,
        fingerprint,
        raw,
        author,
    };
    let new = vec![
        mail(
            "mid:a",
            Some("v2:a"),
            b"a".as_slice(),
            Some("ion@client.ro"),
        ),
        mail("mid:a", Some("v2:b"), b"b", Some("ion@client.ro")),
        mail("mid:a", Some("v2:a"), b"a again", None),
        mail("mid:old", Some("v2:old"), b"old again", None),
        mail(
            "mid:old",
            Some("v2:new"),
            b"new",
            Some("AGENT@example.test"),
        ),
        mail("mid:old", None, b"no fingerprint", None),
        // One key on SQLite, two on PostgreSQL, whose text holds no NUL.
        mail("mid:nul\0", Some("v2:n"), b"nul", None),
        mail("mid:nul\u{FFFD}", Some("v2:m"), b"nul again", None),
        mail("sha256:c", Some("v2:c"), b"c", Some("agent@example.test")),
    ];
    let now = Utc::now();
    let mut results = Vec::new();
    for (n, ctx) in stores.iter().enumerate() {
        let new = new.clone();
        let kept = ctx
            .db
            .write(move |c| {
                let kept = if n == 0 {
                    insert_all_received(c, &new, "support@example.test", now)?
                } else {
                    new.iter()
                        .map(|m| insert_received(c, m, "support@example.test", now))
                        .collect::<Result<_, _>>()?
                };
                assert_eq!(kept.len(), new.len());
                kept.iter()
                    .map(|r| {
                        let Some(r) = r else { return Ok(None) };
                        c.query_row(
                            "SELECT e.dedup_key, b.raw FROM raw_emails e
                             JOIN raw_email_bytes b ON b.raw_email_id = e.id WHERE e.id = ?",
                            helpdesk::params![r.id],
                            |row| {
                                Ok(Some(Kept {
                                    key: row.get(0)?,
                                    raw: row.get(1)?,
                                    agent: r.author_is_agent,
                                }))
                            },
                        )
                    })
                    .collect::<Result<Vec<_>, helpdesk::db::SqlError>>()
            })
            .await
            .unwrap();
        results.push(kept);
    }
    let (together, one_by_one) = (&results[0], &results[1]);
    assert_eq!(together, one_by_one);
    let kept: Vec<bool> = together.iter().map(Option::is_some).collect();
    assert_eq!(
        kept,
        [true, true, false, false, true, false, true, true, true],
        "{together:?}"
    );
    for (r, m) in together.iter().zip(&new) {
        if let Some(r) = r {
            assert_eq!(r.raw, m.raw, "each kept mail keeps its own bytes");
        }
    }
    // PostgreSQL tells whether the author is an agent as it stores; SQLite asks apart.
    if stores[0].db.is_postgres() {
        let agents: Vec<Option<bool>> = together
            .iter()
            .map(|r| r.as_ref().and_then(|r| r.agent))
            .collect();
        let (yes, no) = (Some(true), Some(false));
        assert_eq!(agents, [no, no, None, None, yes, None, no, no, yes]);
    }
}

/// A stored mail as read back: its key, its bytes, and whether its author is an agent's.
#[derive(Debug, PartialEq)]
struct Kept {
    key: String,
    raw: Vec<u8>,
    agent: Option<bool>,
}

/// Mail queued while a batch holds it is counted and threaded as if it were written (loop
/// protection and `References` see it) and is written, in order, once the batch writes
/// it; a batch that fails leaves none of it, and the connection writes mail as it is
/// queued again.
#[tokio::test(flavor = "multi_thread")]
async fn held_mail_counts_and_threads_until_it_is_written() {
    use helpdesk::db::{Conn, SqlError, messages, outbox};
    use helpdesk::domain::ids::TicketId;
    let dir = tempfile::tempdir().unwrap();
    let ctx = fresh_helpdesk(&dir, "held.db", |_| {}).await;
    let first = mail("ion@client.ro", "Imprimanta", "", "h1@client.ro");
    let outcomes = receive_batch(&ctx, ctx.home(), vec![first], Utc::now())
        .await
        .unwrap();
    assert_eq!(outcomes[0].label(), "created");
    let since = Utc::now() - chrono::Duration::hours(1);
    let ticket = |c: &Conn| {
        c.query_row("SELECT id FROM tickets", helpdesk::params![], |r| r.get(0))
            .map(TicketId)
    };
    let context =
        move |c: &Conn| messages::mail_context(c, ticket(c)?, "ION@client.ro", Some(since));
    let queue = move |c: &Conn, message_id: &str| {
        let mail = outbox::NewMail {
            ticket_id: Some(ticket(c)?),
            template: "confirmation",
            recipient: "ion@client.ro",
            recipient_role: None,
            automatic: true,
            message_id,
            envelope_from: "support@example.test",
            letter: "{}",
            link: None,
        };
        outbox::insert_all(c, &[mail], Utc::now())
    };
    let (before, held, counted) = ctx
        .db
        .write(move |c| {
            let before = context(c)?;
            let holding = outbox::Holding::start(c);
            queue(c, "kept@example.test")?;
            let held = context(c)?;
            let counted = outbox::automatic_since(c, "Ion@Client.ro", since)?;
            holding.write(Utc::now())?;
            Ok::<_, SqlError>((before, held, counted))
        })
        .await
        .unwrap();
    assert_eq!(held.automatic_sent, before.automatic_sent + 1);
    assert_eq!(counted, held.automatic_sent);
    let mut thread = before.references.clone();
    thread.push("kept@example.test".to_string());
    assert_eq!(held.references, thread);
    let written = ctx.db.read(context).await.unwrap();
    assert_eq!(written.references, thread, "written as held");
    assert_eq!(written.automatic_sent, held.automatic_sent);
    let failed = ctx
        .db
        .write(move |c| {
            let _holding = outbox::Holding::start(c);
            queue(c, "dropped@example.test")?;
            Err::<(), _>(SqlError::NoRow)
        })
        .await;
    assert!(failed.is_err());
    ctx.db
        .write(move |c| queue(c, "after@example.test"))
        .await
        .unwrap();
    thread.push("after@example.test".to_string());
    assert_eq!(ctx.db.read(context).await.unwrap().references, thread);
}
