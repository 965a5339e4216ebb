//! The mailboxes the daemon watches and how it signs in to them: `[imap]` is the first,
//! `[[mailboxes]]` adds more, and `[oauth2]` is the client that signs in where `auth` is
//! "oauth2". [`Config::mailboxes`](super::Config::mailboxes) resolves each into a
//! [`Mailbox`] with every default filled in.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::{ImapConfig, Tls};
use crate::domain::email_address::EmailAddress;

/// How a mail connection signs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailAuth {
    /// LOGIN (IMAP) or AUTH PLAIN/LOGIN (SMTP) with the configured password.
    #[default]
    Password,
    /// SASL XOAUTH2 (OAUTHBEARER where offered) with a token from `[oauth2]`.
    Oauth2,
}

/// The OAuth2 grant the token endpoint is asked with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthGrant {
    /// App-only access (Microsoft 365): the client's own id and secret.
    #[default]
    ClientCredentials,
    /// A user's consent kept as a refresh token (Google Workspace).
    RefreshToken,
}

/// The OAuth2 client: one for every mailbox that signs in by OAuth2.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuth2Config {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: String,
    pub grant: OAuthGrant,
    /// For `grant = "refresh_token"`; a newer one the endpoint hands back is kept in the
    /// database and used from then on.
    pub refresh_token: String,
}

/// One `[[mailboxes]]` entry as written; secrets come from the environment variables that
/// `password_env` and `client_secret_env` name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxConfig {
    pub address: String,
    pub username: String,
    /// Better left empty, with the password in the variable `password_env` names.
    pub password: String,
    pub password_env: String,
    pub auth: MailAuth,
    pub folder: String,
    pub queue: String,
    pub locale: String,
    /// This mailbox's own refresh token (Google: one consent per mailbox); better left
    /// empty, with the token in the variable `refresh_token_env` names.
    pub refresh_token: String,
    pub refresh_token_env: String,
    /// The variable holding this mailbox's own OAuth2 client secret, if it has one.
    pub client_secret_env: String,
    /// The SMTP account that sends this mailbox's mail (default: `[smtp] username`).
    pub smtp_username: String,
    /// Read from the variable `client_secret_env` names; never from the file.
    #[serde(skip)]
    pub client_secret: String,
    /// Default: `[imap]`'s.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<Tls>,
}

/// A watched mailbox with every default filled in.
#[derive(Debug, Clone)]
pub struct Mailbox {
    /// The address customers write to; the mail of its tickets goes out From it.
    pub address: String,
    /// The queue its new tickets join.
    pub queue: String,
    /// The language of the customers it registers.
    pub locale: String,
    /// The connection: host, port, TLS, account, folder (`mailbox`), auth.
    pub imap: ImapConfig,
    /// The refresh token to start from, when the grant is `refresh_token`.
    pub refresh_token: String,
    /// This mailbox's own client secret (empty: `[oauth2] client_secret`).
    pub client_secret: String,
    /// The SMTP account that sends its mail.
    pub smtp_username: String,
    /// Where its UID checkpoint is kept: the folder name for the first mailbox (as before
    /// there were several), `address/folder` for the others.
    pub checkpoint_key: String,
}

/// The mailbox of `mailboxes` whose address is `address` (any case).
pub fn mailbox_at<'a>(mailboxes: &'a [Mailbox], address: &str) -> Option<&'a Mailbox> {
    mailboxes
        .iter()
        .find(|m| m.address.eq_ignore_ascii_case(address))
}

impl Mailbox {
    /// `address/folder`: where a message of this mailbox lies, as quarantine names it.
    pub fn place(&self) -> String {
        format!("{}/{}", self.address, self.imap.mailbox)
    }
}

impl super::Config {
    /// Every mailbox the daemon watches, `[imap]` first. Empty when `[imap] host` is.
    pub fn mailboxes(&self) -> Vec<Mailbox> {
        if self.imap.host.is_empty() {
            return Vec::new();
        }
        self.all_mailboxes()
    }

    /// The first mailbox (`[imap]`, at `helpdesk.support_address`): tickets opened on the
    /// portal, by phone or by the API join its queue, watched or not.
    pub fn home_mailbox(&self) -> Mailbox {
        Mailbox {
            address: self.helpdesk.support_address.clone(),
            queue: self.imap.queue.clone(),
            locale: self.helpdesk.default_locale.clone(),
            imap: self.imap.clone(),
            refresh_token: self.oauth2.refresh_token.clone(),
            client_secret: String::new(),
            smtp_username: self.smtp.username.clone(),
            checkpoint_key: self.imap.mailbox.clone(),
        }
    }

