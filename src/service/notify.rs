//! Turns a `Notify` decision into a composed mail in the outbox, in the caller's transaction.

use chrono::{DateTime, Duration, Utc};

use super::Ctx;
use crate::db::{self, Conn, customers::Customer, tickets::TicketRow};
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::TicketId;
use crate::domain::inbound::Role;
use crate::domain::notification::{self, Cause, Notify, Recipient, Template};
use crate::domain::outgoing::Envelope;
use crate::telemetry::Metrics;

mod agent_alert;
mod cc;
mod letter;
mod mailbox_alert;
mod vars;
mod when;

pub use agent_alert::{AgentAlert, AgentNews, queue_agent_alert};
use letter::trim_references;
pub use letter::{Letter, compose_letter};
pub use mailbox_alert::{MailboxEvent, queue_mailbox_alert};
use vars::{MailVars, staff_vars, stored_vars, ticket_vars};

/// Text that some templates show besides the ticket itself.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub message: String,
    pub resolution: String,
    pub agent_name: String,
    pub partner: Option<EmailAddress>,
    pub old_key: String,
    /// The message whose files the mail carries (an agent's reply with files).
    pub files_of: Option<i64>,
}

struct Addressee<'a> {
    address: &'a str,
    name: &'a str,
    lang: &'a str,
    /// The recipient's part in the ticket (none for agents' alerts): a reply to this mail
    /// is threaded with it.
    role: Option<Role>,
}

/// A mail ready to queue: about which ticket (if any), to whom, from which template, and
/// with which variables.
struct Draft<'a> {
    ticket_id: Option<TicketId>,
    to: Addressee<'a>,
    template: Template,
    vars: MailVars,
}

/// Queues the mail unless the opt-out or loop protection holds it back; true when queued.
pub fn queue(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    notify: Notify,
    extras: &Extras,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let queued = notify.is_sent(!ticket.status_mail)
        && queue_to_requester_or_partner(conn, ctx, ticket, notify, extras, cause, now)?;
    if notify.copies_to_cc() {
        cc::queue_copies(conn, ctx, ticket, notify, extras, cause, now)?;
    }
    Ok(queued)
}

fn queue_to_requester_or_partner(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    notify: Notify,
    extras: &Extras,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let partner_address = extras
        .partner
        .as_ref()
        .map(EmailAddress::as_str)
        .unwrap_or("");
    let to = match notify.to {
        Recipient::Requester => Addressee {
            address: &ticket.requester_email,
            name: &ticket.requester_name,
            lang: &ticket.requester_locale,
            role: Some(Role::Requester),
        },
        Recipient::Partner if !partner_address.is_empty() => Addressee {
            address: partner_address,
            name: "",
            lang: &ctx.config.helpdesk.default_locale,
            role: Some(Role::Partner),
        },
        Recipient::Partner => anyhow::bail!("a mail to a partner needs the partner's address"),
    };
    let vars = MailVars {
        unsubscribe_url: if notify.carries_opt_out() {
            ctx.unsubscribe_url(ticket.id)
        } else {
            String::new()
        },
        rate_good_url: rate_url(ctx, ticket, notify, "good"),
        rate_bad_url: rate_url(ctx, ticket, notify, "bad"),
        answer_url: match notify.to {
            Recipient::Partner => {
                db::participants::participant_row(conn, ticket.id, partner_address)?
                    .map(|row| ctx.partner_url(ticket.id, row))
                    .unwrap_or_default()
            }
            Recipient::Requester => String::new(),
        },
        ..ticket_vars(ctx, ticket, notify, extras, to.lang, now)
    };
    let draft = Draft {
        ticket_id: Some(ticket.id),
        to,
        template: notify.template,
        vars,
    };
    enqueue(conn, ctx, &draft, cause, now)
}

/// The one-time portal links mailed to customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalLink {
    /// "Vizitează Portalul": set the first password.
    Invite,
    /// "Forgot password": set a new one.
    Reset,
}

impl PortalLink {
    /// The `portal_tokens.purpose` value.
    pub fn purpose(self) -> &'static str {
        match self {
            PortalLink::Invite => "invite",
            PortalLink::Reset => "reset",
        }
    }
}

/// Queues the portal invitation for a new customer, with a one-time link.
pub fn queue_invitation(
    conn: &Conn,
    ctx: &Ctx,
    customer: &Customer,
    ticket_id: Option<TicketId>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    queue_portal_link(
        conn,
        ctx,
        customer,
        PortalLink::Invite,
        ticket_id,
        cause,
        now,
    )
}

/// Makes a one-time link (stored hashed, expiring) and queues the mail that carries it.
pub fn queue_portal_link(
    conn: &Conn,
    ctx: &Ctx,
    customer: &Customer,
    link: PortalLink,
    ticket_id: Option<TicketId>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let token = super::links::new_token();
    let (ttl_hours, template, url) = match link {
        PortalLink::Invite => (
            ctx.config.helpdesk.invite_ttl_hours,
            Template::Invitation,
            ctx.invite_url(&token),
        ),
        PortalLink::Reset => (
            ctx.config.portal.reset_ttl_hours,
            Template::PasswordReset,
            ctx.reset_url(&token),
        ),
    };
    let hash = super::links::hash_token(&token);
    let stored = db::customers::NewPortalToken {
        customer_id: customer.id,
        purpose: link.purpose(),
        token_hash: &hash,
        expires_at: now + Duration::hours(ttl_hours),
    };
    let vars = MailVars {
        lang: customer.locale.clone(),
        helpdesk_name: ctx.config.helpdesk.name.clone(),
        customer_name: customer.name.clone(),
        email: customer.email.clone(),
        invite_url: url,
        key: ticket_id
            .map(|id| ctx.key(id).to_string())
            .unwrap_or_default(),
        view_url: ticket_id.map(|id| ctx.view_url(id)).unwrap_or_default(),
        invite_expires_days: (ttl_hours + 23) / 24,
        invite_expires_hours: ttl_hours,
        ..Default::default()
    };
    let to = Addressee {
        address: &customer.email,
        name: &customer.name,
        lang: &customer.locale,
        role: Some(Role::Requester),
    };
    let draft = Draft {
        ticket_id,
        to,
        template,
        vars,
    };
    enqueue_with_link(conn, ctx, &draft, Some(&stored), cause, now)
}

