//! The agent console over HTTP (a cookie jar and the forms' CSRF fields): sign-in, the
//! queue with its clocks, every action on a ticket, phone intake, partners, quarantine.

use serde_json::json;

use crate::helpers::{
    AGENT_PASSWORD, Browser, SMTP_PORT, TestApp, browser_walk, send_raw, unique, wait_mail,
    wait_until,
};
use helpdesk::domain::agent_role::AgentRole;

/// A browser signed in to the console as the test's admin.
pub(crate) async fn signed_in_agent(app: &TestApp) -> Browser {
    signed_in(app, "agent@example.test", AGENT_PASSWORD).await
}

/// A browser signed in to `app`'s console as the agent `email`.
pub(crate) async fn signed_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let a = Browser::new(&app.base);
    let csrf = a.csrf("/console/login").await;
    let (s, to, _) = a
        .post(
            "/console/login",
            &[("email", email), ("password", password), ("csrf", &csrf)],
        )
        .await;
    assert_eq!((s, to.as_str()), (303, "/console"));
    a
}

impl Browser {
    /// Runs an action of the ticket page's forms.
    pub(crate) async fn act(
        &self,
        key: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let csrf = self.csrf(&format!("/console/tickets/{key}")).await;
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let (s, _, body) = self
            .post(&format!("/console/tickets/{key}/actions/{action}"), &form)
            .await;
        (s, body)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_works_a_ticket_from_the_queue_to_closed() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("con"));
    let partner = format!("{}@partner.test", unique("isp"));
    app.send(
        &customer,
        "Serverul de mail e lent",
        "De azi dimineață.",
        &[],
    )
    .await;
    let key = app.wait_key(&customer).await;

