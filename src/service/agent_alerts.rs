//! Agents hear about their tickets: when the customer or a partner answers one assigned
//! to them (and the queue marks it until they open it), when one is assigned to them by
//! someone else, and when a note mentions them. Each as the agent's preferences say.

use chrono::{DateTime, Utc};

use super::notify::{self, AgentAlert, AgentNews};
use super::{Ctx, ServiceError};
use crate::db::{self, Conn, agents::Agent, tickets::TicketRow};
use crate::domain::ids::AgentId;
use crate::domain::mentions::{Mentionable, mentioned};

pub use crate::db::agents::AlertPrefs;

/// The customer or a partner (`who`) answered `ticket` (as it now is): the assignee is
/// told, and the queue marks the ticket.
pub fn answered(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    who: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let Some(assignee) = ticket.assignee_id else {
        return Ok(());
    };
    db::tickets::set_news(conn, ticket.id, true)?;
    let agent = db::agents::get(conn, assignee)?;
    if db::agents::alert_prefs(conn, assignee)?.answer {
        let alert = AgentAlert {
            news: AgentNews::Answer,
            who,
            text,
        };
        notify::queue_agent_alert(conn, ctx, ticket, &agent, alert, now)?;
    }
    Ok(())
}

/// `ticket` (as it now is) was assigned by `actor`: its new assignee is told, unless they
/// took it themselves.
pub fn assigned(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let Some(assignee) = ticket.assignee_id else {
        return Ok(());
    };
    let agent = db::agents::get(conn, assignee)?;
    if agent.email.eq_ignore_ascii_case(actor) || !db::agents::alert_prefs(conn, assignee)?.assign {
        return Ok(());
    }
    let by = db::agents::name_of(conn, actor)?.unwrap_or_else(|| actor.to_string());
    let alert = AgentAlert {
        news: AgentNews::Assigned,
        who: &by,
        text: "",
    };
    notify::queue_agent_alert(conn, ctx, ticket, &agent, alert, now)?;
    Ok(())
}

/// `author` wrote a note on `ticket`: every other agent it mentions (`@ana`) is told.
pub fn noted(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    author: &Agent,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if !text.contains('@') {
        return Ok(());
    }
    let agents = db::agents::all(conn)?;
    let candidates: Vec<Mentionable<'_, AgentId>> = agents
        .iter()
        .filter(|a| a.id != author.id)
        .map(|a| Mentionable {
            id: a.id,
            email: &a.email,
            name: &a.name,
        })
        .collect();
    for id in mentioned(text, &candidates) {
        let Some(agent) = agents.iter().find(|a| a.id == id) else {
            continue;
        };
        if db::agents::alert_prefs(conn, id)?.mention {
            let alert = AgentAlert {
                news: AgentNews::Mention,
                who: &author.name,
                text,
            };
            notify::queue_agent_alert(conn, ctx, ticket, agent, alert, now)?;
        }
    }
    Ok(())
}

/// The assignee opened the ticket: the queue's marker goes.
pub async fn seen(ctx: &Ctx, ticket: &TicketRow, by: AgentId) -> Result<(), ServiceError> {
    if ticket.assignee_id != Some(by) || !ticket.news {
        return Ok(());
    }
    let id = ticket.id;
    Ok(ctx
        .db
        .write(move |c| db::tickets::set_news(c, id, false))
        .await?)
}

/// Which mail about their tickets the agent wants.
pub async fn prefs(ctx: &Ctx, agent: AgentId) -> Result<AlertPrefs, ServiceError> {
    Ok(ctx
        .db
        .read(move |c| db::agents::alert_prefs(c, agent))
        .await?)
}

pub async fn set_prefs(ctx: &Ctx, agent: AgentId, prefs: AlertPrefs) -> Result<(), ServiceError> {
    Ok(ctx
        .db
        .write(move |c| db::agents::set_alert_prefs(c, agent, prefs))
        .await?)
}
