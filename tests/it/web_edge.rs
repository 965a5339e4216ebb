//! The web edge against hostile clients, over real HTTP: body limits, many sign-ins at
//! once, the growing delay after wrong passwords, disabled agents and their tokens,
//! `/metrics`, trusted proxies and the Origin checks of signed-in forms. These daemons
//! watch no mailbox, so they need no mail.

use std::time::Duration;

use helpdesk::app::Application;
use helpdesk::config::Config;
use helpdesk::db;
use helpdesk::domain::agent_role::AgentRole;
use helpdesk::service::{Ctx, accounts, links};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::helpers::{AGENT_PASSWORD, Browser, Options, config, unique, wait_until};

struct Edge {
    ctx: Ctx,
    base: String,
    /// The admin's API token.
    token: String,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Edge {
    async fn spawn(tune: impl FnOnce(&mut Config)) -> Edge {
        let dir = tempfile::tempdir().unwrap();
        let support = format!("{}@example.test", unique("edge"));
        let mut c = config(
            &support,
            &dir.path().join("helpdesk.db"),
            &Options::default(),
        );
        c.imap.host = String::new();
        tune(&mut c);
        let app = Application::build(c).await.expect("application builds");
        let ctx = app.ctx().clone();
        let base = ctx.config.web.base_url.clone();
        let stop = CancellationToken::new();
        let task = tokio::spawn(app.run_until_stopped(stop.clone()));
        let mut edge = Edge {
            ctx,
            base,
            token: String::new(),
            stop,
            task,
            _dir: dir,
        };
        edge.token = edge
            .add_agent("agent@example.test", AGENT_PASSWORD, AgentRole::Admin)
            .await;
        edge
    }

    /// Saves an agent with this password and gives them an API token.
    async fn add_agent(&self, email: &str, password: &str, role: AgentRole) -> String {
        let hash = accounts::hash_password(
            &helpdesk::domain::password::Password::parse(password).unwrap(),
        )
        .unwrap();
        let token = links::new_token();
        let (email, token_hash) = (email.to_string(), links::hash_token(&token));
        self.ctx
            .db
            .write(move |c| {
                let agent =
                    db::agents::upsert(c, &email, "Agent", &hash, role, chrono::Utc::now())?;
                db::agents::insert_token(c, agent.id, &token_hash, chrono::Utc::now())
            })
            .await
            .unwrap();
        token
    }

    async fn api(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(
                method.parse().unwrap(),
                format!("{}/api/v1{path}", self.base),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap().unwrap();
    }
}

impl Browser {
    async fn sign_in(
        &self,
        area: &str,
        email: &str,
        password: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Option<u64>, String) {
        let csrf = self.csrf(&format!("/{area}/login")).await;
        self.post_with(
            &format!("/{area}/login"),
            &[("email", email), ("password", password), ("csrf", &csrf)],
            headers,
        )
        .await
    }
}

/// Sends `head` and then, while the answer is awaited, `body` in chunks; returns the
/// status line. The server may answer before it has read the body and then hang up.
async fn raw_request(addr: &str, head: String, body: Vec<Vec<u8>>) -> String {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        for chunk in body {
            if write.write_all(&chunk).await.is_err() {
                break;
            }
        }
        write
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read_status = async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read_status)
        .await
        .expect("the server answers without reading the whole body");
    writer.abort();
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_64_kib_is_refused_before_it_is_read() {
    let edge = Edge::spawn(|_| {}).await;
    let addr = edge.addr();
    // Declared too large: refused at once, though not a byte of the body was sent.
    for (path, auth) in [
        ("/portal/login", String::new()),
        ("/console/login", String::new()),
        (
            "/api/v1/tickets",
            format!("Authorization: Bearer {}\r\n", edge.token),
        ),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            2 << 20
        );
        let status = raw_request(&addr, head, vec![]).await;
        assert!(status.starts_with("HTTP/1.1 413"), "{path}: {status}");
    }
    // Chunked, 2 MiB in 64 pieces: cut at the limit.
    for (path, auth, kind) in [
        (
            "/portal/login",
            String::new(),
            "application/x-www-form-urlencoded",
        ),
        (
            "/api/v1/tickets",
            format!("Authorization: Bearer {}\r\n", edge.token),
            "application/json",
        ),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: {kind}\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let piece = vec![b'a'; 32 * 1024];
        let mut chunks: Vec<Vec<u8>> = (0..64)
            .map(|_| {
                [
                    format!("{:x}\r\n", piece.len()).into_bytes(),
                    piece.clone(),
                    b"\r\n".to_vec(),
                ]
                .concat()
            })
            .collect();
        chunks.push(b"0\r\n\r\n".to_vec());
        let status = raw_request(&addr, head, chunks).await;
        assert!(
            status.starts_with("HTTP/1.1 413"),
            "{path} chunked: {status}"
        );
    }
    // A form under the limit is read as before; the portal's uploads keep their own limit.
    let b = Browser::new(&edge.base);
    let (s, _, _) = b
        .sign_in(
            "portal",
            "nobody@customer.test",
            &"x".repeat(60 * 1024),
            &[],
        )
        .await;
    assert_eq!(s, 422, "a 60 KiB form is read");
    let upload = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::bytes(vec![b'x'; 200 * 1024]).file_name("a.txt"),
    );
    let r = b
        .http
        .post(format!("{}/portal/requests/new", edge.base))
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        303,
        "a 200 KiB upload is not refused by the form limit (it asks for Conectare)"
    );
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ins_at_once_are_counted_before_their_passwords_are_checked() {
    let edge = Edge::spawn(|_| {}).await;
    let b = Browser::new(&edge.base);
    let csrf = b.csrf("/console/login").await;
    // 60 wrong passwords for one account at once: every one is answered, and only the
    // 5 free tries reach the password check; the others wait before any hashing.
    let tries = (0..60).map(|i| {
        let (http, url, csrf) = (
            b.http.clone(),
            format!("{}/console/login", edge.base),
            csrf.clone(),
        );
        tokio::spawn(async move {
            let form = [
                ("email", "agent@example.test".to_string()),
                ("password", format!("gresit{i}99")),
                ("csrf", csrf),
            ];
            http.post(url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for t in tries.collect::<Vec<_>>() {
        statuses.push(t.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let waited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, waited), (5, 55), "{statuses:?}");
    // The daemon still answers, and the right password waits like the others.
    let (s, retry, _) = b
        .sign_in("console", "agent@example.test", AGENT_PASSWORD, &[])
        .await;
    assert_eq!(s, 429);
    assert!(retry.is_some_and(|r| (1..=5).contains(&r)), "{retry:?}");
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_slow_the_next_tries_instead_of_locking_the_account() {
    let edge = Edge::spawn(|_| {}).await;
    let b = Browser::new(&edge.base);
    for i in 0..5 {
        let (s, _, _) = b
            .sign_in(
                "console",
                "agent@example.test",
                &format!("gresit{i}00"),
                &[],
            )
            .await;
        assert_eq!(s, 422, "try {i} is free");
    }
    let (s, retry, page) = b
        .sign_in("console", "agent@example.test", AGENT_PASSWORD, &[])
        .await;
    assert_eq!(s, 429);
    let retry = retry.expect("the answer says when to come back");
    assert!((1..=5).contains(&retry), "{retry}");
    assert!(
        page.contains("secunde"),
        "the page says it in seconds: {page}"
    );
    // Another account is not slowed down by this one's failures.
    assert_eq!(
        b.sign_in("console", "other@example.test", "gresit1200", &[])
            .await
            .0,
        422
    );
    // Once the wait is over, the right password gets in.
    let ok = wait_until(Duration::from_secs(10), || async {
        b.sign_in("console", "agent@example.test", AGENT_PASSWORD, &[])
            .await
            .0
            == 303
    })
    .await;
    assert!(ok, "the right password got in after the wait");
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_agent_loses_their_token_session_and_sign_in_at_once() {
    let edge = Edge::spawn(|_| {}).await;
    let who = format!("{}@example.test", unique("dis"));
    let token = edge.add_agent(&who, "Parola2025ok", AgentRole::Agent).await;
    let b = Browser::new(&edge.base);
    assert_eq!(b.sign_in("console", &who, "Parola2025ok", &[]).await.0, 303);
    assert_eq!(b.get("/console").await.0, 200);
    assert_eq!(edge.api(&token, "GET", "/queue", None).await.0, 200);
    // Only admins disable, and not themselves.
    assert_eq!(
        edge.api(&token, "POST", "/agents/agent@example.test/disable", None)
            .await
            .0,
        403
    );
    assert_eq!(
        edge.api(
            &edge.token,
            "POST",
            "/agents/agent@example.test/disable",
            None
        )
        .await
        .0,
        422
    );
    let (s, v) = edge
        .api(&edge.token, "POST", &format!("/agents/{who}/disable"), None)
        .await;
    assert_eq!((s, v["disabled"].as_bool()), (200, Some(true)), "{v}");
    assert_eq!(
        edge.api(&token, "GET", "/queue", None).await.0,
        401,
        "the token ended"
    );
    assert_eq!(
        b.get("/console").await.0,
        303,
        "the session ended: back to sign-in"
    );
    assert_eq!(
        b.sign_in("console", &who, "Parola2025ok", &[]).await.0,
        422,
        "no sign-in"
    );
    let (_, v) = edge.api(&edge.token, "GET", "/agents", None).await;
    let listed = v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == who.as_str())
        .unwrap()
        .clone();
    assert!(
        listed["disabled_at"].is_string() && listed["tokens"].as_array().unwrap().is_empty(),
        "{listed}"
    );
    assert_eq!(
        edge.api(
            &edge.token,
            "POST",
            "/agents/nobody@example.test/disable",
            None
        )
        .await
        .0,
        404
    );

    // The console's admin page does the same with a form.
    let second = format!("{}@example.test", unique("dis"));
    let token = edge
        .add_agent(&second, "Parola2025ok", AgentRole::Agent)
        .await;
    let admin = Browser::new(&edge.base);
    assert_eq!(
        admin
            .sign_in("console", "agent@example.test", AGENT_PASSWORD, &[])
            .await
            .0,
        303
    );
    let csrf = admin.csrf("/console/agents").await;
    let (s, _, _) = admin
        .post_with(
            &format!("/console/agents/{second}/disable"),
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(edge.api(&token, "GET", "/queue", None).await.0, 401);
    assert!(admin.get("/console/agents").await.1.contains("dezactivat"));
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_disables_an_agent_beside_a_serving_daemon() {
    let edge = Edge::spawn(|_| {}).await;
    let who = format!("{}@example.test", unique("cli"));
    let token = edge.add_agent(&who, "Parola2025ok", AgentRole::Agent).await;
    assert_eq!(edge.api(&token, "GET", "/queue", None).await.0, 200);
    let url = edge.ctx.config.database.url.clone();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/helpdesk.toml"),
            "agent",
            "disable",
            &who,
        ])
        .env("HELPDESK_DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("disabled"));
    assert_eq!(edge.api(&token, "GET", "/queue", None).await.0, 401);
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_expire_note_their_last_use_and_end_with_a_password_or_role_change() {
    let edge = Edge::spawn(|_| {}).await;
    let who = format!("{}@example.test", unique("tok"));
    let token = edge.add_agent(&who, "Parola2025ok", AgentRole::Agent).await;
    // An expired token is refused.
    let expired = links::new_token();
    let (w, h) = (who.clone(), links::hash_token(&expired));
    edge.ctx
        .db
        .write(move |c| {
            let a = db::agents::find_by_email(c, &w)?.unwrap();
            db::agents::insert_token_until(
                c,
                a.id,
                &h,
                Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
                chrono::Utc::now(),
            )
        })
        .await
        .unwrap();
    assert_eq!(edge.api(&expired, "GET", "/queue", None).await.0, 401);
    // A used token shows when.
    assert_eq!(edge.api(&token, "GET", "/queue", None).await.0, 200);
    let (_, v) = edge.api(&edge.token, "GET", "/agents", None).await;
    let listed = v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == who.as_str())
        .unwrap()
        .clone();
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(
        tokens.iter().any(|t| t["last_used_at"].is_string())
            && tokens.iter().any(|t| t["expires_at"].is_string()),
        "{listed}"
    );

    // Saved again with the same password and role: nothing ends.
    let b = Browser::new(&edge.base);
    assert_eq!(b.sign_in("console", &who, "Parola2025ok", &[]).await.0, 303);
    let same =
        json!({ "email": who, "name": "Agent", "password": "Parola2025ok", "role": "agent" });
    assert_eq!(
        edge.api(&edge.token, "POST", "/agents", Some(same)).await.0,
        201
    );
    assert_eq!(edge.api(&token, "GET", "/queue", None).await.0, 200);
    assert_eq!(b.get("/console").await.0, 200);
    // A new role ends the agent's tokens and sessions.
    let promoted =
        json!({ "email": who, "name": "Agent", "password": "Parola2025ok", "role": "admin" });
    assert_eq!(
        edge.api(&edge.token, "POST", "/agents", Some(promoted))
            .await
            .0,
        201
    );
    assert_eq!(edge.api(&token, "GET", "/queue", None).await.0, 401);
    assert_eq!(b.get("/console").await.0, 303);
    // An admin who changes their own password keeps the token they did it with.
    let me = json!({ "email": "agent@example.test", "name": "Ana", "password": "Noua2026parola", "role": "admin" });
    assert_eq!(
        edge.api(&edge.token, "POST", "/agents", Some(me)).await.0,
        201
    );
    assert_eq!(edge.api(&edge.token, "GET", "/queue", None).await.0, 200);
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_need_the_token_once_it_is_set() {
    let edge = Edge::spawn(|c| c.web.metrics_token = "m3trics-token".into()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", edge.base);
    assert_eq!(
        http.get(&url).send().await.unwrap().status().as_u16(),
        401,
        "even from the machine itself"
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let r = http
        .get(&url)
        .bearer_auth("m3trics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("helpdesk_outbox_pending"));
    edge.stop().await;
    let open = Edge::spawn(|_| {}).await;
    assert_eq!(
        http.get(format!("{}/metrics", open.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200,
        "empty: open on loopback"
    );
    open.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    let http = reqwest::Client::new();
    // Behind a trusted proxy: the forwarded address is the client's (metrics are open on
    // loopback only, while their token is empty).
    let proxied = Edge::spawn(|c| c.web.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let url = format!("{}/metrics", proxied.base);
    let status = |xff: &'static str| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.get(url)
                .header("X-Forwarded-For", xff)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status("203.0.113.5").await, 401);
    assert_eq!(status("127.0.0.1").await, 200);
    // The sign-in throttle counts per forwarded address: 30 free failures from one,
    // then it waits; another address does not.
    let b = Browser::new(&proxied.base);
    let csrf = b.csrf("/portal/login").await;
    let tries: Vec<_> = (0..30)
        .map(|i| {
            let (http, url, csrf) = (
                b.http.clone(),
                format!("{}/portal/login", proxied.base),
                csrf.clone(),
            );
            tokio::spawn(async move {
                let form = [
                    ("email", format!("n{i}@customer.test")),
                    ("password", "gresit1234".to_string()),
                    ("csrf", csrf),
                ];
                http.post(url)
                    .header("X-Forwarded-For", "198.51.100.1")
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for t in tries {
        assert_eq!(t.await.unwrap(), 422);
    }
    let (s, _, _) = b
        .sign_in(
            "portal",
            "fresh@customer.test",
            "gresit1234",
            &[("X-Forwarded-For", "198.51.100.1")],
        )
        .await;
    assert_eq!(s, 429, "the address waits");
    let (s, _, _) = b
        .sign_in(
            "portal",
            "fresh@customer.test",
            "gresit1234",
            &[("X-Forwarded-For", "198.51.100.2")],
        )
        .await;
    assert_eq!(s, 422, "another address does not");
    proxied.stop().await;
    // Without trusted proxies the header is the client's own say, and ignored.
    let direct = Edge::spawn(|_| {}).await;
    let r = http
        .get(format!("{}/metrics", direct.base))
        .header("X-Forwarded-For", "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    direct.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_in_forms_must_name_their_origin_and_tokens_are_bound_to_the_session() {
    let edge = Edge::spawn(|_| {}).await;
    let bare = Browser::without_origin(&edge.base);
    // Signing in needs no Origin (there is no session yet) …
    assert_eq!(
        bare.sign_in("console", "agent@example.test", AGENT_PASSWORD, &[])
            .await
            .0,
        303
    );
    // … but a signed-in form without Origin or Sec-Fetch-Site is refused with a page that says why.
    let csrf = bare.csrf("/console/partners").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "ISP"),
        ("email", "noc@isp.test"),
    ];
    let (s, _, page) = bare.post_with("/console/partners", &form, &[]).await;
    assert_eq!(s, 403);
    assert!(page.contains("Origin"), "{page}");
    let (s, _, _) = bare
        .post_with(
            "/console/partners",
            &form,
            &[("Sec-Fetch-Site", "cross-site")],
        )
        .await;
    assert_eq!(s, 403);
    let (s, _, _) = bare
        .post_with(
            "/console/partners",
            &form,
            &[("Origin", "http://evil.test")],
        )
        .await;
    assert_eq!(s, 403);
    let (s, _, _) = bare
        .post_with(
            "/console/partners",
            &form,
            &[("Sec-Fetch-Site", "same-origin")],
        )
        .await;
    assert_eq!(s, 303, "a browser that sends Sec-Fetch-Site alone is fine");
    let ours = edge.base.clone();
    let (s, _, _) = bare
        .post_with("/console/partners", &form, &[("Origin", ours.as_str())])
        .await;
    assert_eq!(s, 303);
    // The token of one session is no good in the next.
    let (s, _, _) = bare
        .post_with(
            "/console/logout",
            &[("csrf", &csrf)],
            &[("Origin", ours.as_str())],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(
        bare.sign_in("console", "agent@example.test", AGENT_PASSWORD, &[])
            .await
            .0,
        303
    );
    let (s, _, _) = bare
        .post_with("/console/partners", &form, &[("Origin", ours.as_str())])
        .await;
    assert_eq!(s, 403, "a token from the session before");
    // Bearer-token API calls need no Origin.
    let (s, v) = edge
        .api(
            &edge.token,
            "POST",
            "/partners",
            Some(json!({ "email": "noc2@isp.test" })),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    // The one-click unsubscribe (RFC 8058) needs only its signed link.
    let (s, t) = edge
        .api(&edge.token, "POST", "/tickets", Some(json!({ "requester_email": "ion@customer.test", "subject": "Fax", "description": "Nu merge." })))
        .await;
    assert_eq!(s, 201, "{t}");
    let id = helpdesk::domain::ids::TicketId(t["id"].as_i64().unwrap());
    let r = reqwest::Client::new()
        .post(edge.ctx.unsubscribe_url(id))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    edge.stop().await;
}
