//! The mail that tells an agent about one of their tickets: the customer or a partner
//! answered, it was assigned to them, or a note mentions them.

use chrono::{DateTime, Utc};

use super::{Addressee, Draft, MailVars, enqueue, staff_vars};
use crate::db::{Conn, agents::Agent, tickets::TicketRow};
use crate::domain::inbound::Role;
use crate::domain::notification::{Cause, Template};
use crate::service::Ctx;

/// Why an agent is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentNews {
    Answer,
    Assigned,
    Mention,
}

impl AgentNews {
    fn as_str(self) -> &'static str {
        match self {
            AgentNews::Answer => "answer",
            AgentNews::Assigned => "assigned",
            AgentNews::Mention => "mention",
        }
    }
}

/// What an agent is told: why, by whom, and what they wrote.
#[derive(Debug, Clone, Copy)]
pub struct AgentAlert<'a> {
    pub news: AgentNews,
    pub who: &'a str,
    pub text: &'a str,
}

/// The most of a message an alert quotes.
const EXCERPT_CHARS: usize = 600;

/// Queues the alert to `agent` about `ticket`.
pub fn queue_agent_alert(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    agent: &Agent,
    alert: AgentAlert<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let AgentAlert { news, who, text } = alert;
    let mut excerpt: String = text.trim().chars().take(EXCERPT_CHARS).collect();
    if text.trim().chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    let vars = MailVars {
        alert_kind: news.as_str().to_string(),
        agent_name: agent.name.clone(),
        partner_name: who.to_string(),
        message: excerpt,
        ..staff_vars(ctx, ticket)
    };
    let lang = vars.lang.clone();
    // An answer to the alert is the agent's note on the ticket, as for SLA alerts.
    let to = Addressee {
        address: &agent.email,
        name: &agent.name,
        lang: &lang,
        role: Some(Role::Staff),
    };
    let draft = Draft {
        ticket_id: Some(ticket.id),
        to,
        template: Template::AgentAlert,
        vars,
    };
    enqueue(conn, ctx, &draft, Cause::Person, now)
}
