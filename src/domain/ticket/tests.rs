//! Unit tests of the ticket life cycle table: every status against every event.

use super::Status::*;
use super::*;
use crate::domain::ids::AgentId;
use crate::domain::notification::{Recipient, Template};

const EVENTS: [Event; 10] = [
    Event::Assign {
        agent_id: AgentId(7),
    },
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
                    assignee: assigned.then_some(AgentId(1)),
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
        assignee: Some(AgentId(1)),
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
        assignee: Some(AgentId(1)),
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
        Event::Assign {
            agent_id: AgentId(9),
        },
    )
    .unwrap();
    assert_eq!(t.state.assignee, Some(AgentId(9)));
    assert!(t.status_changed());
    let t = transition(
        TicketState {
            status: WaitingForCustomer,
            assignee: Some(AgentId(1)),
        },
        Event::Assign {
            agent_id: AgentId(2),
        },
    )
    .unwrap();
    assert_eq!(
        (t.state.status, t.state.assignee),
        (WaitingForCustomer, Some(AgentId(2)))
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

// The mail each accepted event causes.

fn mail(status: Status, event: Event) -> Vec<Notify> {
    transition(
        TicketState {
            status,
            assignee: Some(AgentId(1)),
        },
        event,
    )
    .unwrap()
    .notify
}

#[test]
fn opted_out_customer_still_gets_questions_and_the_resolution() {
    let ask = mail(Status::InProgress, Event::RequestInfo);
    assert_eq!(ask.len(), 1);
    assert!(ask[0].is_sent(true));
    let resolved = mail(Status::InProgress, Event::Resolve);
    assert_eq!(resolved[0].template, Template::Resolved);
    assert!(resolved[0].is_sent(true));
    let reply = mail(Status::InProgress, Event::AgentReplied);
    assert!(reply[0].is_sent(true));
}

#[test]
fn status_mail_is_silenced_by_the_opt_out() {
    let back = mail(Status::WaitingForCustomer, Event::CustomerReplied);
    assert_eq!(
        back,
        vec![Notify {
            to: Recipient::Requester,
            template: Template::StatusChanged,
            always: false
        }]
    );
    assert!(back[0].is_sent(false));
    assert!(!back[0].is_sent(true));
}

#[test]
fn partner_gets_the_question_and_customer_the_status() {
    let m = mail(Status::InProgress, Event::AskThirdParty);
    assert_eq!(m[0].to, Recipient::Partner);
    assert!(m[0].is_sent(true));
    assert_eq!(m[1].template, Template::StatusChanged);
    assert!(!m[1].is_sent(true));
}

#[test]
fn no_mail_without_a_change() {
    assert!(mail(Status::InProgress, Event::CustomerReplied).is_empty());
    assert!(
        mail(
            Status::InProgress,
            Event::Assign {
                agent_id: AgentId(2)
            }
        )
        .is_empty()
    );
    assert!(mail(Status::InProgress, Event::InternalNote).is_empty());
}
