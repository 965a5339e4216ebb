//! The whole life cycle through the API, with the customer's mail at every step.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, header, mailbox, unique, wait_mail};

/// Waits until the mailbox has been quiet (no new mail) for two seconds; returns its size.
async fn settled(user: &str) -> usize {
    let mut last = mailbox(user).await.len();
    let mut quiet = 0;
    while quiet < 20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let n = mailbox(user).await.len();
        if n == last {
            quiet += 1
        } else {
            last = n;
            quiet = 0
        }
    }
    last
}

#[tokio::test(flavor = "multi_thread")]
async fn full_life_cycle_with_mail_at_every_step_and_the_opt_out() {
    let app = TestApp::spawn().await;
    let c = format!("{}@customer.test", unique("life"));
    let partner = format!("{}@partner.test", unique("p"));
    app.send(&c, "Imprimanta face zgomot", "Se aude un scârțâit.", &[])
        .await;
    let key = app.wait_key(&c).await;
    wait_mail(&c, |m| m.text.contains("/portal/invite/")).await;
    // The confirmation already offers the opt-out, as the customer guide says.
    let confirmation = wait_mail(&c, |m| m.text.contains("Am primit solicitarea")).await;
    let (raw, m) = &confirmation[0];
    assert!(
        m.text.contains("Nu doresc să primesc notificări"),
        "{}",
        m.text
    );
    assert!(header(raw, "List-Unsubscribe").is_some());

    // Assign: in_progress, with a status mail that can be silenced.
    let (s, v) = app
        .api(
            "POST",
            &format!("/tickets/{key}/assign"),
            Some(json!({"agent_email": "agent@example.test"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "in_progress");
    assert_eq!(v["assignee"], "agent@example.test");
    let st = wait_mail(&c, |m| m.text.contains("În lucru")).await;
    let (raw, m) = &st[0];
    assert!(m.text.contains("Nu doresc să primesc notificări"));
    assert_eq!(
        header(raw, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let unsub = header(raw, "List-Unsubscribe").unwrap();
    let unsub = unsub.trim_matches(['<', '>']).to_string();
    assert!(unsub.starts_with(&app.base));

    // Ask the customer: waiting_for_customer, the question arrives, the answer resumes.
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/request-info"),
            Some(json!({"message": "Ce model aveți?"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.status_of(&key).await, "waiting_for_customer");
    let ask = wait_mail(&c, |m| m.text.contains("Ce model aveți?")).await;
    let ask_id = ask[0].1.message_id.clone().unwrap();
    assert!(
        header(&ask[0].0, "Auto-Submitted").is_none(),
        "an agent's question is not automatic mail"
    );
    app.send(
        &c,
        &format!("Re: {}", ask[0].1.subject),
        "HP LaserJet 4250",
        &[("In-Reply-To", &format!("<{ask_id}>"))],
    )
    .await;
    app.wait_status(&key, "in_progress").await;

    // Opt out with the one-click POST (no login), after the status mail has landed.
    let before = settled(&c).await;
    let (s, page) = app.post_form(&unsub, "List-Unsubscribe=One-Click").await;
    assert_eq!(s, 200, "{page}");
    assert!(
        page.contains("cererile de informații"),
        "the page says what still arrives"
    );
    let (s, page) = app.get(&unsub).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("Nu doresc să primesc notificări"),
        "GET shows a confirm page"
    );
    let (s, page) = app.get(&format!("{unsub}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(page.contains("I don&#x27;t want notifications"), "{page}");
    let (s, _) = app
        .get(&unsub.replace("/unsubscribe/", "/unsubscribe/9"))
        .await;
    assert_eq!(s, 404, "a forged link is refused");
    assert_eq!(app.ticket(&key).await["status_mail"], false);

    // Ask a partner: the partner gets a mail with its own reply path; the answer resumes.
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/third-party"),
            Some(json!({"partner_email": partner, "message": "Aveți piese HP 4250?"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.status_of(&key).await, "waiting_for_third_party");
    let pq = wait_mail(&partner, |m| m.text.contains("Aveți piese HP 4250?")).await;
    assert!(pq[0].1.subject.contains(&format!("[{key}]")));
    let pid = pq[0].1.message_id.clone().unwrap();
    app.send(
        &partner,
        &format!("Re: {}", pq[0].1.subject),
        "Da, avem în stoc.",
        &[("In-Reply-To", &format!("<{pid}>"))],
    )
    .await;
    app.wait_status(&key, "in_progress").await;
    let t = app.ticket(&key).await;
    let partner_msg = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "partner")
        .expect("partner message stored");
    assert_eq!(partner_msg["body"], "Da, avem în stoc.");

    // A public reply and an internal note.
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/comments"),
            Some(json!({"body": "Comandăm piesa.", "internal": false})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/comments"),
            Some(json!({"body": "cost intern 200 lei", "internal": true})),
        )
        .await;
    assert_eq!(s, 200);

    // Resolve: the resolution arrives despite the opt-out.
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/resolve"),
            Some(json!({"resolution": "Am înlocuit cuptorul."})),
        )
        .await;
    assert_eq!(s, 200);
    wait_mail(&c, |m| m.text.contains("Am înlocuit cuptorul.")).await;
    let (s, v) = app
        .api("POST", &format!("/tickets/{key}/close"), None)
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("closed")));

    // Exactly what the opted-out customer got after opting out: the reply and the resolution.
    let after: Vec<String> = mailbox(&c).await[before..]
        .iter()
        .map(|(_, m)| m.text.clone())
        .collect();
    assert_eq!(after.len(), 2, "{after:#?}");
    assert!(after[0].contains("Comandăm piesa."));
    assert!(after[1].contains("Am înlocuit cuptorul."));
    assert!(
        after.iter().all(|t| !t.contains("cost intern")),
        "internal notes never reach the customer"
    );

    // History has every status, in order.
    let t = app.ticket(&key).await;
    let statuses: Vec<&str> = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
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
    assert_eq!(t["sla"]["assignment"]["stopped"], true);
    assert_eq!(t["sla"]["resolution"]["stopped"], true);

    // Closed is final: a refused action says why.
    let (s, v) = app
        .api(
            "POST",
            &format!("/tickets/{key}/assign"),
            Some(json!({"agent_email": "agent@example.test"})),
        )
        .await;
    assert_eq!(s, 409);
    assert!(v["error"].as_str().unwrap().contains("closed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_to_a_closed_ticket_opens_a_new_linked_one() {
    let app = TestApp::spawn().await;
    let c = format!("{}@customer.test", unique("closed"));
    app.send(&c, "Laptopul nu pornește", "Nimic.", &[]).await;
    let key = app.wait_key(&c).await;
    let (s, _) = app
        .api("POST", &format!("/tickets/{key}/close"), None)
        .await;
    assert_eq!(s, 200);
    app.send(
        &c,
        &format!("Re: [{key}] iar nu merge"),
        "S-a stricat din nou.",
        &[],
    )
    .await;
    let all = app.wait_tickets(&c, 2).await;
    let new = all.iter().find(|t| t["key"] != key).unwrap();
    assert_eq!(new["linked_from"], key.as_str());
    assert_eq!(new["status"], "waiting_for_support");
    assert_eq!(app.status_of(&key).await, "closed");
    let new_key = new["key"].as_str().unwrap().to_string();
    let notice = wait_mail(&c, |m| m.subject.contains(&format!("[{new_key}]"))).await;
    assert!(
        notice[0].1.text.contains(&key),
        "the customer is told which closed request it continues"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_to_a_resolved_ticket_reopens_it() {
    let app = TestApp::spawn().await;
    let c = format!("{}@customer.test", unique("reopen"));
    app.send(&c, "Parola uitată", "Nu mă pot conecta.", &[])
        .await;
    let key = app.wait_key(&c).await;
    app.api(
        "POST",
        &format!("/tickets/{key}/assign"),
        Some(json!({"agent_email": "agent@example.test"})),
    )
    .await;
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/resolve"),
            Some(json!({"resolution": "Am resetat parola."})),
        )
        .await;
    assert_eq!(s, 200);
    let res = wait_mail(&c, |m| m.text.contains("Am resetat parola.")).await;
    let id = res[0].1.message_id.clone().unwrap();
    app.send(
        &c,
        "Re: parola",
        "Tot nu merge.",
        &[("In-Reply-To", &format!("<{id}>"))],
    )
    .await;
    app.wait_status(&key, "in_progress").await;
    assert_eq!(app.tickets_of(&c).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn phone_intake_and_bad_requests() {
    let app = TestApp::spawn().await;
    let c = format!("{}@customer.test", unique("phone"));
    let (s, v) = app
        .api("POST", "/tickets", Some(json!({"requester_email": c, "requester_name": "Maria", "subject": "Apel: nu am internet",
            "description": "Sunat la 10:05", "channel": "phone", "priority": "high"})))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["channel"], "phone");
    assert_eq!(v["priority"], "high");
    let key = v["key"].as_str().unwrap().to_string();
    wait_mail(&c, |m| m.subject.contains(&format!("[{key}]"))).await;
    wait_mail(&c, |m| m.text.contains("/portal/invite/")).await;

    for (body, needle) in [
        (
            json!({"requester_email": "not-an-address", "subject": "x"}),
            "requester_email",
        ),
        (json!({"requester_email": c, "subject": "  "}), "subject"),
        (
            json!({"requester_email": c, "subject": "x", "channel": "fax"}),
            "channel",
        ),
    ] {
        // A value that is not acceptable is 422, and the message names its field.
        let (s, v) = app.api("POST", "/tickets", Some(body)).await;
        assert_eq!(s, 422, "{v}");
        assert!(v["error"].as_str().unwrap().contains(needle), "{v}");
    }
    // A body that is not JSON at all is malformed: 400.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets", app.base))
        .bearer_auth(&app.token)
        .header("Content-Type", "application/json")
        .body("{\"requester_email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/request-info"),
            Some(json!({"message": ""})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app.api("GET", "/tickets/HD-999999", None).await;
    assert_eq!(s, 404);
    // Every API error is JSON with a reason, whatever went wrong.
    for (method, path, want) in [
        ("GET", "/tickets?status=bogus", 400),
        ("GET", "/tickets?limit=abc", 400),
        ("GET", "/quarantine/abc/raw", 400),
        ("DELETE", "/tickets", 405),
        ("GET", "/no-such-endpoint", 404),
    ] {
        let (s, v) = app.api(method, path, None).await;
        assert_eq!(s, want, "{method} {path}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{method} {path}: {v}"
        );
    }
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/tickets", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let (s, metrics) = app.get(&format!("{}/metrics", app.base)).await;
    assert_eq!(s, 200);
    assert!(metrics.contains("# TYPE helpdesk_outbox_sent_total counter"));
}
