//! The plain sections of the configuration: the helpdesk itself, the database, the IMAP
//! and SMTP connections, the web server, mail trust and the customer portal, with defaults.

use serde::{Deserialize, Serialize};

use super::MailAuth;

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
    pub auth: MailAuth,
    /// The folder watched.
    pub mailbox: String,
    /// The queue this mailbox's new tickets join.
    pub queue: String,
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
            auth: MailAuth::Password,
            mailbox: "INBOX".into(),
            queue: "Suport".into(),
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
    pub auth: MailAuth,
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
            auth: MailAuth::Password,
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

    /// The largest body a route that takes files accepts: the configured number of files
    /// of the configured size, plus 1 MiB for the form around them.
    pub fn max_upload_body_bytes(&self) -> usize {
        self.max_attachment_bytes()
            .saturating_mul(self.max_attachments)
            .saturating_add(1 << 20)
    }
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people: one readable line per event.
    #[default]
    Text,
    /// For log collectors: every line a JSON object.
    Json,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
}
