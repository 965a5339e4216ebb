//! Several daemons on one PostgreSQL database: both serve the web and the API, one at a time
//! watches each mailbox, and a node that stops or is killed hands its mailbox over within
//! seconds; outbox rows are taken by one node each, so mail goes out once.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use helpdesk::telemetry::MailboxState;

use crate::drills::serve;
use crate::engine::{count_in, fresh_database};
use crate::helpers::*;

/// Two daemons on one PostgreSQL database: both serve the web and the API; one watches the
/// mailbox while the other stands by, and when the first stops the second takes the mailbox
/// over within 10 s and goes on from its checkpoint: nothing lost, nothing taken twice.
#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_share_a_database_and_the_mailbox_goes_over_when_its_node_stops() {
    let (url, support, first, second) = two_nodes("nodes").await;
    let state = |app: &TestApp| {
        app.ctx
            .metrics
            .mailboxes
            .snapshot()
            .into_iter()
            .find(|m| m.address == support)
            .map(|m| m.state)
    };
    let standing_by = wait_until(Duration::from_secs(10), || async {
        state(&second) == Some(MailboxState::Standby)
    })
    .await;
    assert!(
        standing_by,
        "the second node stands by: {:?}",
        state(&second)
    );
    assert_eq!(state(&first), Some(MailboxState::Watching));
    let health: serde_json::Value = reqwest::get(format!("{}/healthz", second.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["mailboxes"][0]["state"], "standby", "{health}");

    // Mail the first node takes is a ticket the second node's API shows.
    let before = format!("{}@customer.test", unique("nodes-before"));
    first.send(&before, "Înainte de oprire", "x", &[]).await;
    second.wait_tickets(&before, 1).await;
    // The node standing by tries again on the connection it tried on before.
    let kept = wait_until(Duration::from_secs(10), || async {
        count_in(
            &url,
            "SELECT count(*) FROM pg_stat_activity a
             WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
               AND a.query LIKE '%pg_try_advisory_lock%' AND a.backend_start < now() - interval '5 seconds'
               AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory')",
        ) == 1
    })
    .await;
    assert!(
        kept,
        "the standing-by node keeps its connection between tries"
    );

    let (_kept, _) = first.stop().await;
    let stopped = Instant::now();
    let took_over = wait_until(Duration::from_secs(10), || async {
        state(&second) == Some(MailboxState::Watching)
    })
    .await;
    assert!(
        took_over,
        "the second node watches the mailbox within 10 s: {:?}",
        state(&second)
    );
    eprintln!("taken over in {:?}", stopped.elapsed());
    let after = format!("{}@customer.test", unique("nodes-after"));
    second.send(&after, "După oprire", "y", &[]).await;
    second.wait_tickets(&after, 1).await;
    assert_eq!(
        second.tickets_of(&before).await.len(),
        1,
        "what the first node took is not taken again"
    );
    second.stop().await;
}

/// Two daemons on a fresh database, each watching the mailbox of `name`: the first holds
/// it, the second stands by. The database's URL and the mailbox's address beside them.
async fn two_nodes(name: &str) -> (String, String, TestApp, TestApp) {
    let url = fresh_database(name);
    let support = format!("{}@example.test", unique(name));
    let first = TestApp::spawn_with(on_one_database(&url, &support)).await;
    let second = TestApp::spawn_with(Options {
        wait_for_login: false,
        ..on_one_database(&url, &support)
    })
    .await;
    (url, support, first, second)
}

/// A daemon's options for the database at `url`, watching `support`.
fn on_one_database(url: &str, support: &str) -> Options {
    Options {
        support: Some(support.to_string()),
        database_url: Some(url.to_string()),
        ..Options::default()
    }
}

/// One `helpdesk serve` of a drill: its config file (its own web port, the shared
/// database) and its log.
struct Node {
    base: String,
    config: PathBuf,
    log: PathBuf,
    process: Option<Child>,
}

