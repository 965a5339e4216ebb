//! Agents as admins manage them: saved with a password and a role (a change of either
//! ends the agent's other sessions and API tokens), and disabled (which ends all of them
//! at once, and keeps them from signing in).

use chrono::{DateTime, Utc};

use super::{blocking, hash_password, verify_password};
use crate::db::{self, agents::Agent};
use crate::domain::agent_role::AgentRole;
use crate::domain::email_address::EmailAddress;
use crate::domain::password::Password;
use crate::service::{Ctx, ServiceError, links};

/// An agent as the add form, the API or the command line gives them.
pub struct NewAgent {
    pub email: EmailAddress,
    pub name: String,
    pub password: Password,
    /// `agent` or `admin`.
    pub role: AgentRole,
}

/// What a change leaves open: the console session or API token (as the browser or client
/// holds it) the change came through, when an admin changes themselves.
#[derive(Debug, Default, Clone)]
pub struct Keep {
    pub session: Option<String>,
    pub token: Option<String>,
}

/// The hash to store for `password`, and whether saving it changes an existing agent's
/// password or role (`old`: their role and hash today). The same password keeps its hash.
pub fn hash_for(
    old: Option<(AgentRole, &str)>,
    password: &Password,
    role: AgentRole,
) -> anyhow::Result<(String, bool)> {
    match old {
        Some((old_role, old_hash)) if verify_password(old_hash, password.expose()) => {
            Ok((old_hash.to_string(), old_role != role))
        }
        Some(_) => Ok((hash_password(password)?, true)),
        None => Ok((hash_password(password)?, false)),
    }
}

/// Creates or updates an agent (enabling a disabled one again). A new password or role
/// ends the agent's sessions and API tokens, except those named in `keep`. `by` is the
/// admin asking, who cannot change their own role (nor so leave the team without admins).
pub async fn save_agent(
    ctx: &Ctx,
    new: NewAgent,
    keep: Keep,
    by: Option<&Agent>,
    now: DateTime<Utc>,
) -> Result<Agent, ServiceError> {
    if by.is_some_and(|a| a.email.eq_ignore_ascii_case(new.email.as_str()) && a.role != new.role) {
        return Err(ServiceError::Invalid(
            "an admin cannot change their own role".into(),
        ));
    }
    let email = new.email.to_string();
    let address = email.clone();
    let old = ctx
        .db
        .read(move |c| db::agents::credentials(c, &address))
        .await?;
    let role = new.role;
    let password = new.password;
    let (hash, changed) = blocking(move || {
        hash_for(
            old.as_ref().map(|(a, h)| (a.role, h.as_str())),
            &password,
            role,
        )
    })
    .await?
    .map_err(ServiceError::Internal)?;
    let name = new.name;
    let keep_session = keep.session.as_deref().map(links::hash_token);
    let keep_token = keep.token.as_deref().map(links::hash_token);
    let agent = ctx
        .db
        .write(move |c| {
            let agent = db::agents::upsert(c, &email, &name, &hash, role, now)?;
            if changed {
                db::agents::end_access(
                    c,
                    agent.id,
                    keep_session.as_deref(),
                    keep_token.as_deref(),
                )?;
            }
            Ok::<_, ServiceError>(agent)
        })
        .await?;
    Ok(agent)
}

/// Disables the agent with this address: their sessions and API tokens end at once and
/// they cannot sign in. `by` is the admin asking, who cannot disable themselves.
pub async fn disable_agent(
    ctx: &Ctx,
    email: &str,
    by: Option<&Agent>,
    now: DateTime<Utc>,
) -> Result<Agent, ServiceError> {
    let address = EmailAddress::parse(email.trim())
        .map_err(|_| ServiceError::Invalid(format!("{email:?} is not an email address")))?;
    if by.is_some_and(|a| a.email.eq_ignore_ascii_case(address.as_str())) {
        return Err(ServiceError::Invalid(
            "an admin cannot disable themselves".into(),
        ));
    }
    let found = ctx
        .db
        .write(move |c| db::agents::disable(c, address.as_str(), now))
        .await?;
    found.ok_or_else(|| ServiceError::NotFound(format!("agent {}", email.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_new_password_or_role_counts_as_a_change() {
        let p = Password::parse("Parola2025ok").unwrap();
        let (hash, changed) = hash_for(None, &p, AgentRole::Agent).unwrap();
        assert!(!changed, "a new agent changes nothing");
        assert_eq!(
            hash_for(Some((AgentRole::Agent, &hash)), &p, AgentRole::Agent).unwrap(),
            (hash.clone(), false)
        );
        assert!(
            hash_for(Some((AgentRole::Agent, &hash)), &p, AgentRole::Admin)
                .unwrap()
                .1,
            "a new role"
        );
        let other = Password::parse("Alta2025parola").unwrap();
        let (new_hash, changed) =
            hash_for(Some((AgentRole::Agent, &hash)), &other, AgentRole::Agent).unwrap();
        assert!(changed && new_hash != hash && verify_password(&new_hash, "Alta2025parola"));
    }
}
