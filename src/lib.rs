//! helpdesk: an email-first helpdesk. A support mailbox becomes a ticketing system.

/// `Application::build(config)` and `run_until_stopped`.
pub mod app;
/// The command line.
pub mod cli;
/// The one-shot commands: import, agent add/token, send-test.
pub mod commands;
/// `helpdesk.toml` with `HELPDESK_<SECTION>_<KEY>` overrides.
pub mod config;
/// SQLite access; SQL lives here and only here.
pub mod db;
/// The pure core: life cycle, threading, classification, SLA clocks.
pub mod domain;
/// The loops that call use cases: mailbox poller, outbox sender, SLA sweeper.
pub mod drivers;
/// Mail adapters the use cases call: parse, compose, SMTP transport, the IMAP client.
pub mod mail;
/// Use cases, one transaction each.
pub mod service;
/// Logging and Prometheus metrics.
pub mod telemetry;
/// The template engine shared by web pages and mail.
pub mod templates;
/// The web server: JSON API, health, customer pages.
pub mod web;
