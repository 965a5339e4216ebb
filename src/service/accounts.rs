//! Portal accounts: passwords (argon2id), one-time links, sign-in sessions; agents saved
//! and disabled by admins.
//!
//! Hashing and verifying (`passwords`) run on a blocking thread and never inside the
//! writer's transaction: argon2 costs tens of milliseconds and the writer serves everyone.

use chrono::{DateTime, Duration, Utc};

mod agents;
mod passwords;

pub use agents::{Keep, NewAgent, disable_agent, hash_for, save_agent};
pub use passwords::{HashGate, hash_gated, hash_password, verify_password};
use passwords::{blocking, decoy_hash};

use super::notify::{self, PortalLink};
use super::{Ctx, ServiceError, links};
use crate::db::{self, agents::Agent, customers::Customer};
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{AgentId, CustomerId};
use crate::domain::notification::Cause;
use crate::domain::password::{Password, WeakPassword};

/// What a one-time link is, as its page needs to know.
#[derive(Debug, Clone)]
pub struct LinkTarget {
    pub customer: Customer,
    /// Not used yet and not expired.
    pub valid: bool,
}

/// The customer a link names, if it is a link of this kind at all.
pub async fn link_target(
    ctx: &Ctx,
    link: PortalLink,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<LinkTarget>, ServiceError> {
    let hash = links::hash_token(token);
    let found = ctx
        .db
        .read(move |c| {
            let Some(t) =
                db::customers::find_portal_token(c, &hash)?.filter(|t| t.purpose == link.purpose())
            else {
                return Ok::<_, anyhow::Error>(None);
            };
            let valid = !t.used && db::parse_ts(&t.expires_at)? > now;
            Ok(Some(LinkTarget {
                customer: db::customers::get(c, t.customer_id)?,
                valid,
            }))
        })
        .await?;
    Ok(found)
}

/// Why a password could not be set.
#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    #[error(transparent)]
    Weak(#[from] WeakPassword),
    #[error("the two passwords differ")]
    Mismatch,
    #[error("the link was already used or has expired")]
    Spent,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// A new sign-in: the cookie value (never stored) and whose it is.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub customer: Customer,
}

/// Sets the password through an invitation or reset link, spends every open link of the
/// customer, ends their other sessions and signs this browser in.
pub async fn set_password(
    ctx: &Ctx,
    link: PortalLink,
    token: &str,
    password: &str,
    confirm: &str,
    now: DateTime<Utc>,
) -> Result<NewSession, SetPasswordError> {
    let password = Password::parse(password)?;
    if password.expose() != confirm {
        return Err(SetPasswordError::Mismatch);
    }
    match link_target(ctx, link, token, now).await? {
        Some(t) if t.valid => {}
        Some(_) => return Err(SetPasswordError::Spent),
        None => return Err(ServiceError::NotFound("link".into()).into()),
    }
    let hash = hash_gated(password).await?;
    let (link_hash, session) = (links::hash_token(token), links::new_token());
    let session_hash = links::hash_token(&session);
    let expires = now + Duration::days(ctx.config.portal.session_days);
    let customer = ctx
        .db
        .write(move |c| {
            // Checked again in the transaction: two tabs may race for one link.
            let t = db::customers::find_portal_token(c, &link_hash)?
                .filter(|t| t.purpose == link.purpose());
            let Some(t) = t.filter(|t| !t.used) else {
                return Ok(None);
            };
            db::customers::set_password_hash(c, t.customer_id, &hash)?;
            db::customers::use_portal_tokens(c, t.customer_id, now)?;
            db::sessions::insert_for_customer(c, t.customer_id, &session_hash, expires, now)?;
            db::sessions::delete_other_customer_sessions(c, t.customer_id, &session_hash)?;
            Ok::<_, ServiceError>(Some(db::customers::get(c, t.customer_id)?))
        })
        .await?
        .ok_or(SetPasswordError::Spent)?;
    Ok(NewSession {
        token: session,
        customer,
    })
}

/// Whose password this is: `found` is the account and its hash, if the address is known.
/// An unknown address is checked against a decoy, so it takes as long as a wrong password.
async fn password_owner<T: Send + 'static>(
    found: Option<(T, String)>,
    password: &str,
) -> Result<Option<T>, ServiceError> {
    let (who, hash) = match found {
        Some((who, hash)) => (Some(who), Some(hash)),
        None => (None, None),
    };
    let password = password.to_string();
    let matches = blocking(move || {
        verify_password(hash.as_deref().unwrap_or_else(|| decoy_hash()), &password)
    })
    .await?;
    Ok(who.filter(|_| matches))
}

/// Who signs in, for the session row.
enum Holder {
    Customer(CustomerId),
    Agent(AgentId),
}

/// A new session for `holder`; expired sessions are swept on the way.
async fn open_session(
    ctx: &Ctx,
    holder: Holder,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let token = links::new_token();
    let session_hash = links::hash_token(&token);
    let expires = now + Duration::days(ctx.config.portal.session_days);
    ctx.db
        .write(move |c| {
            db::sessions::delete_expired(c, now)?;
            match holder {
                Holder::Customer(id) => {
                    db::sessions::insert_for_customer(c, id, &session_hash, expires, now)
                }
                Holder::Agent(id) => {
                    db::sessions::insert_for_agent(c, id, &session_hash, expires, now)
                }
            }
        })
        .await?;
    Ok(token)
}

