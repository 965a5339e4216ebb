//! Whose voice a message of a ticket is: the customer's side, a partner's, an agent's
//! public answer, an internal note, or the helpdesk's own.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// The requester or someone on CC.
    Customer,
    /// A partner the agents asked.
    Partner,
    /// An agent's answer, sent to the customer.
    Agent,
    /// For agents only: a note, a forward's own words, the team's mail.
    Note,
    /// Written by the helpdesk itself.
    System,
}

impl MessageKind {
    pub const ALL: [MessageKind; 5] = [
        MessageKind::Customer,
        MessageKind::Partner,
        MessageKind::Agent,
        MessageKind::Note,
        MessageKind::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Customer => "customer",
            MessageKind::Partner => "partner",
            MessageKind::Agent => "agent",
            MessageKind::Note => "note",
            MessageKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Part of the conversation the customer sees: their side and the agents' answers
    /// (unless such a message was kept internal).
    pub fn is_conversation(self) -> bool {
        matches!(self, MessageKind::Customer | MessageKind::Agent)
    }

    /// Only agents see a message of this kind.
    pub fn is_internal(self) -> bool {
        self == MessageKind::Note
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in MessageKind::ALL {
            assert_eq!(MessageKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MessageKind::parse("Customer"), None);
        assert_eq!(
            serde_json::to_string(&MessageKind::Note).unwrap(),
            "\"note\""
        );
    }
}
