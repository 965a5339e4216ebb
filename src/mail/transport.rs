//! The SMTP connection (lettre) built from `[smtp]`, and one raw send.

use std::time::Duration;

use anyhow::Context;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{self, Certificate, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{SmtpConfig, Tls};

pub type Smtp = AsyncSmtpTransport<Tokio1Executor>;

pub fn smtp(cfg: &SmtpConfig) -> anyhow::Result<Smtp> {
    let mut builder = Smtp::builder_dangerous(&cfg.host);
    if cfg.tls != Tls::None {
        let mut params = TlsParameters::builder(cfg.host.clone());
        if !cfg.tls_ca_file.is_empty() {
            let pem = std::fs::read(&cfg.tls_ca_file)
                .with_context(|| format!("reading {}", cfg.tls_ca_file))?;
            params = params
                .add_root_certificate(Certificate::from_pem(&pem).context("smtp.tls_ca_file")?);
        }
        let params = params.build_rustls().context("smtp TLS settings")?;
        builder = builder.tls(match cfg.tls {
            Tls::Starttls => client::Tls::Required(params),
            _ => client::Tls::Wrapper(params),
        });
    }
    let mut builder = builder
        .port(cfg.port)
        .timeout(Some(Duration::from_secs(30)));
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
        Some(
            from.parse()
                .map_err(|e| SendError::Permanent(format!("sender {from:?}: {e}")))?,
        ),
        vec![
            to.parse()
                .map_err(|e| SendError::Permanent(format!("recipient {to:?}: {e}")))?,
        ],
    )
    .map_err(|e| SendError::Permanent(e.to_string()))?;
    match smtp.send_raw(&envelope, raw).await {
        Ok(_) => Ok(()),
        Err(e) if refuses_this_mail(e.status().map(|c| c.to_string()).as_deref()) => {
            Err(SendError::Permanent(e.to_string()))
        }
        Err(e) => Err(SendError::Transient(format!("{e:#}"))),
    }
}

/// Only replies that refuse this recipient or this message for good (RFC 5321 550–553)
/// end a mail. Other 5xx (535 bad credentials, 554 relaying denied, 530 TLS required …)
/// are the relay's or our configuration's problem: the mail waits until that is fixed.
fn refuses_this_mail(code: Option<&str>) -> bool {
    matches!(code, Some("550" | "551" | "552" | "553"))
}

#[cfg(test)]
mod tests {
    use super::refuses_this_mail;

    #[test]
    fn relay_wide_refusals_are_retried() {
        assert!(refuses_this_mail(Some("550")));
        assert!(refuses_this_mail(Some("553")));
        for code in [
            Some("535"),
            Some("554"),
            Some("530"),
            Some("421"),
            Some("451"),
            None,
        ] {
            assert!(!refuses_this_mail(code), "{code:?}");
        }
    }
}
