//! Full-text search (FTS5): the API's `?q=` for agents over subjects and every message,
//! notes included, best first; customers over their own public conversation only.

use serde_json::{Value, json};

use helpdesk::domain::search_text::reader_token;

use crate::helpers::*;
use crate::portal::signed_in_customer;

fn keys(v: &Value) -> Vec<String> {
    v["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn words_are_found_folded_as_prefixes_ranked_and_within_each_ones_reach() {
    let app = TestApp::spawn().await;
    let (who, mine, portal) = signed_in_customer(
        &app,
        "fts",
        "Ședință amânată",
        "Proiectorul din sala mare nu pornește.",
    )
    .await;
    let other = format!("{}@customer.test", unique("fts-other"));
    app.send(&other, "Factura lunii", "Suma de plată pare dublată.", &[])
        .await;
    let theirs = app.wait_key(&other).await;
    let search = |q: &str| {
        let q = q.replace(' ', "%20");
        let app = &app;
        async move { app.api("GET", &format!("/tickets?q={q}"), None).await }
    };
    // Folded and as prefixes: the subject's "Ședință", a body's "proiectorul".
    for typed in ["sedinta", "ȘEDINȚĂ", "proiect", "SALA%20mare"] {
        let (s, v) = search(typed).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(keys(&v), [mine.as_str()], "{typed}: {v}");
    }
    let (_, v) = search("dublat").await;
    assert_eq!(
        keys(&v),
        [theirs.as_str()],
        "a word only in the other's message"
    );
    let (_, v) = search("nimic%20asemanator").await;
    assert!(keys(&v).is_empty(), "every word is required");

    // A note is searchable for agents, and never for the customer.
    let note = json!({"body": "Furnizorul TEHNOSERV vine marți", "internal": true});
    let (s, _) = app
        .api("POST", &format!("/tickets/{mine}/comments"), Some(note))
        .await;
    assert_eq!(s, 200);
    let (_, v) = search("tehnoserv").await;
    assert_eq!(keys(&v), [mine.as_str()]);
    let (_, page) = portal.get("/portal/requests?q=tehnoserv").await;
    assert!(
        page.contains("Nicio solicitare nu corespunde"),
        "no note words for customers"
    );
    let (_, page) = portal.get("/portal/requests?q=proiectorul").await;
    assert!(page.contains(&format!(">{mine}<")), "their own words");
    let (_, page) = portal.get("/portal/requests?q=dublata").await;
    assert!(
        !page.contains(&format!(">{theirs}<")),
        "never another customer's request"
    );
    let (_, page) = portal.get("/portal/requests?q=%2D%2D").await;
    assert!(
        page.contains("Nicio solicitare nu corespunde"),
        "no word, no match: {page}"
    );

    // Best first: the ticket naming the word in its subject and its text outranks one that
    // names it once in a message.
    app.send(
        &other,
        "Proiector nou",
        "Proiectorul nou, proiectorul vechi.",
        &[],
    )
    .await;
    app.wait_tickets(&other, 2).await;
    let (_, v) = search("proiector").await;
    let found = keys(&v);
    assert_eq!(found.len(), 2, "{v}");
    assert_ne!(
        found[0], mine,
        "the subject and the repeated word rank first: {v}"
    );
    // The other filters still apply.
    let (_, v) = app
        .api(
            "GET",
            &format!("/tickets?q=proiector&requester={who}"),
            None,
        )
        .await;
    assert_eq!(keys(&v), [mine.as_str()]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_queue_finds_a_requester_by_name_or_address_even_one_learnt_later() {
    let app = TestApp::spawn().await;
    let address = format!("{}@firma-mare.test", unique("contabil"));
    let phone = |name: &str, subject: &str| {
        json!({"requester_email": address, "requester_name": name, "subject": subject,
               "description": "Sunat la telefon.", "channel": "phone",
               "requester_phone": "0700 000 000"})
    };
    let (s, first) = app.api("POST", "/tickets", Some(phone("", "Prima"))).await;
    assert_eq!(s, 201, "{first}");
    let queue = |q: &str| {
        let app = &app;
        let q = q.replace(' ', "%20");
        async move {
            let (s, v) = app.api("GET", &format!("/queue?q={q}"), None).await;
            assert_eq!(s, 200, "{v}");
            keys(&v)
        }
    };
    // By the address, whole or a word of it as a prefix; the search indexed the customer
    // before the name below was known.
    assert_eq!(queue("firma-mare").await, [first["key"].as_str().unwrap()]);
    assert_eq!(queue("contab").await.len(), 1);
    assert!(queue("tinculescu").await.is_empty());
    // The name learnt with a second ticket is found on both, folded.
    let (_, second) = app
        .api(
            "POST",
            "/tickets",
            Some(phone("Zamfira Țînculescu", "A doua")),
        )
        .await;
    let mut both = queue("TINCULESCU zamf").await;
    both.sort();
    let mut expected = [
        first["key"].as_str().unwrap().to_string(),
        second["key"].as_str().unwrap().to_string(),
    ];
    expected.sort();
    assert_eq!(both, expected);
    // The requester's words and the subject's are not mixed: every word must be in one.
    assert!(queue("zamfira prima").await.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_finds_the_same_by_words_and_by_a_short_prefix() {
    let app = TestApp::spawn().await;
    // More words beginning "zq" than a typed word is expanded into: "zq" is then looked
    // for as a prefix, read once for all of the customer's requests instead of per request.
    let many: Vec<String> = (0..40).map(|i| format!("zq{i:02}")).collect();
    let (_, mine, portal) =
        signed_in_customer(&app, "prefix", "Coduri de eroare", &many.join(" ")).await;
    let other = format!("{}@customer.test", unique("prefix-other"));
    app.send(&other, "Tot coduri", "zq07 zq08", &[]).await;
    app.wait_tickets(&other, 1).await;
    for typed in ["zq", "zq07", "ZQ3", "zq1%20zq2"] {
        let (_, page) = portal.get(&format!("/portal/requests?q={typed}")).await;
        assert!(page.contains(&format!(">{mine}<")), "{typed}: {page}");
        assert!(
            page.contains("(o solicitare)"),
            "only their own, once: {typed}: {page}"
        );
    }
    let (_, page) = portal.get("/portal/requests?q=zq%20nimic").await;
    assert!(page.contains("Nicio solicitare nu corespunde"), "{page}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_colleague_searches_a_request_while_on_its_cc_and_not_after() {
    let app = TestApp::spawn().await;
    let (requester, mine, portal) = signed_in_customer(
        &app,
        "readers",
        "Licențe expirate",
        "Antivirusul cere licența ZORBAFIX din nou.",
    )
    .await;
    let (colleague, theirs, colleagues_portal) =
        signed_in_customer(&app, "readers-cc", "Alt subiect", "Altceva.").await;
    let finds = |q: &'static str| {
        let portal = &colleagues_portal;
        let mine = mine.clone();
        async move {
            let (_, page) = portal.get(&format!("/portal/requests?q={q}")).await;
            page.contains(&format!(">{mine}<"))
        }
    };
    assert!(!finds("zorbafix").await, "not theirs yet");
    // What the indexes say each one may read (the searches above caught them up): a
    // subject and a message each. (PostgreSQL's searches read the participants instead:
    // there the pages alone tell.)
    let index =
        (!crate::engine::on_postgres()).then(|| rusqlite::Connection::open(&app.db_path).unwrap());
    let readable = |address: &str| -> Option<i64> {
        let query = format!("readers : \"{}\"", reader_token(address));
        let index = index.as_ref()?;
        index
            .query_row(
                "SELECT (SELECT count(*) FROM subject_search WHERE subject_search MATCH ?1)
                      + (SELECT count(*) FROM message_search WHERE message_search MATCH ?1)",
                [query],
                |r| r.get(0),
            )
            .ok()
    };
    let readers = |requester_reads: i64, colleague_reads: i64| {
        if index.is_some() {
            assert_eq!(
                (readable(&requester), readable(&colleague)),
                (Some(requester_reads), Some(colleague_reads))
            );
        }
    };
    readers(2, 2);

    // Indexed first, then shared: the request's words become the colleague's too.
    let page = format!("/portal/requests/{mine}");
    let csrf = portal.csrf(&page).await;
    let add = [("csrf", csrf.as_str()), ("email", colleague.as_str())];
    let (s, _, _) = portal.post(&format!("{page}/participants/add"), &add).await;
    assert_eq!(s, 303);
    assert!(finds("zorbafix").await, "the message, once on its CC");
    assert!(finds("licente").await, "and the subject");
    let note = json!({"body": "Nota internă QUIXOTIC", "internal": true});
    let (s, _) = app
        .api("POST", &format!("/tickets/{mine}/comments"), Some(note))
        .await;
    assert_eq!(s, 200);
    assert!(!finds("quixotic").await, "never a note");
    // The colleague reads the request too; nobody reads the note.
    readers(2, 4);

    let (s, _, _) = portal
        .post(&format!("{page}/participants/remove"), &add)
        .await;
    assert_eq!(s, 303);
    assert!(!finds("zorbafix").await, "not after leaving the CC");
    assert!(!finds("licente").await);
    // Only their own again.
    readers(2, 2);

    // Agents' searches never match who reads a text: every reader's word begins with "r",
    // and a typed "r" that begins too many words to list is looked for as a prefix.
    let many: Vec<String> = (0..40).map(|i| format!("rulment{i:02}")).collect();
    let (s, v) = app
        .api(
            "POST",
            &format!("/tickets/{theirs}/comments"),
            Some(json!({"body": many.join(" ")})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.api("GET", "/tickets?q=r", None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(keys(&v), [theirs.as_str()], "only the words: {v}");
    app.stop().await;
}
