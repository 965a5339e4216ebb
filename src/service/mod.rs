//! Use cases: each runs in one transaction, asks the domain what to do, writes the
//! database and queues the outbox.

pub mod accounts;
pub mod admin;
pub mod agent_actions;
pub mod agent_alerts;
pub mod canned_replies;
pub mod checkpoint;
pub mod customer_actions;
pub mod lifecycle;
pub mod links;
pub mod mail_cap;
pub mod mail_sign_in;
pub mod mailbox_alerts;
pub mod mailbox_claims;
pub mod notify;
pub mod oauth2;
pub mod outbox;
pub mod participants;
pub mod partner_answers;
pub mod presence;
pub mod queries;
pub mod queue;
pub mod receive_email;
pub mod satisfaction;
pub mod search_index;
pub mod sla_settings;
pub mod sla_sweep;
pub mod throttles;
pub mod tickets;

use std::sync::Arc;

use crate::config::{Config, Mailbox};
use crate::db::Db;
use crate::domain::business_hours::Calendar;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{SubjectToken, TicketId, TicketKey};
use crate::telemetry::Metrics;
use crate::templates::Templates;

/// What every use case needs; cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    pub config: Arc<Config>,
    pub db: Db,
    pub templates: Arc<Templates>,
    pub metrics: Arc<Metrics>,
    /// Woken after a commit that queued mail, so the sender does not wait for its tick.
    pub outbox_wakeup: Arc<tokio::sync::Notify>,
    pub support: EmailAddress,
    /// Every configured mailbox, the home one (`[imap]`) first.
    pub mailboxes: Arc<Vec<Mailbox>>,
    /// The addresses of all our mailboxes: mail from them is our own.
    pub ours: Arc<Vec<EmailAddress>>,
    pub token: Arc<SubjectToken>,
    /// The SLA goals and calendar in force (see `sla()`).
    sla: Arc<std::sync::RwLock<Arc<Sla>>>,
    /// What "now" is for every use case, the sender and the sweeper.
    pub clock: Arc<Clock>,
    /// Automatic mail queued in the last hour, for all addresses together.
    pub mail_cap: Arc<mail_cap::HourlyCap>,
    /// The OAuth2 tokens the mail connections sign in with (see `oauth2`).
    pub tokens: Arc<crate::mail::oauth2::Tokens>,
    /// Which agents have which ticket open, and who is writing (on SQLite; see `presence`).
    pub presence: Arc<presence::Presence>,
}

/// The daemon's clock: the system clock, moved by a fixed offset that only tests set
/// (to see what the sweeper and the sender do hours or days later).
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl Clock {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
            + chrono::Duration::milliseconds(
                self.offset_ms.load(std::sync::atomic::Ordering::Relaxed),
            )
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), std::sync::atomic::Ordering::Relaxed);
    }
}

