//! The SMTP connection (lettre) built from `[smtp]`, signed in with its password or an
//! OAuth2 token (XOAUTH2), and one raw send.

use std::time::Duration;

use anyhow::Context;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{self, Certificate, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{SmtpConfig, Tls};
use crate::mail::oauth2::AccessToken;

pub type Smtp = AsyncSmtpTransport<Tokio1Executor>;

/// The transport as `[smtp]` says, signed in with its password (none without a username).
/// Each send opens a connection of its own (lettre's pool is not built in).
pub fn smtp(cfg: &SmtpConfig) -> anyhow::Result<Smtp> {
    let mut builder = builder(cfg)?;
    if !cfg.username.is_empty() {
        builder = builder.credentials(Credentials::new(cfg.username.clone(), cfg.password.clone()));
    }
    Ok(builder.build())
}

/// The transport as `[smtp]` says, signed in as `username` by XOAUTH2 with `token`.
pub fn smtp_with_token(
    cfg: &SmtpConfig,
    username: &str,
    token: &AccessToken,
) -> anyhow::Result<Smtp> {
    Ok(builder(cfg)?
        .credentials(Credentials::new(
            username.to_string(),
            token.secret().to_string(),
        ))
        .authentication(vec![Mechanism::Xoauth2])
        .build())
}

fn builder(cfg: &SmtpConfig) -> anyhow::Result<lettre::transport::smtp::AsyncSmtpTransportBuilder> {
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
    Ok(builder
        .port(cfg.port)
        .timeout(Some(Duration::from_secs(30))))
}

/// Why a send failed: retry later, or never (the server refused the mail for good).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("temporary: {0}")]
    Transient(String),
    #[error("permanent: {0}")]
    Permanent(String),
    /// The server refused our credentials (535, or an error challenge to a token): not
    /// this mail's fault, so it waits; a new token may do.
    #[error("the SMTP server refused the sign-in: {0}")]
    SignInRefused(String),
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
    smtp.send_raw(&envelope, raw)
        .await
        .map(|_| ())
        .map_err(classify)
}

/// Connects and signs in, sending nothing (for `helpdesk check`).
pub async fn sign_in_only(smtp: &Smtp) -> Result<(), SendError> {
    smtp.test_connection().await.map(|_| ()).map_err(classify)
}

fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(|c| c.to_string());
    if refuses_this_mail(code.as_deref()) {
        SendError::Permanent(e.to_string())
    } else if refuses_credentials(code.as_deref()) {
        SendError::SignInRefused(e.to_string())
    } else if e.is_client() && e.to_string().contains("does not expect a challenge") {
        // lettre answers a server's XOAUTH2 error challenge (a JSON status, RFC 7628
        // §3.2.2) with this client error instead of the acknowledgement that fetches the 535.
        SendError::SignInRefused("the server answered the token with an error challenge".into())
    } else {
        SendError::Transient(format!("{e:#}"))
    }
}

/// Only replies that refuse this recipient or this message for good (RFC 5321 550–553)
/// end a mail. Other 5xx (535 bad credentials, 554 relaying denied, 530 TLS required …)
/// are the relay's or our configuration's problem: the mail waits until that is fixed.
fn refuses_this_mail(code: Option<&str>) -> bool {
    matches!(code, Some("550" | "551" | "552" | "553"))
}

/// Replies that refuse our credentials (RFC 4954: 535 invalid, 534 mechanism too weak,
/// as Google says when it wants OAuth2); 454 is a temporary failure to check them.
fn refuses_credentials(code: Option<&str>) -> bool {
    matches!(code, Some("535" | "534"))
}

#[cfg(test)]
mod tests {
    use super::{refuses_credentials, refuses_this_mail};

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

    #[test]
    fn refused_credentials_are_told_apart() {
        assert!(refuses_credentials(Some("535")));
        assert!(refuses_credentials(Some("534")));
        for code in [Some("454"), Some("530"), Some("550"), None] {
            assert!(!refuses_credentials(code), "{code:?}");
        }
    }
}
