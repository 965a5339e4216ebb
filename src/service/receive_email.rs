//! `receive(raw)`: the one seam for inbound mail (poller, `import`, tests). Parse,
//! classify, thread, decide, store and queue effects in one transaction.

use chrono::{DateTime, Utc};

use super::lifecycle::{self, Step};
use super::notify::Extras;
use super::tickets::{self, Body, Entry, LostMail, NewTicket, Origin, Undelivered};
use super::{Ctx, ServiceError};
use crate::config::Mailbox as OurMailbox;
use crate::db::{self, Conn, inbound::Settled};
use crate::domain::email::{Mailbox, ParsedEmail};
use crate::domain::ids::TicketId;
use crate::domain::inbound::{self, Kind, Role, Threading};
use crate::domain::message_kind::MessageKind;
use crate::domain::notification::Cause;
use crate::domain::reply_text::split_reply;
use crate::domain::sender_auth::{self, SenderAuth};
use crate::domain::ticket::{Channel, Priority};

mod batch;
mod evidence;
mod forward;
mod incoming;
mod lanes;
mod outcome;
mod quarantine;

use evidence::Seen;
use incoming::Incoming;
pub use outcome::Outcome;
use outcome::count;
pub use quarantine::{ServerCopy, record_oversize, record_unfetchable, replay};

/// Receives one message, as come through the home mailbox, in its own transaction.
pub async fn receive(ctx: &Ctx, raw: Vec<u8>, now: DateTime<Utc>) -> anyhow::Result<Outcome> {
    Ok(receive_batch(ctx, ctx.home(), vec![raw], now)
        .await?
        .remove(0))
}

/// Receives a batch in one transaction (one fsync); a message that fails is quarantined
/// and the others go on (see [`batch::store`]). On two writers (PostgreSQL), a batch whose
/// messages share nothing is split in two transactions side by side ([`lanes`]).
/// `via` is the mailbox they came through: new tickets join its queue.
pub async fn receive_batch(
    ctx: &Ctx,
    via: &OurMailbox,
    raws: Vec<Vec<u8>>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    let expected = raws.len();
    let outcomes = match ctx.db.writers() > 1 && expected >= lanes::SMALLEST {
        true => lanes::store(ctx, via, raws, now).await?,
        false => on_one_writer(ctx, via, raws, now).await?,
    };
    anyhow::ensure!(
        outcomes.len() == expected,
        "{} of {expected} messages were parsed",
        outcomes.len()
    );
    for o in &outcomes {
        count(ctx, o);
    }
    if outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Created { .. } | Outcome::Threaded { .. }))
    {
        ctx.outbox_wakeup.notify_one();
    }
    Ok(outcomes)
}

/// Receives a batch in one transaction of the first writer. Messages are parsed on a
/// blocking thread of their own (never on the async threads) while the writer stores the
/// ones parsed before them.
async fn on_one_writer(
    ctx: &Ctx,
    via: &OurMailbox,
    raws: Vec<Vec<u8>>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    let (parsed, incoming) = std::sync::mpsc::sync_channel::<Incoming>(raws.len().max(1));
    let parser = tokio::task::spawn_blocking(move || {
        for raw in raws {
            // The writer stopped taking them (it failed): nothing more to parse.
            if parsed.send(Incoming::new(raw)).is_err() {
                break;
            }
        }
    });
    let parting = batch::Parting::MessageByMessage;
    let outcomes = store_on(ctx, via, 0, incoming, parting, now).await;
    parser.await?;
    outcomes
}

/// Stores the messages `incoming` brings ([`batch::store`]), in one transaction of
/// `writer`.
async fn store_on(
    ctx: &Ctx,
    via: &OurMailbox,
    writer: usize,
    incoming: std::sync::mpsc::Receiver<Incoming>,
    parting: batch::Parting,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    let (c, via) = (ctx.clone(), via.clone());
    ctx.db
        .write_on(writer, move |conn| {
            batch::store(conn, &c, &via, &incoming, parting, now)
        })
        .await
}

/// A message as stored: its raw row, and whether its author's address is an agent's when
/// the statement that stored it told.
struct Stored {
    raw_id: i64,
    /// The de-duplication key it is stored under.
    key: String,
    author_is_agent: Option<bool>,
}

