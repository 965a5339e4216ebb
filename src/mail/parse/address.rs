//! Reading the mailboxes of address headers as clients really write them, and who wrote
//! the mail.

use mail_parser::{Address, Message};

use super::{Mailbox, ParseError};
use crate::domain::email_address::EmailAddress;

/// Who wrote the mail. From names the author; when it names several (RFC 5322 allows it,
/// with a Sender naming the one who sent the mail), the Sender, when it is one of them,
/// else the first. When From names no usable address (a group such as
/// `undisclosed-recipients:;`, or a broken one), the Sender, then a Reply-To. The
/// envelope sender (Return-Path) does not stand in: a mail with no author in its headers
/// is malformed, and quarantined where an agent can look at it.
pub(super) fn author(msg: &Message<'_>) -> Result<Mailbox, ParseError> {
    let authors = mailboxes(msg.from());
    let sender = mailboxes(msg.sender()).into_iter().next();
    let found = match (authors.as_slice(), sender) {
        ([_, _, ..], Some(sender)) if authors.iter().any(|a| a.address == sender.address) => {
            authors.into_iter().find(|a| a.address == sender.address)
        }
        ([], sender) => sender.or_else(|| mailboxes(msg.reply_to()).into_iter().next()),
        _ => authors.into_iter().next(),
    };
    if let Some(found) = found {
        return Ok(found);
    }
    match msg.from().and_then(|l| l.first()).and_then(|a| a.address()) {
        Some(raw) => Err(ParseError::BadSender(raw.to_string())),
        None => Err(ParseError::NoSender),
    }
}

/// The usable mailboxes of an address header, in order. Beyond what the parser reads, as
/// clients and scripts write them: a name before a bare address (`Ion Popescu
/// ion@client.ro`), a `mailto:` address, and a name with an unquoted comma (`Popescu, Ion
/// <ion@client.ro>`, which reads as a name alone and then a mailbox) made whole again.
pub(super) fn mailboxes(list: Option<&Address<'_>>) -> Vec<Mailbox> {
    let mut found = Vec::new();
    let mut stray_name: Vec<&str> = Vec::new();
    for a in list.into_iter().flat_map(|l| l.iter()) {
        let name = a.name().map(str::trim).filter(|n| !n.is_empty());
        match (a.address(), name) {
            (Some(address), _) => {
                let name = match (name, stray_name.is_empty()) {
                    (Some(name), false) => Some(format!("{}, {name}", stray_name.join(", "))),
                    (name, _) => name.map(str::to_string),
                };
                stray_name.clear();
                found.extend(mailbox(name.as_deref(), address));
            }
            (None, Some(name)) => stray_name.push(name),
            (None, None) => stray_name.clear(),
        }
    }
    found
}

/// One mailbox from what the parser read as its name and address.
pub(super) fn mailbox(name: Option<&str>, address: &str) -> Option<Mailbox> {
    let address = address.trim();
    // A name written before a bare address, without angle brackets: the last word with
    // an `@` is the address.
    let (name_before, address) = match address.rsplit_once(char::is_whitespace) {
        Some((before, last)) if last.contains('@') && name.is_none() => (Some(before), last),
        _ => (None, address),
    };
    let address = address.trim_start_matches('<');
    let address = match address.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &address[7..],
        _ => address,
    };
    let address = EmailAddress::parse(address).ok()?;
    let name = name
        .or(name_before)
        .map(|n| n.trim().trim_matches('"').trim())
        .unwrap_or("");
    let name = if name.eq_ignore_ascii_case(address.as_str()) {
        ""
    } else {
        name
    };
    Some(Mailbox {
        address,
        name: name.to_string(),
    })
}
