//! Who may add to a ticket (and what a bounce of our mail adds), and loop protection,
//! through `receive()` on a real SQLite file (no mail servers needed: the outbox is read
//! instead of a mailbox).

use chrono::Utc;
use helpdesk::db::tickets::Participant;
use helpdesk::db::{self, Db};
use helpdesk::domain::agent_role::AgentRole;
use helpdesk::domain::inbound::Role;
use helpdesk::service::Ctx;
use helpdesk::service::agent_actions::{self, Command};
use helpdesk::service::receive_email::{Outcome, receive};

use crate::helpers::{auth_results, config};

async fn ctx(limit: i64) -> (Ctx, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let db = Db::connect(&format!("sqlite://{}", path.display())).unwrap();
    db.migrate().await.unwrap();
    let mut cfg = config("support@example.test", &path, &Default::default());
    cfg.helpdesk.auto_reply_limit_per_hour = limit;
    (Ctx::new(cfg, db).unwrap(), dir)
}

fn mail(from: &str, subject: &str, extra: &str, id: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: support@example.test\r\n{extra}Subject: {subject}\r\nMessage-ID: <{id}>\r\n\r\ntext\r\n").into_bytes()
}

async fn outbox_to(ctx: &Ctx, address: &str) -> i64 {
    let a = address.to_string();
    ctx.db
        .read(move |c| {
            c.query_row(
                "SELECT count(*) FROM outbox WHERE recipient = ?",
                helpdesk::params![a],
                |r| r.get(0),
            )
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cc_d_colleague_may_reply_by_token_and_a_partner_only_where_asked() {
    let (ctx, _d) = ctx(10).await;
    let created = receive(
        &ctx,
        mail(
            "ion@client.ro",
            "Server căzut",
            "Cc: maria@client.ro\r\n",
            "a1@client.ro",
        ),
        Utc::now(),
    )
    .await
    .unwrap();
    let Outcome::Created { key } = created else {
        panic!("{created}")
    };
    let reply = receive(
        &ctx,
        mail(
            "maria@client.ro",
            &format!("Re: [{key}] Server"),
            "",
            "a2@client.ro",
        ),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        reply,
        Outcome::Threaded { key: key.clone() },
        "the CC'd colleague is a participant"
    );

    // A partner asked about another ticket is a stranger here.
    let other = receive(
        &ctx,
        mail("dan@client.ro", "Altceva", "", "b1@client.ro"),
        Utc::now(),
    )
    .await
    .unwrap();
    let Outcome::Created { key: other_key } = other else {
        panic!()
    };
    let agent = ctx
        .db
        .write(|c| {
            db::agents::upsert(
                c,
                "agent@example.test",
                "Ana",
                "x",
                AgentRole::Agent,
                Utc::now(),
            )
        })
        .await
        .unwrap();
    let cmd = Command::ThirdParty {
        partner_email: "furnizor@partner.test".into(),
        message: "Aveți piesa?".into(),
    };
    agent_actions::act(&ctx, &agent, &other_key, cmd, None, Utc::now())
        .await
        .unwrap();
    let hijack = receive(
        &ctx,
        mail(
            "furnizor@partner.test",
            &format!("[{key}] info"),
            "",
            "p1@partner.test",
        ),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(matches!(hijack, Outcome::Created { .. }), "{hijack}");
    let answer = receive(
        &ctx,
        mail(
            "furnizor@partner.test",
            &format!("Re: [{other_key}] piesa"),
            "",
            "p2@partner.test",
        ),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        answer,
        Outcome::Threaded {
            key: other_key.clone()
        }
    );
    let id = ctx.parse_key(&other_key).unwrap();
    let status = ctx
        .db
        .read(move |c| db::tickets::get(c, id))
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(
        status.as_str(),
        "in_progress",
        "the partner's answer resumed the ticket"
    );
}

#[tokio::test]
async fn loop_protection_caps_automatic_mail_per_address() {
    let (ctx, _d) = ctx(3).await;
    for i in 0..6 {
        let out = receive(
            &ctx,
            mail(
                "robot@client.ro",
                &format!("Alertă {i}"),
                "",
                &format!("r{i}@client.ro"),
            ),
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(
            matches!(out, Outcome::Created { .. }),
            "the tickets are still opened"
        );
    }
    assert_eq!(
        outbox_to(&ctx, "robot@client.ro").await,
        3,
        "confirmation + invitation + one more, then silence"
    );
    assert_eq!(
        ctx.metrics
            .loop_suppressed
            .load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    // What agents do is never held back: their question, and the (automatic) resolution.
    let agent = ctx
        .db
        .write(|c| {
            db::agents::upsert(
                c,
                "agent@example.test",
                "Ana",
                "x",
                AgentRole::Agent,
                Utc::now(),
            )
        })
        .await
        .unwrap();
    let cmd = Command::RequestInfo {
        message: "Ce model?".into(),
    };
    agent_actions::act(&ctx, &agent, "HD-1", cmd, None, Utc::now())
        .await
        .unwrap();
    let cmd = Command::Resolve {
        resolution: "Rezolvat.".into(),
    };
    agent_actions::act(&ctx, &agent, "HD-2", cmd, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(outbox_to(&ctx, "robot@client.ro").await, 5);
}

#[tokio::test]
async fn our_message_id_counts_only_for_the_address_we_sent_it_to() {
    let (ctx, _d) = ctx(10).await;
    let Outcome::Created { key } = receive(
        &ctx,
        mail("ion@client.ro", "VPN", "", "v1@client.ro"),
        Utc::now(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    let ours: String = ctx
        .db
        .read(|c| {
            c.query_row(
                "SELECT message_id FROM outbox WHERE template = 'confirmation'",
                helpdesk::params![],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    // Signed for its recipient: <time>.<random>.<tag>@our domain.
    assert_eq!(
        ours.split('@').next().unwrap().split('.').count(),
        3,
        "{ours}"
    );
    // Whoever else cites it (a forwarded copy, a leaked header, the customer's other
    // address) gets a new ticket of their own; the ticket stays as it was.
    let cites = format!("In-Reply-To: <{ours}>\r\nReferences: <{ours}>\r\n");
    let other = receive(
        &ctx,
        mail(
            "ion.acasa@personal.test",
            "Re: VPN",
            &cites,
            "v2@personal.test",
        ),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(&other, Outcome::Created { key: k } if *k != key),
        "{other}"
    );
    let id = ctx.parse_key(&key).unwrap();
    let people = ctx
        .db
        .read(move |c| db::tickets::participants(c, id))
        .await
        .unwrap();
    assert_eq!(
        people,
        vec![Participant {
            address: "ion@client.ro".into(),
            role: Role::Requester
        }]
    );
    // The one it went to threads by it, whatever the subject says.
    let reply = receive(
        &ctx,
        mail("ion@client.ro", "Re: VPN", &cites, "v3@client.ro"),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(reply, Outcome::Threaded { key: key.clone() });
    // An id of ours before signing (no tag) is bound by the outbox's record of its recipient.
    ctx.db.write(move |c| c.execute("UPDATE outbox SET message_id = '0000000000001.00000000000000aa@example.test' WHERE template = 'confirmation' AND recipient = 'ion@client.ro'", helpdesk::params![])).await.unwrap();
    let old = "In-Reply-To: <0000000000001.00000000000000aa@example.test>\r\n";
    let stranger = receive(
        &ctx,
        mail("x@evil.test", "Re: VPN", old, "v4@evil.test"),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(&stranger, Outcome::Created { key: k } if *k != key),
        "{stranger}"
    );
    let requester = receive(
        &ctx,
        mail("ion@client.ro", "Re: VPN", old, "v5@client.ro"),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(requester, Outcome::Threaded { key });
}

#[tokio::test]
async fn an_answer_to_a_mail_already_on_a_ticket_joins_it_when_the_sender_takes_part() {
    let (ctx, _d) = ctx(10).await;
    let first = mail(
        "ion@client.ro",
        "Imprimanta",
        "Cc: maria@client.ro\r\n",
        "i1@client.ro",
    );
    let Outcome::Created { key } = receive(&ctx, first, Utc::now()).await.unwrap() else {
        panic!()
    };
    // Ion answers his own mail from his Sent folder, before our confirmation arrives.
    let own = mail(
        "ion@client.ro",
        "Re: Imprimanta",
        "In-Reply-To: <i1@client.ro>\r\nReferences: <i1@client.ro>\r\n",
        "i2@client.ro",
    );
    assert_eq!(
        receive(&ctx, own, Utc::now()).await.unwrap(),
        Outcome::Threaded { key: key.clone() }
    );
    // Maria, on CC, answers all on Ion's second mail (only the References name the thread).
    let all = mail(
        "maria@client.ro",
        "Re: Imprimanta",
        "References: <i1@client.ro> <i2@client.ro>\r\n",
        "m1@client.ro",
    );
    assert_eq!(
        receive(&ctx, all, Utc::now()).await.unwrap(),
        Outcome::Threaded { key: key.clone() }
    );
    // Someone who is not on the ticket and cites Ion's mail gets a ticket of their own.
    let stranger = mail(
        "dan@other.test",
        "Re: Imprimanta",
        "In-Reply-To: <i1@client.ro>\r\n",
        "d1@other.test",
    );
    let opened = receive(&ctx, stranger, Utc::now()).await.unwrap();
    assert!(
        matches!(&opened, Outcome::Created { key: k } if *k != key),
        "{opened}"
    );
    let id = ctx.parse_key(&key).unwrap();
    let texts: i64 = ctx
        .db
        .read(move |c| {
            c.query_row(
                "SELECT count(*) FROM messages WHERE ticket_id = ?",
                helpdesk::params![id],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    assert_eq!(texts, 3);
}

#[tokio::test]
async fn a_reply_about_a_merged_ticket_goes_to_the_ticket_it_was_merged_into() {
    let (ctx, _d) = ctx(10).await;
    let Outcome::Created { key: kept } = receive(
        &ctx,
        mail("ion@client.ro", "Imprimanta", "", "k1@client.ro"),
        Utc::now(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    let Outcome::Created { key: dup } = receive(
        &ctx,
        mail("ion@client.ro", "Tot imprimanta", "", "k2@client.ro"),
        Utc::now(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    let agent = ctx
        .db
        .write(|c| {
            db::agents::upsert(
                c,
                "agent@example.test",
                "Ana",
                "x",
                AgentRole::Agent,
                Utc::now(),
            )
        })
        .await
        .unwrap();
    agent_actions::act(
        &ctx,
        &agent,
        &dup,
        Command::Merge { into: kept.clone() },
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    // By token, and by our Message-ID (the confirmation of the merged ticket).
    let by_token = mail(
        "ion@client.ro",
        &format!("Re: [{dup}] Tot imprimanta"),
        "",
        "k3@client.ro",
    );
    assert_eq!(
        receive(&ctx, by_token, Utc::now()).await.unwrap(),
        Outcome::Threaded { key: kept.clone() }
    );
    let dup_id = ctx.parse_key(&dup).unwrap();
    let ours: String = ctx
        .db
        .read(move |c| {
            c.query_row(
                "SELECT message_id FROM outbox WHERE ticket_id = ? AND template = 'confirmation'",
                helpdesk::params![dup_id],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    let by_reference = mail(
        "ion@client.ro",
        "Re: Tot imprimanta",
        &format!("In-Reply-To: <{ours}>\r\n"),
        "k4@client.ro",
    );
    assert_eq!(
        receive(&ctx, by_reference, Utc::now()).await.unwrap(),
        Outcome::Threaded { key: kept.clone() }
    );
    // A stranger with the merged ticket's token is still a stranger.
    let stranger = receive(
        &ctx,
        mail("dan@other.test", &format!("[{dup}] x"), "", "d9@other.test"),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(matches!(stranger, Outcome::Created { .. }), "{stranger}");
}

/// A delivery report for our mail `ours`, naming `failed` as the recipient that failed.
fn dsn(failed: &str, ours: &str, id: &str) -> Vec<u8> {
    format!(
        "From: MAILER-DAEMON@mx.client.ro (Mail Delivery System)\r\nTo: support@example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Message-ID: <{id}>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.ro\r\n\r\nFinal-Recipient: rfc822; {failed}\r\n\
         Action: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n\
         --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@example.test\r\nMessage-ID: <{ours}>\r\nSubject: Parola\r\n\r\nAm primit.\r\n--b--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_bounce_of_our_mail_is_noted_on_its_ticket_and_opens_nothing() {
    let (ctx, _d) = ctx(10).await;
    let Outcome::Created { key } = receive(
        &ctx,
        mail("ana@client.ro", "Parola", "", "b1@client.ro"),
        Utc::now(),
    )
    .await
    .unwrap() else {
        panic!()
    };
    let ours: String = ctx
        .db
        .read(|c| {
            c.query_row(
                "SELECT message_id FROM outbox WHERE template = 'confirmation'",
                helpdesk::params![],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    let id = ctx.parse_key(&key).unwrap();
    let db = ctx.db.clone();
    let notes = move || {
        let db = db.clone();
        async move {
            db.read(move |c| {
                c.query_map("SELECT internal, author, body FROM messages WHERE ticket_id = ? AND kind = 'note' ORDER BY id",
                    helpdesk::params![id], |r| Ok((r.get::<_, bool>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            })
            .await
        }
    };
    // A report that names someone else as failed (forged, or about another copy) says
    // nothing about this mail.
    assert_eq!(
        receive(
            &ctx,
            dsn("ion@client.ro", &ours, "dsn-0@mx.client.ro"),
            Utc::now()
        )
        .await
        .unwrap(),
        Outcome::Ignored { kind: "bounce" }
    );
    assert!(notes().await.unwrap().is_empty());
    assert_eq!(
        receive(
            &ctx,
            dsn("ana@client.ro", &ours, "dsn-1@mx.client.ro"),
            Utc::now()
        )
        .await
        .unwrap(),
        Outcome::Ignored { kind: "bounce" }
    );
    let (internal, author, body) = notes().await.unwrap().pop().unwrap();
    assert_eq!(
        (internal, author.as_str()),
        (true, "support@example.test"),
        "an internal note in the helpdesk's words"
    );
    assert_eq!(
        body,
        "The mail to ana@client.ro came back undelivered: 552 5.2.2 Mailbox full"
    );
    let error: Option<String> = ctx
        .db
        .read(|c| {
            c.query_row(
                "SELECT last_error FROM outbox WHERE template = 'confirmation'",
                helpdesk::params![],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    assert_eq!(error.as_deref(), Some("bounced: 552 5.2.2 Mailbox full"));
    assert_eq!(
        outbox_to(&ctx, "MAILER-DAEMON@mx.client.ro").await,
        0,
        "a bounce gets no answer"
    );
    let tickets: i64 = ctx
        .db
        .read(|c| {
            c.query_row("SELECT count(*) FROM tickets", helpdesk::params![], |r| {
                r.get(0)
            })
        })
        .await
        .unwrap();
    assert_eq!(tickets, 1);
}

#[tokio::test]
async fn an_empty_secret_is_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut cfg = config("support@example.test", &path, &Default::default());
    cfg.helpdesk.secret = String::new();
    let first = Ctx::open(cfg.clone()).await.unwrap();
    let secret = first.config.helpdesk.secret.clone();
    assert!(secret.len() >= 32, "{secret:?}");
    first.db.close().await;
    let again = Ctx::open(cfg).await.unwrap();
    assert_eq!(
        again.config.helpdesk.secret, secret,
        "signed links stay valid across restarts"
    );
}

#[tokio::test]
async fn a_customer_mail_an_agent_forwards_opens_a_ticket_for_the_customer() {
    let (ctx, _d) = ctx(10).await;
    ctx.db
        .write(|c| {
            db::agents::upsert(
                c,
                "agent@example.test",
                "Ana",
                "x",
                AgentRole::Agent,
                Utc::now(),
            )
        })
        .await
        .unwrap();
    let verified = format!(
        "Authentication-Results: {}\r\n",
        auth_results("agent@example.test", "pass")
    );
    let forward = verified.clone()
        + "From: Ana <agent@example.test>\r\nTo: support@example.test\r\nSubject: Fwd: Imprimanta nu merge\r\nMessage-ID: <f1@example.test>\r\n\r\n\
        Clientul m-a sunat si mi-a scris direct.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Ion Popescu <ion@client.ro>\r\n\
        Date: Tue, 3 Mar 2026 at 10:00\r\nSubject: Imprimanta nu merge\r\nTo: Ana <agent@example.test>\r\n\r\nImprimanta din birou nu mai tipareste.\r\nIon\r\n";
    let Outcome::Created { key } = receive(&ctx, forward.as_bytes().to_vec(), Utc::now())
        .await
        .unwrap()
    else {
        panic!()
    };
    let id = ctx.parse_key(&key).unwrap();
    let (ticket, messages, participants) = ctx
        .db
        .read(move |c| {
            Ok::<_, db::SqlError>((
                db::tickets::get(c, id)?.unwrap(),
                db::messages::for_ticket(c, id)?,
                db::tickets::participants(c, id)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(
        (ticket.requester_email.as_str(), ticket.subject.as_str()),
        ("ion@client.ro", "Imprimanta nu merge")
    );
    assert_eq!(
        participants,
        [Participant {
            address: "ion@client.ro".into(),
            role: Role::Requester
        }]
    );
    let seen: Vec<(&str, &str, bool)> = messages
        .iter()
        .map(|m| (m.author.as_str(), m.body.as_str(), m.internal))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "ion@client.ro",
                "Imprimanta din birou nu mai tipareste.\nIon",
                false
            ),
            (
                "agent@example.test",
                "Clientul m-a sunat si mi-a scris direct.",
                true
            )
        ]
    );
    // The customer hears from us (confirmation and invitation); the agent does not.
    assert_eq!(outbox_to(&ctx, "ion@client.ro").await, 2);
    assert_eq!(outbox_to(&ctx, "agent@example.test").await, 0);

    // Forwarded as an attachment: the attached mail's author, the agent's text a note.
    let attached = verified.clone()
        + "From: Ana <agent@example.test>\r\nTo: support@example.test\r\nSubject: FW: Factura gresita\r\nMessage-ID: <f3@example.test>\r\n\
        Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVezi mai jos.\r\n\
        --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: Maria Dobre <maria@client.ro>\r\nSubject: Factura gresita\r\n\r\nFactura are suma gresita.\r\n--b--\r\n";
    let Outcome::Created { key } = receive(&ctx, attached.as_bytes().to_vec(), Utc::now())
        .await
        .unwrap()
    else {
        panic!()
    };
    let id = ctx.parse_key(&key).unwrap();
    let (ticket, messages) = ctx
        .db
        .read(move |c| {
            Ok::<_, db::SqlError>((
                db::tickets::get(c, id)?.unwrap(),
                db::messages::for_ticket(c, id)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(
        (ticket.requester_email.as_str(), ticket.subject.as_str()),
        ("maria@client.ro", "Factura gresita")
    );
    let seen: Vec<(&str, &str, bool)> = messages
        .iter()
        .map(|m| (m.author.as_str(), m.body.as_str(), m.internal))
        .collect();
    assert_eq!(
        seen,
        [
            ("maria@client.ro", "Factura are suma gresita.", false),
            ("agent@example.test", "Vezi mai jos.", true)
        ]
    );

    // Forwarded by someone who is not an agent, or not a forward: the sender's own request.
    let other = forward
        .replace(
            "agent@example.test>\r\nTo: support",
            "vecin@client.ro>\r\nTo: support",
        )
        .replace("<f1@", "<f2@");
    let Outcome::Created { key } = receive(&ctx, other.into_bytes(), Utc::now()).await.unwrap()
    else {
        panic!()
    };
    let id = ctx.parse_key(&key).unwrap();
    assert_eq!(
        ctx.db
            .read(move |c| db::tickets::get(c, id))
            .await
            .unwrap()
            .unwrap()
            .requester_email,
        "vecin@client.ro"
    );
}
