//! `receive(raw)`: the one seam for inbound mail (poller, `import`, tests). Parse,
//! classify, thread, decide, store and queue effects in one transaction.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Acquire;

use super::lifecycle;
use super::notify::Extras;
use super::tickets::{self, Body, NewTicket};
use super::{Ctx, ServiceError};
use crate::db::{self, Conn};
use crate::domain::inbound::{self, Candidate, Evidence, Kind, Role, Threading};
use crate::domain::reply_text::split_reply;
use crate::domain::ticket::{Channel, Event, Priority};
use crate::mail::parse::{self, ParsedEmail};
use crate::telemetry::Metrics;

/// What became of one inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created { key: String },
    Threaded { key: String },
    Ignored { kind: &'static str },
    Quarantined { reason: String },
    Duplicate,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Created { .. } => "created",
            Outcome::Threaded { .. } => "threaded",
            Outcome::Ignored { .. } => "ignored",
            Outcome::Quarantined { .. } => "quarantined",
            Outcome::Duplicate => "duplicate",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Created { key } => write!(f, "created {key}"),
            Outcome::Threaded { key } => write!(f, "threaded {key}"),
            Outcome::Ignored { kind } => write!(f, "ignored ({kind})"),
            Outcome::Quarantined { reason } => write!(f, "quarantined ({reason})"),
            Outcome::Duplicate => f.write_str("duplicate (already received)"),
        }
    }
}

/// The de-duplication key: the Message-ID, or a hash of the bytes when there is none.
pub fn dedup_key(raw: &[u8]) -> String {
    match parse::message_id(raw) {
        Some(id) => format!("mid:{id}"),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    }
}

/// Receives one message in its own transaction.
pub async fn receive(ctx: &Ctx, raw: &[u8], now: DateTime<Utc>) -> anyhow::Result<Outcome> {
    Ok(receive_batch(ctx, &[raw], now).await?.remove(0))
}

/// Receives a batch in one transaction (one fsync), each message in its own savepoint:
/// a message that fails is quarantined and the others go on.
pub async fn receive_batch(ctx: &Ctx, raws: &[&[u8]], now: DateTime<Utc>) -> anyhow::Result<Vec<Outcome>> {
    let mut tx = ctx.db.write.begin().await?;
    let mut outcomes = Vec::with_capacity(raws.len());
    for raw in raws {
        outcomes.push(receive_one(&mut tx, ctx, raw, None, now).await?);
    }
    tx.commit().await?;
    for o in &outcomes {
        count(ctx, o);
    }
    if outcomes.iter().any(|o| matches!(o, Outcome::Created { .. } | Outcome::Threaded { .. })) {
        ctx.outbox_wakeup.notify_one();
    }
    Ok(outcomes)
}

/// Processes a quarantined message again (after a fix); it keeps its stored raw bytes.
pub async fn replay(ctx: &Ctx, raw_id: i64, now: DateTime<Utc>) -> anyhow::Result<Outcome> {
    let mut tx = ctx.db.write.begin().await?;
    let raw = db::inbound::raw(&mut tx, raw_id).await?.ok_or_else(|| anyhow::anyhow!("no stored message {raw_id}"))?;
    let outcome = receive_one(&mut tx, ctx, &raw, Some(raw_id), now).await?;
    if !matches!(outcome, Outcome::Quarantined { .. }) {
        db::inbound::release(&mut tx, raw_id, now).await?;
    }
    tx.commit().await?;
    count(ctx, &outcome);
    ctx.outbox_wakeup.notify_one();
    Ok(outcome)
}

fn count(ctx: &Ctx, o: &Outcome) {
    let m = &ctx.metrics;
    Metrics::inc(&m.received);
    Metrics::inc(match o {
        Outcome::Created { .. } => &m.created,
        Outcome::Threaded { .. } => &m.threaded,
        Outcome::Ignored { .. } => &m.ignored,
        Outcome::Quarantined { .. } => &m.quarantined,
        Outcome::Duplicate => &m.duplicates,
    });
}

async fn receive_one(
    conn: &mut Conn,
    ctx: &Ctx,
    raw: &[u8],
    replay_of: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    let raw_id = match replay_of {
        Some(id) => id,
        None => match db::inbound::insert_raw(conn, &dedup_key(raw), raw, now).await? {
            Some(id) => id,
            None => return Ok(Outcome::Duplicate),
        },
    };
    let mut sp = conn.begin().await?;
    match process(&mut sp, ctx, raw, raw_id, now).await {
        Ok(outcome) => {
            sp.commit().await?;
            Ok(outcome)
        }
        Err(e) => {
            sp.rollback().await?;
            let reason = match e {
                ServiceError::Internal(e) => format!("{e:#}"),
                other => other.to_string(),
            };
            tracing::warn!(raw_id, %reason, "message quarantined");
            db::inbound::quarantine(conn, raw_id, &reason, now).await?;
            Ok(Outcome::Quarantined { reason })
        }
    }
}

