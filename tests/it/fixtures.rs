//! Real-world mail shapes from `fixtures/emails/`, each through `receive()` as IMAP mail
//! would go, checked against `expectations.toml`. Every fixture must be listed there.

use std::path::Path;

use chrono::Utc;
use helpdesk::db::{self, Db};
use helpdesk::mail::parse;
use helpdesk::service::Ctx;
use helpdesk::service::receive_email::{Outcome, receive};
use serde::Deserialize;

use crate::helpers::config;

#[derive(Debug, Deserialize)]
struct Expectations {
    fixture: Vec<Fixture>,
}

#[derive(Debug, Deserialize)]
struct Fixture {
    file: String,
    class: String,
    from: String,
    from_name: Option<String>,
    requester: Option<String>,
    subject_contains: String,
    #[serde(default)]
    new_text_contains: Vec<String>,
    #[serde(default)]
    new_text_excludes: Vec<String>,
    #[serde(default)]
    attachments: Vec<String>,
    #[serde(default)]
    in_reply_to: String,
    has_message_id: bool,
}

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/emails")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fixture_is_received_as_expected() {
    let text = std::fs::read_to_string(dir().join("expectations.toml")).unwrap();
    let exp: Expectations = toml::from_str(&text).unwrap();
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = exp.fixture.iter().map(|f| f.file.clone()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every fixture has expectations, and every expectation a fixture"
    );

    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("fixtures.db");
    let db = Db::connect(&format!("sqlite://{}", db_path.display())).unwrap();
    db.migrate().await.unwrap();
    let ctx = Ctx::new(
        config("support@example.test", &db_path, &Default::default()),
        db,
    )
    .unwrap();

    for f in &exp.fixture {
        let raw = std::fs::read(dir().join(&f.file)).unwrap();
        let outcome = receive(&ctx, raw.clone(), Utc::now()).await.unwrap();
        let name = &f.file;
        match f.class.as_str() {
            "malformed" => assert!(
                matches!(outcome, Outcome::Quarantined { .. }),
                "{name}: {outcome}"
            ),
            "human" => assert!(
                matches!(outcome, Outcome::Created { .. }),
                "{name}: {outcome}"
            ),
            kind => assert_eq!(
                outcome,
                Outcome::Ignored {
                    kind: class_kind(kind)
                },
                "{name}"
            ),
        }
        if f.class == "malformed" {
            continue;
        }
        let p = parse::parse(&raw).unwrap();
        assert_eq!(p.from.address.as_str(), f.from, "{name}: from");
        if let Some(want) = &f.from_name {
            assert_eq!(&p.from.name, want, "{name}: sender's name");
        }
        assert_eq!(
            p.sender().address.as_str(),
            f.requester.as_deref().unwrap_or(&f.from),
            "{name}: requester"
        );
        assert!(
            p.subject.contains(&f.subject_contains),
            "{name}: subject {:?}",
            p.subject
        );
        assert_eq!(
            p.message_id.is_some(),
            f.has_message_id,
            "{name}: message id"
        );
        assert_eq!(
            p.references.first().cloned().unwrap_or_default(),
            f.in_reply_to.trim_matches(['<', '>']),
            "{name}: in-reply-to"
        );
        let Outcome::Created { key } = outcome else {
            continue;
        };
        let id = ctx.parse_key(&key).unwrap();
        let msgs = ctx
            .db
            .read(move |c| db::messages::for_ticket(c, id))
            .await
            .unwrap();
        let first = &msgs[0];
        assert_eq!(
            first.author,
            f.requester.as_deref().unwrap_or(&f.from),
            "{name}: the ticket's requester"
        );
        for s in &f.new_text_contains {
            assert!(
                first.body.contains(s.as_str()),
                "{name}: new text lacks {s:?}: {:?}",
                first.body
            );
        }
        for s in &f.new_text_excludes {
            assert!(
                !first.body.contains(s.as_str()),
                "{name}: new text has {s:?}: {:?}",
                first.body
            );
            let kept = [
                first.full_text.as_str(),
                first.signature.as_str(),
                p.html.as_deref().unwrap_or(""),
            ];
            assert!(
                kept.iter().any(|k| k.contains(s.as_str())),
                "{name}: {s:?} is kept in the full text or HTML"
            );
        }
        let names: Vec<&str> = first
            .attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect();
        let want: Vec<&str> = f
            .attachments
            .iter()
            .map(String::as_str)
            .filter(|n| !n.is_empty())
            .collect();
        assert_eq!(names, want, "{name}: attachments");
        for a in &first.attachments {
            assert!(a.size > 0, "{name}: {} is empty", a.filename);
        }
    }
    // Replaying the same files is a no-op.
    for f in &exp.fixture {
        let raw = std::fs::read(dir().join(&f.file)).unwrap();
        assert_eq!(
            receive(&ctx, raw, Utc::now()).await.unwrap(),
            Outcome::Duplicate,
            "{}",
            f.file
        );
    }
}

fn class_kind(class: &str) -> &'static str {
    match class {
        "auto_reply" => "auto_reply",
        "bounce" => "bounce",
        "bulk" => "bulk",
        "list" => "list",
        other => panic!("unknown class {other}"),
    }
}

/// Deterministic xorshift, so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random damage of the kinds real mail suffers: flipped bytes, truncation, stray
/// bytes, lost or doubled lines, bare LF endings.
fn mutate(rng: &mut Rng, raw: &[u8]) -> Vec<u8> {
    let mut m = raw.to_vec();
    for _ in 0..1 + rng.below(4) {
        if m.is_empty() {
            break;
        }
        let at = rng.below(m.len());
        match rng.below(6) {
            0 => m[at] = rng.next() as u8,
            1 => m.truncate(at),
            2 => {
                let junk: Vec<u8> = (0..1 + rng.below(64)).map(|_| rng.next() as u8).collect();
                m.splice(at..at, junk);
            }
            3 => {
                let end = (at + 1 + rng.below(200)).min(m.len());
                m.drain(at..end);
            }
            4 => {
                let end = (at + 1 + rng.below(200)).min(m.len());
                let copy = m[at..end].to_vec();
                m.splice(end..end, copy);
            }
            _ => m.retain(|b| *b != b'\r'),
        }
    }
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn damaged_mail_never_fails_receive_and_never_stops_the_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("fuzz.db");
    let db = Db::connect(&format!("sqlite://{}", db_path.display())).unwrap();
    db.migrate().await.unwrap();
    let ctx = Ctx::new(
        config("support@example.test", &db_path, &Default::default()),
        db,
    )
    .unwrap();
    let mut originals: Vec<Vec<u8>> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    originals.sort();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    let rounds: usize = std::env::var("FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    for round in 0..rounds {
        let base = &originals[round % originals.len()];
        let damaged = mutate(&mut rng, base);
        let outcome = receive(&ctx, damaged.clone(), Utc::now())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "round {round}: receive failed: {e:#}\n{}",
                    String::from_utf8_lossy(&damaged)
                )
            });
        *outcomes.entry(outcome.label()).or_default() += 1;
    }
    assert!(
        outcomes.get("created").copied().unwrap_or(0) > 100,
        "{outcomes:?}"
    );
    assert!(
        outcomes.get("quarantined").copied().unwrap_or(0) > 0,
        "{outcomes:?}"
    );
    let fine = b"From: after@client.ro\r\nSubject: after the storm\r\nMessage-ID: <after-fuzz@client.ro>\r\n\r\nok\r\n".to_vec();
    assert!(matches!(
        receive(&ctx, fine, Utc::now()).await.unwrap(),
        Outcome::Created { .. }
    ));
}
