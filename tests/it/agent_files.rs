//! Files from agents: a reply sent as a multipart form carries its files to the customer
//! as attachments; a note keeps its files for the agents; the portal's limits hold.

use crate::helpers::*;

fn form(body: &str, internal: bool, files: &[(&str, &[u8])]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("body", body.to_string())
        .text("internal", internal.to_string());
    for (name, content) in files {
        let part = reqwest::multipart::Part::bytes(content.to_vec())
            .file_name(name.to_string())
            .mime_str("application/pdf")
            .unwrap();
        f = f.part("files", part);
    }
    f
}

async fn post(
    app: &TestApp,
    key: &str,
    form: reqwest::multipart::Form,
) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets/{key}/comments", app.base))
        .bearer_auth(&app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agents_files_reach_the_customer_as_attachments() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("files"));
    app.send(&customer, "Factura", "Trimiteți-mi factura, vă rog.", &[])
        .await;
    let key = app.wait_key(&customer).await;
    let pdf: &[u8] = b"%PDF-1.4 factura martie";
    let (s, v) = post(
        &app,
        &key,
        form("Factura e atașată.", false, &[("factură-martie.pdf", pdf)]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let got = wait_mail(&customer, |m| m.text.contains("Factura e atașată.")).await;
    let mail = &got[0].1;
    assert_eq!(mail.attachments.len(), 1, "the file travels with the reply");
    assert_eq!(mail.attachments[0].filename, "factură-martie.pdf");
    assert_eq!(mail.attachments[0].content, pdf);

    // A note's file stays with the agents.
    let (s, _) = post(
        &app,
        &key,
        form("Copie internă", true, &[("intern.pdf", b"%PDF x")]),
    )
    .await;
    assert_eq!(s, 200);
    let messages = app.ticket(&key).await["messages"].clone();
    let note = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "Copie internă")
        .cloned()
        .unwrap();
    assert_eq!(note["attachments"][0]["filename"], "intern.pdf", "{note}");

    // The portal's limits: a file over max_attachment_mb is refused, nothing stored.
    let big = vec![b'x'; app.ctx.config.portal.max_attachment_bytes() + 1];
    let (s, v) = post(&app, &key, form("Prea mare", false, &[("mare.pdf", &big)])).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("mare.pdf"), "{v}");
    let count = app.ticket(&key).await["messages"].as_array().unwrap().len();
    assert_eq!(count, messages.as_array().unwrap().len());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_consoles_reply_box_sends_files_too() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("cfiles"));
    app.send(&customer, "Contract", "Aștept contractul.", &[])
        .await;
    let key = app.wait_key(&customer).await;
    let agent = crate::console::signed_in_agent(&app).await;
    let (_, page) = agent.get(&format!("/console/tickets/{key}")).await;
    assert!(
        page.contains("enctype=\"multipart/form-data\""),
        "the reply box takes files"
    );
    let csrf = agent.csrf(&format!("/console/tickets/{key}")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("body", "Contractul semnat.")
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"%PDF contract".to_vec())
                .file_name("contract.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = agent
        .http
        .post(agent.url(&format!("/console/tickets/{key}/files/reply")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let got = wait_mail(&customer, |m| m.text.contains("Contractul semnat.")).await;
    assert_eq!(got[0].1.attachments[0].filename, "contract.pdf");
    // Without the form's token, nothing happens.
    let form = reqwest::multipart::Form::new().text("body", "fără token");
    let r = agent
        .http
        .post(agent.url(&format!("/console/tickets/{key}/files/reply")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    app.stop().await;
}
