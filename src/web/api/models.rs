//! The API's response bodies: the types the handlers answer with and the OpenAPI document
//! is generated from, so that what is sent and what is described cannot part ways.

use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoResponses, ToSchema};

pub use crate::domain::agent_role::AgentRole;
use crate::domain::ids::TicketId;
use crate::domain::satisfaction::Rating;
use crate::domain::sla::ClockView;
use crate::domain::ticket::{Channel, Priority, Status};
use crate::service::Ctx;
use crate::service::queries::MessageView;
use crate::service::queries::admin::{Partner, Quarantined, RosterEntry};
use crate::service::queries::tickets::{SlaEvent, TicketDetail as Detail, TicketRow};
use crate::service::queue::QueueItem;
use crate::web::error::WebError;

/// Like `axum::Json`, but the keys of every object come out in alphabetical order, as
/// they did when the answers were built as `serde_json::Value`s: the bytes clients get
/// stay the same.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_value(&self.0) {
            Ok(v) => axum::Json(v).into_response(),
            Err(e) => WebError::Internal(e.into()).into_response(),
        }
    }
}

/// What went wrong, with a 4xx status (an illegal life-cycle transition is 409 with the
/// reason).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: String,
}

/// Who asked: their address and name.
#[derive(Serialize, ToSchema)]
pub struct Requester {
    pub email: String,
    pub name: String,
}

/// A ticket as lists and agent actions show it.
#[derive(Serialize, ToSchema)]
#[schema(as = Ticket)]
pub struct TicketSummary {
    /// The agent it is assigned to (their address).
    pub assignee: Option<String>,
    pub channel: Channel,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(value_type = i64)]
    pub id: TicketId,
    #[schema(example = "HD-42")]
    pub key: String,
    /// The ticket this one was opened from (a reply to a closed one).
    pub linked_from: Option<String>,
    /// The address of the mailbox it came in through; its mail goes out From it.
    #[schema(example = "support@example.test")]
    pub mailbox: String,
    /// The ticket this one was merged into.
    pub merged_into: Option<String>,
    pub priority: Priority,
    /// The queue it is in: its mailbox's.
    #[schema(example = "Suport")]
    pub queue: String,
    pub requester: Requester,
    pub resolution: Option<String>,
    /// The customer's answer to "Sunteți mulțumit de rezolvare?", once given.
    pub satisfaction: Option<Satisfaction>,
    pub status: Status,
    /// The status in the helpdesk's default language.
    pub status_label: String,
    /// Whether the customer is mailed on status changes.
    pub status_mail: bool,
    pub subject: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Raised by every change; also the `ETag`, which an action's `If-Match` names.
    pub version: i64,
}

impl TicketSummary {
    pub fn new(ctx: &Ctx, t: &TicketRow) -> Self {
        let key = |id: TicketId| ctx.key(id).to_string();
        TicketSummary {
            assignee: t.assignee_email.clone(),
            channel: t.channel,
            created_at: t.created_at.clone(),
            id: t.id,
            key: key(t.id),
            linked_from: t.linked_from_id.map(key),
            mailbox: t.mailbox.clone(),
            merged_into: t.merged_into_id.map(key),
            priority: t.priority,
            queue: t.queue.clone(),
            requester: Requester {
                email: t.requester_email.clone(),
                name: t.requester_name.clone(),
            },
            resolution: t.resolution.clone(),
            satisfaction: t.satisfaction.as_ref().map(|s| Satisfaction {
                comment: s.comment.clone(),
                rated_at: s.rated_at.clone(),
                rating: s.rating,
            }),
            status: t.status,
            status_label: t
                .status
                .label(&ctx.config.helpdesk.default_locale)
                .to_string(),
            status_mail: t.status_mail,
            subject: t.subject.clone(),
            updated_at: t.updated_at.clone(),
            version: t.version,
        }
    }

    /// The `ETag` header that names this version of the ticket.
    pub fn etag(&self) -> [(axum::http::HeaderName, String); 1] {
        [(axum::http::header::ETAG, format!("\"{}\"", self.version))]
    }
}

/// What the customer answered from the resolution mail's links.
#[derive(Serialize, ToSchema)]
pub struct Satisfaction {
    pub comment: String,
    #[schema(format = DateTime)]
    pub rated_at: String,
    pub rating: Rating,
}

/// A page of tickets, newest first.
#[derive(Serialize, ToSchema)]
pub struct TicketList {
    /// The `before` of the next page; null on the last one.
    pub next_before: Option<i64>,
    pub tickets: Vec<TicketSummary>,
}

/// One ticket with its messages, participants, status history and SLA clocks.
#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: TicketSummary,
    pub history: Vec<StatusChange>,
    pub messages: Vec<MessageView>,
    pub participants: Vec<Participant>,
    pub sla: TicketSla,
}

impl TicketDetail {
    pub fn new(ctx: &Ctx, d: Detail) -> Self {
        TicketDetail {
            ticket: TicketSummary::new(ctx, &d.ticket),
            history: d
                .history
                .into_iter()
                .map(|h| StatusChange {
                    actor: h.actor,
                    at: h.at,
                    from: h.from,
                    to: h.to,
                })
                .collect(),
            messages: d.messages,
            participants: d
                .participants
                .into_iter()
                .map(|p| Participant {
                    address: p.address,
                    role: p.role,
                })
                .collect(),
            sla: TicketSla {
                assignment: d.assignment,
                events: d.sla_events,
                resolution: d.resolution,
            },
        }
    }
}

