//! The mailbox's take-over on PostgreSQL (`cargo bench --bench failover`): two
//! `helpdesk serve` processes on one database and the loopback mail stack; the node whose
//! `/healthz` shows the mailbox `watching` is killed with SIGKILL, and the time is taken
//! until the other node's `/healthz` shows it `watching`. The killed node is started again
//! (it stands by) before the next round. The kill comes a while after the standing-by node
//! last tried to take the mailbox, a different while each round (spread over [`SPREAD`]),
//! as a node dies at any moment. Rounds: BENCH_ROUNDS (default 10); each one is given up
//! after 60 s. Always on PostgreSQL (the benches' cluster: see `common::engine`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use common::engine::Cluster;
use common::{IMAP_PORT, MailStack, SMTP_PORT, env_usize, machine, percentile};

/// How long a node may take to reach a state before the bench gives up.
const PATIENCE: Duration = Duration::from_secs(60);
/// How often each node's `/healthz` is asked.
const POLL: Duration = Duration::from_millis(5);
/// The waits before the kills are spread over this, longer than a standing-by node's retry.
const SPREAD: Duration = Duration::from_millis(3000);

/// One `helpdesk serve`, killed with SIGKILL when dropped.
struct Node {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Node {
    fn start(config: &Path, dir: &Path, n: usize) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = dir.join(format!("node-{n}.log"));
        let out = std::fs::File::create(&log)?;
        let child = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("HELPDESK_WEB_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("starting helpdesk serve")?;
        Ok(Self { child, port, log })
    }

    /// The mailbox's state in this node's `/healthz`, if it answers.
    async fn state(&self, http: &reqwest::Client) -> Option<String> {
        let health: serde_json::Value = http
            .get(format!("http://127.0.0.1:{}/healthz", self.port))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        health["mailboxes"][0]["state"].as_str().map(str::to_string)
    }

    /// Waits until the mailbox is `state` here; how long that took.
    async fn until(&self, http: &reqwest::Client, state: &str) -> anyhow::Result<Duration> {
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if self.state(http).await.as_deref() == Some(state) {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(POLL).await;
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        bail!(
            "the node on port {} did not show the mailbox {state} within {} s; its log ends:\n{}",
            self.port,
            PATIENCE.as_secs(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only for the former.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let rounds = env_usize("BENCH_ROUNDS", 10).max(1);
    println!("machine: {}", machine());
    let cluster = Cluster::start()?;
    println!("engine: {}", cluster.describe()?);
    let database = cluster.create("bench_failover", None)?;
    let _stack = MailStack::start()?;
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("helpdesk.toml");
    std::fs::write(
        &config,
        format!(
            "[helpdesk]\nsecret = \"benchmark-secret-0123456789\"\n[database]\nurl = \"{}\"\n\
             [imap]\nhost = \"127.0.0.1\"\nport = {IMAP_PORT}\ntls = \"none\"\nusername = \"support@example.test\"\npassword = \"secret\"\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {SMTP_PORT}\ntls = \"none\"\nusername = \"\"\n[web]\nbase_url = \"\"\n",
            cluster.url(&database.name)
        ),
    )?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    // The first node migrates and takes the mailbox; the second stands by.
    let first = Node::start(&config, dir.path(), 0)?;
    first.until(&http, "watching").await?;
    let second = Node::start(&config, dir.path(), 1)?;
    second.until(&http, "standby").await?;
    let mut nodes = [first, second];
    println!(
        "two nodes on one database, the mailbox support@example.test on 127.0.0.1:{IMAP_PORT}; \
         {rounds} rounds of SIGKILL to the node watching it"
    );
    let mut taken = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        let mut holder = None;
        for (i, node) in nodes.iter().enumerate() {
            if node.state(&http).await.as_deref() == Some("watching") {
                holder = Some(i);
            }
        }
        let holder = holder.context("no node watches the mailbox")?;
        let other = 1 - holder;
        // Golden-ratio steps: the rounds' waits fall evenly over the spread.
        let wait = SPREAD.mul_f64((round as f64 * 0.618_034).fract());
        tokio::time::sleep(wait).await;
        nodes[holder].child.kill()?;
        let killed = Instant::now();
        nodes[holder].child.wait()?;
        nodes[other].until(&http, "watching").await?;
        let took = killed.elapsed();
        println!(
            "  round {round}: the node on port {} killed {:.0} ms after the other stood by; the node on port {} watches the mailbox after {:.0} ms",
            nodes[holder].port,
            wait.as_secs_f64() * 1e3,
            nodes[other].port,
            took.as_secs_f64() * 1e3
        );
        taken.push(took.as_secs_f64());
        // The killed node comes back and stands by.
        nodes[holder] = Node::start(&config, dir.path(), round + 1)?;
        nodes[holder].until(&http, "standby").await?;
    }
    taken.sort_by(f64::total_cmp);
    println!(
        "take-over after SIGKILL ({rounds} rounds): min {:.0} ms, median {:.0} ms, max {:.0} ms",
        taken[0] * 1e3,
        percentile(&taken, 50.0) * 1e3,
        taken[taken.len() - 1] * 1e3
    );
    Ok(())
}
