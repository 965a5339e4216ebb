//! Tests of reading mail: shapes that real clients and servers send.

use super::*;

#[test]
fn binary_garbage_behind_mta_headers_is_refused() {
    let mut raw = b"Return-Path: <junk@junk.test>\r\nMessage-Id: <1@mail.example.test>\r\nFrom: junk@junk.test\r\n\r\n".to_vec();
    raw.extend(b"\xff\xfe garbage: \x01\r\n\r\n\x00\x00".repeat(5));
    assert_eq!(parse(&raw).err(), Some(ParseError::BinaryText));
    // Dovecot serves NUL bytes as 0x80; the other controls still give it away.
    let served: Vec<u8> = raw
        .iter()
        .map(|b| if *b == 0 { 0x80 } else { *b })
        .collect();
    assert_eq!(parse(&served).err(), Some(ParseError::BinaryText));
    // A stray bell in a pasted log, and attachments of any content, are fine.
    let log = b"From: a@b.test\r\n\r\nThe build printed this:\r\nerror: \x07 failed after a long run of output text that goes on\r\n".to_vec();
    assert!(parse(&log).is_ok());
    let att = b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nsee log\r\n--x\r\nContent-Disposition: attachment; filename=log.bin\r\n\r\n\x01\x02\x03\x00\r\n--x--\r\n";
    assert!(parse(att).is_ok());
    // "x-user-defined" (old clients: the local code page) is guessed like no charset.
    let local = b"From: a@client.ro\r\nContent-Type: text/plain; charset=x-user-defined\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xaaedin\xfe\xe3 \xeen cl\xe3dire, v\xe3 rog s\xe3 veni\xfei\r\n";
    assert_eq!(
        parse(local).unwrap().text,
        "Şedinţă în clădire, vă rog să veniţi"
    );
    // A whole message that is one binary file (S/MIME encrypted) is an attachment.
    let p7m = b"From: a@b.test\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n";
    let mail = parse(p7m).unwrap();
    assert_eq!(
        mail.attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect::<Vec<_>>(),
        ["smime.p7m"]
    );
    // format=flowed text is joined back into its paragraphs.
    let flowed = b"From: a@b.test\r\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=no\r\n\r\nUn paragraf lung care \r\ncontinu\xc4\x83 aici.\r\n";
    assert_eq!(
        parse(flowed).unwrap().text,
        "Un paragraf lung care continuă aici."
    );
    // A mail forwarded as an attachment is named by its subject.
    let fwd = b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.test\r\nSubject: Factura 2024/05\r\n\r\ninner\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.test\r\nSubject:  \r\n\r\ninner\r\n--x--\r\n";
    let mail = parse(fwd).unwrap();
    assert_eq!(
        mail.attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect::<Vec<_>>(),
        ["Factura 2024-05.eml", "attachment-2.eml"]
    );
    assert_eq!(mail.text, "see below");
    // ISO-2022-JP text uses ESC, and is text.
    let jp = b"From: a@b.test\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n\x1b$B$3$s\x1b(B\r\n";
    assert!(parse(jp).is_ok());
}

#[test]
fn mail_from_a_crm_asking_for_no_auto_replies_is_still_human() {
    let raw = b"From: Ion <ion@client.ro>\r\nX-Auto-Response-Suppress: All\r\nSubject: Comanda 123\r\n\r\nBuna ziua\r\n";
    let p = parse(raw).unwrap();
    let own = EmailAddress::parse("support@example.test").unwrap();
    assert_eq!(
        crate::domain::inbound::classify(&p.signals, &own),
        crate::domain::inbound::Kind::Human
    );
}

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
fn text_labelled_ascii_with_8bit_bytes_is_read_in_its_real_code_page() {
    let raw = b"From: a@client.ro\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xaaedin\xfe\xe3 \xeen cl\xe3dire, v\xe3 rog s\xe3 veni\xfei\r\n";
    assert_eq!(
        parse(raw).unwrap().text,
        "Şedinţă în clădire, vă rog să veniţi"
    );
    // UTF-8 bytes under an ASCII label are UTF-8.
    let raw =
        "From: a@client.ro\r\nContent-Type: text/plain; charset=\"US-ASCII\"\r\n\r\nMulțumesc\r\n";
    assert_eq!(parse(raw.as_bytes()).unwrap().text, "Mulțumesc");
}

