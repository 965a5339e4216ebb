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
