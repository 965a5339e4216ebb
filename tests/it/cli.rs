//! The `helpdesk` binary as an operator uses it: migrate, agent add/token, import.

use std::io::Write;
use std::process::{Command, Stdio};

fn helpdesk(db: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args(["--config", concat!(env!("CARGO_MANIFEST_DIR"), "/helpdesk.toml")])
        .args(args)
        .env("HELPDESK_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn migrate_agents_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/helpdesk.db");
    let (ok, out, err) = helpdesk(&db, &["migrate"], None);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));
    let (ok, _, err) = helpdesk(&db, &["agent", "add", "ana@example.test", "--name", "Ana"], Some("scurta\n"));
    assert!(!ok, "a weak password is refused");
    assert!(err.contains("8 letters or digits"), "{err}");
    let (ok, out, err) = helpdesk(&db, &["agent", "add", "ana@example.test", "--name", "Ana"], Some("parola123\n"));
    assert!(ok, "{err}");
    assert!(out.contains("ana@example.test"));
    let (ok, token, err) = helpdesk(&db, &["agent", "token", "ana@example.test"], None);
    assert!(ok, "{err}");
    assert!(token.trim().len() >= 40);
    let (ok, _, err) = helpdesk(&db, &["agent", "token", "nobody@example.test"], None);
    assert!(!ok);
    assert!(err.contains("no agent"), "{err}");
}

#[test]
fn import_reads_eml_files_mboxes_and_maildirs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("helpdesk.db");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/emails");
    let (ok, out, err) = helpdesk(&db, &["import", fixtures], None);
    assert!(ok, "{err}");
    let count = |label: &str| -> usize {
        out.lines().find_map(|l| l.strip_prefix(&format!("{label}: "))).and_then(|n| n.trim().parse().ok()).unwrap()
    };
    assert_eq!(count("quarantined"), 1, "only the malformed fixture: {out}");
    assert!(count("created") >= 10, "{out}");
    assert!(count("ignored") >= 5, "{out}");

    // An mbox with two messages, and a Maildir with one; then the same again: duplicates.
    let mbox = dir.path().join("export.mbox");
    std::fs::write(
        &mbox,
        "From a@x.test Mon Mar  2 10:00:00 2026\nFrom: Ana <ana@client.ro>\nSubject: Prima\nMessage-ID: <mb1@client.ro>\n\nText unu\n>From the start\n\n\
         From b@x.test Mon Mar  2 10:01:00 2026\nFrom: Bogdan <bogdan@client.ro>\nSubject: A doua\nMessage-ID: <mb2@client.ro>\n\nText doi\n",
    )
    .unwrap();
    let maildir = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::write(maildir.join("new/1.eml"), "From: dan@client.ro\r\nSubject: Din maildir\r\nMessage-ID: <md1@client.ro>\r\n\r\nx\r\n").unwrap();
    std::fs::write(maildir.join("tmp/2.eml"), "From: half@client.ro\r\nSubject: still being delivered\r\n\r\nx\r\n").unwrap();
    let (ok, out, err) = helpdesk(&db, &["import", mbox.to_str().unwrap(), maildir.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(out.contains("created: 3"), "{out}");
    let (ok, out, _) = helpdesk(&db, &["import", mbox.to_str().unwrap(), maildir.to_str().unwrap()], None);
    assert!(ok);
    assert!(out.contains("duplicate: 3") && out.contains("created: 0"), "{out}");

    // The quarantined one can be replayed; it stays quarantined since it is still broken.
    let (ok, out, err) = helpdesk(&db, &["import", "--quarantined"], None);
    assert!(ok, "{err}");
    assert!(out.contains("quarantined: 1"), "{out}");
}
