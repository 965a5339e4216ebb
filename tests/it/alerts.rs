//! Agents hear about their tickets: an answer from the customer, an assignment by someone
//! else, a mention in a note; the queue marks news until the assignee opens the ticket;
//! each alert can be turned off.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

/// Agent alerts of `template` queued to `to`.
async fn alerts_to(app: &TestApp, to: &str) -> i64 {
    let to = to.to_string();
    app.ctx
        .db
        .read(move |c| {
            c.query_row(
                "SELECT count(*) FROM outbox WHERE recipient = ? AND template = 'agent_alert'",
                helpdesk::params![helpdesk::db::CiText(&to)],
                |r| r.get(0),
            )
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_hear_of_answers_assignments_and_mentions_as_they_choose() {
    let app = TestApp::spawn().await;
    let bogdan = format!("{}@example.test", unique("bogdan"));
    let password = "parola1234";
    let body = json!({"email": bogdan, "name": "Bogdan Ștefănescu", "password": password});
    let (s, v) = app.api("POST", "/agents", Some(body)).await;
    assert_eq!(s, 201, "{v}");
    let customer = format!("{}@customer.test", unique("alerts"));
    app.send(&customer, "Rețeaua cade", "Din nou.", &[]).await;
    let key = app.wait_key(&customer).await;

    // Ana assigns it to Bogdan: he is told who did.
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/assign"),
            Some(json!({"agent_email": bogdan})),
        )
        .await;
    assert_eq!(s, 200);
    let got = wait_mail(&bogdan, |m| {
        m.subject.contains(&key) && m.subject.contains("Vă este alocată")
    })
    .await;
    assert!(
        got[0].1.text.contains("Ana Agent v-a alocat solicitarea"),
        "{}",
        got[0].1.text
    );

    // The customer answers: Bogdan is told, with what they wrote, and the queue marks it.
    app.send(
        &customer,
        &format!("Re: [{key}] Rețeaua cade"),
        "Acum merge doar pe cablu.",
        &[],
    )
    .await;
    let got = wait_mail(&bogdan, |m| m.subject.contains("Răspuns nou")).await;
    assert!(
        got[0].1.text.contains("Acum merge doar pe cablu."),
        "{}",
        got[0].1.text
    );
    let console = Browser::new(&app.base);
    let csrf = console.csrf("/console/login").await;
    let (s, _, _) = console
        .post(
            "/console/login",
            &[("email", &bogdan), ("password", password), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 303);
    let (_, queue) = console.get("/console?view=mine").await;
    assert!(queue.contains("badge news"), "the queue marks the news");
    let (_, _) = console.get(&format!("/console/tickets/{key}")).await;
    let (_, queue) = console.get("/console?view=mine").await;
    assert!(
        !queue.contains("badge news"),
        "opening the ticket clears the mark"
    );

    // Ana's note mentions him.
    let note = json!({"body": "@bogdan poți verifica routerul?", "internal": true});
    let (s, _) = app
        .api("POST", &format!("/tickets/{key}/comments"), Some(note))
        .await;
    assert_eq!(s, 200);
    let got = wait_mail(&bogdan, |m| m.subject.contains("Ați fost menționat")).await;
    assert!(got[0].1.text.contains("poți verifica routerul"));

    // He turns answers off: the next answer marks the queue but sends no mail.
    let csrf = console.csrf("/console/alerts").await;
    let (s, _, _) = console
        .post(
            "/console/alerts",
            &[("csrf", &csrf), ("assign", "on"), ("mention", "on")],
        )
        .await;
    assert_eq!(s, 303);
    let (_, page) = console.get("/console/alerts").await;
    assert!(
        !page.contains("name=\"answer\" value=\"on\" checked"),
        "{page}"
    );
    let before = alerts_to(&app, &bogdan).await;
    app.send(
        &customer,
        &format!("Re: [{key}] Rețeaua cade"),
        "Și acum?",
        &[],
    )
    .await;
    let answered = wait_until(Duration::from_secs(20), || async {
        app.ticket(&key).await["messages"].as_array().unwrap().len() == 4
    })
    .await;
    assert!(answered);
    assert_eq!(
        alerts_to(&app, &bogdan).await,
        before,
        "no alert once turned off"
    );
    let (_, queue) = console.get("/console?view=mine").await;
    assert!(queue.contains("badge news"), "the queue still marks it");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_chooses_their_alerts_through_the_api_too() {
    let app = TestApp::spawn().await;
    let (s, v) = app.api("GET", "/me/alerts", None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v,
        json!({"answer": true, "assign": true, "mention": true}),
        "all on at first"
    );
    let off = json!({"answer": true, "assign": false, "mention": false});
    let (s, v) = app.api("PUT", "/me/alerts", Some(off.clone())).await;
    assert_eq!((s, &v), (200, &off));
    let (_, v) = app.api("GET", "/me/alerts", None).await;
    assert_eq!(v, off, "kept");
    // All three, each a boolean, nothing else.
    for bad in [
        json!({"answer": true}),
        json!({"answer": "yes", "assign": true, "mention": true}),
        json!({"answer": true, "assign": true, "mention": true, "digest": true}),
    ] {
        let (s, v) = app.api("PUT", "/me/alerts", Some(bad.clone())).await;
        assert_eq!(s, 422, "{bad}: {v}");
    }
    let (_, v) = app.api("GET", "/me/alerts", None).await;
    assert_eq!(v, off, "a refused body changes nothing");
    app.stop().await;
}
