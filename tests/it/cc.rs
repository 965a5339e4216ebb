//! Colleagues on CC get the ticket's mail like the requester (status changes, public
//! replies, the resolution), each with an opt-out of their own; the requester adds and
//! removes them in the portal ("Participanți").

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::portal::signed_in_customer;

/// The mails `to` has about `key`.
async fn about(to: &str, key: &str) -> Vec<(Vec<u8>, helpdesk::mail::parse::ParsedEmail)> {
    mailbox(to)
        .await
        .into_iter()
        .filter(|(_, m)| m.subject.contains(key))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn colleagues_on_cc_get_the_mail_each_with_their_own_opt_out() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("cc-req"));
    let colleague = format!("{}@customer.test", unique("cc-col"));
    let auth = auth_results(&customer, "pass");
    app.send(
        &customer,
        "Imprimanta",
        "nu merge",
        &[("Cc", &colleague), ("Authentication-Results", &auth)],
    )
    .await;
    let key = app.wait_key(&customer).await;
    let act = |path: &str, body: serde_json::Value| {
        let (app, path) = (&app, format!("/tickets/{key}/{path}"));
        async move {
            let (s, v) = app.api("POST", &path, Some(body)).await;
            assert_eq!(s, 200, "{v}");
        }
    };
    act("assign", json!({"agent_email": "agent@example.test"})).await;
    act("comments", json!({"body": "Trimitem un tehnician mâine."})).await;
    let reply = wait_mail(&colleague, |m| m.text.contains("Trimitem un tehnician")).await;
    assert!(reply[0].1.subject.contains(&key));
    let status = wait_mail(&colleague, |m| m.text.contains("În lucru")).await;
    let theirs = header(&status[0].0, "List-Unsubscribe").expect("their own opt-out");
    let mine = wait_mail(&customer, |m| m.text.contains("În lucru")).await;
    let requesters = header(&mine[0].0, "List-Unsubscribe").unwrap();
    assert_ne!(theirs, requesters, "each has an opt-out of their own");

    // The colleague opts out: status changes stop for them, not for the requester; what
    // always goes (the agent's question, the resolution) still reaches both.
    let (s, _) = app
        .post_form(
            theirs.trim_matches(['<', '>']),
            "List-Unsubscribe=One-Click",
        )
        .await;
    assert_eq!(s, 200);
    act("request-info", json!({"message": "Ce model este?"})).await;
    wait_mail(&colleague, |m| m.text.contains("Ce model este?")).await;
    wait_mail(&customer, |m| {
        m.text.contains("În așteptare client") || m.text.contains("Ce model este?")
    })
    .await;
    act("resolve", json!({"resolution": "Cartuș nou."})).await;
    wait_mail(&colleague, |m| m.text.contains("Cartuș nou.")).await;
    let settled = wait_until(Duration::from_secs(10), || async {
        about(&customer, &key)
            .await
            .iter()
            .any(|(_, m)| m.text.contains("Cartuș nou."))
    })
    .await;
    assert!(settled);
    let status_mails = |mails: &[(Vec<u8>, helpdesk::mail::parse::ParsedEmail)]| {
        mails
            .iter()
            .filter(|(_, m)| m.subject.starts_with(&format!("[{key}] Starea")))
            .count()
    };
    assert_eq!(
        status_mails(&about(&colleague, &key).await),
        1,
        "only the one before the opt-out"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_requester_adds_and_removes_participants_in_the_portal() {
    let app = TestApp::spawn().await;
    let (_, key, portal) = signed_in_customer(&app, "cc-portal", "Rețeaua", "Cade des.").await;
    let colleague = format!("{}@customer.test", unique("cc-added"));
    let page = format!("/portal/requests/{key}");
    let csrf = portal.csrf(&page).await;
    let (s, _, _) = portal
        .post(
            &format!("{page}/participants/add"),
            &[("csrf", &csrf), ("email", &colleague)],
        )
        .await;
    assert_eq!(s, 303);
    let (_, view) = portal.get(&page).await;
    assert!(view.contains(&colleague), "listed under Participanți");
    let (s, v) = app
        .api(
            "POST",
            &format!("/tickets/{key}/comments"),
            Some(json!({"body": "Verificăm routerul."})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    wait_mail(&colleague, |m| m.text.contains("Verificăm routerul.")).await;

    let (s, _, _) = portal
        .post(
            &format!("{page}/participants/remove"),
            &[("csrf", &csrf), ("email", &colleague)],
        )
        .await;
    assert_eq!(s, 303);
    let (_, view) = portal.get(&page).await;
    assert!(!view.contains(&colleague));
    let (s, _, body) = portal
        .post(
            &format!("{page}/participants/add"),
            &[("csrf", &csrf), ("email", "nu e adresă")],
        )
        .await;
    assert_eq!(s, 422, "{body}");
    app.stop().await;
}
