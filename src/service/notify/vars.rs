//! The variables of a mail template, and how a letter keeps them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Extras;
use crate::db::tickets::TicketRow;
use crate::domain::notification::{Notify, Template};
use crate::service::Ctx;

/// Every variable a mail template may use (the templates treat empty as absent).
#[derive(Debug, Clone, Serialize, Default)]
pub(super) struct MailVars {
    /// The message whose files the mail carries: the letter keeps it, not the template.
    #[serde(skip)]
    pub(super) files_of: Option<i64>,
    pub(super) lang: String,
    pub(super) helpdesk_name: String,
    pub(super) key: String,
    pub(super) subject: String,
    pub(super) customer_name: String,
    pub(super) email: String,
    pub(super) view_url: String,
    pub(super) unsubscribe_url: String,
    /// The resolution: the signed one-click answers to "Sunteți mulțumit de rezolvare?".
    pub(super) rate_good_url: String,
    pub(super) rate_bad_url: String,
    /// A partner's signed page to answer through the helpdesk.
    pub(super) answer_url: String,
    pub(super) status_label: String,
    pub(super) assign_minutes: i64,
    /// Outside working hours: when the team is back (the confirmation says so instead of
    /// promising the assignment goal).
    pub(super) back_at: String,
    pub(super) message: String,
    pub(super) resolution: String,
    pub(super) agent_name: String,
    pub(super) partner_name: String,
    pub(super) old_key: String,
    pub(super) invite_url: String,
    pub(super) invite_expires_days: i64,
    pub(super) invite_expires_hours: i64,
    /// SLA alerts: `assignment` or `resolution`, `warning` or `breach`, when it falls due.
    pub(super) alert_goal: String,
    pub(super) alert_kind: String,
    pub(super) due_at: String,
    pub(super) console_url: String,
}

/// The variables as the letter keeps them: without the empty texts, which the templates
/// read as absent anyway.
pub(super) fn stored_vars(vars: &MailVars) -> serde_json::Result<serde_json::Value> {
    let mut value = serde_json::to_value(vars)?;
    if let serde_json::Value::Object(fields) = &mut value {
        fields.retain(|_, v| v.as_str() != Some(""));
    }
    Ok(value)
}

/// What an alert to agents says of `ticket` (in the helpdesk's language): which ticket,
/// whose, where it stands, and the link to it in the console.
pub(super) fn staff_vars(ctx: &Ctx, ticket: &TicketRow) -> MailVars {
    let lang = ctx.config.helpdesk.default_locale.clone();
    MailVars {
        helpdesk_name: ctx.config.helpdesk.name.clone(),
        key: ctx.key(ticket.id).to_string(),
        subject: ticket.subject.clone(),
        customer_name: ticket.requester_name.clone(),
        email: ticket.requester_email.clone(),
        status_label: ticket.status.label(&lang).to_string(),
        console_url: ctx.console_url(ticket.id),
        lang,
        ..Default::default()
    }
}

/// The variables every mail about `ticket` shares, in `lang`.
pub(super) fn ticket_vars(
    ctx: &Ctx,
    ticket: &TicketRow,
    notify: Notify,
    extras: &Extras,
    lang: &str,
    now: DateTime<Utc>,
) -> MailVars {
    MailVars {
        lang: lang.to_string(),
        helpdesk_name: ctx.config.helpdesk.name.clone(),
        key: ctx.key(ticket.id).to_string(),
        subject: ticket.subject.clone(),
        customer_name: ticket.requester_name.clone(),
        view_url: ctx.view_url(ticket.id),
        status_label: ticket.status.label(lang).to_string(),
        assign_minutes: ctx.sla().config.assign_minutes,
        back_at: if notify.template == Template::Confirmation {
            super::when::back_at(&ctx.sla(), now, lang)
        } else {
            String::new()
        },
        message: extras.message.clone(),
        resolution: extras.resolution.clone(),
        agent_name: extras.agent_name.clone(),
        old_key: extras.old_key.clone(),
        files_of: extras.files_of,
        ..Default::default()
    }
}
