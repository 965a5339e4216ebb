//! A mailbox the helpdesk cannot sign in to: the team (`[sla] team_address`) is mailed
//! once, and once more when signing in works again. The refusal is remembered in the
//! database, so a restart neither repeats the first mail nor forgets the second.

use super::notify::{self, MailboxEvent};
use super::{Ctx, ServiceError};
use crate::config::Mailbox;
use crate::db;

fn key(mailbox: &Mailbox) -> String {
    format!("mailbox_refused:{}", mailbox.address.to_lowercase())
}

/// The mailbox's sign-in was refused for `reason`. The first refusal since it last signed
/// in is recorded and mailed to the team (true then); later ones only update the reason.
pub async fn refused(ctx: &Ctx, mailbox: &Mailbox, reason: &str) -> Result<bool, ServiceError> {
    let (key, address, reason, c) = (
        key(mailbox),
        mailbox.address.clone(),
        reason.to_string(),
        ctx.clone(),
    );
    let now = ctx.now();
    let news = ctx
        .db
        .write(move |conn| {
            let news = db::settings::get(conn, &key)?.is_none();
            db::settings::put(conn, &key, &reason)?;
            if news {
                tell_team(conn, &c, &address, MailboxEvent::Refused, &reason, now)?;
            }
            Ok::<_, ServiceError>(news)
        })
        .await?;
    if news {
        ctx.outbox_wakeup.notify_one();
    }
    Ok(news)
}

/// The mailbox signed in. If it had been refused, that ends and the team is told (true).
pub async fn signed_in(ctx: &Ctx, mailbox: &Mailbox) -> Result<bool, ServiceError> {
    let key = key(mailbox);
    let probe = key.clone();
    if ctx
        .db
        .read(move |c| db::settings::get(c, &probe))
        .await?
        .is_none()
    {
        return Ok(false);
    }
    let (address, c) = (mailbox.address.clone(), ctx.clone());
    let now = ctx.now();
    let ended = ctx
        .db
        .write(move |conn| {
            let Some(reason) = db::settings::get(conn, &key)? else {
                return Ok(false);
            };
            db::settings::delete(conn, &key)?;
            tell_team(conn, &c, &address, MailboxEvent::Recovered, &reason, now)?;
            Ok::<_, ServiceError>(true)
        })
        .await?;
    if ended {
        ctx.outbox_wakeup.notify_one();
    }
    Ok(ended)
}

fn tell_team(
    conn: &db::Conn,
    ctx: &Ctx,
    mailbox: &str,
    event: MailboxEvent,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServiceError> {
    let team = ctx.sla().config.team_address.trim().to_string();
    if team.is_empty() {
        return Ok(());
    }
    notify::queue_mailbox_alert(conn, ctx, &team, mailbox, event, reason, now)?;
    Ok(())
}
