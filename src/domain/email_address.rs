//! `EmailAddress`: a parsed, normalised mailbox address (lower-case, trimmed).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an email address: {0:?}")]
pub struct BadAddress(pub String);

/// Read from a request body through `parse`: a value that is no address is refused there,
/// naming the field.
impl<'de> serde::Deserialize<'de> for EmailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        EmailAddress::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl EmailAddress {
    /// Accepts `local@domain` (a bare address, optionally inside `<…>`), with a dotted
    /// or single-label domain; the result is lower-cased.
    pub fn parse(s: &str) -> Result<Self, BadAddress> {
        let bad = || BadAddress(s.to_string());
        let t = s
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        if t.len() > 254 {
            return Err(bad());
        }
        let (local, domain) = t.rsplit_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"@".contains(c));
        let domain_ok = !domain.is_empty()
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(bad());
        }
        // An internationalised domain is kept in its ASCII form (`xn--…`): one customer
        // whichever way their client wrote it, and mail to it needs no SMTPUTF8.
        let domain = if domain.is_ascii() {
            domain.to_string()
        } else {
            idna::domain_to_ascii(domain).map_err(|_| bad())?
        };
        Ok(Self(format!("{local}@{domain}").to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or("")
    }

    /// Whether the address is a mail system's own (`MAILER-DAEMON@`, `postmaster@`): what
    /// it sends is a bounce.
    pub fn is_mailer_daemon(&self) -> bool {
        matches!(
            self.local_part(),
            "mailer-daemon" | "postmaster" | "mail-daemon" | "mailerdaemon"
        )
    }

    /// Whether the address says no one reads it (`noreply@`, `no-reply@`, `donotreply@`…):
    /// web forms and notifiers send from such addresses and name the person in `Reply-To`.
    pub fn is_no_reply(&self) -> bool {
        let local: String = self
            .local_part()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        local.starts_with("noreply")
            || local.starts_with("donotreply")
            || matches!(local.as_str(), "nereply" | "nuraspundeti" | "nuraspunde")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_refuses() {
        assert_eq!(
            EmailAddress::parse(" Ion.Pop@Client.RO ").unwrap().as_str(),
            "ion.pop@client.ro"
        );
        assert_eq!(
            EmailAddress::parse("<a+b@x.test>").unwrap().as_str(),
            "a+b@x.test"
        );
        assert_eq!(
            EmailAddress::parse("MAILER-DAEMON@x.test")
                .unwrap()
                .local_part(),
            "mailer-daemon"
        );
        for unread in [
            "noreply@site.test",
            "no-reply@site.test",
            "do_not_reply@x.test",
            "NoReply.Forms@x.test",
            "nu-raspundeti@x.ro",
        ] {
            assert!(
                EmailAddress::parse(unread).unwrap().is_no_reply(),
                "{unread}"
            );
        }
        for read in [
            "ion@client.ro",
            "support@x.test",
            "reply@x.test",
            "nora@x.test",
        ] {
            assert!(!EmailAddress::parse(read).unwrap().is_no_reply(), "{read}");
        }
        // An internationalised domain, written either way, is one address.
        assert_eq!(
            EmailAddress::parse("user@München.de").unwrap().as_str(),
            "user@xn--mnchen-3ya.de"
        );
        assert_eq!(
            EmailAddress::parse("user@xn--mnchen-3ya.de")
                .unwrap()
                .as_str(),
            "user@xn--mnchen-3ya.de"
        );
        for bad in [
            "",
            "a",
            "@x.test",
            "a@",
            "a b@x.test",
            "a@x..test",
            "a@-x.test",
            ".a@x.test",
            "a@b@c",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
