//! Tests of who sent the mail: groups and several authors in `From`, `Sender` and `Reply-To`,
//! addresses without angle brackets, and no sender at all.

use super::*;

#[test]
fn a_group_in_from_gives_way_to_sender_then_reply_to() {
    let raw = b"From: undisclosed-recipients:;\r\nSender: Ana Pop <ana@client.ro>\r\nSubject: x\r\n\r\nbody\r\n";
    assert_eq!(parse(raw).unwrap().from.address.as_str(), "ana@client.ro");
    let raw =
        b"From: Ana <not an address>\r\nReply-To: ana@client.ro\r\nSubject: x\r\n\r\nbody\r\n";
    assert_eq!(parse(raw).unwrap().from.address.as_str(), "ana@client.ro");
    // The first usable address of From is the author, the others are ignored.
    let raw = b"From: broken, ion@client.ro\r\nSender: ana@client.ro\r\nSubject: x\r\n\r\nbody\r\n";
    assert_eq!(parse(raw).unwrap().from.address.as_str(), "ion@client.ro");
    // A name alone is no author, whatever the envelope said.
    let raw = b"Return-Path: <ion@client.ro>\r\nFrom: Ion Popescu\r\nSubject: x\r\n\r\nbody\r\n";
    assert_eq!(parse(raw).err(), Some(ParseError::NoSender));
}

#[test]
fn no_sender_is_refused() {
    assert_eq!(
        parse(b"Subject: x\r\n\r\nbody\r\n").err(),
        Some(ParseError::NoSender)
    );
    assert_eq!(
        parse(b"From: undisclosed-recipients:;\r\n\r\nbody\r\n").err(),
        Some(ParseError::NoSender)
    );
    assert_eq!(
        parse(b"From: not an address\r\n\r\nbody\r\n")
            .err()
            .map(|e| matches!(e, ParseError::BadSender(_) | ParseError::NoSender)),
        Some(true)
    );
}

#[test]
fn several_authors_in_from_give_the_sender_when_it_is_one_of_them() {
    let author = |headers: &str| {
        parse(format!("{headers}\r\nSubject: x\r\n\r\nbody\r\n").as_bytes()).map(|p| p.from)
    };
    let two = "From: Ion Popescu <ion@client.ro>, Ana Marin <ana@client.ro>";
    assert_eq!(
        author(&format!("{two}\r\nSender: ana@client.ro"))
            .unwrap()
            .name,
        "Ana Marin"
    );
    assert_eq!(
        author(&format!(
            "{two}\r\nSender: Secretariat <secretariat@client.ro>"
        ))
        .unwrap()
        .address
        .as_str(),
        "ion@client.ro"
    );
    assert_eq!(author(two).unwrap().address.as_str(), "ion@client.ro");
    assert_eq!(
        author("From: ion@client.ro; ana@client.ro\r\nSender: ana@client.ro")
            .unwrap()
            .address
            .as_str(),
        "ana@client.ro"
    );
    // One author: From, whoever the Sender is (a secretary sending for a manager).
    assert_eq!(
        author("From: ion@client.ro\r\nSender: ana@client.ro")
            .unwrap()
            .address
            .as_str(),
        "ion@client.ro"
    );
}

#[test]
fn addresses_without_angle_brackets_are_read() {
    let from = |value: &str| {
        let p = parse(format!("From: {value}\r\nSubject: x\r\n\r\nbody\r\n").as_bytes())
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        (p.from.address.as_str().to_string(), p.from.name)
    };
    let ion = |name: &str| ("ion@client.ro".to_string(), name.to_string());
    assert_eq!(from("ion@client.ro"), ion(""));
    assert_eq!(from("ion@client.ro (Ion Popescu)"), ion("Ion Popescu"));
    assert_eq!(from("ion@client.ro\r\n\t(Ion Popescu)"), ion("Ion Popescu"));
    assert_eq!(from("Ion Popescu ion@client.ro"), ion("Ion Popescu"));
    assert_eq!(from("\"Ion Popescu\" ion@client.ro"), ion("Ion Popescu"));
    assert_eq!(
        from("Ion Popescu <mailto:ion@client.ro>"),
        ion("Ion Popescu")
    );
    assert_eq!(from("Popescu, Ion <ion@client.ro>"), ion("Popescu, Ion"));
    let to =
        parse(b"From: a@client.ro\r\nTo: Popescu, Ion <ion@client.ro>, ana@client.ro\r\n\r\nx\r\n")
            .unwrap()
            .to;
    assert_eq!(
        to.iter()
            .map(|m| (m.address.as_str(), m.name.as_str()))
            .collect::<Vec<_>>(),
        [("ion@client.ro", "Popescu, Ion"), ("ana@client.ro", "")]
    );
}
