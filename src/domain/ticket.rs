//! The ticket life cycle as a table: `Status`, `Event`, and the pure `transition`.

use serde::{Deserialize, Serialize};

use super::notification::{self, Notify};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// What happens to a ticket. Replies from mail and the portal, and agent commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Assign { agent_id: i64 },
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

/// The part of a ticket the life cycle looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketState {
    pub status: Status,
    pub assignee: Option<i64>,
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
mod tests {
    use super::Status::*;
    use super::*;

    const EVENTS: [Event; 10] = [
        Event::Assign { agent_id: 7 },
        Event::RequestInfo,
        Event::AskThirdParty,
        Event::CustomerReplied,
        Event::PartnerReplied,
        Event::AgentReplied,
        Event::InternalNote,
        Event::Resolve,
        Event::Close,
        Event::AutoClose,
    ];

    /// The whole table, one row per status, one column per event in `EVENTS` order;
    /// `None` is a refusal.
    fn expected(from: Status, assigned: bool) -> [Option<Status>; 10] {
        let reopen = if assigned {
            InProgress
        } else {
            WaitingForSupport
        };
        match from {
            WaitingForSupport => [
                Some(InProgress),
                Some(WaitingForCustomer),
                Some(WaitingForThirdParty),
                Some(WaitingForSupport),
                Some(WaitingForSupport),
                Some(WaitingForSupport),
                Some(WaitingForSupport),
                Some(Resolved),
                Some(Closed),
                None,
            ],
            InProgress => [
                Some(InProgress),
                Some(WaitingForCustomer),
                Some(WaitingForThirdParty),
                Some(InProgress),
                Some(InProgress),
                Some(InProgress),
                Some(InProgress),
                Some(Resolved),
                Some(Closed),
                None,
            ],
            WaitingForCustomer => [
                Some(WaitingForCustomer),
                Some(WaitingForCustomer),
                Some(WaitingForThirdParty),
                Some(InProgress),
                Some(WaitingForCustomer),
                Some(WaitingForCustomer),
                Some(WaitingForCustomer),
                Some(Resolved),
                Some(Closed),
                None,
            ],
            WaitingForThirdParty => [
                Some(WaitingForThirdParty),
                Some(WaitingForCustomer),
                Some(WaitingForThirdParty),
                Some(WaitingForThirdParty),
                Some(InProgress),
                Some(WaitingForThirdParty),
                Some(WaitingForThirdParty),
                Some(Resolved),
                Some(Closed),
                None,
            ],
            Resolved => [
                None,
                None,
                None,
                Some(reopen),
                Some(Resolved),
                Some(Resolved),
                Some(Resolved),
                None,
                Some(Closed),
                Some(Closed),
            ],
            Closed => [
                None,
                None,
                None,
                None,
                None,
                None,
                Some(Closed),
                None,
                None,
                None,
            ],
        }
    }

    #[test]
    fn every_cell_of_the_table() {
        for assigned in [false, true] {
            for from in Status::ALL {
                let want = expected(from, assigned);
                for (event, want) in EVENTS.iter().zip(want) {
                    let state = TicketState {
                        status: from,
                        assignee: assigned.then_some(1),
                    };
                    let got = transition(state, *event).ok().map(|t| t.state.status);
                    assert_eq!(got, want, "{from:?} + {event:?} (assigned: {assigned})");
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let closed = TicketState {
            status: Closed,
            assignee: None,
        };
        assert_eq!(
            transition(closed, Event::CustomerReplied),
            Err(Refusal::Closed)
        );
        let resolved = TicketState {
            status: Resolved,
            assignee: Some(1),
        };
        assert_eq!(
            transition(resolved, Event::Resolve),
            Err(Refusal::AlreadyResolved)
        );
        assert_eq!(
            transition(resolved, Event::RequestInfo),
            Err(Refusal::Resolved)
        );
        let open = TicketState {
            status: InProgress,
            assignee: Some(1),
        };
        assert_eq!(
            transition(open, Event::AutoClose),
            Err(Refusal::NotResolved)
        );
        assert!(Refusal::Closed.to_string().contains("new ticket"));
    }

    #[test]
    fn assign_sets_the_assignee() {
        let t = transition(
            TicketState {
                status: WaitingForSupport,
                assignee: None,
            },
            Event::Assign { agent_id: 9 },
        )
        .unwrap();
        assert_eq!(t.state.assignee, Some(9));
        assert!(t.status_changed());
        let t = transition(
            TicketState {
                status: WaitingForCustomer,
                assignee: Some(1),
            },
            Event::Assign { agent_id: 2 },
        )
        .unwrap();
        assert_eq!(
            (t.state.status, t.state.assignee),
            (WaitingForCustomer, Some(2))
        );
    }

    #[test]
    fn clocks_and_labels() {
        assert_eq!(WaitingForCustomer.clock(), Clock::Paused);
        assert_eq!(WaitingForThirdParty.clock(), Clock::Paused);
        assert_eq!(InProgress.clock(), Clock::Running);
        assert_eq!(Resolved.clock(), Clock::Stopped);
        assert_eq!(
            WaitingForSupport.label("ro"),
            "În așteptare departament suport"
        );
        assert_eq!(WaitingForThirdParty.label("ro"), "În așteptare terți");
        assert_eq!(Closed.label("en"), "Closed");
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
