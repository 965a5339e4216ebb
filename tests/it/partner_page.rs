//! A partner answers through the helpdesk: the question's mail carries a signed link to a
//! page with the question; the answer goes on the ticket as a partner's reply.

use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_partner_answers_on_the_signed_page() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("pp"));
    app.send(&customer, "Internet lent", "De ieri.", &[]).await;
    let key = app.wait_key(&customer).await;
    let partner = format!("{}@partner.test", unique("isp"));
    for (path, body) in [
        ("assign", json!({"agent_email": "agent@example.test"})),
        (
            "third-party",
            json!({"partner_email": partner, "message": "Aveți o avarie în zona Militari?"}),
        ),
    ] {
        let (s, v) = app
            .api("POST", &format!("/tickets/{key}/{path}"), Some(body))
            .await;
        assert_eq!(s, 200, "{v}");
    }
    assert_eq!(app.status_of(&key).await, "waiting_for_third_party");
    let mail = wait_mail(&partner, |m| m.text.contains("avarie")).await;
    let link = regex::Regex::new(r"(http\S+/portal/partner/\S+)")
        .unwrap()
        .captures(&mail[0].1.text)
        .expect("the mail carries the page's link")[1]
        .to_string();
    let (s, page) = app.get(&link).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("Aveți o avarie în zona Militari?"),
        "the question is on the page"
    );

    let (s, _) = app.post_form(&link, "answer=").await;
    assert_eq!(s, 422, "an empty answer is refused");
    let (s, page) = app
        .post_form(
            &link,
            "answer=Da%2C%20remediem%20p%C3%A2n%C4%83%20la%2018%3A00.",
        )
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("Vă mulțumim"), "{page}");
    assert_eq!(
        app.status_of(&key).await,
        "in_progress",
        "the answer resumes the work"
    );
    let messages = app.ticket(&key).await["messages"].clone();
    let answer = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "partner")
        .cloned()
        .expect("a partner's message");
    assert_eq!(answer["body"], "Da, remediem până la 18:00.");
    assert_eq!(answer["author"], partner.as_str());
    let (s, _) = app.get(&link.replace("/partner/", "/partner/9")).await;
    assert_eq!(s, 404, "a forged link leads nowhere");
    app.stop().await;
}
