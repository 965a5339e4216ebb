//! "Sunteți mulțumit de rezolvare?": the customer answers from the signed links of the
//! resolution mail, with no sign-in; agents see the answer on the ticket and a report
//! per agent and week.

use chrono::{DateTime, Duration, Utc};

use super::{Ctx, ServiceError, links};
use crate::db;
use crate::domain::ids::TicketId;
use crate::domain::satisfaction::{MAX_COMMENT, Rating};
use crate::domain::ticket::Status;

pub use crate::db::satisfaction::{Rated, WeekOfAgent};

/// The ticket a rating link names, as its page shows it.
#[derive(Debug, Clone)]
pub struct RateTarget {
    pub key: String,
    pub subject: String,
    /// The requester's language.
    pub locale: String,
    /// What they answered, if they have.
    pub rated: Option<Rated>,
}

fn ticket_of(ctx: &Ctx, token: &str) -> Result<TicketId, ServiceError> {
    links::verify_rate(&ctx.config.helpdesk.secret, token)
        .ok_or_else(|| ServiceError::NotFound("link".into()))
}

/// The ticket of a genuine link, and its rating so far; records nothing.
pub async fn target(ctx: &Ctx, token: &str) -> Result<RateTarget, ServiceError> {
    let id = ticket_of(ctx, token)?;
    let key = ctx.key(id).to_string();
    ctx.db
        .read(move |c| {
            let t =
                db::tickets::get(c, id)?.ok_or_else(|| ServiceError::NotFound("ticket".into()))?;
            Ok::<_, ServiceError>(RateTarget {
                key,
                subject: t.subject,
                locale: t.requester_locale,
                rated: db::satisfaction::of(c, id)?,
            })
        })
        .await
}

/// Records the customer's answer (a later one replaces it). Only a resolved or closed
/// ticket can be rated.
pub async fn rate(
    ctx: &Ctx,
    token: &str,
    rating: Rating,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<RateTarget, ServiceError> {
    let id = ticket_of(ctx, token)?;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(ServiceError::Invalid(format!(
            "comment: at most {MAX_COMMENT} characters"
        )));
    }
    let comment = comment.to_string();
    let key = ctx.key(id).to_string();
    ctx.db
        .write(move |c| {
            let t =
                db::tickets::get(c, id)?.ok_or_else(|| ServiceError::NotFound("ticket".into()))?;
            if !matches!(t.status, Status::Resolved | Status::Closed) {
                return Err(ServiceError::Conflict(format!(
                    "{key} is not resolved yet: it can be rated once it is"
                )));
            }
            db::satisfaction::record(c, id, rating, &comment, now)?;
            Ok(RateTarget {
                key,
                subject: t.subject,
                locale: t.requester_locale,
                rated: db::satisfaction::of(c, id)?,
            })
        })
        .await
}

/// How many weeks the report goes back.
pub const REPORT_WEEKS: i64 = 12;

/// The ratings of the last `REPORT_WEEKS` weeks, per week (newest first) and agent.
pub async fn report(ctx: &Ctx, now: DateTime<Utc>) -> Result<Vec<WeekOfAgent>, ServiceError> {
    let from = now - Duration::weeks(REPORT_WEEKS);
    Ok(ctx
        .db
        .read(move |c| db::satisfaction::report(c, from))
        .await?)
}
