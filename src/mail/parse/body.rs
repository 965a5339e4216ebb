//! Which parts of a mail are the text a person wrote and which are files: decided by each
//! part's Content-Type and disposition, never by its bytes; and the check that the parts
//! taken as text really are text.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

/// Leaves in the parser's body lists only the parts that are the body (see [`is_body`]);
/// what else it put there (a photo or screenshot shown inline beside the text or instead
/// of it, a log shown inline after it) is a file, and joins the attachments in MIME order.
pub(super) fn sort_parts(msg: &mut Message<'_>) {
    let whole = msg.parts.len() == 1;
    let body = |i: &u32| {
        msg.parts
            .get(*i as usize)
            .is_some_and(|p| is_body(p, whole))
    };
    let files: Vec<u32> = msg
        .text_body
        .iter()
        .chain(&msg.html_body)
        .filter(|i| !body(i))
        .copied()
        .collect();
    if files.is_empty() {
        return;
    }
    msg.text_body.retain(|i| !files.contains(i));
    msg.html_body.retain(|i| !files.contains(i));
    msg.attachments.extend(files);
    msg.attachments.sort_unstable();
    msg.attachments.dedup();
}

/// Whether a part is (some of) the text of the mail: text/plain or text/html (a part
/// without a Content-Type is text/plain, RFC 2045 §5.2), and not a file. A file is any
/// other type (an image, a PDF shown inline), a part whose disposition is `attachment`,
/// or a text with a file name (Apple Mail shows an attached log inline, named), unless it
/// is the whole message: a mail that is one named text is read as its text.
fn is_body(part: &MessagePart<'_>, whole: bool) -> bool {
    if !matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
        return false;
    }
    let text = part.content_type().is_none_or(|ct| {
        ct.ctype().eq_ignore_ascii_case("text")
            && ct
                .subtype()
                .is_none_or(|s| s.eq_ignore_ascii_case("plain") || s.eq_ignore_ascii_case("html"))
    });
    let attached = part
        .content_disposition()
        .is_some_and(|d| d.is_attachment());
    text && !attached && (whole || part.attachment_name().is_none())
}

/// Whether a part shown as the body, or the whole message when it claims to be text (or
/// says nothing), is binary data rather than text. Control characters (NUL and the other
/// C0 controls but tab, line breaks, form feed and the ESC of ISO-2022 charsets; the C1
/// range) do not occur in text a person wrote (RFC 5322 §2.3, RFC 2045 §2.7); a body that
/// is 5 % of them is binary garbage, whatever the parser made of it. Files may hold
/// anything (an encrypted S/MIME mail is one `smime.p7m`, a photo is bytes), and a stray
/// bell in a pasted log is fine.
pub(super) fn holds_binary(msg: &Message<'_>) -> bool {
    let body_parts = msg
        .text_body
        .iter()
        .chain(&msg.html_body)
        .filter_map(|i| msg.parts.get(*i as usize));
    let root = msg.root_part();
    let root_as_text = !root.is_multipart()
        && root.attachment_name().is_none()
        && root
            .content_type()
            .is_none_or(|ct| ct.ctype().eq_ignore_ascii_case("text"));
    body_parts
        .chain(std::iter::once(root).filter(|_| root_as_text))
        .any(|part| {
            let text = String::from_utf8_lossy(part.contents());
            let (mut controls, mut total) = (0usize, 0usize);
            for c in text.chars() {
                total += 1;
                controls += usize::from(is_control(c));
            }
            controls >= 3 && controls * 20 >= total
        })
}

fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{e}'..='\u{1a}' | '\u{1c}'..='\u{1f}' | '\u{80}'..='\u{9f}')
}