/// A typed address as addresses are stored (lower case, an internationalised domain in
/// its ASCII form), or trimmed and lower-cased when it is no address (it then matches no
/// one). Sign-in and its throttle both name the account by it.
pub fn typed_address(email: &str) -> String {
    EmailAddress::parse(email)
        .map(|a| a.to_string())
        .unwrap_or_else(|_| email.trim().to_lowercase())
}

/// Checks the address and password; a new session when they match.
pub async fn sign_in(
    ctx: &Ctx,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Option<NewSession>, ServiceError> {
    let email = typed_address(email);
    let found = ctx
        .db
        .read(move |c| db::customers::credentials(c, &email))
        .await?;
    let found = found.and_then(|(customer, hash)| Some((customer, hash?)));
    let Some(customer) = password_owner(found, password).await? else {
        return Ok(None);
    };
    let token = open_session(ctx, Holder::Customer(customer.id), now).await?;
    Ok(Some(NewSession { token, customer }))
}

/// An agent's sign-in to the console: a new session when the password matches.
pub async fn agent_sign_in(
    ctx: &Ctx,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Option<(String, Agent)>, ServiceError> {
    let email = typed_address(email);
    let found = ctx
        .db
        .read(move |c| db::agents::credentials(c, &email))
        .await?;
    let Some(agent) = password_owner(found, password).await? else {
        return Ok(None);
    };
    let token = open_session(ctx, Holder::Agent(agent.id), now).await?;
    Ok(Some((token, agent)))
}

/// The enabled agent whose API token this is, while it has not expired. Its last use is
/// noted, at most once a minute.
pub async fn agent_by_token(
    ctx: &Ctx,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Agent>, ServiceError> {
    let hash = links::hash_token(token);
    let Some(holder) = ctx
        .db
        .read(move |c| db::agents::find_by_token(c, &hash, now))
        .await?
    else {
        return Ok(None);
    };
    let stale = holder
        .last_used_at
        .as_deref()
        .and_then(|t| db::parse_ts(t).ok())
        .is_none_or(|t| now - t >= Duration::minutes(1));
    if stale {
        let id = holder.token_id;
        ctx.db
            .write(move |c| db::agents::touch_token(c, id, now))
            .await?;
    }
    Ok(Some(holder.agent))
}

/// The agent a console session cookie belongs to, while the session lasts.
pub async fn session_agent(
    ctx: &Ctx,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Agent>, ServiceError> {
    let hash = links::hash_token(token);
    let found = ctx
        .db
        .read(move |c| match db::sessions::agent_of(c, &hash, now)? {
            Some(id) => db::agents::get(c, id).map(Some),
            None => Ok(None),
        })
        .await?;
    Ok(found)
}

pub async fn sign_out(ctx: &Ctx, token: &str) -> Result<(), ServiceError> {
    let hash = links::hash_token(token);
    ctx.db
        .write(move |c| db::sessions::delete(c, &hash))
        .await?;
    Ok(())
}

/// The customer a session cookie belongs to, while the session lasts.
pub async fn session_customer(
    ctx: &Ctx,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Customer>, ServiceError> {
    let hash = links::hash_token(token);
    let found = ctx
        .db
        .read(move |c| match db::sessions::customer_of(c, &hash, now)? {
            Some(id) => db::customers::get(c, id).map(Some),
            None => Ok(None),
        })
        .await?;
    Ok(found)
}

/// "Forgot password": mails a reset link when the address is a customer's; says nothing
/// either way, so the form cannot be used to learn who is a customer.
pub async fn request_reset(ctx: &Ctx, email: &str, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let Ok(address) = EmailAddress::parse(email.trim()) else {
        return Ok(());
    };
    let c2 = ctx.clone();
    let queued = ctx
        .db
        .write(move |c| match db::customers::find_by_email(c, &address)? {
            Some(customer) => notify::queue_portal_link(
                c,
                &c2,
                &customer,
                PortalLink::Reset,
                None,
                Cause::Person,
                now,
            ),
            None => Ok(false),
        })
        .await?;
    if queued {
        ctx.outbox_wakeup.notify_one();
    }
    Ok(())
}

/// A fresh link for someone whose invitation or reset link is spent: a new invitation
/// while no password is set, else a reset link. Returns the address it went to.
pub async fn renew_link(
    ctx: &Ctx,
    link: PortalLink,
    token: &str,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let target = link_target(ctx, link, token, now)
        .await?
        .ok_or_else(|| ServiceError::NotFound("link".into()))?;
    let (c2, customer) = (ctx.clone(), target.customer);
    let to = customer.email.clone();
    ctx.db
        .write(move |c| {
            let kind = if customer.has_password {
                PortalLink::Reset
            } else {
                PortalLink::Invite
            };
            notify::queue_portal_link(c, &c2, &customer, kind, None, Cause::Person, now)
        })
        .await?;
    ctx.outbox_wakeup.notify_one();
    Ok(to)
}

/// Language and time zone, remembered for the portal and for mail.
pub async fn set_preferences(
    ctx: &Ctx,
    customer_id: CustomerId,
    locale: &str,
    time_zone: &str,
) -> Result<(), ServiceError> {
    let locale = if locale == "en" { "en" } else { "ro" };
    if time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ServiceError::Invalid(format!(
            "unknown time zone {time_zone:?}"
        )));
    }
    let tz = time_zone.to_string();
    ctx.db
        .write(move |c| db::customers::set_preferences(c, customer_id, locale, &tz))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_has_one_name_however_its_address_is_typed() {
        assert_eq!(
            typed_address(" Ion@Școală.RO "),
            typed_address("ion@xn--coal-3sa77n.ro")
        );
        assert_eq!(typed_address(" Not An Address "), "not an address");
    }
}
