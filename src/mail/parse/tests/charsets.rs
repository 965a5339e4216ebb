//! Tests of decoding text: mislabelled code pages, encoded words in an unnamed charset, and
//! irregular base64.

use super::*;

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
fn encoded_words_in_an_unnamed_charset_are_guessed() {
    let raw = b"From: =?unknown-8bit?Q?Ion_Pop=E3?= <ion@client.ro>\r\nSubject: =?unknown-8bit?Q?Problem=E3_cu_=BAedin=FEa?=\r\n\r\nText\r\n";
    let mail = parse(raw).unwrap();
    assert_eq!(
        (mail.subject.as_str(), mail.from.name.as_str()),
        ("Problemă cu şedinţa", "Ion Popă")
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
