//! Unit tests of letters: one composes into the mail it describes, and long reference lists are
//! trimmed.

use super::*;
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
    };
    let raw = compose_letter(&Templates::new(), &serde_json::to_string(&letter).unwrap()).unwrap();
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
