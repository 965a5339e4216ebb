//! Inbound mail decisions: what kind of mail it is (RFC 3834), and which ticket it joins.

use std::sync::LazyLock;

use regex::Regex;

use super::email_address::EmailAddress;
use super::ids::TicketId;
use super::ticket::{Event, Status};

/// The headers that tell automatic mail from mail a person wrote.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub from: Option<EmailAddress>,
    pub subject: String,
    pub auto_submitted: Option<String>,
    pub x_autoreply: bool,
    pub precedence: Option<String>,
    pub list_id: bool,
    pub content_type: String,
    pub report_type: Option<String>,
    pub return_path_null: bool,
    pub x_failed_recipients: bool,
    pub x_loop: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A person wrote it: it may open or join a ticket.
    Human,
    AutoReply,
    Bounce,
    Bulk,
    List,
    /// Our own outbound mail came back (a loop).
    OwnMail,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Human => "human",
            Kind::AutoReply => "auto_reply",
            Kind::Bounce => "bounce",
            Kind::Bulk => "bulk",
            Kind::List => "list",
            Kind::OwnMail => "own_mail",
        }
    }
}

static AUTO_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(?:
            auto(?:matic)?[\s_-]*(?:reply|response|antwort|risposta|respuesta)
          | auto:\s | autoreply | out\s+of\s+(?:the\s+)?office | ooo\s*: | away\s+from\s+(?:the\s+)?office
          | r[ăa]spuns\s+automat | absent[aă]?\s*: | absence\s*: | abwesenheit | réponse\s+automatique
          | automatische\s+antwort | vacation\s+(?:reply|notice) | nu\s+sunt\s+la\s+birou | sunt\s+[îi]n\s+concediu
          | risposta\s+automatica | respuesta\s+autom[aá]tica | automatisch\s+antwoord | autosvar | automatikus\s+v[aá]lasz
          | odpowied[zź]\s+automatyczna | automatick[aá]\s+odpov[eě]ď | автоответ | автоматический\s+ответ
        )",
    )
    .expect("valid pattern")
});

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:undeliver(?:ed|able)|delivery\s+(?:status\s+notification|failure|has\s+failed)|mail\s+delivery\s+failed|returned\s+mail|failure\s+notice|nedistribuit|nelivrat)",
    )
    .expect("valid pattern")
});

/// The prefixes mail clients put before a forwarded mail's subject ("Fwd:", "FW:", "TR:",
/// "WG:", "RV:", "Redirecționat:" …), one or several.
static FORWARD_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:(?:fwd?|fw|tr|wg|rv|enc|vs|vb|doorst|i|redirec[țţt]ionat)\s*:\s*)+")
        .expect("valid pattern")
});

/// The subject of a forwarded mail without its forward prefixes; `None` when the subject
/// does not say it is a forward.
pub fn forwarded_subject(subject: &str) -> Option<&str> {
    FORWARD_PREFIX
        .find(subject)
        .map(|m| subject[m.end()..].trim())
}

/// RFC 3834 and the de-facto headers of Exchange, Gmail, list servers and MTAs.
pub fn classify(s: &Signals, own: &[EmailAddress]) -> Kind {
    if s.from.as_ref().is_some_and(|from| own.contains(from))
        || s.x_loop
            .iter()
            .any(|v| own.iter().any(|o| v.eq_ignore_ascii_case(o.as_str())))
    {
        return Kind::OwnMail;
    }
    let ct = s.content_type.to_ascii_lowercase();
    let report = s.report_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let daemon = s.from.as_ref().is_some_and(EmailAddress::is_mailer_daemon);
    if (ct == "multipart/report" && report.contains("delivery-status"))
        || daemon
        || s.x_failed_recipients
        || (s.return_path_null && BOUNCE_SUBJECT.is_match(&s.subject))
    {
        return Kind::Bounce;
    }
    let auto_submitted = s
        .auto_submitted
        .as_deref()
        .map(|v| v.trim().to_ascii_lowercase());
    if auto_submitted.as_deref().is_some_and(|v| !v.is_empty() && !v.starts_with("no"))
        || s.x_autoreply
        // Read receipts, spam complaints (ARF), TLS reports: every report that is not a
        // bounce is a machine's.
        || ct == "multipart/report"
        || AUTO_SUBJECT.is_match(&s.subject)
    {
        return Kind::AutoReply;
    }
    match s
        .precedence
        .as_deref()
        .map(|p| p.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("auto_reply") => return Kind::AutoReply,
        Some("bulk" | "junk") => return Kind::Bulk,
        Some("list") => return Kind::List,
        _ => {}
    }
    if s.list_id {
        return Kind::List;
    }
    Kind::Human
}

