//! Forged mail changes nothing: who speaks is the author our receiving servers vouch for,
//! never `Reply-To`, never a header the sender wrote. Through `receive()` on a real SQLite
//! file; the outbox is read instead of a mailbox.

use chrono::Utc;
use helpdesk::db::{self, Db, messages::MessageView};
use helpdesk::domain::agent_role::AgentRole;
use helpdesk::domain::inbound::Role;
use helpdesk::domain::message_kind::MessageKind;
use helpdesk::domain::sender_auth::SenderAuth;
use helpdesk::service::Ctx;
use helpdesk::service::agent_actions::{self, Command};
use helpdesk::service::receive_email::{Outcome, receive};

use crate::helpers::{
    Options, TestApp, auth_results, config, folder_counts, send_mail, wait_until,
};

async fn ctx(trusted: &[&str]) -> (Ctx, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let db = Db::connect(&format!("sqlite://{}", path.display())).unwrap();
    db.migrate().await.unwrap();
    let mut cfg = config("support@example.test", &path, &Default::default());
    cfg.mail_trust.authserv_ids = trusted.iter().map(|s| s.to_string()).collect();
    let ctx = Ctx::new(cfg, db).unwrap();
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
    (ctx, dir)
}

/// A plain mail; `headers` go on top, as a receiving server's would.
fn mail(headers: &[(&str, String)], from: &str, subject: &str, text: &str, id: &str) -> Vec<u8> {
    let top: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    format!("{top}From: {from}\r\nTo: support@example.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\r\n{text}\r\n").into_bytes()
}

fn ar(from: &str, result: &str) -> (&'static str, String) {
    ("Authentication-Results", auth_results(from, result))
}

