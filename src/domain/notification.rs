//! Which mail an event causes, to whom, and whether an opt-out silences it.

use super::vocabulary::{Event, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    Confirmation,
    Invitation,
    PasswordReset,
    SlaAlert,
    /// To an agent: news about a ticket of theirs.
    AgentAlert,
    /// To the team: a mailbox's sign-in is refused, or works again.
    MailboxAlert,
    StatusChanged,
    RequestInfo,
    ThirdPartyRequest,
    AgentReply,
    Resolved,
    ClosedReply,
}

impl Template {
    /// The file stem under `templates/email/`.
    pub fn name(self) -> &'static str {
        match self {
            Template::Confirmation => "confirmation",
            Template::Invitation => "invitation",
            Template::PasswordReset => "password_reset",
            Template::SlaAlert => "sla_alert",
            Template::AgentAlert => "agent_alert",
            Template::MailboxAlert => "mailbox_alert",
            Template::StatusChanged => "status_changed",
            Template::RequestInfo => "request_info",
            Template::ThirdPartyRequest => "third_party_request",
            Template::AgentReply => "agent_reply",
            Template::Resolved => "resolved",
            Template::ClosedReply => "closed_reply",
        }
    }

    /// Automatic mail carries `Auto-Submitted: auto-generated` (RFC 3834); mail a person
    /// wrote (an agent's reply or question) does not.
    pub fn is_automatic(self) -> bool {
        !matches!(
            self,
            Template::AgentReply | Template::RequestInfo | Template::ThirdPartyRequest
        )
    }
}

/// What set a mail off: an inbound mail (the mail is then an automatic response, and loop
/// protection limits how many one address gets, RFC 3834 §2), or a person acting (an agent,
/// a customer in the portal): never held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    InboundMail,
    Person,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Requester,
    Partner,
}

/// One mail to queue. `always` mail ignores the requester's opt-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notify {
    pub to: Recipient,
    pub template: Template,
    pub always: bool,
}

impl Notify {
    const fn always(to: Recipient, template: Template) -> Self {
        Self {
            to,
            template,
            always: true,
        }
    }

    /// Whether this mail goes out to someone who has (or has not) opted out of status mail.
    pub fn is_sent(&self, opted_out: bool) -> bool {
        self.always || !self.carries_opt_out() || !opted_out
    }

    /// Whether the requester's colleagues on CC get a copy (with their own opt-out): status
    /// changes, public replies, questions and the resolution; not the opening mail.
    pub fn copies_to_cc(&self) -> bool {
        self.to == Recipient::Requester
            && matches!(
                self.template,
                Template::StatusChanged
                    | Template::AgentReply
                    | Template::RequestInfo
                    | Template::Resolved
            )
    }

    /// Mail the requester can silence carries the opt-out link and `List-Unsubscribe`;
    /// so does the mail that opens a ticket (always sent, as nobody has opted out of a
    /// ticket not yet there), which is where a customer first gets the choice.
    pub fn carries_opt_out(&self) -> bool {
        self.to == Recipient::Requester
            && (!self.always
                || matches!(
                    self.template,
                    Template::Confirmation | Template::ClosedReply
                ))
    }
}

/// Whether loop protection may hold back an automatic mail of this template.
pub fn loop_limited(template: Template, cause: Cause) -> bool {
    template.is_automatic() && cause == Cause::InboundMail
}

/// The mail for a new ticket.
pub fn for_new_ticket(linked_to_closed: bool) -> Notify {
    let template = if linked_to_closed {
        Template::ClosedReply
    } else {
        Template::Confirmation
    };
    Notify::always(Recipient::Requester, template)
}

/// The mail an accepted event causes. Requests for information, agent replies and the
/// resolution always go out; a plain status change can be silenced by the customer.
pub fn for_transition(event: Event, from: Status, to: Status) -> Vec<Notify> {
    let status_mail = Notify {
        to: Recipient::Requester,
        template: Template::StatusChanged,
        always: false,
    };
    match event {
        Event::RequestInfo => vec![Notify::always(Recipient::Requester, Template::RequestInfo)],
        Event::Resolve => vec![Notify::always(Recipient::Requester, Template::Resolved)],
        Event::AgentReplied => vec![Notify::always(Recipient::Requester, Template::AgentReply)],
        Event::AskThirdParty => {
            let mut mail = vec![Notify::always(
                Recipient::Partner,
                Template::ThirdPartyRequest,
            )];
            if from != to {
                mail.push(status_mail);
            }
            mail
        }
        Event::InternalNote => vec![],
        Event::Assign { .. }
        | Event::CustomerReplied
        | Event::PartnerReplied
        | Event::Close
        | Event::AutoClose => {
            if from != to {
                vec![status_mail]
            } else {
                vec![]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_protection_only_limits_automatic_answers_to_mail() {
        assert!(loop_limited(Template::Confirmation, Cause::InboundMail));
        assert!(loop_limited(Template::StatusChanged, Cause::InboundMail));
        assert!(
            !loop_limited(Template::Resolved, Cause::Person),
            "an agent's resolution always goes"
        );
        assert!(!loop_limited(Template::StatusChanged, Cause::Person));
        assert!(!loop_limited(Template::AgentReply, Cause::InboundMail));
    }

    #[test]
    fn new_tickets() {
        assert_eq!(for_new_ticket(false).template, Template::Confirmation);
        // The opening mail offers the opt-out, and still goes to everyone.
        assert!(for_new_ticket(false).carries_opt_out());
        assert!(for_new_ticket(true).carries_opt_out());
        assert!(for_new_ticket(false).is_sent(true));
        assert!(!for_new_ticket(false).copies_to_cc());
        let resolved = Notify::always(Recipient::Requester, Template::Resolved);
        assert!(resolved.copies_to_cc());
        assert!(!Notify::always(Recipient::Partner, Template::ThirdPartyRequest).copies_to_cc());
        assert_eq!(for_new_ticket(true).template, Template::ClosedReply);
        assert!(Template::Confirmation.is_automatic());
        assert!(!Template::AgentReply.is_automatic());
    }
}
