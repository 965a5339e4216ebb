//! The ticket life cycle as a table: the pure `transition` from a `Status` on an `Event`
//! (both defined in `vocabulary`, used from here), and a ticket's priority and channel.

use serde::{Deserialize, Serialize};

use super::ids::AgentId;
use super::notification::{self, Notify};
pub use super::vocabulary::{Clock, Event, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Phone,
    Portal,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Portal => "portal",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Email, Channel::Phone, Channel::Portal]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// The part of a ticket the life cycle looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketState {
    pub status: Status,
    pub assignee: Option<AgentId>,
}

/// The outcome of an accepted event: the new state and the mail it causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: Status,
    pub state: TicketState,
    pub notify: Vec<Notify>,
}

impl Transition {
    pub fn status_changed(&self) -> bool {
        self.from != self.state.status
    }
}

/// Why an event was refused; shown to the agent (HTTP 409) as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the ticket is closed; closed tickets are never reopened (a reply opens a new ticket)")]
    Closed,
    #[error("the ticket is already resolved")]
    AlreadyResolved,
    #[error("the ticket is resolved; a customer reply reopens it")]
    Resolved,
    #[error("only resolved tickets are closed automatically")]
    NotResolved,
}

/// The life cycle table. Pure: the caller records history and sends the mail.
pub fn transition(ticket: TicketState, event: Event) -> Result<Transition, Refusal> {
    use Status::*;
    let from = ticket.status;
    let mut assignee = ticket.assignee;
    let to = match (from, event) {
        (Closed, Event::InternalNote) => Closed,
        (Closed, _) => return Err(Refusal::Closed),
        (_, Event::InternalNote) => from,

        (Resolved, Event::Assign { .. } | Event::RequestInfo | Event::AskThirdParty) => {
            return Err(Refusal::Resolved);
        }
        (Resolved, Event::Resolve) => return Err(Refusal::AlreadyResolved),
        (Resolved, Event::CustomerReplied) => {
            if assignee.is_some() {
                InProgress
            } else {
                WaitingForSupport
            }
        }
        (Resolved, Event::PartnerReplied | Event::AgentReplied) => Resolved,
        (Resolved, Event::Close | Event::AutoClose) => Closed,
        (_, Event::AutoClose) => return Err(Refusal::NotResolved),

        (_, Event::Assign { agent_id }) => {
            assignee = Some(agent_id);
            if from == WaitingForSupport {
                InProgress
            } else {
                from
            }
        }
        (_, Event::RequestInfo) => WaitingForCustomer,
        (_, Event::AskThirdParty) => WaitingForThirdParty,
        (WaitingForCustomer, Event::CustomerReplied) => InProgress,
        (WaitingForThirdParty, Event::PartnerReplied) => InProgress,
        (_, Event::CustomerReplied | Event::PartnerReplied | Event::AgentReplied) => from,
        (_, Event::Resolve) => Resolved,
        (_, Event::Close) => Closed,
    };
    let notify = notification::for_transition(event, from, to);
    Ok(Transition {
        from,
        state: TicketState {
            status: to,
            assignee,
        },
        notify,
    })
}

#[cfg(test)]
mod tests;
