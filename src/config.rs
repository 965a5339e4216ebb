//! Configuration: `helpdesk.toml` with `HELPDESK_<SECTION>_<KEY>` environment overrides.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

mod mailboxes;
mod overrides;
mod sections;
mod sla;

pub use mailboxes::{MailAuth, Mailbox, MailboxConfig, OAuth2Config, OAuthGrant, mailbox_at};

use overrides::{apply_env, merge};
pub use sections::{
    DatabaseConfig, HelpdeskConfig, ImapConfig, LogConfig, LogFormat, MailTrustConfig,
    PortalConfig, SmtpConfig, Tls, WebConfig,
};
pub use sla::{CalendarConfig, ResolveHours, SlaConfig};

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub helpdesk: HelpdeskConfig,
    pub database: DatabaseConfig,
    pub imap: ImapConfig,
    pub smtp: SmtpConfig,
    pub web: WebConfig,
    pub portal: PortalConfig,
    pub sla: SlaConfig,
    pub mail_trust: MailTrustConfig,
    pub oauth2: OAuth2Config,
    /// `[[mailboxes]]`: the mailboxes watched besides `[imap]`; see [`Config::mailboxes`].
    #[serde(rename = "mailboxes")]
    pub more_mailboxes: Vec<MailboxConfig>,
    pub log: LogConfig,
}

impl Config {
    /// Reads the file (a missing file means the built-in defaults), then applies the
    /// `HELPDESK_*` variables of the process environment.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Self::from_parts(&text, std::env::vars())
    }

    /// Builds a config from TOML text and `(name, value)` environment pairs.
    pub fn from_parts(
        toml_text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut tree = toml::Value::try_from(Config::default()).context("default config")?;
        let file: toml::Value = toml::from_str(toml_text).context("parsing the config file")?;
        merge(&mut tree, file);
        let env: Vec<(String, String)> = env.into_iter().collect();
        for (name, value) in &env {
            apply_env(&mut tree, name, value)?;
        }
        let mut config: Config = tree.try_into().context("invalid configuration")?;
        config.read_mailbox_secrets(&env)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if crate::domain::email_address::EmailAddress::parse(&self.helpdesk.support_address)
            .is_err()
        {
            bail!("helpdesk.support_address is not an email address");
        }
        let prefix = &self.helpdesk.ticket_prefix;
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
            bail!("helpdesk.ticket_prefix must be upper-case ASCII letters, e.g. HD");
        }
        if !matches!(self.helpdesk.default_locale.as_str(), "ro" | "en") {
            bail!("helpdesk.default_locale must be \"ro\" or \"en\"");
        }
        if self.helpdesk.time_zone.parse::<chrono_tz::Tz>().is_err() {
            bail!(
                "helpdesk.time_zone {:?} is not an IANA time zone (e.g. Europe/Bucharest)",
                self.helpdesk.time_zone
            );
        }
        self.sla.validate()?;
        self.validate_mailboxes()?;
        if self.portal.session_days < 1
            || self.portal.reset_ttl_hours < 1
            || self.portal.page_size < 1
        {
            bail!(
                "portal.session_days, portal.reset_ttl_hours and portal.page_size must be at least 1"
            );
        }
        if !self.helpdesk.secret.is_empty() && self.helpdesk.secret.len() < 16 {
            bail!("helpdesk.secret must be empty (a key is generated) or at least 16 characters");
        }
        Ok(())
    }

    /// The domain of the support address, used for our Message-IDs.
    pub fn mail_domain(&self) -> &str {
        self.helpdesk
            .support_address
            .rsplit('@')
            .next()
            .unwrap_or("localhost")
    }
}

#[cfg(test)]
mod tests;
