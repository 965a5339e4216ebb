//! Base64 bodies as senders really write them: padding left off, each line padded on its
//! own, stray characters, or a disclaimer that a gateway appended in plain text after
//! the encoded lines. The parser gives up on some of these (it keeps the encoded text, or
//! drops the last bytes); these read them the way a lenient client does.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Decodes without padding and with the unused bits of a last character ignored.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// A base64 body read leniently: the bytes of its encoded lines, and what follows them
/// that is not base64 (empty for a clean body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Body<'a> {
    pub bytes: Vec<u8>,
    pub trailer: &'a [u8],
}

/// Whether a strict decoder that turned this body into `decoded_len` bytes misread it,
/// told without reading the whole body (files are large): it gave up and kept the text
/// (as long as the body), or the last line is unpadded with a length no padding
/// completes (its last bytes were dropped).
pub fn base64_misread(body: &[u8], decoded_len: usize) -> bool {
    if decoded_len > body.len() / 4 * 3 + 3 {
        return true;
    }
    let last = body
        .trim_ascii_end()
        .rsplit(|b| *b == b'\n')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    last.len() % 4 != 0 && last.iter().all(|b| is_alphabet(*b))
}

/// Whether a strict decoder may misread this body: a line that is not base64, or a
/// length that no padding completes.
pub fn base64_is_irregular(body: &[u8]) -> bool {
    let mut chars = 0usize;
    for &b in body {
        if is_alphabet(b) || b == b'=' {
            chars += 1;
        } else if !b.is_ascii_whitespace() {
            return true;
        }
    }
    !chars.is_multiple_of(4)
}

/// Reads a base64 body line by line up to the first line that is text, not base64; a
/// stray character in a line of base64 is skipped. Each run of characters ended by
/// padding is decoded on its own (some encoders pad every line).
pub fn base64_lenient(body: &[u8]) -> Base64Body<'_> {
    let mut data = Vec::with_capacity(body.len());
    let mut end = body.len();
    let mut at = 0;
    for line in body.split_inclusive(|b| *b == b'\n') {
        let content = line.trim_ascii();
        if !is_data_line(content) {
            end = at;
            break;
        }
        data.extend(content.iter().filter(|b| !b.is_ascii_whitespace()));
        at += line.len();
    }
    let mut bytes = Vec::with_capacity(data.len() / 4 * 3 + 3);
    for run in data.split(|b| *b == b'=').filter(|r| !r.is_empty()) {
        bytes.extend(decode_run(run));
    }
    Base64Body {
        bytes,
        trailer: body[end..].trim_ascii(),
    }
}

fn is_alphabet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/')
}

/// A line of base64, stray characters aside: no space between words, and at most one
/// character in ten outside the alphabet and padding (a disclaimer's `--` or a sentence
/// is text).
fn is_data_line(line: &[u8]) -> bool {
    let stray = line
        .iter()
        .filter(|b| !is_alphabet(**b) && **b != b'=')
        .count();
    !line.contains(&b' ') && stray * 10 <= line.len()
}

/// Characters of a single encoding without padding, anything outside the alphabet
/// skipped (a lone last character carries no whole byte and is dropped).
pub fn decode_run(run: &[u8]) -> Vec<u8> {
    let mut clean: Vec<u8> = run.iter().copied().filter(|b| is_alphabet(*b)).collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(&clean).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irregular_bodies_are_told_apart() {
        assert!(!base64_is_irregular(b"U2FsdXQgbXVsdA==\r\n"));
        assert!(!base64_is_irregular(b"U2FsdXQ=\r\nIG11bHR1bWVzYw==\r\n"));
        assert!(base64_is_irregular(b"U2FsdXQgbQ\r\n"));
        assert!(base64_is_irregular(
            b"U2FsdXQgbXVsdA==\r\n-- \r\nDisclaimer\r\n"
        ));
    }

    #[test]
    fn misreadings_are_told_from_the_decoded_length() {
        assert!(!base64_misread(b"U2FsdXQgbXVsdA==\r\n", 10));
        assert!(!base64_misread(b"U2FsdXQgbXVs\r\ndA==\r\n", 10));
        // The decoder kept the text as it was.
        assert!(base64_misread(b"JVBERi0x!LjQK\r\n", 13));
        // An unpadded last line.
        assert!(base64_misread(b"U2FsdXQgbXVs\r\ndA\r\n", 9));
        assert!(!base64_misread(b"", 0));
    }

    #[test]
    fn lenient_reading() {
        assert_eq!(
            base64_lenient(b"U2FsdXQgbQ\r\n"),
            Base64Body {
                bytes: b"Salut m".to_vec(),
                trailer: b""
            }
        );
        assert_eq!(
            base64_lenient(b"U2FsdXQ=\r\nIG11bHR1bWVzYw==\r\n").bytes,
            b"Salut multumesc"
        );
        assert_eq!(
            base64_lenient(b"U2FsdXQg!bXVsdA==\r\n").bytes,
            b"Salut mult",
            "a stray character"
        );
        let read =
            base64_lenient(b"U2FsdXQgbXVsdA==\r\n\r\n-- \r\nAcest mesaj este confidential.\r\n");
        assert_eq!(
            (read.bytes.as_slice(), read.trailer),
            (
                b"Salut mult".as_slice(),
                b"-- \r\nAcest mesaj este confidential.".as_slice()
            )
        );
        assert_eq!(decode_run(b"U2Fs dXQ!"), b"Salut");
    }
}