impl Node {
    fn new(dir: &Path, name: &str, support: &str, url: &str) -> Node {
        let opts = on_one_database(url, support);
        let mut cfg = config(support, &dir.join(format!("{name}.db")), &opts);
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        cfg.web.bind = format!("127.0.0.1:{port}");
        cfg.web.base_url = format!("http://127.0.0.1:{port}");
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, toml::to_string(&cfg).unwrap()).unwrap();
        Node {
            base: cfg.web.base_url.clone(),
            config,
            log: dir.join(format!("{name}.log")),
            process: None,
        }
    }

    fn start(&mut self) {
        self.process = Some(serve(&self.config, &self.log));
    }

    /// SIGKILL: no goodbye to the database, the mail server or anyone.
    fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill().unwrap();
            p.wait().unwrap();
        }
    }

    /// Whether it answers on the web.
    async fn serves(&self) -> bool {
        reqwest::get(format!("{}/healthz", self.base))
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The drill of the issue: two nodes on one database, 240 mails from 30 customers, each
/// node killed (SIGKILL) once in the middle of the stream: 240 tickets, none twice, every
/// confirmation and invitation delivered, and at most the mail in flight at a kill sent
/// again (under the same Message-ID).
#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_killed_in_turn_lose_and_double_nothing() {
    const MAILS: usize = 240;
    const CUSTOMERS: usize = 30;
    mail_stack();
    let url = fresh_database("drill");
    let dir = tempfile::tempdir().unwrap();
    let support = format!("{}@example.test", unique("ha"));
    let mut a = Node::new(dir.path(), "a", &support, &url);
    let mut b = Node::new(dir.path(), "b", &support, &url);
    a.start();
    // The first node makes the schema; the second joins it.
    let up = wait_until(Duration::from_secs(30), || a.serves()).await;
    assert!(up, "the first node serves: {}", a.log());
    b.start();
    let up = wait_until(Duration::from_secs(30), || b.serves()).await;
    assert!(up, "the second node serves: {}", b.log());
    let customers: Vec<String> = (0..CUSTOMERS)
        .map(|i| format!("{}@customer.test", unique(&format!("ha{i:02}-"))))
        .collect();
    for i in 0..MAILS {
        send_mail(
            &customers[i % CUSTOMERS],
            &support,
            &format!("Cerere {i}"),
            &format!("Textul cererii {i}."),
            &[],
        )
        .await;
        match i {
            80 => a.kill(),
            160 => a.start(),
            200 => b.kill(),
            _ => {}
        }
    }
    let all = wait_until(Duration::from_secs(120), || async {
        count_in(&url, "SELECT count(*) FROM tickets") >= MAILS as i64
    })
    .await;
    assert!(
        all,
        "{} tickets of {MAILS}\nnode a:\n{}\nnode b:\n{}",
        count_in(&url, "SELECT count(*) FROM tickets"),
        a.log(),
        b.log()
    );
    assert_eq!(
        count_in(&url, "SELECT count(DISTINCT subject) FROM tickets"),
        MAILS as i64,
        "every mail has its ticket"
    );
    assert_eq!(
        count_in(&url, "SELECT count(*) FROM tickets"),
        MAILS as i64,
        "no mail opened two tickets"
    );
    assert_eq!(
        count_in(&url, "SELECT count(*) FROM quarantine"),
        0,
        "nothing quarantined"
    );

    // Each customer: 8 confirmations and an invitation (under the automatic mail cap).
    let each = MAILS / CUSTOMERS + 1;
    let delivered = wait_until(Duration::from_secs(180), || async {
        for c in &customers {
            if distinct_ids(c).await < each {
                return false;
            }
        }
        true
    })
    .await;
    let mut duplicates = 0;
    for c in &customers {
        let mails = mailbox(c).await;
        let ids: std::collections::HashSet<&str> = mails
            .iter()
            .map(|(_, m)| m.message_id.as_deref().unwrap_or_default())
            .collect();
        duplicates += mails.len() - ids.len();
        let invited = mails
            .iter()
            .any(|(_, m)| m.text.contains("/portal/invite/"));
        assert!(
            delivered && ids.len() == each && invited,
            "{c}: {} distinct mails of {each}, invited: {invited}",
            ids.len()
        );
    }
    assert!(
        duplicates <= 2,
        "only the mail in flight at a kill goes again: {duplicates}"
    );
    a.kill();
}

