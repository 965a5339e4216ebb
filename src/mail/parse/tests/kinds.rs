//! Tests of what kind of mail arrived: refused garbage, auto-replies of every vendor, people
//! behind CRMs, and delivery reports.

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
        crate::domain::inbound::classify(&p.signals, std::slice::from_ref(&own)),
        crate::domain::inbound::Kind::Human
    );
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
