//! Use cases: each runs in one transaction, asks the domain what to do, writes the
//! database and queues the outbox.

pub mod accounts;
pub mod agent_actions;
pub mod customer_actions;
pub mod lifecycle;
pub mod links;
pub mod notify;
pub mod receive_email;
pub mod tickets;

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
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
    pub token: Arc<SubjectToken>,
}

impl Ctx {
    /// Opens and migrates the database; an empty `helpdesk.secret` becomes a random key
    /// made on first start and kept in the database.
    pub async fn open(mut config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database.url)?;
        db.migrate().await?;
        if config.helpdesk.secret.is_empty() {
            config.helpdesk.secret =
                db.write(|c| crate::db::settings::get_or_insert(c, "hmac_secret", links::new_token)).await?;
        }
        Self::new(config, db)
    }

    pub fn new(config: Config, db: Db) -> anyhow::Result<Self> {
        anyhow::ensure!(config.helpdesk.secret.len() >= 16, "helpdesk.secret must be at least 16 characters");
        let support = EmailAddress::parse(&config.helpdesk.support_address)?;
        let token = Arc::new(SubjectToken::new(&config.helpdesk.ticket_prefix));
        Ok(Self {
            config: Arc::new(config),
            db,
            templates: Arc::new(Templates::new()),
            metrics: Arc::new(Metrics::default()),
            outbox_wakeup: Arc::new(tokio::sync::Notify::new()),
            support,
            token,
        })
    }

    pub fn key(&self, id: i64) -> TicketKey {
        TicketKey::new(&self.config.helpdesk.ticket_prefix, TicketId(id))
    }

    pub fn parse_key(&self, key: &str) -> Option<i64> {
        TicketKey::parse(key, &self.config.helpdesk.ticket_prefix).ok().map(|k| k.id().0)
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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<rusqlite::Error> for ServiceError {
    fn from(e: rusqlite::Error) -> Self {
        ServiceError::Internal(e.into())
    }
}

impl From<crate::db::DbError> for ServiceError {
    fn from(e: crate::db::DbError) -> Self {
        ServiceError::Internal(e.into())
    }
}
