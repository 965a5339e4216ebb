//! No two agents answer at once: every ticket has a version (its ETag); an action based
//! on an older one is refused (API: If-Match, 412; console: the page again, with what
//! changed and the typed text kept).

use serde_json::{Value, json};

use crate::console::{signed_in, signed_in_agent};
use crate::helpers::Browser;
use crate::helpers::*;

/// A ticket opened by mail, and its key.
pub(crate) async fn ticket(app: &TestApp) -> (String, String) {
    let customer = format!("{}@customer.test", unique("col"));
    app.send(&customer, "Imprimanta", "nu merge", &[]).await;
    let t = app.wait_tickets(&customer, 1).await;
    (t[0]["key"].as_str().unwrap().to_string(), customer)
}

/// An action with an `If-Match` header: status, body, the `ETag` answered.
async fn act_if(
    app: &TestApp,
    key: &str,
    action: &str,
    body: Value,
    etag: &str,
) -> (u16, Value, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets/{key}/{action}", app.base))
        .bearer_auth(&app.token)
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let tag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, r.json().await.unwrap_or(Value::Null), tag)
}

#[tokio::test]
async fn an_action_on_a_ticket_changed_since_is_refused_with_412() {
    let app = TestApp::spawn().await;
    let (key, customer) = ticket(&app).await;
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/tickets/{key}", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let seen: Value = r.json().await.unwrap();
    assert_eq!(
        etag,
        format!("\"{}\"", seen["version"]),
        "the ETag is the version"
    );

    // Ana assigns it, on what she saw: accepted, and the version moves on.
    let assign = json!({"agent_email": "agent@example.test"});
    let (s, v, after) = act_if(&app, &key, "assign", assign, &etag).await;
    assert_eq!(s, 200, "{v}");
    assert_ne!(after, etag);
    assert_eq!(after, format!("\"{}\"", v["version"]));

    // Bogdan, on the page he loaded before, answers: refused, saying what it is now.
    let reply = json!({"body": "Vă ajutăm imediat"});
    let (s, v, _) = act_if(&app, &key, "comments", reply.clone(), &etag).await;
    assert_eq!(s, 412, "{v}");
    let said = v["error"].as_str().unwrap();
    assert!(
        said.contains("changed since version") && said.contains("in_progress"),
        "{said}"
    );
    let messages = app.ticket(&key).await["messages"].as_array().unwrap().len();
    assert_eq!(messages, 1, "nothing was added");

    // With the current one, or none, or any (*), it goes.
    let (s, _, now) = act_if(&app, &key, "comments", reply.clone(), &after).await;
    assert_eq!(s, 200);
    let (s, _, _) = act_if(
        &app,
        &key,
        "comments",
        json!({"body": "x", "internal": true}),
        "*",
    )
    .await;
    assert_eq!(s, 200);
    let (s, v, _) = act_if(&app, &key, "comments", reply, "\"nonsense\"").await;
    assert_eq!(s, 412, "{v}");

    // The customer's answer by mail moves the version too.
    app.send(
        &customer,
        &format!("Re: [{key}] Imprimanta"),
        "Mulțumesc",
        &[],
    )
    .await;
    let moved = wait_until(std::time::Duration::from_secs(20), || async {
        format!("\"{}\"", app.ticket(&key).await["version"]) != now
    })
    .await;
    assert!(moved, "a new message is a change");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_refuses_a_stale_form_and_keeps_the_typed_text() {
    let app = TestApp::spawn().await;
    let (key, _) = ticket(&app).await;
    let agent = signed_in_agent(&app).await;
    let (_, page) = agent.get(&format!("/console/tickets/{key}")).await;
    let version = regex::Regex::new(r#"name="version" value="(\d+)""#)
        .unwrap()
        .captures(&page)
        .expect("the forms carry the version")[1]
        .to_string();
    // Someone else assigns it meanwhile.
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/assign"),
            Some(json!({"agent_email": "agent@example.test"})),
        )
        .await;
    assert_eq!(s, 200);
    let typed = "Am verificat imprimanta și trimitem un tehnician.";
    let (s, page) = agent
        .act(&key, "reply", &[("body", typed), ("version", &version)])
        .await;
    assert_eq!(s, 412, "{page}");
    assert!(page.contains("s-a schimbat"), "says it changed");
    assert!(
        page.contains("Am verificat imprimanta"),
        "the typed text is kept"
    );
    assert_eq!(
        app.ticket(&key).await["messages"].as_array().unwrap().len(),
        1
    );
    app.stop().await;
}

/// The ticket page's beat, as its script sends it: the others on the ticket.
pub(crate) async fn beat(b: &Browser, key: &str, typing: bool) -> Value {
    let csrf = b.csrf(&format!("/console/tickets/{key}")).await;
    let r = b
        .http
        .post(b.url(&format!("/console/tickets/{key}/presence")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("typing", if typing { "1" } else { "0" }),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ticket_page_shows_who_else_has_it_open_and_who_is_writing() {
    let app = TestApp::spawn().await;
    let (key, _) = ticket(&app).await;
    let bogdan = format!("{}@example.test", unique("bogdan"));
    let body = json!({"email": bogdan, "name": "Bogdan", "password": "parola1234"});
    assert_eq!(app.api("POST", "/agents", Some(body)).await.0, 201);
    let ana = signed_in_agent(&app).await;
    let other = signed_in(&app, &bogdan, "parola1234").await;

    assert_eq!(beat(&ana, &key, false).await["others"], json!([]));
    // Bogdan opens it and starts writing: Ana's next beat (every 2 s) names him.
    let seen = beat(&other, &key, true).await;
    assert_eq!(
        seen["others"],
        json!([{"name": "Ana Agent", "typing": false}])
    );
    let seen = beat(&ana, &key, false).await;
    assert_eq!(seen["others"], json!([{"name": "Bogdan", "typing": true}]));
    let (_, page) = ana.get(&format!("/console/tickets/{key}")).await;
    assert!(
        page.contains("Bogdan (scrie un răspuns)"),
        "the page itself says so"
    );
    app.stop().await;
}