impl Ctx {
    /// Opens and migrates the database; an empty `helpdesk.secret` becomes a random key
    /// made on first start and kept in the database.
    pub async fn open(mut config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database.url)?;
        db.migrate().await?;
        if config.helpdesk.secret.is_empty() {
            config.helpdesk.secret = db
                .write(|c| crate::db::settings::get_or_insert(c, "hmac_secret", links::new_token))
                .await?;
        }
        let stored = db
            .read(|c| crate::db::settings::get(c, sla_settings::KEY))
            .await?;
        let ctx = Self::new(config, db)?;
        let home = ctx.home().clone();
        let adopted = ctx
            .db
            .write(move |c| crate::db::tickets::adopt_unqueued(c, &home.address, &home.queue))
            .await?;
        if adopted > 0 {
            tracing::info!(
                tickets = adopted,
                queue = %ctx.home().queue,
                "tickets from before queues joined the first mailbox's queue"
            );
        }
        if let Some(json) = stored {
            match sla_settings::parse(&json) {
                Ok(sla) => ctx.set_sla(Arc::new(sla)),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "stored SLA settings are unusable; using helpdesk.toml's")
                }
            }
        }
        Ok(ctx)
    }

    /// Closes the database once the token requests in flight have ended (a refresh token
    /// one of them rotates is stored first).
    pub async fn close(&self) {
        if !self.tokens.finish_fetches().await {
            tracing::warn!(
                "a token request did not end in time; a refresh token it rotated may be lost"
            );
        }
        self.db.close().await;
    }

    pub fn new(config: Config, db: Db) -> anyhow::Result<Self> {
        anyhow::ensure!(
            config.helpdesk.secret.len() >= 16,
            "helpdesk.secret must be at least 16 characters"
        );
        let support = EmailAddress::parse(&config.helpdesk.support_address)?;
        let mailboxes = config.all_mailboxes();
        let ours = mailboxes
            .iter()
            .map(|m| EmailAddress::parse(&m.address))
            .collect::<Result<Vec<_>, _>>()?;
        let token = Arc::new(SubjectToken::new(&config.helpdesk.ticket_prefix));
        let sla = Arc::new(std::sync::RwLock::new(Arc::new(Sla::new(
            config.sla.clone(),
        )?)));
        Ok(Self {
            config: Arc::new(config),
            db,
            templates: Arc::new(Templates::new()),
            metrics: Arc::new(Metrics::default()),
            outbox_wakeup: Arc::new(tokio::sync::Notify::new()),
            support,
            mailboxes: Arc::new(mailboxes),
            ours: Arc::new(ours),
            token,
            sla,
            clock: Arc::new(Clock::default()),
            mail_cap: Arc::new(mail_cap::HourlyCap::default()),
            presence: Arc::new(presence::Presence::default()),
            tokens: Arc::new(crate::mail::oauth2::Tokens::default()),
        })
    }

    /// The first mailbox: portal, phone and API tickets join its queue.
    pub fn home(&self) -> &Mailbox {
        &self.mailboxes[0]
    }

    /// The mailbox at `address`; the home one for an address that is not (or no longer)
    /// one of ours.
    pub fn mailbox(&self, address: &str) -> &Mailbox {
        crate::config::mailbox_at(&self.mailboxes, address).unwrap_or_else(|| self.home())
    }

    /// The queues, in the order of their mailboxes, each once.
    pub fn queues(&self) -> Vec<&str> {
        let mut queues: Vec<&str> = Vec::new();
        for m in self.mailboxes.iter() {
            if !queues.contains(&m.queue.as_str()) {
                queues.push(&m.queue);
            }
        }
        queues
    }

    /// Whether `address` is one of our mailboxes.
    pub fn is_ours(&self, address: &EmailAddress) -> bool {
        self.ours.contains(address)
    }

    pub fn key(&self, id: TicketId) -> TicketKey {
        TicketKey::new(&self.config.helpdesk.ticket_prefix, id)
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The SLA goals and calendar in force: the file's, or what an admin set since.
    pub fn sla(&self) -> Arc<Sla> {
        self.sla.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts new SLA settings in force (they are stored by `sla_settings::save`).
    pub(crate) fn set_sla(&self, sla: Arc<Sla>) {
        *self.sla.write().unwrap_or_else(|e| e.into_inner()) = sla;
    }

    pub fn parse_key(&self, key: &str) -> Option<TicketId> {
        TicketKey::parse(key, &self.config.helpdesk.ticket_prefix)
            .ok()
            .map(|k| k.id())
    }
}

/// The SLA settings in force, with their calendar built.
#[derive(Debug)]
pub struct Sla {
    pub config: crate::config::SlaConfig,
    pub calendar: Calendar,
}

impl Sla {
    pub fn new(config: crate::config::SlaConfig) -> anyhow::Result<Self> {
        let calendar = config.validate()?;
        Ok(Sla { config, calendar })
    }

    /// How the clocks are read at `now`.
    pub fn reading(&self, now: chrono::DateTime<chrono::Utc>) -> crate::domain::sla::Reading<'_> {
        crate::domain::sla::Reading {
            calendar: &self.calendar,
            warn_percent: self.config.warn_percent,
            now,
        }
    }

    pub fn assign_goal(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.config.assign_minutes)
    }

    pub fn resolve_goal(&self, priority: crate::domain::ticket::Priority) -> chrono::Duration {
        chrono::Duration::hours(self.config.resolve_hours.for_priority(priority))
    }

    /// Both clocks of a ticket at `now`, from the statuses it entered: assignment (met
    /// once `assigned_at`) and resolution (by its priority's goal).
    pub fn clocks(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        history: &[crate::domain::sla::Entered],
        assigned_at: Option<chrono::DateTime<chrono::Utc>>,
        priority: crate::domain::ticket::Priority,
    ) -> [crate::domain::sla::ClockView; 2] {
        let reading = self.reading(now);
        [
            reading.assignment(history, assigned_at, self.assign_goal()),
            reading.resolution(history, self.resolve_goal(priority)),
        ]
    }
}

/// What a use case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Refused(#[from] crate::domain::ticket::Refusal),
    #[error("{0}")]
    Invalid(String),
    #[error("only an admin may do this")]
    NotAdmin,
    /// The request is sound, but what it names is not in a state to take it.
    #[error("{0}")]
    Conflict(String),
    /// The ticket changed since the version the action was based on; says what it is now.
    #[error("{0}")]
    Stale(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::db::SqlError> for ServiceError {
    fn from(e: crate::db::SqlError) -> Self {
        ServiceError::Internal(e.into())
    }
}

impl From<crate::db::DbError> for ServiceError {
    fn from(e: crate::db::DbError) -> Self {
        ServiceError::Internal(e.into())
    }
}
