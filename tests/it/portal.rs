//! The customer portal: the whole walk in headless Chromium (tests/browser), and the
//! security rules over plain HTTP: CSRF, who sees what, inert mail HTML, throttled sign-in,
//! upload limits, one-time links.

use serde_json::json;

use crate::helpers::{
    Browser, TestApp, browser_walk, mailbox, send_raw, unique, wait_mail, wait_until,
};

const PASSWORD: &str = "Parola2025ok";

/// The portal link of a kind (`invite`, `reset`) in the newest mail that has one.
async fn link_in_mail(user: &str, kind: &str) -> String {
    let marker = format!("/portal/{kind}/");
    let mail = wait_mail(user, |m| m.text.contains(&marker)).await;
    let text = &mail.last().expect("a mail with the link").1.text;
    let re = regex::Regex::new(&format!(r"https?://\S+{marker}[A-Za-z0-9_-]+")).unwrap();
    re.find(text)
        .expect("the link is in the text")
        .as_str()
        .to_string()
}

impl Browser {
    /// Sets the password through the invitation link and stays signed in.
    async fn accept_invite(&self, link: &str) {
        let csrf = self.csrf(link).await;
        let (s, to, body) = self
            .post(
                link,
                &[
                    ("csrf", &csrf),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            (s, to.as_str()),
            (303, "/portal/requests?welcome=1"),
            "{body}"
        );
    }
}

/// A customer with a ticket, signed in to the portal.
pub(crate) async fn signed_in_customer(
    app: &TestApp,
    prefix: &str,
    subject: &str,
    body: &str,
) -> (String, String, Browser) {
    let who = format!("{}@customer.test", unique(prefix));
    app.send(&who, subject, body, &[]).await;
    let key = app.wait_key(&who).await;
    let link = link_in_mail(&who, "invite").await;
    let browser = Browser::new(&app.base);
    browser.accept_invite(&link).await;
    (who, key, browser)
}

fn hostile_mail(from: &str, key: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@example.test\r\nSubject: Re: [{key}] poza\r\nMessage-ID: <{}@customer.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         HOSTILE-MARKER text\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HOSTILE-MARKER</p><script>window.__xss=1</script>\
         <img src=\"x\" onerror=\"window.__xss=1\"><a href=\"javascript:window.__xss=1\">x</a><svg onload=\"window.__xss=1\"></svg>\
         <img src=\"https://tracker.test/pixel.gif\">\r\n--b--\r\n",
        unique("hostile")
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn walk_in_chromium_then_only_the_mail_that_must_arrive_arrives() {
    let app = TestApp::spawn().await;
    let who = format!("{}@customer.test", unique("walk"));
    app.send(
        &format!("Ion Popescu <{who}>"),
        "Nu pornește laptopul",
        "Laptopul nu pornește deloc.",
        &[],
    )
    .await;
    let key = app.wait_key(&who).await;
    let invite = link_in_mail(&who, "invite").await;
    send_raw(&who, &app.support, &hostile_mail(&who, &key)).await;
    let threaded = crate::helpers::wait_until(std::time::Duration::from_secs(15), || async {
        app.ticket(&key).await["messages"]
            .as_array()
            .map_or(0, Vec::len)
            == 2
    })
    .await;
    assert!(threaded, "the hostile mail was threaded into {key}");

    let report = browser_walk(
        "portal_walk.mjs",
        "portal",
        vec![
            ("INVITE", invite),
            ("EMAIL", who.clone()),
            ("KEY", key.clone()),
            ("PASSWORD", PASSWORD.to_string()),
        ],
    )
    .await;

    // What the walk left in the database.
    let t = app.ticket(&key).await;
    let texts: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(
        texts.contains(&"Comentariu din portal: am repornit de două ori."),
        "{texts:?}"
    );
    let files: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| {
            m["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["filename"].as_str())
        })
        .collect();
    assert_eq!(files, vec!["factura-ăîș.txt", "captura ecran.png"]);
    let new_key = report["new_key"]
        .as_str()
        .expect("the walk opened a request");
    let n = app.ticket(new_key).await;
    assert_eq!(
        (n["channel"].as_str(), n["status"].as_str()),
        (Some("portal"), Some("waiting_for_support")),
        "{n}"
    );
    wait_mail(&who, |m| {
        m.subject.contains(new_key) && m.text.contains("Vizualizați solicitarea")
    })
    .await;

    // Opted out in the browser: the status change is silent, the question and the
    // resolution still come.
    let before = mailbox(&who).await.len();
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/assign"),
            Some(json!({"agent_email": "agent@example.test"})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/request-info"),
            Some(json!({"message": "Ce model este?"})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/resolve"),
            Some(json!({"resolution": "Am înlocuit bateria."})),
        )
        .await;
    assert_eq!(s, 200);
    wait_mail(&who, |m| m.text.contains("Am înlocuit bateria.")).await;
    let after: Vec<String> = mailbox(&who)
        .await
        .into_iter()
        .skip(before)
        .map(|(_, m)| m.text)
        .collect();
    assert_eq!(
        after.len(),
        2,
        "only the question and the resolution: {after:#?}"
    );
    assert!(after[0].contains("Ce model este?"), "{after:#?}");
    assert!(
        !after.iter().any(|t| t.contains("În lucru")),
        "no status mail after the opt-out: {after:#?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_without_the_csrf_token_or_from_another_site_are_refused() {
    let app = TestApp::spawn().await;
    let (_, key, browser) = signed_in_customer(&app, "csrf", "Imprimanta", "Nu printează.").await;
    let page = format!("/portal/requests/{key}");
    let (s, _, _) = browser
        .post(
            &format!("{page}/comments"),
            &[("body", "CSRF-without-token")],
        )
        .await;
    assert_eq!(s, 403);
    let (s, _, _) = browser
        .post(
            &format!("{page}/comments"),
            &[("body", "CSRF-wrong"), ("csrf", &"0".repeat(64))],
        )
        .await;
    assert_eq!(s, 403);
    let csrf = browser.csrf(&page).await;
    let r = browser
        .http
        .post(browser.url(&format!("{page}/comments")))
        .header("Origin", "http://evil.test")
        .form(&[("body", "CSRF-foreign-origin"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        403,
        "a valid token from another site is still refused"
    );
    let (s, to, _) = browser
        .post(
            &format!("{page}/comments"),
            &[("body", "Comentariu legitim"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        (s, to.as_str()),
        (303, format!("{page}?done=comment#conversation").as_str())
    );
    let bodies: Vec<String> = app.ticket(&key).await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(bodies.iter().any(|b| b == "Comentariu legitim"));
    assert!(!bodies.iter().any(|b| b.starts_with("CSRF-")), "{bodies:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_sees_only_their_own_requests_and_files() {
    let app = TestApp::spawn().await;
    let (_, key_a, a) = signed_in_customer(&app, "ana", "Factura Ana", "Detalii Ana.").await;
    let (_, key_b, b) =
        signed_in_customer(&app, "bogdan", "Factura Bogdan", "SECRET-OF-B cont 1234").await;
    // B attaches a file; A tries it under both keys.
    let csrf = b.csrf(&format!("/portal/requests/{key_b}")).await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "files",
        reqwest::multipart::Part::bytes(b"SECRET-FILE".to_vec())
            .file_name("b.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let r = b
        .http
        .post(b.url(&format!("/portal/requests/{key_b}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let t = app.ticket(&key_b).await;
    let att = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["attachments"].as_array().unwrap().clone())
        .next()
        .unwrap();
    let id = att["id"].as_i64().unwrap();
    assert_eq!(
        b.get(&format!("/portal/requests/{key_b}/attachments/{id}"))
            .await,
        (200, "SECRET-FILE".to_string())
    );

    let (s, body) = a.get(&format!("/portal/requests/{key_b}")).await;
    assert_eq!(s, 404);
    assert!(!body.contains("SECRET-OF-B") && !body.contains("Factura Bogdan"));
    assert_eq!(
        a.get(&format!("/portal/requests/{key_b}/attachments/{id}"))
            .await
            .0,
        404
    );
    assert_eq!(
        a.get(&format!("/portal/requests/{key_a}/attachments/{id}"))
            .await
            .0,
        404,
        "B's file under A's key"
    );
    assert_eq!(a.get("/portal/requests/HD-999999").await.0, 404);
    let (_, list) = a.get("/portal/requests").await;
    assert!(list.contains(&key_a) && !list.contains(&key_b));
    let csrf = a.csrf(&format!("/portal/requests/{key_a}")).await;
    let (s, _, _) = a
        .post(
            &format!("/portal/requests/{key_b}/comments"),
            &[("body", "intrus"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 404, "no comment on someone else's request");
    let (s, _, _) = a
        .post(
            &format!("/portal/requests/{key_b}/notifications"),
            &[("on", "0"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 404);
    // Signed out, nothing is shown: the request link asks for Conectare first.
    let anon = Browser::new(&app.base);
    let r = anon
        .http
        .get(anon.url(&format!("/portal/requests/{key_a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/portal/login?next=%2Fportal%2Frequests%2F{key_a}").as_str()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_mail_html_is_shown_inert() {
    let app = TestApp::spawn().await;
    let (who, key, browser) = signed_in_customer(&app, "xss", "Poza", "Vedeți poza.").await;
    send_raw(&who, &app.support, &hostile_mail(&who, &key)).await;
    let ok = crate::helpers::wait_until(std::time::Duration::from_secs(15), || async {
        browser
            .get(&format!("/portal/requests/{key}"))
            .await
            .1
            .contains("HOSTILE-MARKER")
    })
    .await;
    assert!(ok, "the hostile mail reached the request page");
    let r = browser
        .http
        .get(browser.url(&format!("/portal/requests/{key}")))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let page = r.text().await.unwrap();
    let mail = &page[page.find("HOSTILE-MARKER").unwrap()..];
    for bad in [
        "<script>window",
        "onerror",
        "javascript:",
        "<svg",
        "tracker.test",
    ] {
        assert!(!mail.contains(bad), "{bad} survived in the page");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guessing_passwords_is_throttled_per_account() {
    let app = TestApp::spawn().await;
    let (who, _, _) = signed_in_customer(&app, "brute", "Parola", "Test.").await;
    let guesser = Browser::new(&app.base);
    for i in 0..5 {
        let csrf = guesser.csrf("/portal/login").await;
        let (s, _, body) = guesser
            .post(
                "/portal/login",
                &[
                    ("email", &who),
                    ("password", &format!("gresit{i}00")),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(s, 422, "attempt {i}");
        assert!(body.contains("nu este corectă"));
    }
    let csrf = guesser.csrf("/portal/login").await;
    let (s, _, body) = guesser
        .post(
            "/portal/login",
            &[("email", &who), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        s, 429,
        "even the right password waits once the account is throttled"
    );
    assert!(body.contains("Prea multe încercări"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forgotten_password_comes_back_through_a_one_time_link() {
    let app = TestApp::spawn().await;
    let (who, key, _) = signed_in_customer(&app, "forgot", "Cont", "Test.").await;
    let invite = link_in_mail(&who, "invite").await;
    let b = Browser::new(&app.base);
    // A used invitation explains itself and offers a new link.
    let (s, page) = b.get(&invite).await;
    assert_eq!(s, 410);
    assert!(page.contains("Trimiteți-mi un link nou"));
    let csrf = b.csrf("/portal/forgot").await;
    let (s, _, page) = b
        .post("/portal/forgot", &[("email", &who), ("csrf", &csrf)])
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("Dacă adresa are un cont"));
    // An unknown address gets the same answer and no mail.
    let (_, _, same) = b
        .post(
            "/portal/forgot",
            &[("email", "nobody@customer.test"), ("csrf", &csrf)],
        )
        .await;
    assert!(same.contains("Dacă adresa are un cont"));
    let reset = link_in_mail(&who, "reset").await;
    let csrf = b.csrf(&reset).await;
    let (s, to, _) = b
        .post(
            &reset,
            &[
                ("password", "Nou2026parola"),
                ("confirm", "Nou2026parola"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!((s, to.as_str()), (303, "/portal/requests?welcome=1"));
    assert_eq!(b.get(&reset).await.0, 410, "the reset link works once");
    // The spent link offers a new one, mailed to the same address.
    let mails = mailbox(&who).await.len();
    let csrf = b.csrf(&reset).await;
    let (s, _, page) = b.post(&format!("{reset}/renew"), &[("csrf", &csrf)]).await;
    assert_eq!(s, 200, "{page}");
    let mailed = wait_until(std::time::Duration::from_secs(20), || async {
        mailbox(&who).await.len() > mails
    })
    .await;
    assert!(mailed, "a new reset link was mailed");
    assert_ne!(link_in_mail(&who, "reset").await, reset);
    let (s, page) = b.get(&format!("/portal/requests/{key}")).await;
    assert_eq!(s, 200);
    assert!(page.contains(&key));
    // The old password is gone, the new one works.
    let c = Browser::new(&app.base);
    let csrf = c.csrf("/portal/login").await;
    assert_eq!(
        c.post(
            "/portal/login",
            &[("email", &who), ("password", PASSWORD), ("csrf", &csrf)]
        )
        .await
        .0,
        422
    );
    let (s, to, _) = c
        .post(
            "/portal/login",
            &[
                ("email", &who),
                ("password", "Nou2026parola"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!((s, to.as_str()), (303, "/portal/requests"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn answering_in_the_portal_resumes_a_waiting_request_and_limits_hold() {
    let app = TestApp::spawn().await;
    let (_, key, b) = signed_in_customer(&app, "answer", "Rețea", "Nu merge rețeaua.").await;
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/request-info"),
            Some(json!({"message": "Ce router aveți?"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.status_of(&key).await, "waiting_for_customer");
    let page = format!("/portal/requests/{key}");
    let (_, html) = b.get(&page).await;
    assert!(html.contains("Ce router aveți?") && html.contains("În așteptare client"));
    let csrf = b.csrf(&page).await;
    // An empty comment is refused with a message, nothing stored, status unchanged.
    let (s, _, body) = b
        .post(
            &format!("{page}/comments"),
            &[("body", "   "), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("Scrieți un comentariu"));
    assert_eq!(app.status_of(&key).await, "waiting_for_customer");
    // A file over the limit (10 MiB by default) is refused by name.
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "files",
            reqwest::multipart::Part::bytes(big).file_name("mare.bin"),
        );
    let r = b
        .http
        .post(b.url(&format!("{page}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Fișierul mare.bin depășește 10 MB")
    );
    assert_eq!(app.status_of(&key).await, "waiting_for_customer");
    // The answer resumes the request.
    let (s, _, _) = b
        .post(
            &format!("{page}/comments"),
            &[("body", "Un TP-Link Archer."), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(app.status_of(&key).await, "in_progress");
    // Closed: nothing more can be added, and the page says so.
    assert_eq!(
        app.api("POST", &format!("/tickets/{key}/close"), None)
            .await
            .0,
        200
    );
    let (s, _, body) = b
        .post(
            &format!("{page}/comments"),
            &[("body", "Încă ceva"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 409);
    assert!(body.contains("Solicitarea este închisă"));
    assert!(body.contains("Încă ceva"), "the typed text is kept");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn solicitari_filters_searches_and_pages_and_hides_internal_notes() {
    let app = TestApp::spawn().await;
    let (who, first, b) = signed_in_customer(&app, "many", "Primul", "Începutul.").await;
    let mut keys = vec![first.clone()];
    for i in 1..=29 {
        let subject = if i % 10 == 0 {
            format!("Imprimantă {i}")
        } else {
            format!("Cerere {i}")
        };
        let body = json!({"requester_email": who, "subject": subject, "description": "Detalii.", "channel": "phone"});
        let (s, v) = app.api("POST", "/tickets", Some(body)).await;
        assert_eq!(s, 201, "{v}");
        keys.push(v["key"].as_str().unwrap().to_string());
    }
    // Newest first, 25 a page.
    let (_, page1) = b.get("/portal/requests").await;
    assert!(
        page1.contains("Pagina 1 din 2 (30 de solicitări)"),
        "{page1}"
    );
    assert!(
        page1.find(&keys[29]).unwrap() < page1.find(&keys[5]).unwrap(),
        "newest first"
    );
    assert!(
        !page1.contains(&format!(">{first}<")),
        "the oldest is on page 2"
    );
    let (_, page2) = b.get("/portal/requests?page=2").await;
    assert!(page2.contains(&format!(">{first}<")) && page2.contains("Pagina 2 din 2"));
    // Search by subject text, by key, and by status.
    let (_, found) = b.get("/portal/requests?q=imprimant").await;
    assert!(
        found.contains("(2 solicitări)")
            && found.contains("Imprimantă 10")
            && found.contains("Imprimantă 20"),
        "{found}"
    );
    // In any case, with or without the diacritics: as people type.
    for typed in ["IMPRIMANTA", "imprimantă"] {
        let (_, found) = b
            .get(&format!("/portal/requests?q={}", in_url(typed)))
            .await;
        assert!(
            found.contains("(2 solicitări)") && found.contains("Imprimantă 20"),
            "{typed}: {found}"
        );
    }
    let (_, in_text) = b.get("/portal/requests?q=INCEPUTUL").await;
    assert!(
        in_text.contains(&format!(">{first}<")) && in_text.contains("(o solicitare)"),
        "{in_text}"
    );
    let (_, by_key) = b.get(&format!("/portal/requests?q={}", keys[7])).await;
    assert!(
        by_key.contains(&format!(">{}<", keys[7])) && by_key.contains("(o solicitare)"),
        "{by_key}"
    );
    assert_eq!(
        app.api(
            "POST",
            &format!("/tickets/{}/assign", keys[3]),
            Some(json!({"agent_email": "agent@example.test"}))
        )
        .await
        .0,
        200
    );
    let (_, working) = b.get("/portal/requests?status=in_progress").await;
    assert!(
        working.contains(&format!(">{}<", keys[3])) && working.contains("(o solicitare)"),
        "{working}"
    );
    let (_, none) = b.get("/portal/requests?q=nimic-de-gasit").await;
    assert!(none.contains("Nicio solicitare nu corespunde filtrului."));
    // An internal note and the talk with a partner stay with the agents.
    let note = json!({"body": "NOTA-INTERNA clientul e dificil", "internal": true});
    assert_eq!(
        app.api(
            "POST",
            &format!("/tickets/{}/comments", keys[3]),
            Some(note)
        )
        .await
        .0,
        200
    );
    let ask = json!({"partner_email": "isp@partner.test", "message": "INTREBARE-PARTENER"});
    assert_eq!(
        app.api(
            "POST",
            &format!("/tickets/{}/third-party", keys[3]),
            Some(ask)
        )
        .await
        .0,
        200
    );
    let reply = json!({"body": "RASPUNS-PUBLIC verificăm", "internal": false});
    assert_eq!(
        app.api(
            "POST",
            &format!("/tickets/{}/comments", keys[3]),
            Some(reply)
        )
        .await
        .0,
        200
    );
    let (_, view) = b.get(&format!("/portal/requests/{}", keys[3])).await;
    assert!(
        view.contains("RASPUNS-PUBLIC verificăm") && view.contains("Agent"),
        "{view}"
    );
    assert!(
        !view.contains("NOTA-INTERNA")
            && !view.contains("INTREBARE-PARTENER")
            && !view.contains("isp@partner.test")
    );
    assert!(view.contains("În așteptare terți"));
    app.stop().await;
}

fn in_url(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn inline_images_come_from_the_stored_attachment() {
    let app = TestApp::spawn().await;
    let (who, key, b) = signed_in_customer(&app, "cid", "Captură", "Vedeți mai jos.").await;
    let raw = format!(
        "From: {who}\r\nTo: support@example.test\r\nSubject: Re: [{key}] captura\r\nMessage-ID: <{}@customer.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Eroarea:</p><img src=\"cid:shot1@customer.test\" alt=\"captura\">\r\n--r\r\nContent-Type: image/png\r\n\
         Content-ID: <shot1@customer.test>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n",
        unique("cid")
    );
    send_raw(&who, &app.support, raw.as_bytes()).await;
    let ok = crate::helpers::wait_until(std::time::Duration::from_secs(15), || async {
        b.get(&format!("/portal/requests/{key}"))
            .await
            .1
            .contains("Eroarea:")
    })
    .await;
    assert!(ok, "the mail reached the request page");
    let page = b.get(&format!("/portal/requests/{key}")).await.1;
    let re = regex::Regex::new(&format!(
        r#"<img src="(/portal/requests/{key}/attachments/\d+)" alt="captura""#
    ))
    .unwrap();
    let src = re
        .captures(&page)
        .unwrap_or_else(|| panic!("the inline image points at its attachment:\n{page}"))[1]
        .to_string();
    let r = b.http.get(b.url(&src)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"\x89PNG\r\n\x1a\n");
    app.stop().await;
}
