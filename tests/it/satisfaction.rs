//! "Sunteți mulțumit de rezolvare?": the resolution mail's signed links, the page that
//! records nothing on GET, the answer on the ticket, the report per agent and week.

use serde_json::json;

use crate::console::signed_in_agent;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_customer_rates_the_resolution_from_its_mail() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("rate"));
    app.send(&customer, "Imprimanta", "nu merge", &[]).await;
    let key = app.wait_key(&customer).await;
    let open_id = app.ctx.parse_key(&key).unwrap();
    // A genuine link to a ticket not resolved yet: nothing to rate.
    let early = format!(
        "{}/portal/rate/{}",
        app.base,
        helpdesk::service::links::rate_token(&app.ctx.config.helpdesk.secret, open_id)
    );
    let (s, _) = app.post_form(&early, "rating=good").await;
    assert_eq!(s, 409);

    for (path, body) in [
        ("assign", json!({"agent_email": "agent@example.test"})),
        ("resolve", json!({"resolution": "Am înlocuit cartușul."})),
    ] {
        let (s, v) = app
            .api("POST", &format!("/tickets/{key}/{path}"), Some(body))
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let mail = wait_mail(&customer, |m| {
        m.text.contains("Sunteți mulțumit de rezolvare?")
    })
    .await;
    let text = &mail[0].1.text;
    let link = |rating: &str| {
        regex::Regex::new(&format!(r"(http\S+/portal/rate/\S+\?rating={rating})"))
            .unwrap()
            .captures(text)
            .unwrap_or_else(|| panic!("a {rating} link in: {text}"))[1]
            .to_string()
    };
    let (good, bad) = (link("good"), link("bad"));

    // Opening the link (as a mail scanner would) records nothing.
    let (s, page) = app.get(&good).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("value=\"good\" checked"),
        "the link's choice is preselected"
    );
    assert!(app.ticket(&key).await["satisfaction"].is_null());

    // The customer sends it, with a word.
    let (s, page) = app
        .post_form(&good, "rating=good&comment=Rapid%20%C8%99i%20clar")
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("Vă mulțumim"), "{page}");
    let sat = app.ticket(&key).await["satisfaction"].clone();
    assert_eq!(sat["rating"], "good", "{sat}");
    assert_eq!(sat["comment"], "Rapid și clar");
    assert!(sat["rated_at"].is_string());

    // A forged or altered link is not found; a bad choice is refused.
    let (s, _) = app
        .post_form(&good.replace("/rate/", "/rate/9"), "rating=bad")
        .await;
    assert_eq!(s, 404);
    let (s, _) = app.post_form(&bad, "rating=meh").await;
    assert_eq!(s, 422);

    // The console shows it on the ticket and in the report, under the assignee.
    let agent = signed_in_agent(&app).await;
    let (_, page) = agent.get(&format!("/console/tickets/{key}")).await;
    assert!(
        page.contains("rate-good") && page.contains("Rapid și clar"),
        "on the ticket"
    );
    let (s, report) = agent.get("/console/satisfaction").await;
    assert_eq!(s, 200);
    let row = regex::Regex::new(
        r"<td>\d{4}-W\d{2}</td><td>Ana Agent</td><td>1</td><td>0</td><td>100%</td>",
    )
    .unwrap();
    assert!(row.is_match(&report), "{report}");

    // A change of mind replaces the answer.
    let (s, _) = app.post_form(&bad, "rating=bad").await;
    assert_eq!(s, 200);
    assert_eq!(app.ticket(&key).await["satisfaction"]["rating"], "bad");
    app.stop().await;
}