    // Signed out, the console asks for sign-in first.
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = anon
        .get(format!("{}/console", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (303, "/console/login?next=%2Fconsole")
    );

    let a = signed_in_agent(&app).await;
    let (s, queue) = a.get("/console").await;
    assert_eq!(s, 200);
    assert!(
        queue.contains(&key)
            && queue.contains("Serverul de mail e lent")
            && queue.contains("nealocat"),
        "{queue}"
    );
    assert!(
        queue.contains("rămase"),
        "the assignment clock is shown: {queue}"
    );
    let (_, unassigned) = a.get("/console?view=unassigned").await;
    assert!(unassigned.contains(&key));
    let (_, mine) = a.get("/console?view=mine").await;
    assert!(!mine.contains(&format!(">{key}<")));

    let (s, page) = a.get(&format!("/console/tickets/{key}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("De azi dimineață.") && page.contains("SLA alocare"));

    // Take it, ask the customer; the customer's mail brings it back.
    assert_eq!(a.act(&key, "take", &[]).await.0, 303);
    assert_eq!(app.status_of(&key).await, "in_progress");
    let (_, mine) = a.get("/console?view=mine").await;
    assert!(mine.contains(&format!(">{key}<")));
    assert_eq!(
        a.act(
            &key,
            "request-info",
            &[("body", "Ce client de mail folosiți?")]
        )
        .await
        .0,
        303
    );
    assert_eq!(app.status_of(&key).await, "waiting_for_customer");
    wait_mail(&customer, |m| {
        m.text.contains("Ce client de mail folosiți?")
    })
    .await;
    app.send(
        &customer,
        &format!("Re: [{key}] Serverul de mail e lent"),
        "Thunderbird 128.",
        &[],
    )
    .await;
    app.wait_status(&key, "in_progress").await;

    // Ask a partner; the partner's mail resumes it too.
    assert_eq!(
        a.act(
            &key,
            "third-party",
            &[
                ("partner_email", &partner),
                ("body", "Vedeți întârzieri pe relay?")
            ]
        )
        .await
        .0,
        303
    );
    assert_eq!(app.status_of(&key).await, "waiting_for_third_party");
    wait_mail(&partner, |m| m.text.contains("Vedeți întârzieri pe relay?")).await;
    app.send(
        &partner,
        &format!("Re: [{key}] Serverul de mail e lent"),
        "Da, am repornit relay-ul.",
        &[],
    )
    .await;
    app.wait_status(&key, "in_progress").await;
    let (_, page) = a.get(&format!("/console/tickets/{key}")).await;
    assert!(
        page.contains("Da, am repornit relay-ul.") && page.contains("partener"),
        "the partner's answer is on the thread"
    );

    // A note stays internal; an empty reply is refused with a message and nothing lost.
    assert_eq!(
        a.act(&key, "note", &[("body", "Clientul are un relay vechi.")])
            .await
            .0,
        303
    );
    let (s, body) = a.act(&key, "reply", &[("body", "  ")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("body must not be empty"));
    assert_eq!(
        a.act(&key, "priority", &[("priority", "high")]).await.0,
        303
    );
    assert_eq!(app.ticket(&key).await["priority"], "high");

    assert_eq!(
        a.act(&key, "resolve", &[("body", "Relay-ul a fost repornit.")])
            .await
            .0,
        303
    );
    wait_mail(&customer, |m| m.text.contains("Relay-ul a fost repornit.")).await;
    assert_eq!(a.act(&key, "close", &[]).await.0, 303);
    assert_eq!(app.status_of(&key).await, "closed");
    let (s, body) = a.act(&key, "resolve", &[("body", "again")]).await;
    assert_eq!(s, 409, "closed tickets refuse");
    assert!(body.contains("closed"));
    let (_, queue) = a.get("/console").await;
    assert!(
        !queue.contains(&format!(">{key}<")),
        "closed tickets leave the queue"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn phone_intake_partners_merge_and_quarantine() {
    let app = TestApp::spawn().await;
    let a = signed_in_agent(&app).await;
    let caller = format!("{}@customer.test", unique("call"));
    let csrf = a.csrf("/console/intake").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("email", &caller),
        ("name", "Maria Ionescu"),
        ("phone", "0722 123 456"),
        ("subject", "Imprimanta din hol"),
        ("description", "Sună de la recepție."),
        ("priority", "urgent"),
    ];
    let (s, to, _) = a.post("/console/intake", &form).await;
    assert_eq!(s, 303);
    let key = to
        .trim_start_matches("/console/tickets/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let t = app.ticket(&key).await;
    assert_eq!(
        (t["channel"].as_str(), t["priority"].as_str()),
        (Some("phone"), Some("urgent")),
        "{t}"
    );
    wait_mail(&caller, |m| {
        m.subject.contains(&key) && m.text.contains("Vizualizați solicitarea")
    })
    .await;
    wait_mail(&caller, |m| m.text.contains("/portal/invite/")).await;
    // The next call finds the customer by phone.
    let (_, found) = a.get("/console/intake?find=0722123456").await;
    assert!(
        found.contains(&caller) && found.contains("Maria Ionescu"),
        "{found}"
    );

    // Partners (the test agent is an admin).
    let csrf = a.csrf("/console/partners").await;
    let (s, _, _) = a
        .post(
            "/console/partners",
            &[
                ("csrf", &csrf),
                ("name", "ISP Rapid"),
                ("email", "noc@isp.test"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (_, list) = a.get("/console/partners").await;
    assert!(list.contains("ISP Rapid") && list.contains("noc@isp.test"));
    let (_, page) = a.get(&format!("/console/tickets/{key}")).await;
    assert!(
        page.contains(r#"<option value="noc@isp.test">ISP Rapid</option>"#),
        "partners are offered on the ticket"
    );

    // Merge a duplicate into the first ticket.
    let body = json!({"requester_email": caller, "subject": "Imprimanta din hol (din nou)", "description": "Tot ea.", "channel": "phone"});
    let (_, dup) = app.api("POST", "/tickets", Some(body)).await;
    let dup = dup["key"].as_str().unwrap().to_string();
    assert_eq!(a.act(&dup, "merge", &[("into", &key)]).await.0, 303);
    assert_eq!(app.status_of(&dup).await, "closed");
    let notes: Vec<String> = app.ticket(&key).await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].to_string())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains(&format!("{dup} was merged into this ticket"))),
        "{notes:?}"
    );
    let (s, _) = a.act(&key, "merge", &[("into", &key)]).await;
    assert_eq!(s, 422, "not into itself");

    // The quarantine: a mail with a broken From shows up and can be discarded.
    let broken = format!(
        "From: <<<@@@>>>\r\nTo: {}\r\nSubject: fara expeditor\r\n\r\ncorp\r\n",
        app.support
    );
    send_raw("broken@junk.test", &app.support, broken.as_bytes()).await;
    let ok = wait_until(std::time::Duration::from_secs(15), || async {
        a.get("/console/quarantine")
            .await
            .1
            .contains("fara expeditor")
    })
    .await;
    assert!(ok, "the quarantined mail is listed");
    let (_, page) = a.get("/console/quarantine").await;
    let id = regex::Regex::new(r"/console/quarantine/(\d+)/discard")
        .unwrap()
        .captures(&page)
        .unwrap()[1]
        .to_string();
    let csrf = a.csrf("/console/quarantine").await;
    let (s, _, _) = a
        .post(
            &format!("/console/quarantine/{id}/discard"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 303);
    assert!(
        !a.get("/console/quarantine")
            .await
            .1
            .contains("fara expeditor")
    );
    let (s, _, _) = a
        .post(
            &format!("/console/quarantine/{id}/discard"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 404, "only once");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn console_forms_need_the_csrf_token_and_agents_need_admin_for_admin_pages() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("csrfc"));
    let body = json!({"requester_email": customer, "subject": "x", "description": "y", "channel": "phone"});
    let (_, t) = app.api("POST", "/tickets", Some(body)).await;
    let key = t["key"].as_str().unwrap().to_string();
    let a = signed_in_agent(&app).await;
    let (s, _, _) = a
        .post(&format!("/console/tickets/{key}/actions/take"), &[])
        .await;
    assert_eq!(s, 403);
    assert_eq!(app.status_of(&key).await, "waiting_for_support");
    // A plain agent cannot add agents or partners.
    let hash = helpdesk::service::accounts::hash_password(
        &helpdesk::domain::password::Password::parse("plainpass12").unwrap(),
    )
    .unwrap();
    app.ctx
        .db
        .write(move |c| {
            helpdesk::db::agents::upsert(
                c,
                "plain@example.test",
                "Plain",
                &hash,
                AgentRole::Agent,
                chrono::Utc::now(),
            )
        })
        .await
        .unwrap();
    let plain = Browser::new(&app.base);
    let csrf = plain.csrf("/console/login").await;
    plain
        .post(
            "/console/login",
            &[
                ("email", "plain@example.test"),
                ("password", "plainpass12"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(plain.get("/console/agents").await.0, 403);
    let csrf = plain.csrf("/console/partners").await;
    let (s, _, _) = plain
        .post(
            "/console/partners",
            &[("csrf", &csrf), ("name", "X"), ("email", "x@isp.test")],
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(a.get("/console/agents").await.0, 200, "the admin can");
    let csrf = plain.csrf("/console/partners").await;
    let (s, _, _) = plain
        .post("/console/sla", &[("csrf", &csrf), ("assign_minutes", "5")])
        .await;
    assert_eq!(s, 403, "only admins change the SLA");
    // The admin changes the assignment goal in the console form; a bad window is refused.
    let (_, page) = a.get("/console/agents").await;
    let field = |name: &str| {
        let re = regex::Regex::new(&format!(r#"name="{name}" value="([^"]*)""#)).unwrap();
        re.captures(&page)
            .map(|c| c[1].to_string())
            .unwrap_or_default()
    };
    let mut form: Vec<(String, String)> = [
        "urgent",
        "high",
        "normal",
        "low",
        "warn_percent",
        "auto_close_days",
        "team_address",
        "time_zone",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "extra_holidays",
    ]
    .iter()
    .map(|n| (n.to_string(), field(n)))
    .collect();
    form.extend([
        ("csrf".into(), a.csrf("/console/agents").await),
        ("assign_minutes".into(), "45".into()),
        ("mode".into(), "business".into()),
        ("holidays".into(), "romania".into()),
    ]);
    let as_pairs = |f: &[(String, String)]| {
        f.iter()
            .map(|(k, v)| (k.as_str().to_string(), v.clone()))
            .collect::<Vec<_>>()
    };
    let r = a
        .http
        .post(format!("{}/console/sla", a.base))
        .form(&as_pairs(&form))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.ctx.sla().config.assign_minutes, 45);
    assert_eq!(
        app.ticket(&key).await["sla"]["assignment"]["goal_seconds"],
        45 * 60
    );
    form.retain(|(k, _)| k != "sat");
    form.push(("sat".into(), "10:00-09:00".into()));
    let r = a
        .http
        .post(format!("{}/console/sla", a.base))
        .form(&as_pairs(&form))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("sla.calendar.sat"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_walk_in_chromium() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("day"));
    let partner = format!("{}@partner.test", unique("relay"));
    let caller = format!("{}@customer.test", unique("caller"));
    let subject = "Serverul de mail e lent";
    app.send(
        &customer,
        subject,
        "De azi dimineață mailurile întârzie.",
        &[],
    )
    .await;
    let key = app.wait_key(&customer).await;
    let canned = json!({"name": "Verificat", "body": "Am verificat solicitarea {{ticket_key}}, {{customer_name}}."});
    assert_eq!(
        app.api("POST", "/canned-replies", Some(canned)).await.0,
        201
    );
    let report = browser_walk(
        "console_walk.mjs",
        "console",
        vec![
            ("BASE", app.base.clone()),
            ("AGENT", "agent@example.test".into()),
            ("PASSWORD", AGENT_PASSWORD.into()),
            ("KEY", key.clone()),
            ("SUBJECT", subject.into()),
            ("CUSTOMER", customer.clone()),
            ("PARTNER", partner.clone()),
            ("SUPPORT", app.support.clone()),
            ("SMTP_PORT", SMTP_PORT.to_string()),
            ("CALLER", caller.clone()),
        ],
    )
    .await;
    // What the mail side saw.
    wait_mail(&customer, |m| {
        m.text.contains("Ce client de mail folosiți?")
    })
    .await;
    wait_mail(&customer, |m| {
        m.text
            .contains("Relay-ul a fost repornit; livrarea e normală.")
    })
    .await;
    wait_mail(&partner, |m| {
        m.text.contains("Vedeți întârzieri pe relay?") && m.subject.contains(&key)
    })
    .await;
    let canned = wait_mail(&customer, |m| m.text.contains("Am verificat solicitarea")).await;
    assert_eq!(
        canned[0].1.attachments[0].filename, "jurnal-relay.txt",
        "the file picked in the browser reached the customer"
    );
    let phone_key = report["phone_key"].as_str().unwrap();
    let t = app.ticket(phone_key).await;
    assert_eq!(
        (t["channel"].as_str(), t["priority"].as_str()),
        (Some("phone"), Some("high")),
        "{t}"
    );
    wait_mail(&caller, |m| {
        m.subject.contains(phone_key) && m.text.contains("Vizualizați solicitarea")
    })
    .await;
    wait_mail(&caller, |m| m.text.contains("/portal/invite/")).await;
    let history: Vec<String> = app.ticket(&key).await["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        history,
        [
            "waiting_for_support",
            "in_progress",
            "waiting_for_customer",
            "in_progress",
            "waiting_for_third_party",
            "in_progress",
            "resolved",
            "closed"
        ]
    );
    assert_eq!(
        app.ctx.sla().config.calendar.mon,
        "09:00-13:00, 14:00-18:00",
        "the working hours set in the browser"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_does_what_the_console_does() {
    let app = TestApp::spawn().await;
    let c = format!("{}@customer.test", unique("api"));
    let mk = |subject: &str| json!({"requester_email": c, "subject": subject, "description": "d", "channel": "phone", "requester_phone": "0700 000 000"});
    let (_, a) = app.api("POST", "/tickets", Some(mk("Primul"))).await;
    let (_, b) = app.api("POST", "/tickets", Some(mk("Al doilea"))).await;
    let (ka, kb) = (
        a["key"].as_str().unwrap().to_string(),
        b["key"].as_str().unwrap().to_string(),
    );
    // The queue: unassigned first, each with both clocks.
    let (s, q) = app.api("GET", "/queue?view=unassigned", None).await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["total"], 2);
    assert_eq!(q["tickets"][0]["key"], ka.as_str(), "earliest due first");
    assert_eq!(q["tickets"][0]["sla"]["assignment"]["state"], "running");
    // Search folds case and diacritics: "AL DOILEA" and "ál dóilea" find "Al doilea".
    for typed in ["AL%20DOILEA", "%C3%A1l%20d%C3%B3ilea"] {
        let (_, found) = app.api("GET", &format!("/queue?q={typed}"), None).await;
        assert_eq!(
            (found["total"].as_i64(), found["tickets"][0]["key"].as_str()),
            (Some(1), Some(kb.as_str())),
            "{typed}: {found}"
        );
    }
    let (s, t) = app
        .api(
            "POST",
            &format!("/tickets/{ka}/priority"),
            Some(json!({"priority": "urgent"})),
        )
        .await;
    assert_eq!((s, t["priority"].as_str()), (200, Some("urgent")));
    assert_eq!(
        app.api(
            "POST",
            &format!("/tickets/{ka}/priority"),
            Some(json!({"priority": "asap"}))
        )
        .await
        .0,
        422,
        "a value the body cannot hold is 422"
    );
    let (s, t) = app
        .api(
            "POST",
            &format!("/tickets/{kb}/merge"),
            Some(json!({"into": ka})),
        )
        .await;
    assert_eq!(
        (s, t["status"].as_str(), t["merged_into"].as_str()),
        (200, Some("closed"), Some(ka.as_str())),
        "{t}"
    );
    assert_eq!(app.api("GET", "/queue", None).await.1["total"], 1);
    // Partners and agents (the test agent is an admin).
    let (s, _) = app
        .api(
            "POST",
            "/partners",
            Some(json!({"email": "noc@isp.test", "name": "ISP"})),
        )
        .await;
    assert_eq!(s, 201);
    let (_, p) = app.api("GET", "/partners", None).await;
    assert_eq!(p["partners"][0]["email"], "noc@isp.test");
    let (s, _) = app.api("POST", "/agents", Some(json!({"email": "ion@example.test", "name": "Ion", "password": "parola1234", "role": "agent"}))).await;
    assert_eq!(s, 201);
    let (s, v) = app
        .api(
            "POST",
            "/agents",
            Some(json!({"email": "ion@example.test", "name": "Ion", "password": "scurta"})),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("password"), "{v}");
    let (_, agents) = app.api("GET", "/agents", None).await;
    assert!(
        agents["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["email"] == "ion@example.test" && a["role"] == "agent")
    );
    let (s, sla) = app.api("GET", "/sla", None).await;
    assert_eq!(
        (s, sla["calendar"]["time_zone"].as_str()),
        (200, Some("Europe/Bucharest"))
    );
    // The OpenAPI document is served as JSON, without a token.
    let (s, doc) = app.get(&format!("{}/api/v1/openapi.json", app.base)).await;
    assert_eq!(s, 200);
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert!(doc["paths"]["/queue"].is_object());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_page_is_a_page_of_its_area_and_an_ended_session_leads_back() {
    let app = TestApp::spawn().await;
    let a = signed_in_agent(&app).await;
    // A ticket that is not there: the console's own page, in Romanian, with 404.
    let (s, page) = a.get("/console/tickets/HD-999999").await;
    assert_eq!(s, 404);
    assert!(
        page.contains("Pagina nu există") && page.contains("/console/logout"),
        "the console's layout with the not-found words: {page}"
    );
    // An unknown quarantined mail: the same, through the service's "not found".
    let (s, page) = a.get("/console/quarantine/999999/raw").await;
    assert_eq!(s, 404);
    assert!(page.contains("Pagina nu există"), "{page}");

    // A form sent after the session ended goes to the sign-in, and back to the page the
    // form was on (its Referer), else to the console's first page.
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |referer: Option<String>| {
        let mut r = anon
            .post(format!("{}/console/tickets/HD-1/actions/reply", app.base))
            .header("Origin", &app.base)
            .form(&[("body", "Revin."), ("csrf", "x")]);
        if let Some(referer) = referer {
            r = r.header("Referer", referer);
        }
        r.send()
    };
    let r = post(Some(format!("{}/console/tickets/HD-1", app.base)))
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (303, "/console/login?next=%2Fconsole%2Ftickets%2FHD-1")
    );
    let r = post(None).await.unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (303, "/console/login?next=%2Fconsole")
    );
    // A Referer outside the console leads to the console's first page, not there.
    let r = post(Some(format!("{}/portal/requests", app.base)))
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/console/login?next=%2Fconsole"
    );
}
