//! The words of the ticket life cycle: the statuses, what an SLA clock does in each, and
//! the events that move a ticket. Both the life cycle table and the mail it causes use them.

use serde::{Deserialize, Serialize};

use super::ids::AgentId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    WaitingForSupport,
    InProgress,
    WaitingForCustomer,
    WaitingForThirdParty,
    Resolved,
    Closed,
}

/// What an SLA clock does while a ticket is in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    Running,
    Paused,
    Stopped,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::WaitingForSupport,
        Status::InProgress,
        Status::WaitingForCustomer,
        Status::WaitingForThirdParty,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::WaitingForSupport => "waiting_for_support",
            Status::InProgress => "in_progress",
            Status::WaitingForCustomer => "waiting_for_customer",
            Status::WaitingForThirdParty => "waiting_for_third_party",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The customer-facing label; Romanian unless `lang` is `en`.
    pub fn label(self, lang: &str) -> &'static str {
        let en = lang == "en";
        match self {
            Status::WaitingForSupport if en => "Waiting for support",
            Status::WaitingForSupport => "În așteptare departament suport",
            Status::InProgress if en => "In progress",
            Status::InProgress => "În lucru",
            Status::WaitingForCustomer if en => "Waiting for customer",
            Status::WaitingForCustomer => "În așteptare client",
            Status::WaitingForThirdParty if en => "Waiting for third party",
            Status::WaitingForThirdParty => "În așteptare terți",
            Status::Resolved if en => "Resolved",
            Status::Resolved => "Rezolvat",
            Status::Closed if en => "Closed",
            Status::Closed => "Închis",
        }
    }

    pub fn clock(self) -> Clock {
        match self {
            Status::WaitingForSupport | Status::InProgress => Clock::Running,
            Status::WaitingForCustomer | Status::WaitingForThirdParty => Clock::Paused,
            Status::Resolved | Status::Closed => Clock::Stopped,
        }
    }
}

/// What happens to a ticket. Replies from mail and the portal, and agent commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Assign { agent_id: AgentId },
    RequestInfo,
    AskThirdParty,
    CustomerReplied,
    PartnerReplied,
    AgentReplied,
    InternalNote,
    Resolve,
    Close,
    AutoClose,
}
