//! The SLA sweeper on the daemon's clock moved forward (the injected clock): each warning
//! and breach is recorded and mailed exactly once, to the team while unassigned and to the
//! agent after; resolved tickets close by themselves.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::helpers::{
    Options, TestApp, auth_results, mailbox, send_mail, unique, wait_mail, wait_until,
};
use helpdesk::service::sla_sweep::{self, Sweep};

/// Waits until the mailbox has been quiet for two seconds; returns what it holds.
async fn settled(user: &str) -> Vec<(String, String)> {
    let mut last = mailbox(user).await.len();
    let mut quiet = 0;
    while quiet < 20 {
        tokio::time::sleep(StdDuration::from_millis(100)).await;
        let n = mailbox(user).await.len();
        if n == last {
            quiet += 1
        } else {
            last = n;
            quiet = 0
        }
    }
    mailbox(user)
        .await
        .into_iter()
        .map(|(_, m)| (m.subject, m.text))
        .collect()
}

fn created_at(t: &serde_json::Value) -> DateTime<Utc> {
    t["created_at"].as_str().unwrap().parse().unwrap()
}

/// Moves the app's clock to `at` (never back) and sweeps there, as the running sweeper
/// would; the mail it queues is due at once on that clock.
async fn sweep_at(app: &TestApp, at: DateTime<Utc>) -> Sweep {
    let ahead = at - app.ctx.now();
    if ahead > Duration::zero() {
        app.ctx.clock.advance(ahead);
    }
    sla_sweep::sweep(&app.ctx, app.ctx.now()).await.unwrap()
}

/// The daemon with SLA alerts going to a team address of its own, and a ticket taken on
/// the phone there: (app, team address, customer, key, when it opened).
async fn team_with_a_phone_ticket(
    subject: &str,
) -> (TestApp, String, String, String, DateTime<Utc>) {
    let team = format!("{}@example.test", unique("team"));
    let app = TestApp::spawn_with(Options {
        team_address: team.clone(),
        ..Default::default()
    })
    .await;
    let customer = format!("{}@customer.test", unique("sla"));
    let body = json!({"requester_email": customer, "subject": subject, "description": "Din nou.", "channel": "phone"});
    let (s, t) = app.api("POST", "/tickets", Some(body)).await;
    assert_eq!(s, 201, "{t}");
    let key = t["key"].as_str().unwrap().to_string();
    let opened = created_at(&app.ticket(&key).await);
    (app, team, customer, key, opened)
}