    /// Every configured mailbox, the home one first, whether watched or not.
    pub fn all_mailboxes(&self) -> Vec<Mailbox> {
        let more = self.more_mailboxes.iter().map(|m| {
            let folder = if m.folder.is_empty() {
                "INBOX".to_string()
            } else {
                m.folder.clone()
            };
            Mailbox {
                address: m.address.clone(),
                queue: m.queue.clone(),
                locale: if m.locale.is_empty() {
                    self.helpdesk.default_locale.clone()
                } else {
                    m.locale.clone()
                },
                imap: ImapConfig {
                    host: m.host.clone().unwrap_or_else(|| self.imap.host.clone()),
                    port: m.port.unwrap_or(self.imap.port),
                    tls: m.tls.unwrap_or(self.imap.tls),
                    username: if m.username.is_empty() {
                        m.address.clone()
                    } else {
                        m.username.clone()
                    },
                    password: m.password.clone(),
                    auth: m.auth,
                    mailbox: folder.clone(),
                    queue: m.queue.clone(),
                    ..self.imap.clone()
                },
                refresh_token: if m.refresh_token.is_empty() {
                    self.oauth2.refresh_token.clone()
                } else {
                    m.refresh_token.clone()
                },
                client_secret: m.client_secret.clone(),
                smtp_username: if m.smtp_username.is_empty() {
                    self.smtp.username.clone()
                } else {
                    m.smtp_username.clone()
                },
                checkpoint_key: format!("{}/{folder}", m.address.to_lowercase()),
            }
        });
        std::iter::once(self.home_mailbox()).chain(more).collect()
    }

    /// `From` of the mail about a ticket of `address`'s mailbox: `[smtp] from` for the
    /// home mailbox; its display name with `address` for the others.
    pub fn sender_for(&self, address: &str) -> String {
        let from = &self.smtp.from;
        if address.eq_ignore_ascii_case(&self.helpdesk.support_address) {
            return from.clone();
        }
        let name = from
            .split_once('<')
            .map(|(name, _)| name.trim().trim_matches('"').trim())
            .unwrap_or("");
        if name.is_empty() {
            return address.to_string();
        }
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{address}>")
    }

    /// Reads the secrets the entries name from `env`; a named variable that is not set is
    /// an error, so a typo does not start a mailbox with no password.
    pub(super) fn read_mailbox_secrets(&mut self, env: &[(String, String)]) -> anyhow::Result<()> {
        let lookup = |name: &str, what: &str, address: &str| -> anyhow::Result<String> {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .with_context(|| {
                    format!("mailbox {address}: {what} names {name}, which is not set")
                })
        };
        for m in &mut self.more_mailboxes {
            if !m.password_env.is_empty() {
                m.password = lookup(&m.password_env, "password_env", &m.address)?;
            }
            if !m.refresh_token_env.is_empty() {
                m.refresh_token = lookup(&m.refresh_token_env, "refresh_token_env", &m.address)?;
            }
            if !m.client_secret_env.is_empty() {
                m.client_secret = lookup(&m.client_secret_env, "client_secret_env", &m.address)?;
            }
        }
        Ok(())
    }

    pub(super) fn validate_mailboxes(&self) -> anyhow::Result<()> {
        if self.imap.queue.trim().is_empty() {
            bail!("imap.queue must name the first mailbox's queue, e.g. \"Suport\"");
        }
        let mut seen: Vec<String> = Vec::new();
        for m in self.all_mailboxes() {
            let address = &m.address;
            if EmailAddress::parse(address).is_err() {
                bail!("mailboxes: {address:?} is not an email address");
            }
            if seen.contains(&address.to_lowercase()) {
                bail!("mailboxes: {address} is listed twice");
            }
            seen.push(address.to_lowercase());
            if m.queue.trim().is_empty() {
                bail!("mailbox {address}: queue must name the queue its tickets join");
            }
            if !matches!(m.locale.as_str(), "ro" | "en") {
                bail!("mailbox {address}: locale must be \"ro\" or \"en\"");
            }
            if m.imap.auth == MailAuth::Oauth2 {
                self.validate_oauth2(address, &m)?;
            }
        }
        if self.smtp.auth == MailAuth::Oauth2 {
            self.validate_oauth2("smtp", &self.home_mailbox())?;
        }
        Ok(())
    }

    fn validate_oauth2(&self, who: &str, m: &Mailbox) -> anyhow::Result<()> {
        let o = &self.oauth2;
        if o.token_url.is_empty() || o.client_id.is_empty() {
            bail!("{who}: auth = \"oauth2\" needs [oauth2] token_url and client_id");
        }
        if !(o.token_url.starts_with("https://") || o.token_url.starts_with("http://")) {
            bail!("oauth2.token_url must be an http(s) URL");
        }
        if o.grant == OAuthGrant::RefreshToken && m.refresh_token.is_empty() {
            bail!(
                "{who}: grant = \"refresh_token\" needs a refresh_token ([oauth2] or the mailbox's)"
            );
        }
        if o.grant == OAuthGrant::ClientCredentials
            && o.client_secret.is_empty()
            && m.client_secret.is_empty()
        {
            bail!("{who}: grant = \"client_credentials\" needs [oauth2] client_secret");
        }
        Ok(())
    }
}