async fn process(conn: &mut Conn, ctx: &Ctx, raw: &[u8], raw_id: i64, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    let mail = parse::parse(raw).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let kind = inbound::classify(&mail.signals, &ctx.support);
    if kind != Kind::Human {
        db::inbound::set_outcome(conn, raw_id, &format!("ignored:{}", kind.as_str()), None).await?;
        return Ok(Outcome::Ignored { kind: kind.as_str() });
    }
    let body = Body {
        parts: split_reply(&mail.text),
        full_text: mail.text.clone(),
        html: mail.html.clone(),
    };
    let (ticket_id, outcome) = match inbound::thread(evidence(conn, ctx, &mail).await?) {
        Threading::Existing { ticket, role } => {
            add_reply(conn, ctx, ticket.0, role, &mail, &body, raw_id, now).await?;
            (ticket.0, Outcome::Threaded { key: ctx.key(ticket.0).to_string() })
        }
        Threading::New => open_from_mail(conn, ctx, &mail, &body, raw_id, None, now).await?,
        Threading::NewLinked { closed } => open_from_mail(conn, ctx, &mail, &body, raw_id, Some(closed.0), now).await?,
    };
    let label = if matches!(outcome, Outcome::Created { .. }) { "created" } else { "threaded" };
    db::inbound::set_outcome(conn, raw_id, label, Some(ticket_id)).await?;
    Ok(outcome)
}

/// Looks up the tickets the mail may belong to, and the sender's place on them.
async fn evidence(conn: &mut Conn, ctx: &Ctx, mail: &ParsedEmail) -> Result<Evidence, ServiceError> {
    let sender = mail.from.address.as_str();
    let mut e = Evidence::default();
    if let Some((id, addressee_role)) = db::outbox::find_ours(conn, &mail.references).await? {
        if let Some(t) = db::tickets::get(conn, id).await? {
            let sender_role = db::tickets::role_of(conn, id, sender).await?;
            e.by_reference = Some(Candidate { ticket: crate::domain::ids::TicketId(id), status: t.status, sender_role, addressee_role });
        }
    }
    if let Some(id) = ctx.token.find(&mail.subject) {
        if let Some(t) = db::tickets::get(conn, id.0).await? {
            let sender_role = db::tickets::role_of(conn, id.0, sender).await?;
            e.by_token = Some(Candidate { ticket: id, status: t.status, sender_role, addressee_role: None });
        }
    }
    Ok(e)
}

async fn open_from_mail(
    conn: &mut Conn,
    ctx: &Ctx,
    mail: &ParsedEmail,
    body: &Body,
    raw_id: i64,
    linked_from: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(i64, Outcome), ServiceError> {
    let cc: Vec<_> = mail.to.iter().chain(&mail.cc).map(|m| m.address.clone()).collect();
    // A stranger's token (or a closed ticket's) stays out of the new ticket's subject.
    let subject = ctx.token.strip(&mail.subject);
    let t = NewTicket {
        requester: &mail.from.address,
        requester_name: &mail.from.name,
        subject: &subject,
        body,
        channel: Channel::Email,
        priority: Priority::Normal,
        cc: &cc,
        message_id: mail.message_id.as_deref(),
        raw_email_id: Some(raw_id),
        attachments: &mail.attachments,
        linked_from,
        actor: mail.from.address.as_str(),
    };
    let ticket = tickets::open(conn, ctx, t, now).await?;
    Ok((ticket.id, Outcome::Created { key: ctx.key(ticket.id).to_string() }))
}

#[allow(clippy::too_many_arguments)]
async fn add_reply(
    conn: &mut Conn,
    ctx: &Ctx,
    ticket_id: i64,
    role: Role,
    mail: &ParsedEmail,
    body: &Body,
    raw_id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let sender = mail.from.address.as_str();
    db::tickets::add_participant(conn, ticket_id, sender, role).await?;
    let (kind, event) = match role {
        Role::Partner => ("partner", Event::PartnerReplied),
        Role::Requester | Role::Cc => ("customer", Event::CustomerReplied),
    };
    tickets::store_message(
        conn, ticket_id, kind, sender, &mail.subject, body, mail.message_id.as_deref(), Some(raw_id), &mail.attachments, now,
    )
    .await?;
    let ticket = db::tickets::get(conn, ticket_id).await?.ok_or_else(|| ServiceError::NotFound(ctx.key(ticket_id).to_string()))?;
    lifecycle::apply(conn, ctx, &ticket, event, sender, &Extras::default(), now).await?;
    Ok(())
}
