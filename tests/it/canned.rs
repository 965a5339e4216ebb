//! Canned replies: admins keep them (API and console), any agent answers with one, and
//! the customer gets it with the ticket's placeholders filled in.

use serde_json::json;

use crate::console::signed_in_agent;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn canned_replies_are_kept_by_admins_and_sent_filled_in() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("canned"));
    app.send(
        &format!("Ion Popescu <{customer}>"),
        "Imprimanta",
        "nu merge",
        &[],
    )
    .await;
    let key = app.wait_key(&customer).await;

    let text = "Bună ziua, {{customer_name}}! Am preluat {{ticket_key}}. Cu stimă, {{agent_name}}";
    let (s, saved) = app
        .api(
            "POST",
            "/canned-replies",
            Some(json!({"name": "Preluat", "body": text})),
        )
        .await;
    assert_eq!(s, 201, "{saved}");
    let id = saved["id"].as_i64().unwrap();
    let (s, v) = app
        .api(
            "POST",
            "/canned-replies",
            Some(json!({"name": "preluat", "body": "x"})),
        )
        .await;
    assert_eq!(s, 409, "a name is taken in any case: {v}");
    let (s, v) = app
        .api(
            "POST",
            "/canned-replies",
            Some(json!({"name": "Greșit", "body": "{{nume}}"})),
        )
        .await;
    assert_eq!(s, 422, "an unknown placeholder is refused: {v}");
    let (s, list) = app.api("GET", "/canned-replies", None).await;
    assert_eq!(s, 200);
    assert_eq!(list["canned_replies"][0]["name"], "Preluat");

    // A reply by name: the customer reads it filled in.
    let (s, v) = app
        .api(
            "POST",
            &format!("/tickets/{key}/comments"),
            Some(json!({"canned_reply": "preluat", "internal": false})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let got = wait_mail(&customer, |m| m.text.contains("Am preluat")).await;
    let said = &got[0].1.text;
    assert!(
        said.contains(&format!(
            "Bună ziua, Ion Popescu! Am preluat {key}. Cu stimă, Ana"
        )),
        "{said}"
    );
    let (s, v) = app
        .api(
            "POST",
            &format!("/tickets/{key}/comments"),
            Some(json!({"canned_reply": "nu-i"})),
        )
        .await;
    assert_eq!(
        s, 404,
        "a canned reply that does not exist is not found: {v}"
    );
    let (s, v) = app
        .api(
            "POST",
            &format!("/tickets/{key}/comments"),
            Some(json!({"canned_reply": "Preluat", "body": "și text"})),
        )
        .await;
    assert_eq!(s, 422, "one or the other: {v}");

    // Changed and removed by id.
    let (s, v) = app
        .api(
            "PUT",
            &format!("/canned-replies/{id}"),
            Some(json!({"name": "Preluat", "body": "Salut {{customer_name}}"})),
        )
        .await;
    assert_eq!(
        (s, v["body"].as_str()),
        (200, Some("Salut {{customer_name}}"))
    );

    // The console: the reply box offers it filled in for this ticket.
    let agent = signed_in_agent(&app).await;
    let (_, page) = agent.get(&format!("/console/tickets/{key}")).await;
    assert!(
        page.contains("data-text=\"Salut Ion Popescu\""),
        "filled for this ticket"
    );
    // Picked without JavaScript and nothing typed: sent as it is.
    let (s, _) = agent
        .act(&key, "note", &[("body", ""), ("canned", &id.to_string())])
        .await;
    assert_eq!(s, 303);
    let messages = app.ticket(&key).await["messages"].clone();
    assert!(
        messages
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "Salut Ion Popescu"),
        "{messages}"
    );
    // Admins keep them in the console too.
    let csrf = agent.csrf("/console/canned").await;
    let (s, to, _) = agent
        .post(
            "/console/canned",
            &[
                ("csrf", &csrf),
                ("name", "Închis"),
                ("body", "Închidem {{ticket_key}}."),
            ],
        )
        .await;
    assert_eq!((s, to.as_str()), (303, "/console/canned?done=1"));
    let (s, _) = app
        .api("DELETE", &format!("/canned-replies/{id}"), None)
        .await;
    assert_eq!(s, 204);
    let (_, list) = app.api("GET", "/canned-replies", None).await;
    let names: Vec<&str> = list["canned_replies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Închis"]);
    app.stop().await;
}
