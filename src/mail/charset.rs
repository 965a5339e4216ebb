//! Text whose charset is missing or wrong, read the way browsers read such pages: valid
//! UTF-8 is UTF-8; anything else is guessed from the bytes (chardetng, Firefox's
//! detector), helped by the sender's top-level domain (`.ro` leans to the Central
//! European code pages).

use std::sync::LazyLock;

use base64::Engine;
use chardetng::EncodingDetector;
use encoding_rs::Encoding;
use regex::Regex;

use super::transfer;

/// The text of `bytes`, guessing the charset unless they are UTF-8.
pub fn decode_guessing(bytes: &[u8], tld: Option<&str>) -> String {
    decode_as(bytes, guess(bytes, tld))
}

/// The charset of `bytes`: UTF-8 when they are valid UTF-8, else chardetng's guess.
fn guess(bytes: &[u8], tld: Option<&str>) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return encoding_rs::UTF_8;
    }
    let mut detector = EncodingDetector::new();
    detector.feed(bytes, true);
    let tld = tld
        .map(str::as_bytes)
        .filter(|t| !t.is_empty() && t.iter().all(u8::is_ascii_lowercase));
    detector.guess(tld, true)
}

/// An RFC 2047 encoded word: charset (with an optional RFC 2231 `*language`), encoding, text.
static ENCODED_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"=\?([^?*\s]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=").expect("a valid pattern")
});

/// A header block whose encoded words name a charset that says nothing of their bytes
/// (`unknown-8bit`, which converting gateways write, `x-user-defined`, or a label no
/// decoder knows), with those words decoded by a guess (one for all of them) and written
/// again as UTF-8 encoded words. `None` when it has no such word.
pub fn guess_unnamed_encoded_words(block: &str, tld: Option<&str>) -> Option<String> {
    let unnamed = |label: &str| {
        ["unknown-8bit", "x-unknown", "unknown", "x-user-defined"]
            .iter()
            .any(|l| label.eq_ignore_ascii_case(l))
            || (Encoding::for_label(label.as_bytes()).is_none()
                && !label.to_ascii_lowercase().contains("utf-7"))
    };
    let words: Vec<(std::ops::Range<usize>, Vec<u8>)> = ENCODED_WORD
        .captures_iter(block)
        .filter(|c| unnamed(&c[1]))
        .map(|c| {
            let text = c[3].as_bytes();
            let bytes = if c[2].eq_ignore_ascii_case("b") {
                transfer::decode_run(text)
            } else {
                q_decode(text)
            };
            (c.get(0).map_or(0..0, |m| m.range()), bytes)
        })
        .collect();
    if words.is_empty() {
        return None;
    }
    let encoding = guess(
        &words
            .iter()
            .flat_map(|(_, b)| b.iter().copied())
            .collect::<Vec<u8>>(),
        tld,
    );
    let mut out = String::with_capacity(block.len());
    let mut at = 0;
    for (range, bytes) in words {
        out.push_str(&block[at..range.start]);
        let text = encoding.decode_without_bom_handling(&bytes).0;
        out.push_str("=?utf-8?b?");
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(text.as_bytes()));
        out.push_str("?=");
        at = range.end;
    }
    out.push_str(&block[at..]);
    Some(out)
}

/// The bytes of a `Q` encoded word (`_` is a space, `=XX` a byte).
fn q_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (text[i], hex) {
            (b'_', _) => out.push(b' '),
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    out
}

/// The text of a body part in the charset its label names; guessed (HTML by its `<meta>`)
/// when the label names none a decoder knows, says nothing of 8-bit bytes (ASCII,
/// `x-user-defined`), or says UTF-8 of bytes that are not.
pub fn decode_declared(bytes: &[u8], label: Option<&str>, html: bool, tld: Option<&str>) -> String {
    let label = label.map(|l| l.trim().trim_matches('"')).unwrap_or("");
    match Encoding::for_label(label.as_bytes()) {
        Some(e)
            if e != encoding_rs::UTF_8
                && !is_ascii_label(label)
                && !label.eq_ignore_ascii_case("x-user-defined") =>
        {
            decode_as(bytes, e)
        }
        _ if html => decode_html_guessing(bytes, tld),
        _ => decode_guessing(bytes, tld),
    }
}

/// The text of an HTML body: the charset its `<meta>` names when it names one, else a guess.
pub fn decode_html_guessing(bytes: &[u8], tld: Option<&str>) -> String {
    if std::str::from_utf8(bytes).is_err()
        && let Some(encoding) = meta_charset(bytes)
    {
        return decode_as(bytes, encoding);
    }
    decode_guessing(bytes, tld)
}

/// Whether mail-parser's reading of a text part under its declared charset is worth
/// redoing from the bytes: the label says nothing (`x-user-defined`, what some old clients
/// write for "my local code page"); it says ASCII while the bytes are 8-bit (they are in
/// some code page the client did not name); or it could only be read as UTF-8 (none given,
/// a UTF-8 label, or one no decoder knows) and came out with replacement characters.
pub fn misread(label: Option<&str>, decoded: &str) -> bool {
    let label = label
        .map(|l| l.trim().trim_matches('"'))
        .filter(|l| !l.is_empty());
    let Some(label) = label else {
        return decoded.contains('\u{fffd}');
    };
    if label.eq_ignore_ascii_case("x-user-defined") {
        return true;
    }
    match Encoding::for_label(label.as_bytes()) {
        None => decoded.contains('\u{fffd}'),
        Some(_) if is_ascii_label(label) => !decoded.is_ascii(),
        Some(e) => e == encoding_rs::UTF_8 && decoded.contains('\u{fffd}'),
    }
}