/// How many different mails (by Message-ID) `address` has received.
async fn distinct_ids(address: &str) -> usize {
    mailbox(address)
        .await
        .iter()
        .filter_map(|(_, m)| m.message_id.clone())
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Signing in counts on every node: a session begun on one node is a session on the other,
/// and wrong passwords tried on one node slow the next try on the other.
#[tokio::test(flavor = "multi_thread")]
async fn sessions_and_sign_in_limits_hold_on_every_node() {
    let (_, _, a, b) = two_nodes("shared").await;

    // Cookies go to every port of a host: the session from node a reaches node b.
    let agent = crate::console::signed_in_agent(&a).await;
    let (s, page) = agent.get(&format!("{}/console", b.base)).await;
    assert_eq!(s, 200, "signed in on node b too: {page}");
    assert!(page.contains("/console/logout"), "{page}");

    let try_wrong = |on: &TestApp| {
        let browser = Browser::new(&on.base);
        async move {
            let csrf = browser.csrf("/console/login").await;
            let form = [
                ("email", "agent@example.test"),
                ("password", "not-the-password"),
                ("csrf", csrf.as_str()),
            ];
            browser.post("/console/login", &form).await.0
        }
    };
    for n in 0..5 {
        assert_eq!(try_wrong(&a).await, 422, "wrong password {n} on node a");
    }
    assert_eq!(
        try_wrong(&b).await,
        429,
        "the sixth try waits, on node b as well"
    );
    b.stop().await;
    a.stop().await;
}

/// Agents whose pages two nodes serve see each other on a ticket, and who is writing; a
/// page gone quiet is forgotten, whichever node's beat comes next.
#[tokio::test(flavor = "multi_thread")]
async fn agents_on_different_nodes_see_each_other_on_a_ticket() {
    use serde_json::json;

    use crate::collisions::{beat, ticket};
    use crate::console::{signed_in, signed_in_agent};
    let (url, _, a, b) = two_nodes("presence").await;
    let (key, _) = ticket(&a).await;
    let bogdan = format!("{}@example.test", unique("bogdan"));
    let body = json!({"email": bogdan, "name": "Bogdan", "password": "parola1234"});
    assert_eq!(a.api("POST", "/agents", Some(body)).await.0, 201);
    let ana = signed_in_agent(&a).await;
    let other = signed_in(&b, &bogdan, "parola1234").await;

    assert_eq!(beat(&ana, &key, false).await["others"], json!([]));
    assert_eq!(
        beat(&other, &key, true).await["others"],
        json!([{"name": "Ana Agent", "typing": false}]),
        "node b sees the page node a serves"
    );
    assert_eq!(
        beat(&ana, &key, false).await["others"],
        json!([{"name": "Bogdan", "typing": true}]),
        "and node a the one node b serves"
    );
    let (_, page) = ana.get(&format!("/console/tickets/{key}")).await;
    assert!(page.contains("Bogdan (scrie un răspuns)"), "{page}");
    // Bogdan's page goes quiet: past the forgetting time on node a, he is gone.
    a.ctx.clock.advance(chrono::Duration::seconds(7));
    assert_eq!(beat(&ana, &key, false).await["others"], json!([]));
    assert_eq!(
        count_in(&url, "SELECT count(*) FROM presence"),
        1,
        "the quiet page's row is gone, Ana's stays"
    );
    b.stop().await;
    a.stop().await;
}

/// Mail another node queued goes out at once from a node whose sender is free: the commit
/// notifies every node's sender (without the notice it would sleep for up to 30 s).
#[tokio::test(flavor = "multi_thread")]
async fn mail_another_node_queued_goes_out_at_once() {
    use chrono::Utc;
    let url = fresh_database("notify");
    let support = format!("{}@example.test", unique("notify"));
    let sender = TestApp::spawn_with(on_one_database(&url, &support)).await;
    // The other node receives a mail and queues its answers, and sends nothing itself.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        &support,
        &dir.path().join("unused.db"),
        &on_one_database(&url, &support),
    );
    let db = helpdesk::db::Db::connect(&url).unwrap();
    let other = helpdesk::service::Ctx::new(cfg, db).unwrap();
    // The sender has found nothing to send, and sleeps.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let customer = format!("{}@customer.test", unique("dana"));
    let mail = format!(
        "From: Dana <{customer}>\r\nTo: {support}\r\nSubject: Acces\r\nMessage-ID: <{}@customer.test>\r\n\r\nNu pot intra.\r\n",
        unique("m")
    );
    let queued = Instant::now();
    let outcome = helpdesk::service::receive_email::receive(&other, mail.into(), Utc::now())
        .await
        .unwrap();
    assert_eq!(outcome.label(), "created");
    wait_mail(&customer, |_| true).await;
    let took = queued.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "the confirmation went out {took:?} after it was queued"
    );
    sender.stop().await;
}

/// A requester whom another node registers at the same moment is found, not registered
/// twice: the new ticket waits for that node's transaction, then goes to its customer,
/// and the invitation is that node's to send.
#[tokio::test(flavor = "multi_thread")]
async fn a_requester_another_node_registers_at_the_same_moment_is_found() {
    registered_at_the_same_moment("register", "Subject: Acces\r\n").await;
}

/// As above for a mail without a subject, whose requester is found before the ticket is
/// opened (the ticket is named in their language).
#[tokio::test(flavor = "multi_thread")]
async fn a_requester_of_a_mail_without_subject_registered_at_the_same_moment_is_found() {
    registered_at_the_same_moment("register_unnamed", "").await;
}

