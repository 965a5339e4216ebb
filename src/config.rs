//! Configuration: `helpdesk.toml` with `HELPDESK_<SECTION>_<KEY>` environment overrides.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::domain::business_hours::{Calendar, DayHours, WEEKDAYS, romanian_holidays};

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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpdeskConfig {
    pub name: String,
    pub support_address: String,
    pub ticket_prefix: String,
    pub default_locale: String,
    pub secret: String,
    pub invite_ttl_hours: i64,
    pub auto_reply_limit_per_hour: i64,
    /// Loop and flood protection for all addresses together: at most this many automatic
    /// mails an hour.
    pub auto_reply_global_per_hour: i64,
    /// The IANA time zone new customers see dates in (they can pick their own).
    pub time_zone: String,
}

impl Default for HelpdeskConfig {
    fn default() -> Self {
        Self {
            name: "Helpdesk".into(),
            support_address: "support@example.test".into(),
            ticket_prefix: "HD".into(),
            default_locale: "ro".into(),
            secret: String::new(),
            invite_ttl_hours: 168,
            auto_reply_limit_per_hour: 10,
            auto_reply_global_per_hour: 5000,
            time_zone: "Europe/Bucharest".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/helpdesk.db".into(),
        }
    }
}

/// How a mail connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImapConfig {
    /// Empty host: no mailbox is watched (API, portal and outbox still run).
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub username: String,
    pub password: String,
    pub mailbox: String,
    pub idle: bool,
    pub poll_interval_secs: u64,
    pub processed_folder: String,
    /// A PEM file of CA certificates trusted besides the public roots (a private CA).
    pub tls_ca_file: String,
    /// A larger message is quarantined from its size and headers; its body is never fetched.
    pub max_message_mb: u64,
}

impl ImapConfig {
    pub fn max_message_bytes(&self) -> u64 {
        self.max_message_mb.saturating_mul(1024 * 1024)
    }
}

impl Default for ImapConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 1143,
            tls: Tls::None,
            username: "support@example.test".into(),
            password: "secret".into(),
            mailbox: "INBOX".into(),
            idle: true,
            poll_interval_secs: 120,
            processed_folder: String::new(),
            tls_ca_file: String::new(),
            max_message_mb: 25,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub username: String,
    pub password: String,
    pub from: String,
    /// A PEM file of CA certificates trusted besides the public roots (a private CA).
    pub tls_ca_file: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 2525,
            tls: Tls::None,
            username: "support@example.test".into(),
            password: "secret".into(),
            from: "Helpdesk <support@example.test>".into(),
            tls_ca_file: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    pub bind: String,
    pub base_url: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client (IP addresses).
    pub trusted_proxies: Vec<String>,
    /// Bearer token `/metrics` asks for; empty: open (bind to loopback, or set one).
    pub metrics_token: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            base_url: "http://127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
            metrics_token: String::new(),
        }
    }
}

/// Whose word on a mail's sender is believed (RFC 8601 `Authentication-Results`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailTrustConfig {
    /// The authserv-ids of our own receiving servers; an `Authentication-Results` header
    /// stamped by any other id is the sender's text, not a verdict.
    pub authserv_ids: Vec<String>,
}

/// The customer portal: sessions, one-time links, uploads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalConfig {
    /// How long a sign-in lasts.
    pub session_days: i64,
    /// How long a "forgot password" link stays valid.
    pub reset_ttl_hours: i64,
    /// Largest file a customer may attach, in MiB.
    pub max_attachment_mb: u64,
    /// Most files one upload (or one new request) may carry.
    pub max_attachments: usize,
    /// Requests per page of the Solicitări list.
    pub page_size: i64,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            session_days: 14,
            reset_ttl_hours: 2,
            max_attachment_mb: 10,
            max_attachments: 10,
            page_size: 25,
        }
    }
}

