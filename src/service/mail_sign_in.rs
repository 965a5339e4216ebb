//! Signing in to the mail servers as configured: a mailbox's IMAP connection, and the SMTP
//! relay the outbox sends through. With OAuth2 a token the server refuses is forgotten and
//! a new one tried once more before the refusal is reported.

use std::time::Instant;

use super::Ctx;
use super::oauth2::{self, MailAccount};
use crate::config::{MailAuth, Mailbox};
use crate::mail::imap::{self, ConnectError, ImapSession, SignIn};
use crate::mail::oauth2::TokenError;
use crate::mail::transport::{self, SendError, Smtp};

/// Why a mailbox could not be signed in to.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The server or the token endpoint refused our credentials: trying again as they are
    /// will not help until someone fixes the client, the secret, the consent or the account.
    #[error("{0}")]
    Refused(String),
    /// The server or the token endpoint could not be reached or failed: try again later.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<TokenError> for SignInError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Refused { .. } => SignInError::Refused(e.to_string()),
            TokenError::Unavailable(_) => SignInError::Failed(e.into()),
        }
    }
}

impl From<ConnectError> for SignInError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::Refused(_) => SignInError::Refused(e.to_string()),
            ConnectError::Failed(e) => SignInError::Failed(e),
        }
    }
}

/// An IMAP session, and when its OAuth2 token is due for renewal (a server may end a
/// session whose token expired, so the poller signs in anew before).
pub struct SignedIn {
    pub session: ImapSession,
    pub renew_at: Option<Instant>,
}

/// Connects to the mailbox and signs in as its `auth` says.
pub async fn imap(ctx: &Ctx, mailbox: &Mailbox) -> Result<SignedIn, SignInError> {
    let cfg = &mailbox.imap;
    if cfg.auth == MailAuth::Password {
        let how = SignIn::Password {
            username: &cfg.username,
            password: &cfg.password,
        };
        let session = imap::sign_in(cfg, how).await?;
        return Ok(SignedIn {
            session,
            renew_at: None,
        });
    }
    let who = MailAccount::imap(&ctx.config, mailbox);
    let mut refusal = None;
    for _ in 0..2 {
        let issued = oauth2::token(ctx, &who).await?;
        let how = SignIn::Bearer {
            username: &who.username,
            token: &issued.token,
        };
        match imap::sign_in(cfg, how).await {
            Ok(session) => {
                return Ok(SignedIn {
                    session,
                    renew_at: Some(issued.renew_at),
                });
            }
            Err(e @ ConnectError::Refused(_)) => {
                oauth2::refused(ctx, &who, &issued.token).await;
                refusal = Some(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(refusal
        .map(SignInError::from)
        .unwrap_or_else(|| SignInError::Refused("the IMAP server refused the sign-in".into())))
}

/// How the outbox reaches the SMTP server: with `[smtp]`'s password, or by OAuth2 as the
/// SMTP account of the mail's sender (its mailbox's `smtp_username`, else `[smtp]
/// username`), with a token fetched and replaced as it nears expiry.
pub struct Relay {
    /// The transport signed in by password (`None` with OAuth2).
    password: Option<Smtp>,
}

impl Relay {
    pub fn new(ctx: &Ctx) -> anyhow::Result<Self> {
        let password = match ctx.config.smtp.auth {
            MailAuth::Password => Some(transport::smtp(&ctx.config.smtp)?),
            MailAuth::Oauth2 => None,
        };
        Ok(Self { password })
    }

    /// Sends one mail. A refused sign-in is a temporary failure (the mail waits); with
    /// OAuth2 it is first tried once more with a new token.
    pub async fn send(&self, ctx: &Ctx, from: &str, to: &str, raw: &[u8]) -> Result<(), SendError> {
        self.signed_in(ctx, from, Op::Send { to, raw })
            .await
            .map_err(refusal_waits)
    }

    /// Connects and signs in as the outbox does for mail from `from`, sending nothing (for
    /// `helpdesk check`): a refusal is `SignInRefused`, saying as whom.
    pub async fn check(&self, ctx: &Ctx, from: &str) -> Result<(), SendError> {
        self.signed_in(ctx, from, Op::SignInOnly).await
    }

    /// Does `op` on a transport signed in for mail from `from`: by password, or by OAuth2
    /// as the sender's SMTP account, with a second token if the server refuses the first.
    async fn signed_in(&self, ctx: &Ctx, from: &str, op: Op<'_>) -> Result<(), SendError> {
        if let Some(smtp) = &self.password {
            return op.run(smtp, from).await;
        }
        // The sender's mailbox (an unknown sender: the first one, whose account is
        // `[smtp] username`).
        let username = match ctx.mailbox(from).smtp_username.as_str() {
            "" => ctx.config.smtp.username.clone(),
            account => account.to_string(),
        };
        let who = MailAccount::smtp(&ctx.config, &username);
        let mut refused = String::new();
        for _ in 0..2 {
            let issued = oauth2::token(ctx, &who).await.map_err(|e| {
                SendError::Transient(format!("{e} (SMTP account {})", who.username))
            })?;
            let smtp = transport::smtp_with_token(&ctx.config.smtp, &who.username, &issued.token)
                .map_err(|e| SendError::Transient(format!("{e:#}")))?;
            match op.run(&smtp, from).await {
                Err(SendError::SignInRefused(reason)) => {
                    oauth2::refused(ctx, &who, &issued.token).await;
                    refused = reason;
                }
                done => return done,
            }
        }
        Err(SendError::SignInRefused(format!(
            "{} by OAuth2, a new token too: {refused}",
            who.username
        )))
    }
}

/// What the relay does once signed in.
#[derive(Clone, Copy)]
enum Op<'a> {
    Send { to: &'a str, raw: &'a [u8] },
    SignInOnly,
}

impl Op<'_> {
    async fn run(self, smtp: &Smtp, from: &str) -> Result<(), SendError> {
        match self {
            Op::Send { to, raw } => transport::send_raw(smtp, from, to, raw).await,
            Op::SignInOnly => transport::sign_in_only(smtp).await,
        }
    }
}

/// A refused sign-in is the relay's or our configuration's problem, not the mail's: it
/// waits, as for a server that is down.
fn refusal_waits(e: SendError) -> SendError {
    match e {
        SendError::SignInRefused(_) => SendError::Transient(e.to_string()),
        e => e,
    }
}
