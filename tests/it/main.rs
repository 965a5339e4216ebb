//! Integration tests: the daemon in-process on a temp SQLite file (or, with
//! `HELPDESK_TEST_ENGINE=postgres`, a PostgreSQL database of its own) and port 0, against a
//! real loopback mail stack (Postfix + Dovecot) started by the project's own scripts.

mod agent_files;
mod alerts;
mod batch_lanes;
mod batches;
mod canned;
mod cc;
mod cli;
mod collisions;
mod console;
mod drills;
mod engine;
mod fixtures;
mod gateway;
mod helpers;
mod lifecycle;
mod logs;
mod mailboxes;
mod oauth;
mod openapi;
mod outbox;
mod partner_page;
mod portal;
mod postgres;
mod postgres_nodes;
mod postgres_search;
mod restart;
mod satisfaction;
mod search;
mod sla;
mod threading;
mod tls;
mod trust;
mod web_edge;
