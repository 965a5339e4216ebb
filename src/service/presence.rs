//! Who else is on a ticket: the console's ticket page beats every few seconds, saying
//! whether its agent is writing; each page shows the others seen in the last moments.
//! Kept in memory by the one daemon on SQLite, in the database every node shares on
//! PostgreSQL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Ctx, ServiceError};
use crate::db;
use crate::domain::ids::{AgentId, TicketId};

/// A page not heard from for this long is gone.
pub const FORGET_AFTER: Duration = Duration::from_secs(6);

/// `agent` (named `name`) is on `ticket`, writing or not; returns the other agents there,
/// wherever their pages are served.
pub async fn beat(
    ctx: &Ctx,
    ticket: TicketId,
    agent: AgentId,
    name: &str,
    typing: bool,
) -> Result<Vec<Viewer>, ServiceError> {
    if !ctx.db.is_postgres() {
        return Ok(ctx
            .presence
            .beat(ticket, agent, name, typing, Instant::now()));
    }
    let now = ctx.now();
    let quiet_since = now - chrono::Duration::from_std(FORGET_AFTER).unwrap_or_default();
    let name = name.to_string();
    let others = ctx
        .db
        .write(move |c| db::presence::beat(c, ticket.0, agent.0, &name, typing, quiet_since, now))
        .await?;
    Ok(others
        .into_iter()
        .map(|(name, typing)| Viewer { name, typing })
        .collect())
}

/// Another agent on the same ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Viewer {
    pub name: String,
    /// Writing a reply or a note.
    pub typing: bool,
}

#[derive(Debug)]
struct Seen {
    agent: AgentId,
    name: String,
    typing: bool,
    at: Instant,
}

/// The one daemon's presence on SQLite.
#[derive(Debug, Default)]
pub struct Presence(Mutex<HashMap<TicketId, Vec<Seen>>>);

impl Presence {
    /// `agent` is on `ticket` (writing or not) at `now`; returns the other agents there.
    pub fn beat(
        &self,
        ticket: TicketId,
        agent: AgentId,
        name: &str,
        typing: bool,
        now: Instant,
    ) -> Vec<Viewer> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Forget pages gone quiet, everywhere (the map stays as small as the pages open).
        all.retain(|_, seen| {
            seen.retain(|s| now.saturating_duration_since(s.at) < FORGET_AFTER);
            !seen.is_empty()
        });
        let here = all.entry(ticket).or_default();
        match here.iter_mut().find(|s| s.agent == agent) {
            Some(s) => {
                s.typing = typing;
                s.at = now;
            }
            None => here.push(Seen {
                agent,
                name: name.to_string(),
                typing,
                at: now,
            }),
        }
        here.iter()
            .filter(|s| s.agent != agent)
            .map(|s| Viewer {
                name: s.name.clone(),
                typing: s.typing,
            })
            .collect()
    }

    /// The agent left the page.
    pub fn leave(&self, ticket: TicketId, agent: AgentId) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(here) = all.get_mut(&ticket) {
            here.retain(|s| s.agent != agent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sees_the_others_until_they_go_quiet() {
        let p = Presence::default();
        let (t, ana, bogdan) = (TicketId(1), AgentId(1), AgentId(2));
        let t0 = Instant::now();
        assert!(p.beat(t, ana, "Ana", false, t0).is_empty());
        let seen = p.beat(t, bogdan, "Bogdan", true, t0 + Duration::from_secs(1));
        assert_eq!(
            seen,
            [Viewer {
                name: "Ana".into(),
                typing: false
            }]
        );
        let seen = p.beat(t, ana, "Ana", false, t0 + Duration::from_secs(2));
        assert_eq!(
            seen,
            [Viewer {
                name: "Bogdan".into(),
                typing: true
            }]
        );
        // Bogdan's page goes quiet: gone after FORGET_AFTER.
        let later = t0 + Duration::from_secs(1) + FORGET_AFTER;
        assert!(p.beat(t, ana, "Ana", false, later).is_empty());
        // Another ticket is another room; leaving empties it at once.
        assert!(
            p.beat(TicketId(2), bogdan, "Bogdan", false, later)
                .is_empty()
        );
        p.leave(t, ana);
        assert!(p.beat(t, bogdan, "Bogdan", false, later).is_empty());
    }
}