/// Dana is registered by another node's transaction that commits 700 ms later, while a
/// mail of hers (with the `subject` header line given) comes in; on the database `name`.
async fn registered_at_the_same_moment(name: &str, subject: &str) {
    use chrono::Utc;
    use helpdesk::db::Db;
    use helpdesk::domain::email_address::EmailAddress;
    let (url, ctx, _dir) = one_node(name, |_| Ok(())).await;
    let other = Db::connect(&url).unwrap();
    let (registered, hold) = tokio::sync::oneshot::channel();
    let other_node = tokio::spawn(async move {
        other
            .write(move |c| {
                let dana = EmailAddress::parse("dana@client.ro").unwrap();
                helpdesk::db::customers::insert(c, &dana, "Dana", "ro", "UTC", Utc::now())?;
                registered.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(700));
                Ok::<_, helpdesk::db::SqlError>(())
            })
            .await
    });
    hold.await.unwrap();
    let mail = format!(
        "From: Dana <DANA@client.ro>\r\nTo: support@example.test\r\n{subject}\
         Message-ID: <r1@client.ro>\r\n\r\nNu pot intra.\r\n"
    );
    let started = Instant::now();
    let outcome = helpdesk::service::receive_email::receive(&ctx, mail.into(), Utc::now())
        .await
        .unwrap();
    let waited = started.elapsed();
    other_node.await.unwrap().unwrap();
    assert_eq!(outcome.label(), "created");
    assert!(
        waited >= Duration::from_millis(300),
        "the new ticket waited for the other node's transaction ({waited:?})"
    );
    // Not undone and run again (a message that fails is): that run's ids would be taken.
    assert_eq!(
        count_in(&url, "SELECT max(id) FROM raw_emails"),
        1,
        "the mail went through on its batch's first run"
    );
    assert_eq!(count_in(&url, "SELECT count(*) FROM customers"), 1);
    assert_eq!(
        count_in(
            &url,
            "SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.requester_id
             WHERE c.email = 'dana@client.ro' AND c.name = 'Dana'"
        ),
        1
    );
    assert_eq!(
        count_in(
            &url,
            "SELECT count(*) FROM outbox WHERE template = 'invitation'"
        ),
        0,
        "the node that registered the customer invites them"
    );
    assert_eq!(
        count_in(
            &url,
            "SELECT count(*) FROM outbox WHERE template = 'confirmation'"
        ),
        1
    );
}

/// When the batch's held mail cannot be written, the batch runs again with its messages
/// apart and each one's mail written as it is queued: every ticket is opened once and
/// every mail queued once. (A trigger refuses inserts of more than two mails at once: the
/// batch's one insert of four, not each new ticket's two.)
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_whose_held_mail_is_refused_runs_again_apart() {
    use chrono::Utc;
    let (url, ctx, _dir) = one_node("held", |c| {
        c.batch(
            "CREATE FUNCTION refuse_many_mails() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF (SELECT count(*) FROM queued) > 2 THEN
                     RAISE EXCEPTION 'more than two mails at once';
                 END IF;
                 RETURN NULL;
             END $$;
             CREATE TRIGGER refuse_many_mails AFTER INSERT ON outbox
                 REFERENCING NEW TABLE AS queued FOR EACH STATEMENT
                 EXECUTE FUNCTION refuse_many_mails();",
        )
    })
    .await;
    let mail = |from: &str, id: &str| {
        format!(
            "From: {from}\r\nTo: support@example.test\r\nSubject: Cerere\r\n\
             Message-ID: <{id}>\r\n\r\nText.\r\n"
        )
        .into_bytes()
    };
    let batch = vec![
        mail("ana@client.ro", "h1@client.ro"),
        mail("ion@client.ro", "h2@client.ro"),
    ];
    let outcomes =
        helpdesk::service::receive_email::receive_batch(&ctx, ctx.home(), batch, Utc::now())
            .await
            .unwrap();
    let labels: Vec<&str> = outcomes.iter().map(|o| o.label()).collect();
    assert_eq!(labels, ["created", "created"]);
    assert_eq!(count_in(&url, "SELECT count(*) FROM tickets"), 2);
    assert_eq!(count_in(&url, "SELECT count(*) FROM quarantine"), 0);
    assert_eq!(
        count_in(
            &url,
            "SELECT count(*) FROM outbox WHERE template IN ('confirmation', 'invitation')"
        ),
        4,
        "each new ticket's confirmation and invitation, once"
    );
    assert_eq!(count_in(&url, "SELECT count(*) FROM portal_tokens"), 2);
    ctx.db.close().await;
}

/// A service context (no daemon) on a fresh database named after `name`, migrated, then
/// changed by `prepare`: its URL, the context and the directory of its configuration.
async fn one_node(
    name: &str,
    prepare: impl FnOnce(&helpdesk::db::Conn) -> Result<(), helpdesk::db::SqlError> + Send + 'static,
) -> (String, helpdesk::service::Ctx, tempfile::TempDir) {
    let url = fresh_database(name);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        "support@example.test",
        &dir.path().join("unused.db"),
        &on_one_database(&url, "support@example.test"),
    );
    let db = helpdesk::db::Db::connect(&url).unwrap();
    db.migrate().await.unwrap();
    db.write(prepare).await.unwrap();
    (url, helpdesk::service::Ctx::new(cfg, db).unwrap(), dir)
}
