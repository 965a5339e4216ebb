//! Queueing drafts: loop protection, the thread's headers, the letter and its outbox row.

use chrono::{DateTime, Duration, Utc};

use super::letter::trim_references;
use super::vars::stored_vars;
use super::{Draft, Letter};
use crate::db::{self, Conn, customers::NewPortalToken, messages::MailContext};
use crate::domain::notification::{self, Cause};
use crate::domain::outgoing::Envelope;
use crate::service::Ctx;
use crate::telemetry::Metrics;

/// Queues a draft unless loop protection holds it back; true when queued.
pub(super) fn enqueue(
    conn: &Conn,
    ctx: &Ctx,
    draft: &Draft<'_>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    Ok(enqueue_together(conn, ctx, &[(draft, None)], None, cause, now)?[0])
}

/// Loop protection counts the automatic mail a recipient got since this time.
pub fn counted_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::hours(1)
}

/// Queues drafts to one recipient about one ticket (or about none), in order, each with the
/// portal link it carries (none is stored for a mail that loop protection holds back): the
/// thread and the count of automatic mail are read once, and each draft after the first
/// follows the ones queued before it there, as if it had been queued alone after them; the
/// rows are written in one statement. `known` is the thread when the caller knows it
/// already (counted since [`counted_since`]). Whether each was queued.
pub(super) fn enqueue_together(
    conn: &Conn,
    ctx: &Ctx,
    drafts: &[(&Draft<'_>, Option<&NewPortalToken<'_>>)],
    known: Option<MailContext>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<bool>> {
    let Some((first, _)) = drafts.first() else {
        return Ok(vec![]);
    };
    let (ticket_id, recipient) = (first.ticket_id, first.to.address);
    anyhow::ensure!(
        drafts
            .iter()
            .all(|(d, _)| d.ticket_id == ticket_id && d.to.address == recipient),
        "drafts queued together go to one recipient about one ticket"
    );
    let since = counted_since(now);
    let counted = drafts
        .iter()
        .any(|(d, _)| notification::loop_limited(d.template, cause));
    // A mail about a ticket learns its thread, its mailbox and (when loop protection
    // applies) the count in one statement.
    let mut known = match (known, ticket_id) {
        (Some(known), _) => known,
        (None, Some(id)) => {
            db::messages::mail_context(conn, id, recipient, counted.then_some(since))?
        }
        (None, None) => MailContext {
            references: vec![],
            mailbox: ctx.home().address.clone(),
            automatic_sent: match counted {
                true => db::outbox::automatic_since(conn, recipient, since)?,
                false => 0,
            },
        },
    };
    // Every mail about a ticket names it and joins its thread, the invitation that a ticket
    // caused included; it comes From the mailbox the ticket came in through.
    let via = ctx.mailbox(&known.mailbox);
    let mut letters = Vec::with_capacity(drafts.len());
    let mut queued = Vec::with_capacity(drafts.len());
    for (draft, link) in drafts {
        let template = draft.template;
        if notification::loop_limited(template, cause) && held_back(ctx, draft, &known, now) {
            queued.push(false);
            continue;
        }
        let message_id = crate::service::links::message_id(
            &ctx.config.helpdesk.secret,
            now,
            ctx.config.mail_domain(),
            recipient,
        );
        let letter = Letter {
            template: template.name().to_string(),
            lang: if draft.to.lang == "en" { "en" } else { "ro" }.to_string(),
            subject_prefix: ticket_id
                .map(|id| format!("[{}] ", ctx.key(id)))
                .unwrap_or_default(),
            envelope: Envelope {
                from: ctx.config.sender_for(&via.address),
                to: recipient.to_string(),
                to_name: draft.to.name.to_string(),
                message_id: message_id.clone(),
                references: trim_references(known.references.clone()),
                automatic: template.is_automatic(),
                unsubscribe_url: (!draft.vars.unsubscribe_url.is_empty())
                    .then(|| draft.vars.unsubscribe_url.clone()),
                loop_address: via.address.clone(),
            },
            vars: stored_vars(&draft.vars)?,
            files_of: draft.vars.files_of,
        };
        letters.push((
            draft,
            serde_json::to_string(&letter)?,
            message_id.clone(),
            *link,
        ));
        queued.push(true);
        // The next one follows this one in the thread, and counts it.
        known.references.push(message_id);
        known.automatic_sent += i64::from(template.is_automatic());
    }
    let mails: Vec<db::outbox::NewMail<'_>> = letters
        .iter()
        .map(|(draft, letter, message_id, link)| db::outbox::NewMail {
            ticket_id,
            template: draft.template.name(),
            recipient,
            recipient_role: draft.to.role,
            automatic: draft.template.is_automatic(),
            message_id,
            envelope_from: &via.address,
            letter,
            link: *link,
        })
        .collect();
    db::outbox::insert_all(conn, &mails, now)?;
    for _ in &mails {
        Metrics::inc(&ctx.metrics.outbox_queued);
    }
    Ok(queued)
}

/// Whether loop protection holds an automatic mail back: too many to this recipient in the
/// last hour (`known` counts them), or the hourly cap on all automatic mail is reached.
fn held_back(ctx: &Ctx, draft: &Draft<'_>, known: &MailContext, now: DateTime<Utc>) -> bool {
    let template = draft.template.name();
    if known.automatic_sent >= ctx.config.helpdesk.auto_reply_limit_per_hour {
        tracing::warn!(
            recipient = draft.to.address,
            template,
            "loop protection: automatic mail held back"
        );
        Metrics::inc(&ctx.metrics.loop_suppressed);
        return true;
    }
    if !ctx
        .mail_cap
        .take(now, ctx.config.helpdesk.auto_reply_global_per_hour)
    {
        tracing::warn!(
            template,
            "flood protection: the hourly cap on automatic mail is reached; mail held back"
        );
        Metrics::inc(&ctx.metrics.loop_suppressed);
        return true;
    }
    false
}