/// An SLA warning or breach, to the ticket's agent or the team address.
pub fn queue_sla_alert(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    to: &str,
    alert: &SlaAlert,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let vars = MailVars {
        alert_goal: alert.goal.as_str().to_string(),
        alert_kind: alert.kind.to_string(),
        due_at: alert.due_at.clone(),
        ..staff_vars(ctx, ticket)
    };
    let lang = vars.lang.clone();
    // An answer to the alert is the team's note on the ticket.
    let to = Addressee {
        address: to,
        name: "",
        lang: &lang,
        role: Some(Role::Staff),
    };
    let draft = Draft {
        ticket_id: Some(ticket.id),
        to,
        template: Template::SlaAlert,
        vars,
    };
    enqueue(conn, ctx, &draft, Cause::Person, now)
}

/// What an SLA alert says.
#[derive(Debug, Clone)]
pub struct SlaAlert {
    pub goal: crate::domain::sla::Goal,
    pub kind: &'static str,
    /// When the goal falls (or fell) due, in the calendar's time zone, as people read it.
    pub due_at: String,
}

/// The requester's link to answer the resolution with `rating`; empty in other mail.
fn rate_url(ctx: &Ctx, ticket: &TicketRow, notify: Notify, rating: &str) -> String {
    if notify.template == Template::Resolved && notify.to == Recipient::Requester {
        ctx.rate_url(ticket.id, rating)
    } else {
        String::new()
    }
}

fn enqueue(
    conn: &Conn,
    ctx: &Ctx,
    draft: &Draft<'_>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    enqueue_with_link(conn, ctx, draft, None, cause, now)
}

/// Queues a draft, and the portal link it carries with it (none is stored for a mail that
/// loop protection holds back).
fn enqueue_with_link(
    conn: &Conn,
    ctx: &Ctx,
    draft: &Draft<'_>,
    link: Option<&db::customers::NewPortalToken<'_>>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let Draft {
        ticket_id,
        to,
        template,
        vars,
    } = draft;
    let (ticket_id, template) = (*ticket_id, *template);
    let since = now - Duration::hours(1);
    let limited = notification::loop_limited(template, cause);
    // A mail about a ticket learns its thread, its mailbox and (when loop protection
    // applies) the count in one statement.
    let known = ticket_id
        .map(|id| db::messages::mail_context(conn, id, to.address, limited.then_some(since)))
        .transpose()?;
    if limited {
        let sent = match &known {
            Some(known) => known.automatic_sent,
            None => db::outbox::automatic_since(conn, to.address, since)?,
        };
        if sent >= ctx.config.helpdesk.auto_reply_limit_per_hour {
            tracing::warn!(
                recipient = to.address,
                template = template.name(),
                "loop protection: automatic mail held back"
            );
            Metrics::inc(&ctx.metrics.loop_suppressed);
            return Ok(false);
        }
        if !ctx
            .mail_cap
            .take(now, ctx.config.helpdesk.auto_reply_global_per_hour)
        {
            tracing::warn!(
                template = template.name(),
                "flood protection: the hourly cap on automatic mail is reached; mail held back"
            );
            Metrics::inc(&ctx.metrics.loop_suppressed);
            return Ok(false);
        }
    }
    let lang = if to.lang == "en" { "en" } else { "ro" };
    // Every mail about a ticket names it and joins its thread, the invitation
    // that a ticket caused included.
    // Mail about a ticket comes From the mailbox it came in through.
    let (references, via) = match known {
        Some(known) => (known.references, ctx.mailbox(&known.mailbox)),
        None => (vec![], ctx.home()),
    };
    let message_id = super::links::message_id(
        &ctx.config.helpdesk.secret,
        now,
        ctx.config.mail_domain(),
        to.address,
    );
    let letter = Letter {
        template: template.name().to_string(),
        lang: lang.to_string(),
        subject_prefix: ticket_id
            .map(|id| format!("[{}] ", ctx.key(id)))
            .unwrap_or_default(),
        envelope: Envelope {
            from: ctx.config.sender_for(&via.address),
            to: to.address.to_string(),
            to_name: to.name.to_string(),
            message_id: message_id.clone(),
            references: trim_references(references),
            automatic: template.is_automatic(),
            unsubscribe_url: (!vars.unsubscribe_url.is_empty())
                .then(|| vars.unsubscribe_url.clone()),
            loop_address: via.address.clone(),
        },
        vars: stored_vars(vars)?,
        files_of: vars.files_of,
    };
    let letter = serde_json::to_string(&letter)?;
    let mail = db::outbox::NewMail {
        ticket_id,
        template: template.name(),
        recipient: to.address,
        recipient_role: to.role,
        automatic: template.is_automatic(),
        message_id: &message_id,
        envelope_from: &via.address,
        letter: &letter,
        link,
    };
    db::outbox::insert(conn, &mail, now)?;
    Metrics::inc(&ctx.metrics.outbox_queued);
    Ok(true)
}

#[cfg(test)]
mod tests;