/// How the sender relates to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Requester,
    Cc,
    Partner,
    /// The support team: an agent, or the address our SLA alerts went to. Its mail about a
    /// ticket is an internal note; it never takes part in the ticket as a customer.
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Requester => "requester",
            Role::Cc => "cc",
            Role::Partner => "partner",
            Role::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Requester, Role::Cc, Role::Partner, Role::Staff]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

impl Role {
    /// What a reply from someone in this role is, for the life cycle: nothing for the
    /// team's own notes.
    pub fn reply_event(self) -> Option<Event> {
        match self {
            Role::Partner => Some(Event::PartnerReplied),
            Role::Requester | Role::Cc => Some(Event::CustomerReplied),
            Role::Staff => None,
        }
    }

    /// The role an address that is new on the ticket joins with: the requester stays the
    /// one who opened it, so a customer writing from another address joins as CC; the
    /// team never joins.
    pub fn joins_as(self) -> Option<Role> {
        match self {
            Role::Requester => Some(Role::Cc),
            Role::Staff => None,
            other => Some(other),
        }
    }
}

/// A ticket that the mail seems to belong to, with what we know of the sender there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub ticket: TicketId,
    pub status: Status,
    /// The sender's role on that ticket, if they are a participant.
    pub sender_role: Option<Role>,
    /// For a reference: the role of the person our referenced mail was sent to.
    pub addressee_role: Option<Role>,
}

/// What the lookups found: a ticket named by one of our Message-IDs in
/// `In-Reply-To`/`References`, a ticket named by the subject token, and a ticket holding
/// an earlier inbound mail named in the references (the customer answering their own
/// first mail from their Sent folder, a colleague answering all on it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence {
    pub by_reference: Option<Candidate>,
    pub by_token: Option<Candidate>,
    pub by_earlier_mail: Option<Candidate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threading {
    /// Add the mail to this open (or resolved) ticket; the sender acts in this role.
    Existing { ticket: TicketId, role: Role },
    /// Open a new ticket.
    New,
    /// The mail answers a closed ticket: open a new ticket linked to it.
    NewLinked { closed: TicketId },
}

/// The order: our Message-IDs first, then the token when the sender is a
/// participant. Only mail that both leave out may go on to a ticket holding an earlier
/// inbound mail it names, again only when the sender takes part in that ticket (the
/// Message-IDs of inbound mail are not secret). A stranger never adds to someone else's
/// ticket.
pub fn thread(evidence: Evidence) -> Threading {
    let as_participant = |c: Option<Candidate>| c.and_then(|c| c.sender_role.map(|role| (c, role)));
    let chosen = match evidence.by_reference {
        Some(c) => Some((c, c.sender_role.or(c.addressee_role).unwrap_or(Role::Cc))),
        None => {
            as_participant(evidence.by_token).or_else(|| as_participant(evidence.by_earlier_mail))
        }
    };
    match chosen {
        None => Threading::New,
        // The team's note on a closed ticket reopens nothing; it stays a note there.
        Some((c, role)) if c.status == Status::Closed && role != Role::Staff => {
            Threading::NewLinked { closed: c.ticket }
        }
        Some((c, role)) => Threading::Existing {
            ticket: c.ticket,
            role,
        },
    }
}

#[cfg(test)]
mod tests;