impl PortalConfig {
    pub fn max_attachment_bytes(&self) -> usize {
        (self.max_attachment_mb as usize).saturating_mul(1024 * 1024)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SlaConfig {
    pub assign_minutes: i64,
    pub resolve_hours: ResolveHours,
    /// A clock warns once this share of its goal is used.
    pub warn_percent: i64,
    /// Where warnings and breaches of unassigned tickets go (empty: only the log and
    /// the metrics); assigned tickets alert their agent.
    pub team_address: String,
    /// Resolved tickets close after this many days without a reply (0: never).
    pub auto_close_days: i64,
    /// How often the sweeper looks at the clocks.
    pub sweep_interval_secs: u64,
    pub calendar: CalendarConfig,
}

impl Default for SlaConfig {
    fn default() -> Self {
        Self {
            assign_minutes: 30,
            resolve_hours: ResolveHours::default(),
            warn_percent: 80,
            team_address: String::new(),
            auto_close_days: 5,
            sweep_interval_secs: 60,
            calendar: CalendarConfig::default(),
        }
    }
}

impl SlaConfig {
    /// Checks the goals and the calendar; the error names the setting that is wrong.
    pub fn validate(&self) -> anyhow::Result<Calendar> {
        let calendar = self.calendar.build()?;
        if self.assign_minutes < 1 {
            bail!("sla.assign_minutes must be at least 1");
        }
        let h = &self.resolve_hours;
        if [h.urgent, h.high, h.normal, h.low].iter().any(|&x| x < 1) {
            bail!("sla.resolve_hours must all be at least 1");
        }
        if !(1..=100).contains(&self.warn_percent) {
            bail!("sla.warn_percent must be between 1 and 100");
        }
        if self.sweep_interval_secs == 0 || self.auto_close_days < 0 {
            bail!(
                "sla.sweep_interval_secs must be at least 1 and sla.auto_close_days not negative"
            );
        }
        let team = self.team_address.trim();
        if !team.is_empty() && crate::domain::email_address::EmailAddress::parse(team).is_err() {
            bail!("sla.team_address {team:?} is not an email address");
        }
        Ok(calendar)
    }
}

/// The business calendar the SLA clocks count in.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// `business` (the windows below) or `24x7`.
    pub mode: String,
    pub time_zone: String,
    /// Working window per weekday, `"09:00-18:00"`; empty for a day off.
    pub mon: String,
    pub tue: String,
    pub wed: String,
    pub thu: String,
    pub fri: String,
    pub sat: String,
    pub sun: String,
    /// Built-in public holidays: `romania` or `none`.
    pub holidays: String,
    /// More days off, `YYYY-MM-DD`.
    pub extra_holidays: Vec<String>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        let day = || "09:00-18:00".to_string();
        Self {
            mode: "business".into(),
            time_zone: "Europe/Bucharest".into(),
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            sat: String::new(),
            sun: String::new(),
            holidays: "romania".into(),
            extra_holidays: Vec::new(),
        }
    }
}

