//! What the benchmark binaries share: knobs from the environment, the machine's name,
//! percentiles, cookies, the database engine measured ([`engine`]) and the loopback mail
//! stack.

#![allow(dead_code)]

pub mod engine;

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `2 cores, AMD EPYC …`: printed with every figure.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cores} cores, {cpu}")
}

/// The `p`-th percentile (0–100) of sorted samples, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Whether the scenario `name` runs: BENCH_ONLY (unset: every one) names those to run by a
/// part of their name, several apart by `|` (`BENCH_ONLY='page|view'`).
pub fn selected(name: &str) -> bool {
    std::env::var("BENCH_ONLY")
        .unwrap_or_default()
        .split('|')
        .any(|part| name.contains(part))
}

/// The value of `name=` in the response's Set-Cookie headers.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .find_map(|v| {
            let v = v.to_str().ok()?;
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            pair.strip_prefix(name)?
                .strip_prefix('=')
                .map(str::to_string)
        })
}

/// Cargo's target directory, where the benches cache their data.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The benches' loopback mail stack (`scripts/mailstack/start.sh`): its directory and ports.
pub const MAIL_RUN_DIR: &str = "/tmp/hd-bench-mail";
pub const IMAP_PORT: u16 = 31143;
pub const SMTP_PORT: u16 = 32525;
const LMTP_PORT: u16 = 32424;

/// The mail stack, running until this is dropped; `support@example.test` signs in with
/// `secret`.
pub struct MailStack;

impl MailStack {
    pub fn start() -> anyhow::Result<Self> {
        let status = Command::new(engine::script("mailstack/start.sh"))
            .arg(MAIL_RUN_DIR)
            .env("IMAP_PORT", IMAP_PORT.to_string())
            .env("SMTP_PORT", SMTP_PORT.to_string())
            .env("LMTP_PORT", LMTP_PORT.to_string())
            .env("MAIL_USERS", "support@example.test:secret")
            .status()?;
        anyhow::ensure!(status.success(), "the mail stack did not start");
        Ok(MailStack)
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        let _ = Command::new(engine::script("mailstack/stop.sh"))
            .arg(MAIL_RUN_DIR)
            .output();
        let _ = std::fs::remove_dir_all(MAIL_RUN_DIR);
    }
}

/// Waits (10 minutes at most) until the node's search indexer is through its start (on
/// PostgreSQL, a pass over every open ticket's words, which `/healthz` names): the load
/// starts on a node past its start, as the SLA sweep's first run is taken before it.
/// Prints how long it took.
pub async fn search_started(metrics: &helpdesk::telemetry::Metrics) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while !metrics
        .search_started
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        anyhow::ensure!(
            started.elapsed() < std::time::Duration::from_secs(600),
            "the search indexer's start took over 10 minutes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    println!(
        "the node's search indexer was through its start {:.1} s after the node started (the load starts then)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
