//! Signing in: LOGIN with a password, or SASL with an OAuth2 token (OAUTHBEARER where the
//! server offers it, else XOAUTH2). A server that refuses the credentials is told apart
//! from a connection that failed: the first needs a new token or someone's attention, the
//! second only another try.

use anyhow::anyhow;
use async_imap::Authenticator;
use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{Response, types::Capability};
use async_imap::types::UnsolicitedResponse;

use super::{ImapClient, ImapSession, open, timed};
use crate::config::ImapConfig;
use crate::mail::oauth2::AccessToken;
use crate::mail::oauth2::sasl::{Mechanism, Target};

/// How a connection signs in.
#[derive(Debug, Clone, Copy)]
pub enum SignIn<'a> {
    Password {
        username: &'a str,
        password: &'a str,
    },
    Bearer {
        username: &'a str,
        token: &'a AccessToken,
    },
}

/// Why there is no session.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The server refused these credentials (a NO to LOGIN or AUTHENTICATE, or no
    /// mechanism to present them with): the same ones will not do better next time.
    #[error("the IMAP server refused the sign-in: {0}")]
    Refused(String),
    /// The connection failed, or the server is not able to check credentials just now.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Connects (with TLS as configured) and signs in as `how` says.
pub async fn sign_in(cfg: &ImapConfig, how: SignIn<'_>) -> Result<ImapSession, ConnectError> {
    let mut client = open(cfg).await?;
    match how {
        SignIn::Password { username, password } => client
            .login(username, password)
            .await
            .map_err(|(e, _)| refusal(e, "LOGIN", None)),
        SignIn::Bearer { username, token } => {
            let offered = timed("CAPABILITY", capabilities(&mut client)).await?;
            let mechanism =
                Mechanism::choose(|m| offered.iter().any(|o| o == m)).ok_or_else(|| {
                    ConnectError::Refused(
                        "the server offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2".into(),
                    )
                })?;
            let to = Target {
                user: username,
                host: &cfg.host,
                port: cfg.port,
            };
            let mut sasl = Sasl {
                initial: Some(mechanism.initial_response(&to, token)),
                mechanism,
                server_said: None,
            };
            let result = client.authenticate(mechanism.name(), &mut sasl).await;
            let what = format!("AUTHENTICATE {}", mechanism.name());
            result.map_err(|(e, _)| refusal(e, &what, sasl.server_said.take()))
        }
    }
}

/// The SASL mechanisms the server offers before sign-in (its `AUTH=` capabilities).
async fn capabilities(client: &mut ImapClient) -> Result<Vec<String>, ImapError> {
    // Before sign-in async-imap hands the untagged answers only to such a channel.
    let (tx, rx) = async_channel::unbounded();
    client
        .run_command_and_check_ok("CAPABILITY", Some(tx))
        .await?;
    let mut mechanisms = Vec::new();
    while let Ok(answer) = rx.try_recv() {
        if let UnsolicitedResponse::Other(data) = answer
            && let Response::Capabilities(caps) = data.parsed()
        {
            mechanisms.extend(caps.iter().filter_map(|c| match c {
                Capability::Auth(m) => Some(m.to_ascii_uppercase()),
                _ => None,
            }));
        }
    }
    Ok(mechanisms)
}

/// Presents the token once; a challenge after that is the server's error report (a JSON
/// status), which is kept for the message and acknowledged so the server can say NO.
struct Sasl {
    initial: Option<String>,
    mechanism: Mechanism,
    server_said: Option<String>,
}

impl Authenticator for &mut Sasl {
    type Response = Vec<u8>;

    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        match self.initial.take() {
            Some(initial) => initial.into_bytes(),
            None => {
                self.server_said = Some(String::from_utf8_lossy(challenge).trim().to_string());
                self.mechanism.error_acknowledgement().to_vec()
            }
        }
    }
}

/// A NO or BAD to the sign-in is a refusal, unless the server says it is only
/// unavailable for now (RFC 5530's `[UNAVAILABLE]`); anything else is a failed connection.
fn refusal(e: ImapError, what: &str, server_said: Option<String>) -> ConnectError {
    let said = server_said
        .filter(|s| !s.is_empty())
        .map(|s| format!(" (the server's reason: {s})"))
        .unwrap_or_default();
    match e {
        ImapError::No(text) | ImapError::Bad(text) if !text.contains("UNAVAILABLE") => {
            ConnectError::Refused(format!("{what}: {}{said}", server_text(&text)))
        }
        e => ConnectError::Failed(anyhow!(e).context(format!("{what}{said}"))),
    }
}

/// The server's words out of async-imap's `code: …, info: Some("…")`.
fn server_text(text: &str) -> String {
    text.split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.rsplit_once("\")"))
        .map(|(info, _)| info.replace("\\\"", "\""))
        .unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_no_is_a_refusal_in_the_servers_words() {
        let e = ImapError::No(
            "code: None, info: Some(\"[AUTHENTICATIONFAILED] Authentication failed.\")".into(),
        );
        let refused = refusal(
            e,
            "AUTHENTICATE XOAUTH2",
            Some(r#"{"status":"invalid_token"}"#.into()),
        );
        assert_eq!(
            refused.to_string(),
            "the IMAP server refused the sign-in: AUTHENTICATE XOAUTH2: [AUTHENTICATIONFAILED] Authentication failed. (the server's reason: {\"status\":\"invalid_token\"})"
        );
    }

    #[test]
    fn an_unavailable_server_or_a_lost_connection_is_no_refusal() {
        let busy = ImapError::No(
            "code: None, info: Some(\"[UNAVAILABLE] Temporary authentication failure.\")".into(),
        );
        assert!(matches!(
            refusal(busy, "LOGIN", None),
            ConnectError::Failed(_)
        ));
        assert!(matches!(
            refusal(ImapError::ConnectionLost, "LOGIN", None),
            ConnectError::Failed(_)
        ));
    }
}
