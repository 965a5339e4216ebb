//! Reading a mail's text right where the parser cannot: header lines in an undeclared
//! code page, encoded words in a charset that names nothing, bodies misread under their
//! declared charset or in an irregular base64, `format=flowed` paragraphs.

use std::borrow::Cow;

use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessagePart, MimeHeaders, PartType};

use crate::mail::{charset, flowed, html_text, transfer};

/// The text of the parts shown as the body, one after the other (HTML ones as text).
pub(super) fn body_text(msg: &Message<'_>) -> String {
    let mut text = String::new();
    for part in msg
        .text_body
        .iter()
        .filter_map(|i| msg.parts.get(*i as usize))
    {
        let t: Cow<str> = match &part.body {
            PartType::Text(t) => match part.content_type().filter(|ct| {
                ct.attribute("format")
                    .is_some_and(|f| f.eq_ignore_ascii_case("flowed"))
            }) {
                Some(ct) => Cow::Owned(flowed::unflow(
                    t,
                    ct.attribute("delsp")
                        .is_some_and(|d| d.eq_ignore_ascii_case("yes")),
                )),
                None => Cow::Borrowed(t.as_ref()),
            },
            PartType::Html(h) => Cow::Owned(html_text::to_text(h)),
            _ => continue,
        };
        if !text.is_empty() && !t.trim().is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(t.trim_end());
    }
    text
}

/// The raw message with its header block made readable, when it needs it: header lines
/// in an undeclared 8-bit code page transcoded to UTF-8, and encoded words in a charset
/// that names nothing decoded by a guess.
pub(super) fn header_block_in_utf8(raw: &[u8], tld: Option<&str>) -> Option<Vec<u8>> {
    let end = header_block_end(raw);
    let block = match std::str::from_utf8(&raw[..end]) {
        Ok(utf8) => Cow::Borrowed(utf8),
        Err(_) => Cow::Owned(charset::decode_guessing(&raw[..end], tld)),
    };
    let block = match charset::guess_unnamed_encoded_words(&block, tld) {
        Some(fixed) => Cow::Owned(fixed),
        None if matches!(block, Cow::Borrowed(_)) => return None,
        None => block,
    };
    let mut fixed = block.into_owned().into_bytes();
    fixed.extend_from_slice(&raw[end..]);
    Some(fixed)
}

/// Where the header block ends (its blank line included), or the end of the message.
fn header_block_end(raw: &[u8]) -> usize {
    raw.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .find_map(|(i, _)| match &raw[i + 1..] {
            [b'\n', ..] => Some(i + 2),
            [b'\r', b'\n', ..] => Some(i + 3),
            _ => None,
        })
        .unwrap_or(raw.len())
}

/// Body parts that mail-parser misread: under their declared charset (see
/// [`charset::misread`]), or in an irregular base64 it could not read (see
/// [`transfer::base64_is_irregular`]). Decoded again from their bytes; text that a gateway
/// appended after the base64 lines is kept after the text.
pub(super) fn redecode_bodies(msg: &mut Message<'_>, tld: Option<&str>) {
    let indexes: Vec<usize> = msg
        .text_body
        .iter()
        .chain(&msg.html_body)
        .map(|i| *i as usize)
        .collect();
    for i in indexes {
        let Some(part) = msg.parts.get(i) else {
            continue;
        };
        let (text, html) = match &part.body {
            PartType::Text(t) => (t, false),
            PartType::Html(t) => (t, true),
            _ => continue,
        };
        let label = part.content_type().and_then(|ct| ct.attribute("charset"));
        let Some(body) = msg
            .raw_message()
            .get(part.offset_body as usize..part.offset_end as usize)
        else {
            continue;
        };
        let base64 = says_base64(part);
        let irregular = base64 && transfer::base64_is_irregular(body);
        if !irregular && !charset::misread(label, text) {
            continue;
        }
        let (bytes, trailer) = if base64 {
            let read = transfer::base64_lenient(body);
            (Some(read.bytes), read.trailer)
        } else if part.encoding == Encoding::QuotedPrintable {
            (quoted_printable_decode(body), &[][..])
        } else {
            (Some(body.to_vec()), &[][..])
        };
        let Some(bytes) = bytes else { continue };
        let mut fixed = charset::decode_declared(&bytes, label, html, tld);
        if !trailer.is_empty() {
            fixed.push_str(if html { "\n" } else { "\n\n" });
            fixed.push_str(&charset::decode_guessing(trailer, tld));
        }
        if let Some(part) = msg.parts.get_mut(i) {
            part.body = if html {
                PartType::Html(Cow::Owned(fixed))
            } else {
                PartType::Text(Cow::Owned(fixed))
            };
        }
    }
}

/// Whether the part says it is in base64 (the parser counts a body it failed to decode
/// as not encoded).
pub(super) fn says_base64(part: &MessagePart<'_>) -> bool {
    part.encoding == Encoding::Base64
        || part
            .content_transfer_encoding()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"))
}