/// Processes a stored message: what became of it, and the ticket it went to. `earlier` is
/// what became of the batch's messages before it, not written yet.
fn process(
    conn: &Conn,
    ctx: &Ctx,
    via: &OurMailbox,
    m: &Incoming,
    stored: &Stored,
    earlier: &[Settled],
    now: DateTime<Utc>,
) -> Result<(Outcome, Option<TicketId>), ServiceError> {
    let mail = m
        .parsed
        .as_ref()
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let trusted = &ctx.config.mail_trust.authserv_ids;
    let auth = sender_auth::verdict(
        &mail.authentication_results,
        &mail.arc_authentication_results,
        trusted,
        mail.from.address.domain(),
    );
    let kind = inbound::classify(&mail.signals, &ctx.ours);
    if kind != Kind::Human {
        let ticket_id = if kind == Kind::Bounce && auth != SenderAuth::Fail {
            record_bounce(conn, ctx, mail, stored.raw_id, now)?
        } else {
            None
        };
        let outcome = Outcome::Ignored {
            kind: kind.as_str(),
        };
        return Ok((outcome, ticket_id));
    }
    let origin = Origin {
        message_id: mail.message_id.as_deref(),
        raw_email_id: Some(stored.raw_id),
        sender_auth: Some(auth),
        via: Some(via),
    };
    let body = Body {
        parts: split_reply(&mail.text),
        full_text: mail.text.clone(),
        html: mail.html.clone(),
    };
    // Mail our servers say is forged never joins or changes a ticket it names.
    let mut seen = Vec::new();
    let threading = match auth {
        SenderAuth::Fail => Threading::New,
        _ => inbound::thread(evidence::gather(conn, ctx, mail, auth, earlier, &mut seen)?),
    };
    let (ticket_id, outcome) = match threading {
        Threading::Existing { ticket, role } => {
            let reply = Reply {
                ticket_id: ticket,
                known: seen.into_iter().find(|s| s.ticket.id == ticket),
                role,
                mail,
                body: &body,
                origin,
            };
            add_reply(conn, ctx, reply, now)?;
            (
                ticket,
                Outcome::Threaded {
                    key: ctx.key(ticket).to_string(),
                },
            )
        }
        Threading::New => match forward::by_agent(conn, ctx, mail, auth)? {
            Some(forward) => forward::open(conn, ctx, mail, &forward, origin, now)?,
            None => open_from_mail(conn, ctx, mail, stored, &body, origin, None, now)?,
        },
        Threading::NewLinked { closed } => {
            open_from_mail(conn, ctx, mail, stored, &body, origin, Some(closed), now)?
        }
    };
    Ok((outcome, Some(ticket_id)))
}