#[test]
fn a_delivery_report_is_read_and_other_mail_has_none() {
    let dsn = b"From: MAILER-DAEMON@mx.client.ro\r\nMessage-ID: <dsn1@mx.client.ro>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.ro\r\n\r\nFinal-Recipient: rfc822; ana@client.ro\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n\
--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@example.test\r\nMessage-ID:\r\n <abc.123@example.test>\r\nSubject: [HD-1] x\r\n\r\nhi\r\n--b--\r\n";
    let report = parse(dsn).unwrap().bounce.unwrap();
    assert_eq!(
        report.returned_ids,
        ["abc.123@example.test"],
        "a folded Message-ID of the returned mail too"
    );
    assert_eq!(
        report.failures,
        [bounce::Failure {
            recipient: "ana@client.ro".into(),
            original: None,
            reason: "550 5.1.1 User unknown".into()
        }]
    );
    let exim = b"From: Mail Delivery System <Mailer-Daemon@mx.test>\r\nX-Failed-Recipients: ana@client.ro\r\nSubject: Mail delivery failed\r\n\r\n\
  ana@client.ro\r\n    mailbox is full\r\n\r\n------ This is a copy of the message ------\r\n\r\nMessage-Id: <abc.456@example.test>\r\n";
    let report = parse(exim).unwrap().bounce.unwrap();
    assert_eq!(report.returned_ids, ["abc.456@example.test"]);
    assert_eq!(
        report.failures,
        [bounce::Failure {
            recipient: "ana@client.ro".into(),
            original: None,
            reason: "Mail delivery failed".into()
        }]
    );
    let qmail = b"From: MAILER-DAEMON@mx.client.ro\r\nSubject: failure notice\r\n\r\nHi. This is the qmail-send program at mx.client.ro.\r\n\r\n\
<ana@client.ro>:\r\nRemote host said: 550 5.1.1 mailbox unavailable\r\n\r\n--- Below this line is a copy of the message.\r\n\r\nMessage-ID: <abc.789@example.test>\r\n";
    let report = parse(qmail).unwrap().bounce.unwrap();
    assert_eq!(report.returned_ids, ["abc.789@example.test"]);
    assert_eq!(report.failures[0].recipient, "ana@client.ro");
    assert_eq!(
        report.failures[0].reason,
        "Remote host said: 550 5.1.1 mailbox unavailable"
    );
    assert_eq!(
        parse(b"From: a@b.test\r\n\r\nMessage-ID: <x@y.test>\r\n")
            .unwrap()
            .bounce,
        None
    );
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
fn autoresponder_markers_of_other_vendors_are_read() {
    for header in [
        "X-Autogenerated: Reply",
        "X-POST-MessageClass: 9; Autoresponder",
        "X-AutoReply-From: ion@client.ro",
        "X-Mail-Autoreply: yes",
    ] {
        let raw = format!(
            "From: ion@client.ro\r\n{header}\r\nSubject: Re: comanda\r\n\r\nSunt plecat.\r\n"
        );
        assert!(
            parse(raw.as_bytes()).unwrap().signals.x_autoreply,
            "{header}"
        );
    }
    let person =
        b"From: ion@client.ro\r\nX-Autogenerated: Forward\r\nSubject: comanda\r\n\r\ntext\r\n";
    assert!(!parse(person).unwrap().signals.x_autoreply);
}

#[test]
fn a_nameless_file_is_named_by_its_type() {
    let raw = b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nvezi\r\n\
--x\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\nContent-Disposition: attachment\r\n\r\nPK\r\n\
--x\r\nContent-Type: application/x-unknown\r\nContent-Disposition: attachment\r\n\r\n??\r\n--x--\r\n";
    let names: Vec<String> = parse(raw)
        .unwrap()
        .attachments
        .into_iter()
        .map(|a| a.filename)
        .collect();
    assert_eq!(names, ["attachment-1.xlsx", "attachment-2.bin"]);
}

#[test]
fn encoded_words_in_an_unnamed_charset_are_guessed() {
    let raw = b"From: =?unknown-8bit?Q?Ion_Pop=E3?= <ion@client.ro>\r\nSubject: =?unknown-8bit?Q?Problem=E3_cu_=BAedin=FEa?=\r\n\r\nText\r\n";
    let mail = parse(raw).unwrap();
    assert_eq!(
        (mail.subject.as_str(), mail.from.name.as_str()),
        ("Problemă cu şedinţa", "Ion Popă")
    );
}

#[test]
fn uuencoded_files_are_attachments() {
    // Pasted into a plain body, between the text (an old client, a scanner).
    let raw = b"From: a@client.ro\r\nSubject: scan\r\n\r\nVa trimit raportul.\r\n\r\nbegin 644 raport.txt\r\n,:&5L;&\\@=V]R;&0*\r\n`\r\nend\r\n\r\nMultumesc\r\n";
    let mail = parse(raw).unwrap();
    assert_eq!(mail.text, "Va trimit raportul.\n\nMultumesc");
    let files: Vec<_> = mail
        .attachments
        .iter()
        .map(|a| {
            (
                a.filename.as_str(),
                a.content_type.as_str(),
                a.content.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [("raport.txt", "text/plain", b"hello world\n".as_slice())]
    );
    // A part with Content-Transfer-Encoding: x-uuencode, named by its begin line.
    let raw = b"From: a@client.ro\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nx\r\n--q\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 hello.pdf\r\n,:&5L;&\\@=V]R;&0*\r\n`\r\nend\r\n--q--\r\n";
    let mail = parse(raw).unwrap();
    let files: Vec<_> = mail
        .attachments
        .iter()
        .map(|a| {
            (
                a.filename.as_str(),
                a.content_type.as_str(),
                a.content.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [("hello.pdf", "application/pdf", b"hello world\n".as_slice())]
    );
}

#[test]
fn irregular_base64_is_read_leniently() {
    let mail = |cte_body: &str| {
        let raw = format!(
            "From: a@client.ro\r\nContent-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: base64\r\n\r\n{cte_body}"
        );
        parse(raw.as_bytes()).unwrap()
    };
    // Padding left off: the last bytes are kept.
    assert_eq!(mail("TXVs/nVtZXNjIG0\r\n").text, "Mulţumesc m");
    // A disclaimer a gateway appended in plain text after the encoded lines stays, as text.
    assert_eq!(
        mail("TXVs/nVtZXNj\r\n\r\n-- \r\nAcest mesaj este confidential.\r\n").text,
        "Mulţumesc\n\n-- \r\nAcest mesaj este confidential."
    );
    // A file encoded with a stray character is still the file.
    let raw = b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nx\r\n--q\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x!LjQK\r\nJVBE\r\n--q--\r\n";
    assert_eq!(parse(raw).unwrap().attachments[0].content, b"%PDF-1.4\n%PD");
}

/// A small PNG: bytes that are far from text.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6\x00\x00\x00\x0cIDAT\x08\xd7c\xf8\x0f\x00\x01\x01\x01\x00\x18\xdd\x8d\xb0\x00\x00\x00\x00IEND\xaeB`\x82";

/// A multipart/mixed mail of the given parts, each its header lines and its body.
fn mixed(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut raw = b"From: Ana <ana@client.ro>\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n".to_vec();
    for (headers, body) in parts {
        raw.extend_from_slice(format!("--b\r\n{headers}\r\n\r\n").as_bytes());
        raw.extend_from_slice(body);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"--b--\r\n");
    raw
}

fn files(mail: &ParsedEmail) -> Vec<(&str, &str, bool)> {
    mail.attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.content_type.as_str(), a.inline))
        .collect()
}

#[test]
fn the_body_is_told_by_type_and_disposition_not_by_bytes() {
    let text = (
        "Content-Type: text/plain; charset=utf-8",
        b"Vedeti captura.".as_slice(),
    );
    // An image shown inline beside the text (Netscape, Thunderbird, phones), named or not,
    // with a Content-ID and no disposition (Outlook for Mac), or a voice memo: files.
    for (headers, want) in [
        (
            "Content-Type: image/png; name=\"ecran.png\"\r\nContent-Disposition: inline; filename=\"ecran.png\"",
            "ecran.png",
        ),
        (
            "Content-Type: image/png\r\nContent-Disposition: inline",
            "attachment-1.png",
        ),
        (
            "Content-Type: image/png\r\nContent-ID: <img1@client.ro>",
            "attachment-1.png",
        ),
        (
            "Content-Type: audio/mp4; name=memo.m4a\r\nContent-Disposition: inline; filename=memo.m4a",
            "memo.m4a",
        ),
        (
            "Content-Type: application/pdf\r\nContent-Disposition: inline",
            "attachment-1.pdf",
        ),
        (
            "Content-Type: application/octet-stream\r\nContent-Disposition: inline; filename=date.bin",
            "date.bin",
        ),
    ] {
        for parts in [vec![text, (headers, PNG)], vec![(headers, PNG), text]] {
            let mail = parse(&mixed(&parts)).unwrap_or_else(|e| panic!("{headers}: {e}"));
            assert_eq!(mail.text, "Vedeti captura.", "{headers}");
            assert_eq!(
                mail.attachments
                    .iter()
                    .map(|a| a.filename.as_str())
                    .collect::<Vec<_>>(),
                [want],
                "{headers}"
            );
            assert_eq!(mail.attachments[0].content, PNG, "{headers}");
        }
    }
    // Only an image: a ticket with no text and the image.
    let mut photo = b"From: ana@client.ro\r\nMIME-Version: 1.0\r\nContent-Type: image/jpeg\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    photo.extend_from_slice(PNG);
    let mail = parse(&photo).unwrap();
    assert_eq!(
        (mail.text.as_str(), files(&mail)),
        ("", vec![("attachment-1.jpg", "image/jpeg", true)])
    );
    let mail = parse(&mixed(&[(
        "Content-Type: image/png; name=a.png\r\nContent-Disposition: inline",
        PNG,
    )]))
    .unwrap();
    assert_eq!(
        (mail.text.as_str(), files(&mail)),
        ("", vec![("a.png", "image/png", true)])
    );
    // Text files shown inline after the body (a log named only in the disposition, an
    // unknown text subtype, a CSV) are files, and their lines stay out of the text.
    let log: &[u8] = b"02:00:07 ERROR connection reset";
    let mail = parse(&mixed(&[
        text,
        (
            "Content-Type: text/plain\r\nContent-Disposition: inline; filename=sync.log",
            log,
        ),
        ("Content-Type: text/x-log", log),
        (
            "Content-Type: text/csv; name=a.csv\r\nContent-Disposition: inline",
            b"a;b",
        ),
        ("Content-Type: text/plain", b"Multumesc"),
    ]))
    .unwrap();
    assert_eq!(mail.text, "Vedeti captura.\n\nMultumesc");
    let want = vec![
        ("sync.log", "text/plain", true),
        ("attachment-2.log", "text/x-log", false),
        ("a.csv", "text/csv", true),
    ];
    assert_eq!(files(&mail), want);
    // A mail that is one named text is read as its text; as an attachment, it is a file.
    let named = b"From: ana@client.ro\r\nContent-Type: text/plain; name=mesaj.txt\r\nContent-Disposition: inline; filename=mesaj.txt\r\n\r\nBuna ziua\r\n";
    assert_eq!(
        (
            parse(named).unwrap().text.as_str(),
            parse(named).unwrap().attachments.len()
        ),
        ("Buna ziua", 0)
    );
    let attached = b"From: ana@client.ro\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=mesaj.txt\r\n\r\nBuna ziua\r\n";
    assert_eq!(
        (
            parse(attached).unwrap().text.as_str(),
            files(&parse(attached).unwrap())
        ),
        ("", vec![("mesaj.txt", "text/plain", false)])
    );
    // Binary junk is refused only where a part claims to be the text.
    assert_eq!(
        parse(&mixed(&[
            text,
            ("Content-Type: text/plain; charset=utf-8", PNG)
        ]))
        .err(),
        Some(ParseError::BinaryText)
    );
    assert_eq!(
        parse(&mixed(&[text, ("Content-Type: text/html", PNG)])).err(),
        Some(ParseError::BinaryText)
    );
    assert!(
        parse(&mixed(&[
            text,
            (
                "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=x.txt",
                PNG
            )
        ]))
        .is_ok()
    );
}

#[test]
fn signed_mail_keeps_its_text_its_files_and_its_signature() {
    for (protocol, signature) in [
        (
            "application/pkcs7-signature",
            "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Disposition: attachment; filename=smime.p7s",
        ),
        (
            "application/pgp-signature",
            "Content-Type: application/pgp-signature; name=signature.asc",
        ),
        (
            "application/pgp-signature",
            "Content-Type: application/pgp-signature",
        ),
    ] {
        let raw = format!(
            "From: ana@client.ro\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"{protocol}\"; micalg=sha-256; boundary=s\r\n\r\n\
--s\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n\
--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n\
--a\r\nContent-Type: text/plain\r\n\r\nOferta semnata\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>Oferta semnata</p>\r\n--a--\r\n\
--m\r\nContent-Type: application/pdf; name=oferta.pdf\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n\
--m\r\nContent-Type: image/png; name=grafic.png\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAADElEQVQI12P4DwABAQEAGN2NsAAAAABJRU5ErkJggg==\r\n--m--\r\n\
--s\r\n{signature}\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--s--\r\n"
        );
        let mail = parse(raw.as_bytes()).unwrap_or_else(|e| panic!("{signature}: {e}"));
        assert_eq!(mail.text, "Oferta semnata");
        let names: Vec<&str> = mail
            .attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect();
        let sig = if signature.contains("smime.p7s") {
            "smime.p7s"
        } else if signature.contains("name=") {
            "signature.asc"
        } else {
            "attachment-3.asc"
        };
        assert_eq!(names, ["oferta.pdf", "grafic.png", sig]);
    }
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

#[test]
fn plain_text_without_mime_version_and_files_without_text_are_read() {
    let raw = "From: formular@client.ro\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nComanda nu a ajuns la recepție.\r\n";
    assert_eq!(
        parse(raw.as_bytes()).unwrap().text,
        "Comanda nu a ajuns la recepție."
    );
    let mail = parse(&mixed(&[(
        "Content-Type: application/pdf; name=scan.pdf\r\nContent-Disposition: attachment",
        b"%PDF-1.4",
    )]))
    .unwrap();
    assert_eq!(
        (mail.text.as_str(), files(&mail)),
        ("", vec![("scan.pdf", "application/pdf", false)])
    );
}