/// The names of ASCII (encoding_rs reads them all as windows-1252, as browsers do).
fn is_ascii_label(label: &str) -> bool {
    [
        "us-ascii",
        "ascii",
        "ansi_x3.4-1968",
        "iso-ir-6",
        "us",
        "iso646-us",
        "cp367",
        "ibm367",
        "csascii",
    ]
    .iter()
    .any(|l| label.eq_ignore_ascii_case(l))
}

/// The top-level domain of an address, lowercase (`ro` for `ion@client.ro`).
pub fn tld_of(address: &str) -> Option<String> {
    let domain = address.rsplit_once('@')?.1;
    Some(domain.rsplit('.').next()?.to_ascii_lowercase())
}

fn decode_as(bytes: &[u8], encoding: &'static Encoding) -> String {
    // UTF-16 text in mail comes with its byte-order mark; a guessed 8-bit code page has none.
    encoding.decode_with_bom_removal(bytes).0.into_owned()
}

/// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">` within
/// the first 1024 bytes, as the HTML standard's prescan looks for it.
fn meta_charset(html: &[u8]) -> Option<&'static Encoding> {
    let head = &html[..html.len().min(1024)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"charset").map(|i| i + from) {
        from = at + b"charset".len();
        let rest = &lower[from..];
        let rest = rest.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest.iter().position(|b| {
            matches!(b, b'"' | b'\'' | b';' | b'>' | b'/') || b.is_ascii_whitespace()
        });
        let label = &rest[..end.unwrap_or(rest.len())];
        if let Some(encoding) = Encoding::for_label(label) {
            // A page cannot really be UTF-16 if its meta tag is readable as ASCII.
            return Some(
                if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                    encoding_rs::UTF_8
                } else {
                    encoding
                },
            );
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_stays_utf8() {
        assert_eq!(
            decode_guessing("Bună ziua, țară".as_bytes(), Some("ro")),
            "Bună ziua, țară"
        );
    }

    #[test]
    fn undeclared_code_pages_are_guessed() {
        let (latin, _, _) = encoding_rs::WINDOWS_1252
            .encode("La impresora no funciona, señor. ¿Qué pasó con la conexión?");
        assert_eq!(
            decode_guessing(&latin, Some("es")),
            "La impresora no funciona, señor. ¿Qué pasó con la conexión?"
        );
        let text = "Aplicaţia de facturare nu porneşte de ieri dimineaţă. Am încercat şi repornirea calculatorului.";
        let (ro, _, _) = encoding_rs::WINDOWS_1250.encode(text);
        assert_eq!(decode_guessing(&ro, Some("ro")), text);
        let (ru, _, _) =
            encoding_rs::KOI8_R.encode("Принтер не работает, помогите пожалуйста с настройкой");
        assert_eq!(
            decode_guessing(&ru, Some("ru")),
            "Принтер не работает, помогите пожалуйста с настройкой"
        );
    }

    #[test]
    fn encoded_words_in_unnamed_charsets_are_guessed() {
        let block = "Subject: =?unknown-8bit?Q?Problem=E3_cu_=BAedin=FEa_?= =?UTF-8?Q?=C8=99i?=\r\nFrom: =?x-user-defined?B?SW9uIFBvcOM=?= <ion@client.ro>\r\n";
        let fixed = guess_unnamed_encoded_words(block, Some("ro")).unwrap();
        let msg = mail_parser::MessageParser::default()
            .parse_headers(fixed.as_bytes())
            .unwrap();
        assert_eq!(msg.subject(), Some("Problemă cu şedinţa și"));
        assert_eq!(
            msg.from().and_then(|a| a.first()).and_then(|a| a.name()),
            Some("Ion Popă")
        );
        // Words in charsets a decoder knows (UTF-7 included) are left to the parser.
        assert_eq!(
            guess_unnamed_encoded_words(
                "Subject: =?utf-7?Q?Salut_+AhkA-i?= =?iso-8859-2?Q?=BA?=\r\n",
                None
            ),
            None
        );
        assert_eq!(q_decode(b"a_b=3Dc=ZZ="), b"a b=c=ZZ=");
    }

    #[test]
    fn html_says_its_own_charset() {
        let (body, _, _) = encoding_rs::WINDOWS_1250.encode("<html><head><meta charset=\"windows-1250\"></head><body>Aplicaţia nu porneşte</body></html>");
        assert!(decode_html_guessing(&body, None).contains("Aplicaţia nu porneşte"));
        let (body, _, _) = encoding_rs::ISO_8859_2.encode(
            "<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-2\"><p>Mulţumesc</p>",
        );
        assert!(decode_html_guessing(&body, None).contains("Mulţumesc"));
    }

    #[test]
    fn misread_text_is_known() {
        let broken = "Aplica\u{fffd}ia";
        for label in [
            None,
            Some(""),
            Some("UTF-8"),
            Some("\"utf8\""),
            Some("x-made-up"),
        ] {
            assert!(misread(label, broken), "{label:?}");
            assert!(!misread(label, "Aplicaţia"), "{label:?}");
        }
        // A known code page was read as itself: its text stands.
        assert!(!misread(Some("iso-8859-2"), broken));
        assert!(!misread(Some("windows-1250"), "Aplicaţia"));
        // ASCII cannot carry 8-bit bytes: those are some undeclared code page.
        assert!(misread(Some("us-ascii"), "Aplica\u{fe}ia"));
        assert!(misread(Some("ANSI_X3.4-1968"), "Aplica\u{fe}ia"));
        assert!(!misread(Some("us-ascii"), "Aplicatia"));
        assert!(misread(Some("x-user-defined"), "Aplicatia"));
        assert_eq!(tld_of("ion@Client.RO").as_deref(), Some("ro"));
    }
}
