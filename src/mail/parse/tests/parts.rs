//! Tests of the parts of a mail: which part is the body and which are files, by type and
//! disposition, in signed, uuencoded and MIME-less mail.

use super::*;

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
