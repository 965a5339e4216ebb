//! Canned replies: admins keep them; any agent answers with one, its placeholders filled
//! in from the ticket and the agent.

use chrono::{DateTime, Utc};

use super::admin::require_admin;
use super::queries::Agent;
use super::{Ctx, ServiceError};
use crate::db::canned::{CannedReply, Changed};
use crate::db::{self, Conn};

/// The placeholders a canned reply may use.
pub const PLACEHOLDERS: [&str; 3] = ["{{customer_name}}", "{{ticket_key}}", "{{agent_name}}"];

/// Name and text trimmed and not empty; a placeholder we do not know is refused, so a typo
/// does not reach a customer as `{{custmer_name}}`.
fn checked(name: &str, body: &str) -> Result<(String, String), ServiceError> {
    let (name, body) = (name.trim(), body.trim());
    if name.is_empty() || body.is_empty() {
        return Err(ServiceError::Invalid(
            "a canned reply needs a name and a body".into(),
        ));
    }
    if name.chars().count() > 100 {
        return Err(ServiceError::Invalid("name: at most 100 characters".into()));
    }
    let mut rest = body;
    while let Some(at) = rest.find("{{") {
        let tail = &rest[at..];
        let end = tail.find("}}").map_or(tail.len(), |e| e + 2);
        let placeholder = &tail[..end];
        if !PLACEHOLDERS.contains(&placeholder) {
            return Err(ServiceError::Invalid(format!(
                "body: unknown placeholder {placeholder:?}; use {}",
                PLACEHOLDERS.join(", ")
            )));
        }
        rest = &tail[end..];
    }
    Ok((name.to_string(), body.to_string()))
}

/// Adds a canned reply (admins); a name already taken is a conflict.
pub async fn add(
    ctx: &Ctx,
    by: &Agent,
    name: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<CannedReply, ServiceError> {
    require_admin(by)?;
    let (name, body) = checked(name, body)?;
    let n = name.clone();
    ctx.db
        .write(move |c| db::canned::insert(c, &name, &body, now))
        .await?
        .ok_or_else(|| ServiceError::Conflict(format!("a canned reply named {n:?} exists")))
}

/// Changes a canned reply's name and text (admins).
pub async fn change(
    ctx: &Ctx,
    by: &Agent,
    id: i64,
    name: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<CannedReply, ServiceError> {
    require_admin(by)?;
    let (name, body) = checked(name, body)?;
    let n = name.clone();
    let result = ctx
        .db
        .write(move |c| {
            let changed = db::canned::update(c, id, &name, &body, now)?;
            Ok::<_, ServiceError>((changed, db::canned::find(c, &id.to_string())?))
        })
        .await?;
    match result {
        (Changed::Done, Some(saved)) => Ok(saved),
        (Changed::NameTaken, _) => Err(ServiceError::Conflict(format!(
            "another canned reply is named {n:?}"
        ))),
        _ => Err(ServiceError::NotFound(format!("canned reply {id}"))),
    }
}

/// Removes a canned reply (admins).
pub async fn remove(ctx: &Ctx, by: &Agent, id: i64) -> Result<(), ServiceError> {
    require_admin(by)?;
    if ctx.db.write(move |c| db::canned::delete(c, id)).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound(format!("canned reply {id}")))
    }
}

/// The text of the canned reply named (or numbered) `which`, filled in for this ticket.
pub(super) fn fill(
    conn: &Conn,
    which: &str,
    customer_name: &str,
    ticket_key: &str,
    agent_name: &str,
) -> Result<String, ServiceError> {
    // What the request names and is not there is "not found", as an unknown ticket, agent
    // or merge target is: the name is well formed, the reply just does not exist.
    let reply = db::canned::find(conn, which)?
        .ok_or_else(|| ServiceError::NotFound(format!("canned reply {which:?}")))?;
    Ok(fill_text(
        &reply.body,
        customer_name,
        ticket_key,
        agent_name,
    ))
}

pub fn fill_text(body: &str, customer_name: &str, ticket_key: &str, agent_name: &str) -> String {
    body.replace("{{customer_name}}", customer_name)
        .replace("{{ticket_key}}", ticket_key)
        .replace("{{agent_name}}", agent_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_refused() {
        assert_eq!(
            fill_text(
                "Bună ziua, {{customer_name}}! Despre {{ticket_key}}: {{agent_name}}",
                "Ion",
                "HD-7",
                "Ana"
            ),
            "Bună ziua, Ion! Despre HD-7: Ana"
        );
        assert!(checked("Mulțumim", "Vă mulțumim, {{customer_name}}.").is_ok());
        let err = checked("x", "Salut {{custmer_name}}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("{{custmer_name}}"), "{err}");
        assert!(checked("x", "an unclosed {{ brace").is_err());
        assert!(checked(" ", "body").is_err());
        assert!(checked("name", "  ").is_err());
    }
}