impl CalendarConfig {
    /// The calendar this describes; the error names the setting that is wrong.
    pub fn build(&self) -> anyhow::Result<Calendar> {
        // Every field is checked, whichever the mode: a switch back must not meet a bad value.
        let always = match self.mode.as_str() {
            "24x7" => true,
            "business" => false,
            other => bail!("sla.calendar.mode must be \"business\" or \"24x7\", not {other:?}"),
        };
        let tz: chrono_tz::Tz = self.time_zone.parse().map_err(|_| {
            anyhow::anyhow!(
                "sla.calendar.time_zone {:?} is not an IANA time zone",
                self.time_zone
            )
        })?;
        let texts = [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ];
        let mut days: [DayHours; 7] = Default::default();
        for (i, ((key, _), text)) in WEEKDAYS.iter().zip(texts).enumerate() {
            days[i] =
                DayHours::parse(text).map_err(|e| anyhow::anyhow!("sla.calendar.{key}: {e}"))?;
        }
        let mut holidays = std::collections::BTreeSet::new();
        match self.holidays.as_str() {
            "romania" => holidays.extend((2000..=2099).flat_map(romanian_holidays)),
            "none" => {}
            other => bail!("sla.calendar.holidays must be \"romania\" or \"none\", not {other:?}"),
        }
        for d in &self.extra_holidays {
            let date = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                anyhow::anyhow!("sla.calendar.extra_holidays: {d:?} is not YYYY-MM-DD")
            })?;
            holidays.insert(date);
        }
        if always {
            return Ok(Calendar::always());
        }
        Calendar::business(tz, days, holidays).map_err(|e| anyhow::anyhow!("sla.calendar: {e}"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResolveHours {
    pub urgent: i64,
    pub high: i64,
    pub normal: i64,
    pub low: i64,
}

impl ResolveHours {
    /// The resolution goal, in hours, of a ticket of this priority.
    pub fn for_priority(&self, p: crate::domain::ticket::Priority) -> i64 {
        use crate::domain::ticket::Priority;
        match p {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

impl Default for ResolveHours {
    fn default() -> Self {
        Self {
            urgent: 4,
            high: 8,
            normal: 24,
            low: 72,
        }
    }
}

const SECTIONS: [&str; 8] = [
    "helpdesk",
    "database",
    "imap",
    "smtp",
    "web",
    "portal",
    "sla",
    "mail_trust",
];

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
        for (name, value) in env {
            apply_env(&mut tree, &name, &value)?;
        }
        let config: Config = tree.try_into().context("invalid configuration")?;
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

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(base), toml::Value::Table(over)) => {
            for (k, v) in over {
                match base.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (base, over) => *base = over,
    }
}

/// `HELPDESK_IMAP_POLL_INTERVAL_SECS=30` sets `imap.poll_interval_secs`, and
/// `HELPDESK_SLA_RESOLVE_HOURS_URGENT=2` sets `sla.resolve_hours.urgent`; the value is read
/// with the type the key already has (number, bool or string). A variable that names a
/// section but no key of it is refused.
fn apply_env(tree: &mut toml::Value, name: &str, value: &str) -> anyhow::Result<()> {
    let Some(rest) = name.strip_prefix("HELPDESK_") else {
        return Ok(());
    };
    let rest = rest.to_ascii_lowercase();
    let Some(section) = SECTIONS.iter().find(|s| rest.starts_with(&format!("{s}_"))) else {
        return Ok(());
    };
    let mut key = rest[section.len() + 1..].to_string();
    let Some(mut table) = tree.get_mut(*section).and_then(|t| t.as_table_mut()) else {
        return Ok(());
    };
    // Walk into sub-tables: resolve_hours_urgent -> resolve_hours.urgent.
    while !table.contains_key(&key) {
        let Some((sub, tail)) = key
            .match_indices('_')
            .map(|(i, _)| (key[..i].to_string(), key[i + 1..].to_string()))
            .find(|(sub, _)| table.get(sub).is_some_and(toml::Value::is_table))
        else {
            bail!("{name} names no setting");
        };
        table = table
            .get_mut(&sub)
            .and_then(|t| t.as_table_mut())
            .expect("checked to be a table");
        key = tail;
    }
    let key = key.as_str();
    let parsed = match table.get(key) {
        Some(toml::Value::Integer(_)) => toml::Value::Integer(
            value
                .trim()
                .parse()
                .with_context(|| format!("{name} must be a whole number"))?,
        ),
        Some(toml::Value::Boolean(_)) => toml::Value::Boolean(match value.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => bail!("{name} must be true or false"),
        }),
        Some(toml::Value::Table(_)) => bail!("{name} names a table; set its keys in the file"),
        // A list takes a comma-separated value: `a.example,b.example`.
        Some(toml::Value::Array(_)) => toml::Value::Array(
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| toml::Value::String(v.into()))
                .collect(),
        ),
        _ => toml::Value::String(value.to_string()),
    };
    table.insert(key.to_string(), parsed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_shipped_file_parses() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/helpdesk.toml")).unwrap();
        let c = Config::from_parts(&text, env(&[])).unwrap();
        assert_eq!(c.imap.port, 1143);
        assert_eq!(c.smtp.port, 2525);
        assert_eq!(c.web.bind, "127.0.0.1:8080");
        assert_eq!(c.sla.resolve_hours.urgent, 4);
        assert_eq!(c.sla.calendar.mode, "business");
        assert_eq!(
            c.sla.calendar.build().unwrap(),
            CalendarConfig::default().build().unwrap()
        );
    }

    #[test]
    fn the_calendar_is_checked_at_start() {
        let c = Config::from_parts("", env(&[("HELPDESK_SLA_CALENDAR_MODE", "24x7")])).unwrap();
        assert_eq!(c.sla.calendar.build().unwrap(), Calendar::always());
        let err = Config::from_parts("", env(&[("HELPDESK_SLA_CALENDAR_SAT", "10:00-09:00")]))
            .unwrap_err();
        assert!(format!("{err:#}").contains("sla.calendar.sat"), "{err:#}");
        let err = Config::from_parts(
            "[sla.calendar]\nextra_holidays = [\"24.12.2026\"]\n",
            env(&[]),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("extra_holidays"), "{err:#}");
        assert!(
            Config::from_parts(
                "",
                env(&[("HELPDESK_SLA_CALENDAR_TIME_ZONE", "Mars/Olympus")])
            )
            .is_err()
        );
    }

    #[test]
    fn env_overrides_keep_types() {
        let c = Config::from_parts(
            "",
            env(&[
                ("HELPDESK_IMAP_PASSWORD", "12345"),
                ("HELPDESK_IMAP_PORT", "11143"),
                ("HELPDESK_IMAP_IDLE", "false"),
                ("HELPDESK_IMAP_TLS", "starttls"),
                ("HELPDESK_WEB_BASE_URL", "https://help.example.test"),
                ("HELPDESK_HELPDESK_SUPPORT_ADDRESS", "help@example.test"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.imap.password, "12345");
        assert_eq!(c.imap.port, 11143);
        assert!(!c.imap.idle);
        assert_eq!(c.imap.tls, Tls::Starttls);
        assert_eq!(c.web.base_url, "https://help.example.test");
        assert_eq!(c.helpdesk.support_address, "help@example.test");
    }

    #[test]
    fn env_overrides_split_lists_on_commas() {
        let c = Config::from_parts(
            "",
            env(&[
                (
                    "HELPDESK_MAIL_TRUST_AUTHSERV_IDS",
                    "mx1.example.test, mx2.example.test",
                ),
                ("HELPDESK_IMAP_MAX_MESSAGE_MB", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(
            c.mail_trust.authserv_ids,
            ["mx1.example.test", "mx2.example.test"]
        );
        assert_eq!(c.imap.max_message_bytes(), 1024 * 1024);
        let c = Config::from_parts("", env(&[("HELPDESK_WEB_TRUSTED_PROXIES", "")])).unwrap();
        assert!(c.web.trusted_proxies.is_empty());
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_name() {
        let c = Config::from_parts("", env(&[("HELPDESK_SLA_RESOLVE_HOURS_URGENT", "2")])).unwrap();
        assert_eq!(c.sla.resolve_hours.urgent, 2);
        let err = Config::from_parts("", env(&[("HELPDESK_IMAP_BOGUS", "1")])).unwrap_err();
        assert!(
            format!("{err:#}").contains("HELPDESK_IMAP_BOGUS"),
            "{err:#}"
        );
        let err = Config::from_parts("", env(&[("HELPDESK_IMAP_PORT", "imap")])).unwrap_err();
        assert!(format!("{err:#}").contains("HELPDESK_IMAP_PORT"));
        assert!(Config::from_parts("[imap]\nbogus = 1\n", env(&[])).is_err());
        assert!(Config::from_parts("[helpdesk]\nticket_prefix = \"hd\"\n", env(&[])).is_err());
    }
}
