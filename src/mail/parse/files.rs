//! The files a mail carries: its attachments (the files inside a `winmail.dat` in its
//! stead), files pasted into its text in uuencode, and the names they are stored under.

use std::borrow::Cow;

use mail_parser::{HeaderName, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::{Attachment, clean_id, decode};
use crate::domain::file_name::{self, FileName};
use crate::mail::{charset, tnef, transfer, uuencode};

/// The mail's files, and its text without the uuencoded ones pasted into it.
pub(super) fn attachments(
    msg: &Message<'_>,
    text: &str,
    tld: Option<&str>,
) -> (String, Vec<Attachment>) {
    let mut attachments = msg
        .attachments()
        .enumerate()
        .map(|(i, part)| {
            // A part in uuencode (an encoding older than MIME, which the parser leaves as is).
            let uuencoded = part
                .content_transfer_encoding()
                .filter(|e| {
                    ["x-uuencode", "uuencode", "x-uue"]
                        .iter()
                        .any(|u| e.trim().eq_ignore_ascii_case(u))
                })
                .and_then(|_| uuencode::decode_part(part.contents()));
            let declared = part.content_type().map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            });
            let content_type = match (declared, &uuencoded) {
                (Some(ct), _) if !ct.eq_ignore_ascii_case("application/octet-stream") => {
                    ct.to_ascii_lowercase()
                }
                (_, Some(file)) => file_name::content_type_of(&file.name).to_string(),
                _ => "application/octet-stream".into(),
            };
            let fallback = default_name(i, &content_type);
            // A forwarded mail (message/rfc822) is named by its subject.
            let forwarded = match &part.body {
                PartType::Message(inner) => inner
                    .subject()
                    .map(str::trim)
                    .filter(|subject| !subject.is_empty())
                    // A slash in a subject ("Factura 2024/05") is not a folder.
                    .map(|subject| format!("{}.eml", subject.replace(['/', '\\'], "-"))),
                _ => None,
            };
            let name = part
                .attachment_name()
                .or(forwarded.as_deref())
                .or(uuencoded.as_ref().map(|f| f.name.as_str()))
                .unwrap_or("");
            let name = if name.contains('\u{fffd}') {
                name_in_code_page(msg, part, tld).map(Cow::Owned)
            } else {
                None
            }
            .unwrap_or(Cow::Borrowed(name));
            let filename = FileName::sanitize(&name, &fallback).to_string();
            let content_id = part.content_id().and_then(clean_id);
            let inline = part.content_disposition().is_some_and(|d| d.is_inline())
                || (content_id.is_some() && part.content_disposition().is_none());
            let content = match uuencoded {
                Some(file) => file.content,
                None => attachment_bytes(msg.raw_message(), part),
            };
            Attachment {
                filename,
                content_type,
                content,
                content_id,
                inline,
            }
        })
        .flat_map(unpack_winmail)
        .collect::<Vec<_>>();
    // Files pasted into the text in uuencode are files, not text.
    let (text, pasted) = uuencode::extract(text);
    let first = attachments.len();
    attachments.extend(pasted.into_iter().enumerate().map(|(i, file)| {
        let content_type = file_name::content_type_of(&file.name);
        loose_file(first + i, &file.name, content_type, file.content)
    }));

    (text, attachments)
}

/// `winmail.dat` gives way to the files inside it; one that holds none (or is not TNEF)
/// stays as it came.
fn unpack_winmail(a: Attachment) -> Vec<Attachment> {
    let is_tnef =
        a.content_type == "application/ms-tnef" || a.filename.eq_ignore_ascii_case("winmail.dat");
    let inside = if is_tnef {
        tnef::unpack(&a.content)
    } else {
        vec![]
    };
    if inside.is_empty() {
        return vec![a];
    }
    inside
        .into_iter()
        .enumerate()
        .map(|(i, p)| loose_file(i, &p.filename, p.content_type, p.content))
        .collect()
}

/// A file that came without MIME headers of its own (inside a `winmail.dat`, uuencoded):
/// named as it says, or as the `index`th file of its type when it says nothing usable.
fn loose_file(index: usize, name: &str, content_type: &str, content: Vec<u8>) -> Attachment {
    Attachment {
        filename: FileName::sanitize(name, &default_name(index, content_type)).to_string(),
        content_type: content_type.to_string(),
        content,
        content_id: None,
        inline: false,
    }
}

/// An attachment's bytes: the parser's, but for an irregular base64 it misread.
fn attachment_bytes(raw: &[u8], part: &MessagePart<'_>) -> Vec<u8> {
    let body = raw
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    if decode::says_base64(part) && transfer::base64_misread(body, part.contents().len()) {
        transfer::base64_lenient(body).bytes
    } else {
        part.contents().to_vec()
    }
}

/// An attachment's name written in some 8-bit code page: its Content-Type and
/// Content-Disposition lines transcoded, and read again.
fn name_in_code_page(
    msg: &Message<'_>,
    part: &MessagePart<'_>,
    tld: Option<&str>,
) -> Option<String> {
    let raw = msg.raw_message();
    let mut head = Vec::new();
    for h in part.headers.iter().filter(|h| {
        matches!(
            h.name,
            HeaderName::ContentType | HeaderName::ContentDisposition
        )
    }) {
        let value = raw.get(h.offset_start as usize..h.offset_end as usize)?;
        head.extend_from_slice(h.name.as_str().as_bytes());
        head.extend_from_slice(b":");
        head.extend_from_slice(charset::decode_guessing(value, tld).as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    let reread = MessageParser::default().parse_headers(head.as_slice())?;
    reread.root_part().attachment_name().map(str::to_string)
}

fn default_name(index: usize, content_type: &str) -> String {
    let ext = match content_type {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        "message/rfc822" => "eml",
        "text/plain" => "txt",
        "text/html" => "html",
        "application/ms-tnef" => "dat",
        "text/calendar" => "ics",
        "text/csv" => "csv",
        "image/webp" => "webp",
        "image/bmp" => "bmp",
        "image/tiff" => "tif",
        "image/heic" => "heic",
        "application/zip" | "application/x-zip-compressed" => "zip",
        "application/x-7z-compressed" => "7z",
        "application/vnd.rar" | "application/x-rar-compressed" => "rar",
        "application/msword" => "doc",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.ms-powerpoint" => "ppt",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "application/vnd.oasis.opendocument.text" => "odt",
        "application/vnd.oasis.opendocument.spreadsheet" => "ods",
        "application/xml" | "text/xml" => "xml",
        "application/json" => "json",
        "audio/mpeg" => "mp3",
        "video/mp4" => "mp4",
        "text/x-log" => "log",
        "application/pgp-signature" => "asc",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => "p7s",
        // Any other text (RFC 2046 §4.1.4: an unknown text subtype reads as plain text).
        t if t.starts_with("text/") => "txt",
        _ => "bin",
    };
    format!("attachment-{}.{ext}", index + 1)
}
