//! What a customer sees in the portal: their requests (as requester or CC), and one
//! request with the public side of its conversation only.

use std::collections::HashMap;

use super::{Customer, Download, MessageView};
use crate::db;
use crate::domain::ids::TicketId;
use crate::domain::message_kind::MessageKind;
use crate::service::customer_actions::visible_ticket;
use crate::service::{Ctx, ServiceError};

pub use crate::db::portal::{RequestQuery, RequestSummary};
pub use crate::db::tickets::TicketRow;

/// One request as its customer sees it.
#[derive(Debug, Clone)]
pub struct PortalRequest {
    pub ticket: TicketRow,
    /// The customer's side and the agents' public answers, oldest first.
    pub messages: Vec<MessageView>,
    /// The names of the agents who answered, by address (empty when unknown).
    pub agent_names: HashMap<String, String>,
    /// The colleagues on CC ("Participanți"), who get its mail too.
    pub cc: Vec<String>,
}

/// Messages a customer sees: their side and the agents' public answers, never internal
/// notes or the conversation with partners.
fn is_public(m: &MessageView) -> bool {
    !m.internal && m.kind.is_conversation()
}

/// A page of the customer's requests and how many match in all.
pub async fn requests(
    ctx: &Ctx,
    query: RequestQuery,
) -> Result<(Vec<RequestSummary>, i64), ServiceError> {
    if query.text.is_some() {
        crate::service::search_index::catch_up(ctx).await?;
    }
    Ok(ctx
        .db
        .read(move |c| db::portal::requests(c, &query))
        .await?)
}

/// The request `id`, if the customer takes part in it; else "not found".
pub async fn request(
    ctx: &Ctx,
    customer: &Customer,
    id: TicketId,
) -> Result<PortalRequest, ServiceError> {
    let (c2, who) = (ctx.clone(), customer.clone());
    ctx.db
        .read(move |conn| {
            let ticket = visible_ticket(conn, &c2, &who, id)?;
            let messages: Vec<MessageView> = db::messages::for_ticket(conn, id)?
                .into_iter()
                .filter(is_public)
                .collect();
            let mut agent_names = HashMap::new();
            for m in messages.iter().filter(|m| m.kind == MessageKind::Agent) {
                if !agent_names.contains_key(&m.author) {
                    let name = db::agents::name_of(conn, &m.author)?.unwrap_or_default();
                    agent_names.insert(m.author.clone(), name);
                }
            }
            let cc = db::participants::cc_of(conn, id)?
                .into_iter()
                .map(|p| p.address)
                .collect();
            Ok::<_, ServiceError>(PortalRequest {
                ticket,
                messages,
                agent_names,
                cc,
            })
        })
        .await
}

/// A file of a public message of a request the customer takes part in.
pub async fn download(
    ctx: &Ctx,
    customer: &Customer,
    id: TicketId,
    attachment: i64,
) -> Result<Option<Download>, ServiceError> {
    let (c2, who) = (ctx.clone(), customer.clone());
    ctx.db
        .read(move |conn| {
            visible_ticket(conn, &c2, &who, id)?;
            Ok::<_, ServiceError>(db::messages::download(conn, id, attachment, true)?)
        })
        .await
}
