//! Unit tests of letters: one composes into the mail it describes, and long reference lists are
//! trimmed.

use super::letter::trim_references;
use super::*;
use crate::domain::outgoing::Envelope;
use crate::templates::Templates;

#[test]
fn a_letter_composes_into_the_mail_it_describes() {
    let letter = Letter {
        template: "status_changed".into(),
        lang: "ro".into(),
        subject_prefix: "[HD-7] ".into(),
        envelope: Envelope {
            from: "Helpdesk <support@example.test>".into(),
            to: "ion@client.ro".into(),
            to_name: "Ion".into(),
            message_id: "m1@example.test".into(),
            references: vec!["c1@client.ro".into()],
            automatic: true,
            unsubscribe_url: Some("http://h.test/portal/unsubscribe/7.ab".into()),
            loop_address: "support@example.test".into(),
        },
        vars: serde_json::to_value(MailVars {
            lang: "ro".into(),
            helpdesk_name: "Helpdesk".into(),
            key: "HD-7".into(),
            subject: "Imprimanta".into(),
            customer_name: "Ion".into(),
            view_url: "http://h.test/portal/requests/HD-7".into(),
            unsubscribe_url: "http://h.test/portal/unsubscribe/7.ab".into(),
            status_label: "În lucru".into(),
            ..Default::default()
        })
        .unwrap(),
        files_of: None,
    };
    let raw = compose_letter(&Templates::new(), letter, Vec::new()).unwrap();
    let mail = crate::mail::parse::parse(&raw).unwrap();
    assert!(mail.subject.starts_with("[HD-7] "), "{}", mail.subject);
    assert!(mail.text.contains("În lucru"));
    assert!(mail.text.contains("Nu doresc să primesc notificări"));
    assert!(mail.text.contains("http://h.test/portal/requests/HD-7"));
    assert_eq!(mail.references, vec!["c1@client.ro".to_string()]);
    assert!(
        String::from_utf8_lossy(&raw)
            .contains("List-Unsubscribe: <http://h.test/portal/unsubscribe/7.ab>")
    );
}

#[test]
fn references_keep_the_root_and_the_newest() {
    let ids: Vec<String> = (0..25).map(|i| i.to_string()).collect();
    let t = trim_references(ids);
    assert_eq!(t.len(), 10);
    assert_eq!(t[0], "0");
    assert_eq!(t[9], "24");
    assert_eq!(t[1], "16");
}

/// The confirmation as the customer reads it, with or without `back_at`.
fn confirmation(lang: &str, back_at: &str) -> String {
    let letter = Letter {
        template: "confirmation".into(),
        lang: lang.into(),
        subject_prefix: "[HD-8] ".into(),
        envelope: Envelope {
            from: "Helpdesk <support@example.test>".into(),
            to: "ion@client.ro".into(),
            message_id: "m2@example.test".into(),
            loop_address: "support@example.test".into(),
            ..Default::default()
        },
        vars: serde_json::to_value(MailVars {
            lang: lang.into(),
            key: "HD-8".into(),
            assign_minutes: 30,
            back_at: back_at.into(),
            view_url: "http://h.test/portal/requests/HD-8".into(),
            ..Default::default()
        })
        .unwrap(),
        files_of: None,
    };
    let raw = compose_letter(&Templates::new(), letter, Vec::new()).unwrap();
    crate::mail::parse::parse(&raw).unwrap().text
}

#[test]
fn outside_working_hours_the_confirmation_says_when_the_team_is_back() {
    let open = confirmation("ro", "");
    assert!(open.contains("în cel mult 30 de minute"), "{open}");
    let closed = confirmation("ro", "luni, 07.12.2026, ora 09:00 (Europe/Bucharest)");
    assert!(
        !closed.contains("în cel mult"),
        "no promise of minutes: {closed}"
    );
    assert!(closed.contains("luni, 07.12.2026, ora 09:00"), "{closed}");
    let en = confirmation("en", "Monday, 07.12.2026, at 09:00 (Europe/Bucharest)");
    assert!(
        en.contains("once it is back, Monday") && !en.contains("within 30"),
        "{en}"
    );
}
