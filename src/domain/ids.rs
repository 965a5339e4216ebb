//! Row ids as types of their own (tickets, agents, customers), ticket keys (`HD-42`), and
//! finding a key in a subject.

use std::fmt;

use regex::Regex;

/// Row ids that must not be taken for one another: a ticket's, an agent's, a customer's.
/// Each is the number the database gave it, shown as that number.
macro_rules! row_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

row_id! {
    /// The database id of a ticket; its public key is `<prefix>-<id>`.
    TicketId;
    /// The database id of an agent.
    AgentId;
    /// The database id of a customer.
    CustomerId;
}

/// A ticket key such as `HD-42`, parsed against the configured prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TicketKey {
    prefix: String,
    id: TicketId,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a ticket key: {0:?}")]
pub struct BadKey(pub String);

impl TicketKey {
    pub fn new(prefix: &str, id: TicketId) -> Self {
        Self {
            prefix: prefix.to_string(),
            id,
        }
    }

    /// Accepts `HD-42` (any case) for the prefix `HD`.
    pub fn parse(s: &str, prefix: &str) -> Result<Self, BadKey> {
        let bad = || BadKey(s.to_string());
        let (p, n) = s.trim().split_once('-').ok_or_else(bad)?;
        if !p.eq_ignore_ascii_case(prefix) || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let id: i64 = n.parse().map_err(|_| bad())?;
        if id <= 0 {
            return Err(bad());
        }
        Ok(Self::new(prefix, TicketId(id)))
    }

    /// Accepts a key of any prefix (`XY-42`: letters, a dash, a number above 0), for where
    /// the configured prefix is not at hand; whether it names a ticket here is decided
    /// where it is.
    pub fn parse_any(s: &str) -> Result<Self, BadKey> {
        let prefix = s.trim().split_once('-').map_or("", |(p, _)| p);
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(BadKey(s.to_string()));
        }
        Self::parse(s, &prefix.to_ascii_uppercase())
    }

    pub fn id(&self) -> TicketId {
        self.id
    }
}

/// Read from a request body through `parse_any`: text that is no key is refused there,
/// naming the field.
impl<'de> serde::Deserialize<'de> for TicketKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        TicketKey::parse_any(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix, self.id.0)
    }
}

/// Finds the subject token `[HD-42]` of our prefix. Our mail puts the token first, so the
/// first one wins when a subject carries several.
pub struct SubjectToken {
    re: Regex,
}

impl SubjectToken {
    pub fn new(prefix: &str) -> Self {
        let re = Regex::new(&format!(
            r"(?i)\[\s*{}-(\d{{1,18}})\s*\]",
            regex::escape(prefix)
        ))
        .expect("escaped prefix is a valid pattern");
        Self { re }
    }

    pub fn find(&self, subject: &str) -> Option<TicketId> {
        self.re
            .captures_iter(subject)
            .filter_map(|c| c[1].parse::<i64>().ok())
            .find(|id| *id > 0)
            .map(TicketId)
    }

    /// The subject without any of our tokens (for a new ticket opened by a stranger's
    /// or a closed ticket's reply), whitespace tidied.
    pub fn strip(&self, subject: &str) -> String {
        self.re
            .replace_all(subject, " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_of_any_prefix_reads_for_a_body_and_nothing_else_does() {
        assert_eq!(TicketKey::parse_any("hd-42").unwrap().to_string(), "HD-42");
        assert_eq!(TicketKey::parse_any(" XY-7 ").unwrap().id(), TicketId(7));
        for bad in ["42", "-42", "HD-", "HD-0", "H1-4", "HD-4a", "HD 4", ""] {
            assert!(TicketKey::parse_any(bad).is_err(), "{bad:?}");
        }
        let key: TicketKey = serde_json::from_str("\"HD-9\"").unwrap();
        assert_eq!(key.id(), TicketId(9));
        assert!(serde_json::from_str::<TicketKey>("\"nine\"").is_err());
    }

    #[test]
    fn keys_parse_and_print() {
        let k = TicketKey::parse("hd-42", "HD").unwrap();
        assert_eq!(k.id(), TicketId(42));
        assert_eq!(k.to_string(), "HD-42");
        for bad in [
            "HD42",
            "XX-1",
            "HD-",
            "HD-0",
            "HD--1",
            "HD-1a",
            "HD-99999999999999999999",
        ] {
            assert!(TicketKey::parse(bad, "HD").is_err(), "{bad}");
        }
    }

    #[test]
    fn subject_tokens() {
        let t = SubjectToken::new("HD");
        assert_eq!(t.find("Re: [HD-42] Imprimanta"), Some(TicketId(42)));
        assert_eq!(t.find("RE: AW: [hd-7]"), Some(TicketId(7)));
        assert_eq!(t.find("[HD-5] Am primit: Re: [HD-1] x"), Some(TicketId(5)));
        assert_eq!(t.strip("Re: [HD-1]  vreau [hd-2] x"), "Re: vreau x");
        assert_eq!(t.find("HD-42 without brackets"), None);
        assert_eq!(t.find("[XY-42]"), None);
        assert_eq!(t.find("[HD-0]"), None);
    }
}
