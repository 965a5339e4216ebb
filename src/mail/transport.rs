//! The SMTP connection (lettre) built from `[smtp]`, and one raw send.

use std::time::Duration;

use anyhow::Context;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{SmtpConfig, Tls};

pub type Smtp = AsyncSmtpTransport<Tokio1Executor>;

pub fn smtp(cfg: &SmtpConfig) -> anyhow::Result<Smtp> {
    let builder = match cfg.tls {
        Tls::None => Smtp::builder_dangerous(&cfg.host),
        Tls::Starttls => Smtp::starttls_relay(&cfg.host).context("smtp starttls")?,
        Tls::Tls => Smtp::relay(&cfg.host).context("smtp tls")?,
    };
    let mut builder = builder.port(cfg.port).timeout(Some(Duration::from_secs(30)));
    if !cfg.username.is_empty() {
        builder = builder.credentials(Credentials::new(cfg.username.clone(), cfg.password.clone()));
    }
    Ok(builder.build())
}

/// Why a send failed: retry later, or never (the server refused the mail for good).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("temporary: {0}")]
    Transient(String),
    #[error("permanent: {0}")]
    Permanent(String),
}

pub async fn send_raw(smtp: &Smtp, from: &str, to: &str, raw: &[u8]) -> Result<(), SendError> {
    let envelope = Envelope::new(
        Some(from.parse().map_err(|e| SendError::Permanent(format!("sender {from:?}: {e}")))?),
        vec![to.parse().map_err(|e| SendError::Permanent(format!("recipient {to:?}: {e}")))?],
    )
    .map_err(|e| SendError::Permanent(e.to_string()))?;
    match smtp.send_raw(&envelope, raw).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
        Err(e) => Err(SendError::Transient(format!("{e:#}"))),
    }
}
