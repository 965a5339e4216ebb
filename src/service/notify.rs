//! Turns a `Notify` decision into a composed mail in the outbox, in the caller's transaction.

use chrono::{DateTime, Duration, Utc};

use super::Ctx;
use crate::db::{self, Conn, customers::Customer, messages::MailContext, tickets::TicketRow};
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{CustomerId, TicketId};
use crate::domain::inbound::Role;
use crate::domain::notification::{Cause, Notify, Recipient, Template};

mod agent_alert;
mod cc;
mod enqueue;
mod letter;
mod mailbox_alert;
mod vars;
mod when;

pub use agent_alert::{AgentAlert, AgentNews, queue_agent_alert};
pub use enqueue::counted_since;
use enqueue::{enqueue, enqueue_together};
pub use letter::{Letter, compose_letter};
pub use mailbox_alert::{MailboxEvent, queue_mailbox_alert};
use vars::{MailVars, staff_vars, ticket_vars};

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
    queue_with(conn, ctx, ticket, notify, extras, None, cause, now)
}

/// What a new ticket's mail starts from: the requester's thread as the ticket was written,
/// and the requester to invite when they were just registered.
pub struct NewTicketMail<'a> {
    /// Their first message's Message-ID, the ticket's mailbox and the automatic mail they
    /// got since [`counted_since`].
    pub thread: MailContext,
    pub invited: Option<&'a Customer>,
}

/// As [`queue`] for a new ticket: its thread known already, and the invitation after the
/// mail to the requester, queued together with it (one insert for both).
#[allow(clippy::too_many_arguments)]
pub fn queue_for_new_ticket(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    notify: Notify,
    extras: &Extras,
    new: NewTicketMail<'_>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    queue_with(conn, ctx, ticket, notify, extras, Some(new), cause, now)
}

#[allow(clippy::too_many_arguments)]
fn queue_with(
    conn: &Conn,
    ctx: &Ctx,
    ticket: &TicketRow,
    notify: Notify,
    extras: &Extras,
    new: Option<NewTicketMail<'_>>,
    cause: Cause,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let draft = match notify.is_sent(!ticket.status_mail) {
        true => Some(requester_or_partner_draft(
            conn, ctx, ticket, notify, extras, now,
        )?),
        false => None,
    };
    let (mut thread, invited) = match new {
        Some(new) => (Some(new.thread), new.invited),
        None => (None, None),
    };
    let invitation =
        invited.map(|c| portal_link_draft(ctx, c, PortalLink::Invite, Some(ticket.id), now));
    let link = invitation.as_ref().map(LinkDraft::token);
    let mut drafts: Vec<_> = draft.iter().map(|d| (d, None)).collect();
    drafts.extend(invitation.as_ref().map(|i| (&i.draft, link.as_ref())));
    // Mail to one recipient is queued together; the thread known is the requester's.
    let mut queued = Vec::with_capacity(drafts.len());
    for one in drafts.chunk_by(|a, b| a.0.to.address == b.0.to.address) {
        let known = thread.take_if(|_| one[0].0.to.address == ticket.requester_email);
        queued.extend(enqueue_together(conn, ctx, one, known, cause, now)?);
    }
    let queued = draft.is_some() && queued[0];
    if notify.copies_to_cc() {
        cc::queue_copies(conn, ctx, ticket, notify, extras, cause, now)?;
    }
    Ok(queued)
}

/// The mail to the requester, or to the partner `extras` names.
fn requester_or_partner_draft<'a>(
    conn: &Conn,
    ctx: &'a Ctx,
    ticket: &'a TicketRow,
    notify: Notify,
    extras: &'a Extras,
    now: DateTime<Utc>,
) -> anyhow::Result<Draft<'a>> {
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
    Ok(Draft {
        ticket_id: Some(ticket.id),
        to,
        template: notify.template,
        vars,
    })
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
    let d = portal_link_draft(ctx, customer, link, ticket_id, now);
    let link = Some(&d.token());
    Ok(enqueue_together(conn, ctx, &[(&d.draft, link)], None, cause, now)?[0])
}

/// A portal link's mail, drafted, and its row: the link is stored with the mail.
struct LinkDraft<'a> {
    draft: Draft<'a>,
    customer_id: CustomerId,
    purpose: &'static str,
    /// The SHA-256 of the one-time token, which only the mail holds.
    token_hash: String,
    expires_at: DateTime<Utc>,
}

impl LinkDraft<'_> {
    fn token(&self) -> db::customers::NewPortalToken<'_> {
        db::customers::NewPortalToken {
            customer_id: self.customer_id,
            purpose: self.purpose,
            token_hash: &self.token_hash,
            expires_at: self.expires_at,
        }
    }
}

fn portal_link_draft<'a>(
    ctx: &Ctx,
    customer: &'a Customer,
    link: PortalLink,
    ticket_id: Option<TicketId>,
    now: DateTime<Utc>,
) -> LinkDraft<'a> {
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
    LinkDraft {
        draft: Draft {
            ticket_id,
            to,
            template,
            vars,
        },
        customer_id: customer.id,
        purpose: link.purpose(),
        token_hash: super::links::hash_token(&token),
        expires_at: now + Duration::hours(ttl_hours),
    }
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

#[cfg(test)]
mod tests;