/// A bounce of one of our mails: the failure is kept on that outbox row and, as an
/// internal note, on its ticket (agents see that the customer never got it). Returns the
/// ticket. A delay report, a bounce of mail that is not ours, or one that does not name
/// that mail's recipient as failed, changes nothing.
fn record_bounce(
    conn: &Conn,
    ctx: &Ctx,
    mail: &ParsedEmail,
    raw_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<TicketId>, ServiceError> {
    let Some(report) = &mail.bounce else {
        return Ok(None);
    };
    let Some((outbox_id, ticket_id, recipient)) =
        db::outbox::find_by_message_ids(conn, &report.returned_ids)?
    else {
        return Ok(None);
    };
    let Some(failure) = report.failures.iter().find(|f| f.is_for(&recipient)) else {
        return Ok(None);
    };
    let reason = tickets::undelivered_reason(&failure.reason);
    db::outbox::record_bounce(conn, outbox_id, &reason)?;
    let Some(ticket_id) = ticket_id else {
        return Ok(None);
    };
    let lost = LostMail {
        recipient: &recipient,
        what: Undelivered::Bounced,
        reason: &reason,
        raw_email_id: Some(raw_id),
    };
    tickets::note_undelivered(conn, ctx, ticket_id, &lost, now)?;
    Ok(Some(ticket_id))
}

/// A new ticket from a mail. Its requester is the author, or the one person `Reply-To`
/// names when the author is a no-reply address (a web form's), but never an agent. Mail
/// our servers could not vouch for as from its author (a forged From), and mail from an
/// agent's address that they did not vouch for, gets no automatic mail.
#[allow(clippy::too_many_arguments)]
fn open_from_mail(
    conn: &Conn,
    ctx: &Ctx,
    mail: &ParsedEmail,
    stored: &Stored,
    body: &Body,
    origin: Origin<'_>,
    linked_from: Option<TicketId>,
    now: DateTime<Utc>,
) -> Result<(TicketId, Outcome), ServiceError> {
    // Whether the author is an agent may have been learnt as the mail was stored.
    let is_agent = |m: &Mailbox| match stored.author_is_agent {
        Some(known) if m == &mail.from => Ok(known),
        _ => db::agents::find_by_email(conn, m.address.as_str()).map(|a| a.is_some()),
    };
    let requester = match mail.sender() {
        r if r != &mail.from && is_agent(r)? => &mail.from,
        r => r,
    };
    let vouched = match origin.sender_auth {
        Some(SenderAuth::Fail) => false,
        Some(SenderAuth::Pass) => true,
        _ => !is_agent(&mail.from)?,
    };
    let cc: Vec<_> = mail
        .to
        .iter()
        .chain(&mail.cc)
        .map(|m| m.address.clone())
        .collect();
    // A stranger's token (or a closed ticket's) stays out of the new ticket's subject.
    let subject = ctx.token.strip(&mail.subject);
    let t = NewTicket {
        requester: &requester.address,
        requester_name: &requester.name,
        subject: &subject,
        body,
        channel: Channel::Email,
        priority: Priority::Normal,
        // Forged mail makes no one a participant but the address it claims.
        cc: if vouched { &cc } else { &[] },
        origin,
        attachments: &mail.attachments,
        linked_from,
        actor: requester.address.as_str(),
        automatic_mail: vouched,
    };
    let ticket = tickets::open(conn, ctx, t, now)?;
    Ok((
        ticket.id,
        Outcome::Created {
            key: ctx.key(ticket.id).to_string(),
        },
    ))
}

/// A mail on its way onto the ticket it answers, and the part its sender has there.
struct Reply<'a> {
    ticket_id: TicketId,
    /// The ticket as threading read it.
    known: Option<Seen>,
    role: Role,
    mail: &'a ParsedEmail,
    body: &'a Body,
    origin: Origin<'a>,
}

fn add_reply(
    conn: &Conn,
    ctx: &Ctx,
    reply: Reply<'_>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let Reply {
        ticket_id,
        known,
        role,
        mail,
        body,
        origin,
    } = reply;
    // Who speaks is the author: `Reply-To` never decides it on an existing ticket.
    let sender = mail.from.address.as_str();
    let joined = known.as_ref().is_some_and(|k| k.sender_joined);
    if let Some(joins_as) = role.joins_as().filter(|_| !joined) {
        db::tickets::add_participant(conn, ticket_id, sender, joins_as)?;
    }
    // The team's mail (an answer to an SLA alert, an agent writing with the token) is an
    // internal note: it moves no status and tells no customer.
    let kind = match role {
        Role::Partner => MessageKind::Partner,
        Role::Staff => MessageKind::Note,
        Role::Requester | Role::Cc => MessageKind::Customer,
    };
    let entry = Entry {
        kind,
        author: sender,
        subject: &mail.subject,
        body,
        origin,
        attachments: &mail.attachments,
    };
    let stored = tickets::store_message(conn, ticket_id, &entry, now)?;
    // The team's mail (no event) moves nothing and tells no one; a customer's or a
    // partner's answer moves the ticket and tells its agent.
    if let Some(event) = role.reply_event() {
        // It is as threading read it (and locked it), moved by the message.
        let ticket = match known {
            Some(known) => {
                let mut ticket = known.ticket;
                ticket.moved(stored.ticket);
                ticket
            }
            None => db::tickets::get(conn, ticket_id)?
                .ok_or_else(|| ServiceError::NotFound(ctx.key(ticket_id).to_string()))?,
        };
        let said = Extras {
            message: body.parts.new_text.clone(),
            ..Extras::default()
        };
        let step = Step {
            extras: &said,
            ..Step::new(event, sender, Cause::InboundMail)
        };
        lifecycle::apply(conn, ctx, &ticket, step, now)?;
    }
    Ok(())
}
