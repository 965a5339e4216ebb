//! Unit tests of loading the configuration: the shipped file, the calendar check, and
//! environment overrides.

use super::*;
use crate::domain::business_hours::Calendar;

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
    let err =
        Config::from_parts("", env(&[("HELPDESK_SLA_CALENDAR_SAT", "10:00-09:00")])).unwrap_err();
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

const TWO_MAILBOXES: &str = r#"
[[mailboxes]]
address = "facturare@example.test"
password_env = "FACTURARE_PASSWORD"
queue = "Facturare"
locale = "en"
port = 993
tls = "tls"
"#;

#[test]
fn mailboxes_resolve_with_the_first_ones_defaults() {
    let c = Config::from_parts(TWO_MAILBOXES, env(&[("FACTURARE_PASSWORD", "pw-2")])).unwrap();
    let all = c.mailboxes();
    assert_eq!(all.len(), 2);
    let (first, second) = (&all[0], &all[1]);
    assert_eq!(first.address, "support@example.test");
    assert_eq!(first.queue, "Suport");
    assert_eq!(
        first.checkpoint_key, "INBOX",
        "the first keeps its old checkpoint"
    );
    assert_eq!(second.address, "facturare@example.test");
    assert_eq!(second.imap.username, "facturare@example.test");
    assert_eq!(
        second.imap.password, "pw-2",
        "read from the variable password_env names"
    );
    assert_eq!(second.imap.host, c.imap.host);
    assert_eq!((second.imap.port, second.imap.tls), (993, Tls::Tls));
    assert_eq!(second.imap.mailbox, "INBOX");
    assert_eq!(second.locale, "en");
    assert_eq!(second.smtp_username, c.smtp.username);
    assert_eq!(second.checkpoint_key, "facturare@example.test/INBOX");
    let with_token = format!("{TWO_MAILBOXES}refresh_token_env = \"FACTURARE_TOKEN\"\n");
    let c = Config::from_parts(
        &with_token,
        env(&[
            ("FACTURARE_PASSWORD", "pw-2"),
            ("FACTURARE_TOKEN", "1//tok"),
        ]),
    )
    .unwrap();
    assert_eq!(c.mailboxes()[1].refresh_token, "1//tok");
    assert_eq!(
        mailbox_at(&c.all_mailboxes(), "FACTURARE@example.test").map(|m| m.queue.as_str()),
        Some("Facturare")
    );
}

#[test]
fn a_mailbox_secret_variable_that_is_not_set_is_an_error() {
    let err = Config::from_parts(TWO_MAILBOXES, env(&[])).unwrap_err();
    assert!(format!("{err:#}").contains("FACTURARE_PASSWORD"), "{err:#}");
    let err = Config::from_parts(
        &format!("{TWO_MAILBOXES}client_secret = \"in the file\"\n"),
        env(&[("FACTURARE_PASSWORD", "x")]),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("client_secret"), "{err:#}");
}

#[test]
fn mailboxes_are_checked() {
    let twice = "[[mailboxes]]\naddress = \"SUPPORT@example.test\"\nqueue = \"X\"\n";
    assert!(Config::from_parts(twice, env(&[])).is_err());
    let no_queue = "[[mailboxes]]\naddress = \"b@example.test\"\n";
    assert!(Config::from_parts(no_queue, env(&[])).is_err());
    let bad = "[[mailboxes]]\naddress = \"not an address\"\nqueue = \"X\"\n";
    assert!(Config::from_parts(bad, env(&[])).is_err());
}

#[test]
fn oauth2_is_read_from_the_environment_and_checked() {
    let err = Config::from_parts("", env(&[("HELPDESK_IMAP_AUTH", "oauth2")])).unwrap_err();
    assert!(format!("{err:#}").contains("token_url"), "{err:#}");
    let c = Config::from_parts(
        "",
        env(&[
            ("HELPDESK_IMAP_AUTH", "oauth2"),
            ("HELPDESK_SMTP_AUTH", "oauth2"),
            ("HELPDESK_OAUTH2_TOKEN_URL", "http://127.0.0.1:1/token"),
            ("HELPDESK_OAUTH2_CLIENT_ID", "app"),
            ("HELPDESK_OAUTH2_CLIENT_SECRET", "s"),
            ("HELPDESK_LOG_FORMAT", "json"),
        ]),
    )
    .unwrap();
    assert_eq!(c.imap.auth, MailAuth::Oauth2);
    assert_eq!(c.smtp.auth, MailAuth::Oauth2);
    assert_eq!(c.oauth2.grant, OAuthGrant::ClientCredentials);
    assert_eq!(c.log.format, LogFormat::Json);
    let err = Config::from_parts(
        "[oauth2]\ntoken_url = \"https://t.example/token\"\nclient_id = \"a\"\ngrant = \"refresh_token\"\n",
        env(&[("HELPDESK_IMAP_AUTH", "oauth2")]),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("refresh_token"), "{err:#}");
}

#[test]
fn sla_numbers_may_be_written_with_a_zero_fraction() {
    let json: SlaConfig =
        serde_json::from_str(r#"{"assign_minutes": 522.0, "resolve_hours": {"low": 40}}"#).unwrap();
    assert_eq!((json.assign_minutes, json.resolve_hours.low), (522, 40));
    assert_eq!(json.warn_percent, SlaConfig::default().warn_percent);
    let c = Config::from_parts("[sla]\nsweep_interval_secs = 30.0\n", env(&[])).unwrap();
    assert_eq!(c.sla.sweep_interval_secs, 30);
    let c = Config::from_parts("", env(&[("HELPDESK_SLA_AUTO_CLOSE_DAYS", "7")])).unwrap();
    assert_eq!(c.sla.auto_close_days, 7);
    let over = env(&[("HELPDESK_SLA_SWEEP_INTERVAL_SECS", "45")]);
    let c = Config::from_parts("[sla]\nsweep_interval_secs = 30.0\n", over).unwrap();
    assert_eq!(c.sla.sweep_interval_secs, 45);
    for refused in [
        r#"{"assign_minutes": 522.5}"#,
        r#"{"assign_minutes": "30"}"#,
        r#"{"sweep_interval_secs": -1}"#,
        r#"{"assign_minutes": 1e300}"#,
        r#"{"assign_minutes": 9223372036854775808}"#,
    ] {
        let e = serde_json::from_str::<SlaConfig>(refused).unwrap_err();
        assert!(
            ["whole number", "out of range", "too large"]
                .iter()
                .any(|w| e.to_string().contains(w)),
            "{refused}: {e}"
        );
    }
}