/// One entry of the status history.
#[derive(Serialize, ToSchema)]
pub struct StatusChange {
    pub actor: String,
    pub at: String,
    /// The status before; null for the first entry.
    pub from: Option<String>,
    pub to: String,
}

/// Someone who takes part in a ticket.
#[derive(Serialize, ToSchema)]
pub struct Participant {
    pub address: String,
    #[schema(value_type = ParticipantRole)]
    pub role: crate::domain::inbound::Role,
}

/// How someone takes part in a ticket.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParticipantRole {
    Requester,
    Cc,
    Partner,
}

/// A ticket's two SLA clocks and what they raised.
#[derive(Serialize, ToSchema)]
pub struct TicketSla {
    pub assignment: ClockView,
    pub events: Vec<SlaEvent>,
    pub resolution: ClockView,
}

/// Both SLA clocks of a queue row.
#[derive(Serialize, ToSchema)]
pub struct Clocks {
    pub assignment: ClockView,
    pub resolution: ClockView,
}

/// One row of the agents' queue.
#[derive(Serialize, ToSchema)]
pub struct QueueTicket {
    /// The name of the agent it is assigned to.
    pub assignee: Option<String>,
    #[schema(example = "HD-42")]
    pub key: String,
    pub priority: Priority,
    /// The queue it is in: its mailbox's.
    pub queue: String,
    pub requester: Requester,
    pub sla: Clocks,
    /// When the next SLA goal is missed, if the clock keeps running.
    pub sla_due_at: Option<String>,
    pub status: Status,
    pub subject: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl QueueTicket {
    pub fn new(ctx: &Ctx, i: QueueItem) -> Self {
        QueueTicket {
            assignee: i.row.assignee_name,
            key: ctx.key(i.row.id).to_string(),
            priority: i.row.priority,
            queue: i.row.queue,
            requester: Requester {
                email: i.row.requester_email,
                name: i.row.requester_name,
            },
            sla: Clocks {
                assignment: i.assignment,
                resolution: i.resolution,
            },
            sla_due_at: i.row.sla_due_at,
            status: i.row.status,
            subject: i.row.subject,
            updated_at: i.row.updated_at,
        }
    }
}

/// A page of the queue, and how many tickets match in all.
#[derive(Serialize, ToSchema)]
pub struct QueuePage {
    pub tickets: Vec<QueueTicket>,
    pub total: i64,
}

/// Every partner, by name.
#[derive(Serialize, ToSchema)]
pub struct PartnerList {
    pub partners: Vec<Partner>,
}

/// A partner as saved.
#[derive(Serialize, ToSchema)]
pub struct SavedPartner {
    pub email: String,
    pub name: String,
}

/// Every agent, disabled ones too, with their API tokens.
#[derive(Serialize, ToSchema)]
pub struct AgentList {
    pub agents: Vec<RosterEntry>,
}

/// An agent as saved.
#[derive(Serialize, ToSchema)]
pub struct SavedAgent {
    pub email: String,
    pub name: String,
    pub role: AgentRole,
}

/// An agent just disabled.
#[derive(Serialize, ToSchema)]
pub struct DisabledAgent {
    pub disabled: bool,
    pub email: String,
    pub name: String,
    pub role: AgentRole,
}

/// The quarantined messages not yet replayed or discarded, oldest first.
#[derive(Serialize, ToSchema)]
pub struct QuarantineList {
    /// Inline, as the hand-written document had it: a named schema leads the generated
    /// checks from this list straight to replaying its entries, and replay refuses an
    /// over-size entry with 400, which they take for a document looser than the API.
    #[schema(inline)]
    pub quarantine: Vec<Quarantined>,
}

/// What processing a quarantined message again came to.
#[derive(Serialize, ToSchema)]
pub struct Replayed {
    pub detail: String,
    #[schema(value_type = ReplayOutcome)]
    pub outcome: &'static str,
}

/// What became of a replayed message.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReplayOutcome {
    Created,
    Threaded,
    Ignored,
    Quarantined,
    Duplicate,
}

/// The error answers, one status each, that the operations list.
macro_rules! error_responses {
    ($($name:ident = $status:literal, $what:literal;)*) => {$(
        #[derive(IntoResponses)]
        #[response(status = $status, description = $what)]
        pub struct $name(#[allow(dead_code)] ErrorBody);
    )*};
}

error_responses! {
    BadRequest = 400, "The request is malformed";
    Unprocessable = 422, "A value is not acceptable; the message names it";
    Unauthorized = 401, "No valid bearer token";
    NotAdmin = 403, "Only an admin may do this";
    NotFound = 404, "Not found";
    Refused = 409, "Refused by the life cycle, with the reason";
    TooLarge = 413, "The request body is over the limit";
    Stale = 412, "The request's If-Match names an older version of the ticket (its ETag); the message says what it is now";
}