async fn messages(ctx: &Ctx, key: &str) -> Vec<MessageView> {
    let id = ctx.parse_key(key).unwrap();
    ctx.db
        .read(move |c| db::messages::for_ticket(c, id))
        .await
        .unwrap()
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

async fn requester_of(ctx: &Ctx, key: &str) -> String {
    let id = ctx.parse_key(key).unwrap();
    ctx.db
        .read(move |c| db::tickets::get(c, id))
        .await
        .unwrap()
        .unwrap()
        .requester_email
}

async fn created(ctx: &Ctx, raw: Vec<u8>) -> String {
    match receive(ctx, raw, Utc::now()).await.unwrap() {
        Outcome::Created { key } => key,
        other => panic!("expected a new ticket, got {other}"),
    }
}

#[tokio::test]
async fn forged_mail_never_speaks_on_a_ticket() {
    let (ctx, _d) = ctx(&["mx.example.test"]).await;
    let cust = "ion@client.ro";
    let key = created(
        &ctx,
        mail(
            &[ar(cust, "pass")],
            cust,
            "Imprimanta blocată",
            "Nu printează.",
            "c1@client.ro",
        ),
    )
    .await;
    let before = (
        messages(&ctx, &key).await.len(),
        outbox_to(&ctx, "agent@example.test").await,
    );

    // Reply-To names an agent, then the requester: From decides, and From is a stranger.
    let attacker = "noreply@attacker.test";
    let raw = mail(
        &[
            ar(attacker, "pass"),
            ("Reply-To", "agent@example.test".into()),
        ],
        attacker,
        &format!("[{key}] Rambursare"),
        "x",
        "f1@attacker.test",
    );
    let k = created(&ctx, raw).await;
    assert_eq!(
        requester_of(&ctx, &k).await,
        attacker,
        "an agent is never the requester"
    );
    let raw = mail(
        &[ar(attacker, "pass"), ("Reply-To", cust.into())],
        attacker,
        &format!("[{key}] Completare"),
        "x",
        "f2@attacker.test",
    );
    assert_ne!(created(&ctx, raw).await, key);

    // The agent's or the requester's From that our server says is forged, or that only the
    // sender's own header "vouches" for: a new ticket, marked, and no mail to anyone.
    for (n, (from, header)) in [
        ("agent@example.test", ar("agent@example.test", "fail")),
        (
            "agent@example.test",
            (
                "Authentication-Results",
                auth_results("agent@example.test", "pass").replace("mx.example.test", "evil.test"),
            ),
        ),
        (cust, ar(cust, "fail")),
    ]
    .into_iter()
    .enumerate()
    {
        let (mails_before, agent_before) = (
            outbox_to(&ctx, cust).await,
            outbox_to(&ctx, "agent@example.test").await,
        );
        let k = created(
            &ctx,
            mail(
                &[header],
                from,
                &format!("Re: [{key}] Notă"),
                "forged",
                &format!("g{n}@x.test"),
            ),
        )
        .await;
        let auth = messages(&ctx, &k).await[0].sender_auth;
        assert_eq!(
            auth,
            Some(if n == 1 {
                SenderAuth::None
            } else {
                SenderAuth::Fail
            }),
            "{from}"
        );
        assert_eq!(
            (
                outbox_to(&ctx, cust).await,
                outbox_to(&ctx, "agent@example.test").await
            ),
            (mails_before, agent_before),
            "no mail for {from}"
        );
    }
    let now = messages(&ctx, &key).await;
    assert_eq!(
        (now.len(), outbox_to(&ctx, "agent@example.test").await),
        before,
        "the ticket is as it was"
    );
    assert!(now.iter().all(|m| !m.full_text.contains("forged")));

    // Verified mail still does what it did.
    let note = mail(
        &[ar("agent@example.test", "pass")],
        "agent@example.test",
        &format!("[{key}] Notă"),
        "Am sunat.",
        "n1@example.test",
    );
    assert_eq!(
        receive(&ctx, note, Utc::now()).await.unwrap(),
        Outcome::Threaded { key: key.clone() }
    );
    let reply = mail(
        &[ar(cust, "pass")],
        cust,
        &format!("Re: [{key}] Imprimanta"),
        "Tot nu merge.",
        "c2@client.ro",
    );
    assert_eq!(
        receive(&ctx, reply, Utc::now()).await.unwrap(),
        Outcome::Threaded { key: key.clone() }
    );
    let kinds: Vec<(MessageKind, bool, Option<SenderAuth>)> = messages(&ctx, &key)
        .await
        .into_iter()
        .map(|m| (m.kind, m.internal, m.sender_auth))
        .collect();
    assert_eq!(
        kinds[kinds.len() - 2..],
        [
            (MessageKind::Note, true, Some(SenderAuth::Pass)),
            (MessageKind::Customer, false, Some(SenderAuth::Pass))
        ]
    );
    // A customer's mail that nothing vouches for either way (most of the world) still threads.
    let plain = mail(
        &[],
        cust,
        &format!("Re: [{key}] Imprimanta"),
        "Mulțumesc.",
        "c3@client.ro",
    );
    assert_eq!(
        receive(&ctx, plain, Utc::now()).await.unwrap(),
        Outcome::Threaded { key }
    );
}

#[tokio::test]
async fn without_trusted_servers_mail_gives_no_one_an_agents_powers() {
    let (ctx, _d) = ctx(&[]).await;
    let key = created(
        &ctx,
        mail(&[], "ion@client.ro", "VPN", "Nu merge.", "v1@client.ro"),
    )
    .await;
    let note = mail(
        &[ar("agent@example.test", "pass")],
        "agent@example.test",
        &format!("[{key}] Notă"),
        "x",
        "n1@example.test",
    );
    let k = created(&ctx, note).await;
    assert_ne!(k, key);
    assert_eq!(
        messages(&ctx, &k).await[0].sender_auth,
        Some(SenderAuth::None)
    );
    assert_eq!(
        outbox_to(&ctx, "agent@example.test").await,
        0,
        "nothing is mailed to the address it claims"
    );
    // A forward is the agent's own (quiet) mail, not a customer's request.
    let fwd = mail(
        &[],
        "agent@example.test",
        "Fwd: VPN",
        "---------- Forwarded message ---------\r\nFrom: Dan <dan@client.ro>\r\nSubject: VPN\r\n\r\nAjutor.",
        "n2@example.test",
    );
    let k = created(&ctx, fwd).await;
    assert_eq!(requester_of(&ctx, &k).await, "agent@example.test");
    assert_eq!(outbox_to(&ctx, "dan@client.ro").await, 0);
}

#[tokio::test]
async fn an_agents_forward_keeps_the_agents_words_and_files_on_the_note() {
    let (ctx, _d) = ctx(&["mx.example.test"]).await;
    let raw = format!(
        "Authentication-Results: {}\r\nFrom: Ana <agent@example.test>\r\nTo: support@example.test\r\nSubject: Fwd: Rambursare\r\n\
         Message-ID: <fw1@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n\
         --m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n\
         --a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNu returnați banii, e pe lista de fraude.\r\n\r\n\
         ---------- Forwarded message ---------\r\nFrom: Ion Popescu <ion@client.ro>\r\nDate: Tue, 3 Mar 2026 at 10:00\r\n\
         Subject: Rambursare\r\nTo: Ana <agent@example.test>\r\n\r\nVă rog returnați banii pentru comanda 77.\r\n\
         --a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Nu returnați banii, e pe lista de fraude.</p><blockquote>Vă rog returnați banii pentru comanda 77.</blockquote>\r\n\
         --a--\r\n--m\r\nContent-Type: text/plain; name=\"lista-fraude.txt\"\r\nContent-Disposition: attachment; filename=\"lista-fraude.txt\"\r\n\r\nion@client.ro\r\n--m--\r\n",
        auth_results("agent@example.test", "pass")
    );
    let key = created(&ctx, raw.into_bytes()).await;
    assert_eq!(requester_of(&ctx, &key).await, "ion@client.ro");
    let m = messages(&ctx, &key).await;
    let public = &m[0];
    assert!(!public.internal && public.author == "ion@client.ro");
    assert_eq!(public.body, "Vă rog returnați banii pentru comanda 77.");
    assert!(
        public.html.is_none()
            && public.attachments.is_empty()
            && !public.full_text.contains("fraude"),
        "{public:?}"
    );
    let note = &m[1];
    assert!(note.internal && note.author == "agent@example.test");
    assert!(
        note.body.contains("fraude") && note.html.as_deref().is_some_and(|h| h.contains("fraude"))
    );
    assert_eq!(
        note.attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect::<Vec<_>>(),
        ["lista-fraude.txt"]
    );
}

#[tokio::test]
async fn a_merge_brings_the_requester_as_cc_and_partners_as_partners_and_says_when_requesters_differ()
 {
    let (ctx, _d) = ctx(&["mx.example.test"]).await;
    let kept = created(
        &ctx,
        mail(&[], "ion@client.ro", "Imprimanta", "x", "k1@client.ro"),
    )
    .await;
    let dup = created(
        &ctx,
        mail(
            &[("Cc", "sef@client.ro".into())],
            "maria@client.ro",
            "Imprimanta etaj 2",
            "x",
            "k2@client.ro",
        ),
    )
    .await;
    let agent = ctx
        .db
        .read(|c| db::agents::find_by_email(c, "agent@example.test"))
        .await
        .unwrap()
        .unwrap();
    let ask = Command::ThirdParty {
        partner_email: "service@partner.test".into(),
        message: "Aveți piesa?".into(),
    };
    agent_actions::act(
        &ctx,
        &agent,
        &dup,
        Command::Assign {
            agent_email: "agent@example.test".into(),
        },
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    agent_actions::act(&ctx, &agent, &dup, ask, None, Utc::now())
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
    let id = ctx.parse_key(&kept).unwrap();
    let people = ctx
        .db
        .read(move |c| db::tickets::participants(c, id))
        .await
        .unwrap();
    let people: Vec<(&str, Role)> = people
        .iter()
        .map(|p| (p.address.as_str(), p.role))
        .collect();
    assert_eq!(
        people,
        [
            ("ion@client.ro", Role::Requester),
            ("maria@client.ro", Role::Cc),
            ("service@partner.test", Role::Partner)
        ]
    );
    let notes = messages(&ctx, &kept).await;
    let last = &notes.last().unwrap().body;
    assert!(
        last.contains("maria@client.ro") && last.contains("Warning"),
        "{last}"
    );
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_quarantined_from_its_headers_and_the_mailbox_goes_on() {
    let app = TestApp::spawn_with(Options {
        max_message_mb: 1,
        ..Default::default()
    })
    .await;
    let big = "Fișier mare\r\n".to_string()
        + &"A"
            .repeat(76)
            .repeat(30_000)
            .as_bytes()
            .chunks(76)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
    send_mail("ion@client.ro", &app.support, "Arhiva de 2 MB", &big, &[]).await;
    send_mail(
        "ion@client.ro",
        &app.support,
        "După arhivă",
        "Mesaj obișnuit.",
        &[],
    )
    .await;
    let after = wait_until(std::time::Duration::from_secs(30), || async {
        app.tickets_of("ion@client.ro").await.len() == 1
    })
    .await;
    assert!(after, "the mail behind the large one became a ticket");
    let tickets = app.tickets_of("ion@client.ro").await;
    assert_eq!(
        tickets[0]["subject"], "După arhivă",
        "the large one opened no ticket"
    );
    let (_, q) = app.api("GET", "/quarantine", None).await;
    let entries = q["quarantine"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1, "{q:#}");
    let reason = entries[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("too large") && reason.contains("max_message_mb = 1"),
        "{reason}"
    );
    // Its headers are kept (the source shows them), its body was never fetched.
    let id = entries[0]["id"].as_i64().unwrap();
    let source = app
        .ctx
        .db
        .read(move |c| db::inbound::quarantine_source(c, id))
        .await
        .unwrap()
        .unwrap();
    let source = String::from_utf8_lossy(&source);
    assert!(
        source.contains("Subject:") && source.contains("From: ion@client.ro"),
        "{source}"
    );
    assert!(
        source.len() < 10_000,
        "only the headers: {} bytes",
        source.len()
    );
    let (status, body) = app
        .api("POST", &format!("/quarantine/{id}/replay"), None)
        .await;
    assert_eq!(status, 409, "nothing to replay: {body}");
    // It stays on the server, unflagged; the other one is flagged.
    assert_eq!(folder_counts(&app.support, "INBOX").await, (2, 1));
    app.stop().await;
}