#[tokio::test(flavor = "multi_thread")]
async fn warnings_and_breaches_are_announced_once_each() {
    let (app, team, _, key, opened) = team_with_a_phone_ticket("Serverul nu răspunde").await;
    // The instants at which 10, 25 (past the 80 % warning) and 31 working minutes have passed.
    let sla = app.ctx.sla();
    let after = |m: i64| {
        sla.calendar
            .add_working(opened, Duration::minutes(m))
            .unwrap()
    };

    assert_eq!(
        sweep_at(&app, after(10)).await,
        Sweep {
            open: 1,
            ..Default::default()
        }
    );
    assert_eq!(sweep_at(&app, after(25)).await.warnings, 1);
    assert_eq!(
        sweep_at(&app, after(26)).await.warnings,
        0,
        "a warning is announced once"
    );
    assert_eq!(sweep_at(&app, after(31)).await.breaches, 1);
    let again = sweep_at(&app, after(45)).await;
    assert_eq!(
        (again.warnings, again.breaches),
        (0, 0),
        "a breach is announced once"
    );

    wait_mail(&team, |m| m.subject.contains("SLA depășit")).await;
    // The two were sent a moment apart: the mail server may deliver them either way round.
    let mut mail = settled(&team).await;
    mail.sort_by_key(|(subject, _)| !subject.contains("SLA aproape de termen"));
    assert_eq!(mail.len(), 2, "{mail:#?}");
    assert!(
        mail[0].0.contains(&format!("[{key}]"))
            && mail[0].0.contains("SLA aproape de termen: alocare"),
        "{mail:#?}"
    );
    assert!(mail[1].0.contains("SLA depășit: alocare"), "{mail:#?}");
    assert!(mail[1].1.contains(&format!("/console/tickets/{key}")));

    // The history and the API show the events and the clock.
    let t = app.ticket(&key).await;
    let events: Vec<(String, String)> = t["sla"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["goal"].as_str().unwrap().into(),
                e["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![
            ("assignment".into(), "warning".into()),
            ("assignment".into(), "breach".into())
        ]
    );
    assert_eq!(t["sla"]["events"][0]["notified"], team.as_str());

    // Once assigned, the resolution clock alerts the agent instead.
    let (s, _) = app
        .api(
            "POST",
            &format!("/tickets/{key}/assign"),
            Some(json!({"agent_email": "agent@example.test"})),
        )
        .await;
    assert_eq!(s, 200);
    let agent_before = mailbox("agent@example.test").await.len();
    let late = sla
        .calendar
        .add_working(opened, Duration::hours(23))
        .unwrap();
    assert_eq!(
        sweep_at(&app, late).await.warnings,
        1,
        "80 % of the 24 h resolution goal"
    );
    wait_mail("agent@example.test", |m| {
        m.subject.contains(&key) && m.subject.contains("rezolvare")
    })
    .await;
    assert_eq!(mailbox("agent@example.test").await.len(), agent_before + 1);
    assert_eq!(settled(&team).await.len(), 2, "the team gets nothing more");

    let (_, metrics) = app.get(&format!("{}/metrics", app.base)).await;
    assert!(
        metrics.contains("helpdesk_sla_warnings_total 2"),
        "{metrics}"
    );
    assert!(metrics.contains("helpdesk_sla_breaches_total 1"));
    assert!(metrics.contains("helpdesk_sla_open_breached 1"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn waiting_for_the_customer_pauses_the_clock() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("pause"));
    let body = json!({"requester_email": customer, "subject": "Licență", "description": "Expiră.", "channel": "phone", "priority": "urgent"});
    let (_, t) = app.api("POST", "/tickets", Some(body)).await;
    let key = t["key"].as_str().unwrap().to_string();
    app.api(
        "POST",
        &format!("/tickets/{key}/assign"),
        Some(json!({"agent_email": "agent@example.test"})),
    )
    .await;
    app.api(
        "POST",
        &format!("/tickets/{key}/request-info"),
        Some(json!({"message": "Ce versiune?"})),
    )
    .await;
    let t = app.ticket(&key).await;
    let clock = &t["sla"]["resolution"];
    assert_eq!(
        (clock["state"].as_str(), clock["paused"].as_bool()),
        (Some("paused"), Some(true)),
        "{clock}"
    );
    assert_eq!(clock["goal_seconds"], 4 * 3600, "urgent: 4 h");
    assert!(clock["due_at"].is_null(), "a paused clock has no due time");
    // However long the customer takes, a paused ticket raises nothing.
    let s = sweep_at(&app, app.ctx.now() + Duration::days(30)).await;
    assert_eq!((s.warnings, s.breaches), (0, 0), "{s:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn resolved_tickets_close_after_the_quiet_days() {
    let app = TestApp::spawn().await;
    let customer = format!("{}@customer.test", unique("close"));
    let body = json!({"requester_email": customer, "subject": "Parolă", "description": "Resetare.", "channel": "phone"});
    let (_, t) = app.api("POST", "/tickets", Some(body)).await;
    let key = t["key"].as_str().unwrap().to_string();
    app.api(
        "POST",
        &format!("/tickets/{key}/assign"),
        Some(json!({"agent_email": "agent@example.test"})),
    )
    .await;
    app.api(
        "POST",
        &format!("/tickets/{key}/resolve"),
        Some(json!({"resolution": "Resetată."})),
    )
    .await;
    let resolved = app.ctx.now();
    assert_eq!(
        sweep_at(&app, resolved + Duration::days(4))
            .await
            .auto_closed,
        0
    );
    assert_eq!(app.status_of(&key).await, "resolved");
    assert_eq!(
        sweep_at(&app, resolved + Duration::days(5) + Duration::minutes(1))
            .await
            .auto_closed,
        1
    );
    assert_eq!(app.status_of(&key).await, "closed");
    assert_eq!(
        sweep_at(&app, resolved + Duration::days(9))
            .await
            .auto_closed,
        0
    );
    let t = app.ticket(&key).await;
    assert_eq!(
        t["history"].as_array().unwrap().last().unwrap()["actor"],
        "system"
    );
    wait_mail(&customer, |m| m.text.contains("Închis")).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_change_the_sla_at_once_and_it_outlives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let support = format!("{}@example.test", unique("slaset"));
    let opts = || Options {
        support: Some(support.clone()),
        db_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(opts()).await;
    let customer = format!("{}@customer.test", unique("slaset"));
    let body = json!({"requester_email": customer, "subject": "Ceas", "description": "x", "channel": "phone"});
    let (_, t) = app.api("POST", "/tickets", Some(body)).await;
    let key = t["key"].as_str().unwrap().to_string();
    // 24×7 with a 2-hour assignment goal, through the API.
    let (_, mut sla) = app.api("GET", "/sla", None).await;
    sla["assign_minutes"] = json!(120);
    sla["calendar"]["mode"] = json!("24x7");
    let (s, v) = app.api("PUT", "/sla", Some(sla.clone())).await;
    assert_eq!(s, 200, "{v}");
    let clock = &app.ticket(&key).await["sla"]["assignment"];
    assert_eq!(clock["goal_seconds"], 7200, "{clock}");
    let due: DateTime<Utc> = clock["due_at"].as_str().unwrap().parse().unwrap();
    let opened = created_at(&app.ticket(&key).await);
    assert!(
        (due - (opened + Duration::hours(2))).num_seconds().abs() <= 1,
        "24×7: due two wall-clock hours later"
    );
    let (_, q) = app.api("GET", "/queue", None).await;
    assert_eq!(
        q["tickets"][0]["sla_due_at"]
            .as_str()
            .map(|d| d.parse::<DateTime<Utc>>().unwrap()),
        Some(due),
        "the queue's key moved too"
    );
    // A bad value is refused by name and changes nothing; a lunch break is a value.
    sla["calendar"]["mon"] = json!("18:00-09:00");
    let (s, v) = app.api("PUT", "/sla", Some(sla.clone())).await;
    assert_eq!(s, 422);
    assert!(
        v["error"].as_str().unwrap().contains("sla.calendar.mon"),
        "{v}"
    );
    sla["calendar"]["mon"] = json!("09:00-14:00, 13:00-18:00");
    let (s, v) = app.api("PUT", "/sla", Some(sla.clone())).await;
    assert_eq!(s, 422);
    assert!(v["error"].as_str().unwrap().contains("overlap"), "{v}");
    sla["calendar"]["mon"] = json!("09:00-13:00, 14:00-18:00");
    let (s, v) = app.api("PUT", "/sla", Some(sla)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        app.api("GET", "/sla", None).await.1["calendar"]["mon"],
        "09:00-13:00, 14:00-18:00"
    );
    app.stop().await;
    let app = TestApp::spawn_with(opts()).await;
    assert_eq!(
        app.ctx.sla().config.assign_minutes,
        120,
        "the stored settings win over the file after a restart"
    );
    assert_eq!(
        app.ticket(&key).await["sla"]["assignment"]["goal_seconds"],
        7200
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_from_the_team_are_internal_notes() {
    let (app, team, customer, key, opened) = team_with_a_phone_ticket("Imprimanta blocată").await;
    let sla = app.ctx.sla();
    assert_eq!(
        sweep_at(
            &app,
            sla.calendar
                .add_working(opened, Duration::minutes(31))
                .unwrap()
        )
        .await
        .breaches,
        1
    );
    let alert = wait_mail(&team, |m| m.subject.contains("SLA depășit")).await;
    let alert_id = alert
        .iter()
        .find(|(_, m)| m.subject.contains("SLA depășit"))
        .and_then(|(_, m)| m.message_id.clone())
        .unwrap();
    let customer_mail = settled(&customer).await.len();

    // Whoever reads the team's address answers the alert; an agent writes with the token.
    let reply_to_alert = [
        ("In-Reply-To", format!("<{alert_id}>")),
        ("References", format!("<{alert_id}>")),
        ("Authentication-Results", auth_results(&team, "pass")),
    ];
    let headers: Vec<(&str, &str)> = reply_to_alert
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    send_mail(
        &team,
        &app.support,
        &format!("Re: [{key}] SLA depășit"),
        "Mă ocup eu în 10 minute.",
        &headers,
    )
    .await;
    let verified = auth_results("agent@example.test", "pass");
    send_mail(
        "agent@example.test",
        &app.support,
        &format!("[{key}] notă"),
        "Am sunat clientul, revine.",
        &[("Authentication-Results", &verified)],
    )
    .await;
    let notes = wait_until(StdDuration::from_secs(20), || async {
        app.ticket(&key).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "note")
            .count()
            == 2
    })
    .await;
    assert!(notes, "{:#}", app.ticket(&key).await["messages"]);

    let t = app.ticket(&key).await;
    let notes: Vec<(&str, &str, bool)> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "note")
        .map(|m| {
            (
                m["author"].as_str().unwrap(),
                m["body"].as_str().unwrap(),
                m["internal"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        notes.contains(&(team.as_str(), "Mă ocup eu în 10 minute.", true)),
        "{notes:?}"
    );
    assert!(
        notes.contains(&("agent@example.test", "Am sunat clientul, revine.", true)),
        "{notes:?}"
    );
    // They move nothing, join nothing and tell the customer nothing.
    assert_eq!(t["status"], "waiting_for_support");
    let participants: Vec<&str> = t["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["address"].as_str().unwrap())
        .collect();
    assert_eq!(participants, [customer.as_str()]);
    assert_eq!(settled(&customer).await.len(), customer_mail);
    app.stop().await;
}
