//! OAuth2 tokens for the mail connections: the `[oauth2]` client signs in as each
//! mailbox's username (and as the SMTP account); with the refresh-token grant the refresh
//! token in use is the configured one until the endpoint rotates it, and from then on the
//! newest, kept in the database (so a restart goes on with it).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Ctx;
use crate::config::{Config, Mailbox, OAuthGrant};
use crate::db;
use crate::mail::oauth2::{self, AccessToken, Grant, GrantSource, Issued, TokenError};

/// Who signs in by OAuth2, with which client.
#[derive(Debug, Clone)]
pub struct MailAccount {
    /// The username the token signs in as (XOAUTH2's `user=`).
    pub username: String,
    /// The token's owner in the cache: the client, and the user for a refresh token.
    account: oauth2::Account,
    /// The refresh token written in the configuration (refresh-token grant only).
    configured_refresh_token: Option<String>,
}

impl MailAccount {
    /// The account a mailbox's IMAP connection signs in as.
    pub fn imap(config: &Config, mailbox: &Mailbox) -> Self {
        Self::new(
            config,
            &mailbox.imap.username,
            &mailbox.client_secret,
            &mailbox.refresh_token,
        )
    }

    /// The SMTP account `username`: the refresh token and secret of the mailbox signing in
    /// as the same user, if one does, else `[oauth2]`'s.
    pub fn smtp(config: &Config, username: &str) -> Self {
        let same = config
            .mailboxes()
            .into_iter()
            .find(|m| m.imap.username.eq_ignore_ascii_case(username));
        let (secret, refresh) = same
            .map(|m| (m.client_secret, m.refresh_token))
            .unwrap_or_else(|| (String::new(), config.oauth2.refresh_token.clone()));
        Self::new(config, username, &secret, &refresh)
    }

    fn new(config: &Config, username: &str, own_secret: &str, refresh_token: &str) -> Self {
        let o = &config.oauth2;
        let client = oauth2::Client {
            token_url: o.token_url.clone(),
            client_id: o.client_id.clone(),
            client_secret: if own_secret.is_empty() {
                o.client_secret.clone()
            } else {
                own_secret.to_string()
            },
            scope: o.scope.clone(),
        };
        let per_user = o.grant == OAuthGrant::RefreshToken;
        Self {
            username: username.to_string(),
            account: oauth2::Account {
                client,
                user: per_user.then(|| username.to_lowercase()),
            },
            configured_refresh_token: per_user.then(|| refresh_token.to_string()),
        }
    }

    /// Where a rotated refresh token of this user is kept.
    fn setting_key(&self) -> String {
        format!("oauth2_refresh_token:{}", self.username.to_lowercase())
    }
}

/// A rotated refresh token as stored, with the configured one it replaced (by hash): a new
/// token written in the configuration wins over what an older one was rotated into.
#[derive(Debug, Serialize, Deserialize)]
struct Rotated {
    replaces: String,
    token: String,
}

fn fingerprint(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token to sign in with: the one in hand while fresh, else a new one (a rotated
/// refresh token that comes with it is stored on the way).
pub async fn token(ctx: &Ctx, who: &MailAccount) -> Result<Issued, TokenError> {
    let source = Stored {
        ctx: ctx.clone(),
        who: who.clone(),
    };
    ctx.tokens.token(&who.account, source).await
}

/// A server refused `token`: the next [`token`] call fetches a new one.
pub async fn refused(ctx: &Ctx, who: &MailAccount, token: &AccessToken) {
    ctx.tokens.invalidate(&who.account, token).await;
}

/// Asks the endpoint for a new token for the mailbox's account, whatever is cached (for
/// `helpdesk check`): `Ok` names the user it signs in as, an error says what the endpoint
/// answered (e.g. "the token endpoint refused the client: invalid_client (…)").
pub async fn check(ctx: &Ctx, mailbox: &Mailbox) -> Result<String, TokenError> {
    let who = MailAccount::imap(&ctx.config, mailbox);
    let source = Stored {
        ctx: ctx.clone(),
        who: who.clone(),
    };
    ctx.tokens.fetch(&who.account.client, source).await?;
    Ok(who.username)
}

/// The grant of an account, with its refresh token kept in the database.
struct Stored {
    ctx: Ctx,
    who: MailAccount,
}

impl GrantSource for Stored {
    async fn grant(&self) -> Result<Grant, TokenError> {
        let Some(configured) = self.who.configured_refresh_token.clone() else {
            return Ok(Grant::ClientCredentials);
        };
        let key = self.who.setting_key();
        let stored = self
            .ctx
            .db
            .read(move |c| db::settings::get(c, &key))
            .await
            .map_err(|e| {
                TokenError::Unavailable(format!("reading the stored refresh token: {e}"))
            })?;
        let rotated = stored
            .and_then(|json| serde_json::from_str::<Rotated>(&json).ok())
            .filter(|s| s.replaces == fingerprint(&configured))
            .map(|s| s.token);
        Ok(Grant::RefreshToken(rotated.unwrap_or(configured)))
    }

    /// Failing to store it is said loudly: after a restart the old one would be used.
    async fn keep_rotated(&self, refresh_token: String) {
        let who = &self.who;
        let Some(configured) = &who.configured_refresh_token else {
            return;
        };
        let rotated = Rotated {
            replaces: fingerprint(configured),
            token: refresh_token,
        };
        let key = who.setting_key();
        let result = match serde_json::to_string(&rotated) {
            Ok(json) => self
                .ctx
                .db
                .write(move |c| db::settings::put(c, &key, &json))
                .await
                .map_err(|e: db::SqlError| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(()) => {
                tracing::info!(user = %who.username, "oauth2: the token endpoint rotated the refresh token; the new one is stored")
            }
            Err(e) => {
                tracing::error!(user = %who.username, error = %e, "oauth2: a rotated refresh token could not be stored; after a restart the old one is used")
            }
        }
    }
}
