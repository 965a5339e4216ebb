//! Benchmarks of the email gateway, printed as figures (`cargo bench --bench gateway`):
//! 1. `receive()` throughput on a generated corpus (new mail, replies, attachments) into
//!    a fresh database (a SQLite file in WAL mode), beside the floor measured in the same
//!    run (parse only + one bare insert per message, same batching and durability). The
//!    first BENCH_WARMUP messages (default 2000) are received before the clock starts;
//!    on PostgreSQL the database then gets its statistics (`ANALYZE`), as a deployed one
//!    has them.
//! 2. `helpdesk import` of the same corpus as one mbox file, the binary run whole.
//! 3. End-to-end latency through the real loopback stack with IDLE: SMTP accepted →
//!    ticket committed → confirmation in the customer's mailbox.
//!
//! Sizes: BENCH_MESSAGES (default 10000), BENCH_ROUNDS (default 3), BENCH_MAILS (default 200).
//! BENCH_ONLY runs the parts whose name it holds, several apart by `|` (`receive`,
//! `import`, `latency`; unset: all three).
//! BENCH_ENGINE=postgres measures all three on PostgreSQL (a fresh database each time, in
//! the benches' cluster: see `common::engine`).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use helpdesk::app::Application;
use helpdesk::config::{Config, Tls};
use helpdesk::db::Db;
use helpdesk::mail::parse;
use helpdesk::service::Ctx;
use helpdesk::service::receive_email::receive_batch;
use tokio_util::sync::CancellationToken;

use common::engine::Engine;
use common::{
    IMAP_PORT, MAIL_RUN_DIR, MailStack, SMTP_PORT, env_usize, machine, percentile, selected,
};

/// The poller's batch: messages committed (and fsynced) together.
const BATCH: usize = 50;

/// Deterministic pseudo-random bytes (xorshift), for attachments.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// 60 % new requests, 30 % replies from the requester to their first mail
/// (`In-Reply-To`), 10 % new requests with a 30 KiB attachment; and how many are replies.
fn corpus(n: usize) -> (Vec<Vec<u8>>, usize) {
    let mut out = Vec::with_capacity(n);
    // The Message-ID of each ticket's first mail, which its customer's replies answer.
    let mut firsts: Vec<String> = Vec::new();
    for i in 0..n {
        let tickets = firsts.len();
        let kind = i % 10;
        let mid = format!("<bench-{i}@bench.test>");
        let date = "Tue, 3 Mar 2026 10:00:00 +0200";
        let msg = if (6..9).contains(&kind) && tickets > 0 {
            let k = 1 + (i * 7919) % tickets;
            let first = &firsts[k - 1];
            format!(
                "From: Client {k} <c{k}@bench.test>\r\nTo: support@example.test\r\nSubject: Re: Problema {k}\r\n\
                 Message-ID: {mid}\r\nIn-Reply-To: {first}\r\nReferences: {first}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: 8bit\r\n\r\nAm încercat din nou, tot nu merge.\r\nMulțumesc,\r\nClient {k}\r\n\r\n\
                 On Tue, 3 Mar 2026 at 09:00, Helpdesk <support@example.test> wrote:\r\n> Am primit solicitarea.\r\n> Echipa\r\n"
            )
        } else {
            firsts.push(mid.clone());
            let k = firsts.len();
            let body = "Bună ziua,\r\n\r\nImprimanta din birou nu mai tipărește de azi dimineață. Am verificat cablul și hârtia.\r\n\r\nCu stimă,\r\nIon\r\n";
            if kind == 9 {
                let att = base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    noise(i as u64, 30 * 1024),
                );
                let att: Vec<String> = att
                    .as_bytes()
                    .chunks(76)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                format!(
                    "From: Client {k} <c{k}@bench.test>\r\nTo: support@example.test\r\nSubject: Problema {k}\r\nMessage-ID: {mid}\r\n\
                     Date: {date}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n\
                     Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--b{i}\r\nContent-Type: application/pdf; name=\"factura-{i}.pdf\"\r\n\
                     Content-Disposition: attachment; filename=\"factura-{i}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b{i}--\r\n",
                    att.join("\r\n")
                )
            } else {
                format!(
                    "From: Client {k} <c{k}@bench.test>\r\nTo: support@example.test\r\nSubject: Problema {k}\r\nMessage-ID: {mid}\r\n\
                     Date: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}"
                )
            }
        };
        out.push(msg.into_bytes());
    }
    let replies = n - firsts.len();
    (out, replies)
}

fn base_config(url: &str) -> Config {
    let mut c = Config::default();
    c.helpdesk.secret = "benchmark-secret-0123456789".into();
    c.database.url = url.to_string();
    c.imap.host = "127.0.0.1".into();
    c.imap.port = IMAP_PORT;
    c.imap.tls = Tls::None;
    c.smtp.host = "127.0.0.1".into();
    c.smtp.port = SMTP_PORT;
    c.smtp.tls = Tls::None;
    c.smtp.username = String::new();
    c.web.bind = "127.0.0.1:0".into();
    c.web.base_url = String::new();
    // The corpus mails each customer once per ticket; loop protection is not measured here.
    c.helpdesk.auto_reply_limit_per_hour = 1_000_000;
    c.helpdesk.auto_reply_global_per_hour = i64::MAX;
    c
}

/// `receive()`'s throughput over `messages` after the first `warm` of them, and the floor's
/// over the same ones.
async fn throughput(
    engine: &Engine,
    messages: &[Vec<u8>],
    replies: usize,
    warm: usize,
) -> anyhow::Result<(f64, f64)> {
    let dir = tempfile::tempdir()?;
    let (warm_up, measured) = messages.split_at(warm.min(messages.len()));
    // The floor: parse + one bare insert per message, batched and durable the same way.
    let floor_store = engine.fresh(dir.path(), "floor")?;
    let floor_db = Db::connect(&floor_store.url)?;
    floor_db
        .write(|c| {
            c.batch(c.pick(
                "CREATE TABLE raw (id INTEGER PRIMARY KEY, dedup TEXT UNIQUE, raw BLOB NOT NULL) STRICT",
                "CREATE TABLE raw (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, dedup TEXT UNIQUE, raw BYTEA NOT NULL)",
            ))
        })
        .await?;
    let t = Instant::now();
    for chunk in measured.chunks(BATCH) {
        // Parsed before the writer, as receive_batch() does.
        let parsed: Vec<(Option<String>, Vec<u8>)> = chunk
            .iter()
            .map(|raw| Ok((parse::parse(raw)?.message_id, raw.clone())))
            .collect::<anyhow::Result<_>>()?;
        floor_db
            .write(move |c| {
                for (id, raw) in &parsed {
                    c.execute(
                        "INSERT INTO raw (dedup, raw) VALUES (?, ?)",
                        helpdesk::params![id, raw],
                    )?;
                }
                Ok::<_, helpdesk::db::SqlError>(())
            })
            .await?;
    }
    let floor = measured.len() as f64 / t.elapsed().as_secs_f64();
    floor_db.close().await;

    let store = engine.fresh(dir.path(), "receive")?;
    let db = Db::connect(&store.url)?;
    db.migrate().await?;
    let ctx = Ctx::new(base_config(&store.url), db)?;
    let mut created = 0;
    let mut receive = async |messages: &[Vec<u8>]| {
        for chunk in messages.chunks(BATCH) {
            let outcomes = receive_batch(&ctx, ctx.home(), chunk.to_vec(), Utc::now()).await?;
            created += outcomes.iter().filter(|o| o.label() == "created").count();
        }
        anyhow::Ok(())
    };
    // A deployed database has its statistics (autovacuum gathers a table's once a tenth of
    // it changed): PostgreSQL's plans for a table of a few rows (a seq scan) are not kept
    // for one of thousands. The fresh one gets them once, after the warm-up.
    receive(warm_up).await?;
    helpdesk::service::search_index::catch_up(&ctx).await?;
    if ctx.db.is_postgres() {
        ctx.db.write(|c| c.batch("ANALYZE")).await?;
    }
    let t = Instant::now();
    receive(measured).await?;
    let full = measured.len() as f64 / t.elapsed().as_secs_f64();
    // The full-text index is written behind the commit: its catch-up for the same messages,
    // timed apart, then both together.
    let indexing = Instant::now();
    helpdesk::service::search_index::catch_up(&ctx).await?;
    let index_secs = indexing.elapsed().as_secs_f64();
    let with_index = measured.len() as f64 / (t.elapsed().as_secs_f64());
    println!(
        "  full-text index caught up in {:.0} ms ({:.0} msgs/s); receive() + index: {:.0} msgs/s",
        index_secs * 1000.0,
        measured.len() as f64 / index_secs,
        with_index
    );
    let threaded = ctx
        .metrics
        .threaded
        .load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "  corpus: {} messages, {} created, {} threaded; {} mails queued",
        messages.len(),
        created,
        threaded,
        ctx.metrics
            .outbox_queued
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    ctx.db.close().await;
    anyhow::ensure!(
        threaded as usize == replies && created == messages.len() - replies,
        "the corpus's {replies} replies were not all threaded"
    );
    Ok((full, floor))
}

/// `helpdesk import` of the corpus written as one mbox: messages per second, the whole
/// command timed (start, migrations, parse, store, summary).
fn import(engine: &Engine, messages: &[Vec<u8>]) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let mut mbox = Vec::new();
    for m in messages {
        mbox.extend_from_slice(b"From bench@example.test Thu Jan  1 00:00:00 2026\n");
        for line in m.split_inclusive(|b| *b == b'\n') {
            // mboxrd: a line of `>`s and "From " takes one more `>`.
            let after_quotes = &line[line.iter().position(|b| *b != b'>').unwrap_or(line.len())..];
            if after_quotes.starts_with(b"From ") {
                mbox.push(b'>');
            }
            mbox.extend_from_slice(line);
        }
        mbox.push(b'\n');
    }
    let path = dir.path().join("corpus.mbox");
    std::fs::write(&path, mbox)?;
    let config = dir.path().join("helpdesk.toml");
    let store = engine.fresh(dir.path(), "import")?;
    std::fs::write(
        &config,
        format!("[database]\nurl = \"{}\"\n[imap]\nhost = \"\"\n", store.url),
    )?;
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_helpdesk"))
        .args([
            "--config",
            &config.display().to_string(),
            "import",
            &path.display().to_string(),
        ])
        .env("HELPDESK_HELPDESK_AUTO_REPLY_LIMIT_PER_HOUR", "1000000")
        .env("HELPDESK_HELPDESK_AUTO_REPLY_GLOBAL_PER_HOUR", "1000000000")
        .output()?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    let counted: usize = summary
        .lines()
        .filter_map(|l| l.split_once(": "))
        .filter_map(|(_, n)| n.trim().parse::<usize>().ok())
        .sum();
    anyhow::ensure!(
        counted == messages.len(),
        "import counted {counted} of {} messages",
        messages.len()
    );
    Ok(messages.len() as f64 / secs)
}

async fn latency(engine: &Engine, mails: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let stack = MailStack::start()?;
    let dir = tempfile::tempdir()?;
    let store = engine.fresh(dir.path(), "latency")?;
    let app = Application::build(base_config(&store.url)).await?;
    let ctx = app.ctx().clone();
    let stop = CancellationToken::new();
    let task = tokio::spawn(app.run_until_stopped(stop.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let smtp = helpdesk::mail::transport::smtp(&ctx.config.smtp)?;
    let (mut commit, mut inbox) = (Vec::new(), Vec::new());
    for i in 0..mails {
        let from = format!("lat{i}@latency.test");
        let raw = format!(
            "From: {from}\r\nTo: support@example.test\r\nSubject: Latenta {i}\r\nMessage-ID: <lat-{i}-{}@latency.test>\r\n\r\nx\r\n",
            std::process::id()
        );
        helpdesk::mail::transport::send_raw(&smtp, &from, "support@example.test", raw.as_bytes())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let accepted = Instant::now();
        let maildir = Path::new(MAIL_RUN_DIR).join(format!("mail/latency.test/lat{i}/Maildir/new"));
        let deadline = accepted + Duration::from_secs(30);
        let mut committed = None;
        while Instant::now() < deadline {
            if committed.is_none() {
                let address = from.clone();
                let n: i64 = ctx
                    .db
                    .read(move |c| {
                        c.query_row(
                            "SELECT count(*) FROM customers WHERE email = ?",
                            helpdesk::params![helpdesk::db::CiText(&address)],
                            |r| r.get(0),
                        )
                    })
                    .await?;
                if n > 0 {
                    committed = Some(accepted.elapsed().as_secs_f64());
                }
            }
            if committed.is_some()
                && std::fs::read_dir(&maildir).is_ok_and(|mut d| d.next().is_some())
            {
                commit.push(committed.unwrap_or(f64::NAN));
                inbox.push(accepted.elapsed().as_secs_f64());
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    stop.cancel();
    task.await??;
    ctx.db.close().await;
    drop(stack);
    commit.sort_by(f64::total_cmp);
    inbox.sort_by(f64::total_cmp);
    Ok((commit, inbox))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only for the former.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    println!("machine: {}", machine());
    let engine = Engine::from_env()?;
    println!("engine: {}", engine.describe()?);
    let n = env_usize("BENCH_MESSAGES", 10_000);
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let warm = env_usize("BENCH_WARMUP", 2_000);
    if selected("receive") {
        let (messages, replies) = corpus(warm + n);
        receive_figures(&engine, &messages, replies, warm, rounds).await?;
    }
    if selected("import") {
        let (messages, _) = corpus(n);
        let mut imports: Vec<f64> = (0..rounds)
            .map(|_| import(&engine, &messages))
            .collect::<anyhow::Result<_>>()?;
        imports.sort_by(f64::total_cmp);
        println!(
            "  helpdesk import (one mbox, the whole command): {:.0} msgs/s (rounds: {})",
            imports[rounds / 2],
            listed(&imports)
        );
    }
    if selected("latency") {
        latency_figures(&engine).await?;
    }
    Ok(())
}

/// Each round's figure, rounded.
fn listed(figures: &[f64]) -> String {
    let figures: Vec<String> = figures.iter().map(|v| format!("{v:.0}")).collect();
    figures.join(", ")
}

/// `receive()` beside the floor, the median of `rounds`.
async fn receive_figures(
    engine: &Engine,
    messages: &[Vec<u8>],
    replies: usize,
    warm: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    println!(
        "receive() throughput, batches of {BATCH} per transaction, each committed durably, after {warm} received unmeasured, median of {rounds} rounds:"
    );
    let (mut fulls, mut floors) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (full, floor) = throughput(engine, messages, replies, warm).await?;
        fulls.push(full);
        floors.push(floor);
    }
    fulls.sort_by(f64::total_cmp);
    floors.sort_by(f64::total_cmp);
    let (full, floor) = (fulls[rounds / 2], floors[rounds / 2]);
    println!("  receive(): {full:.0} msgs/s (rounds: {})", listed(&fulls));
    println!(
        "  floor (parse + bare insert): {floor:.0} msgs/s (rounds: {})",
        listed(&floors)
    );
    println!("  receive() / floor: {:.2}", full / floor);
    Ok(())
}

/// The end-to-end latency through the mail stack, BENCH_MAILS mails.
async fn latency_figures(engine: &Engine) -> anyhow::Result<()> {
    let mails = env_usize("BENCH_MAILS", 200);
    println!("end-to-end latency over {mails} mails through Postfix + Dovecot (IDLE):");
    let (commit, inbox) = latency(engine, mails).await?;
    println!("  delivered: {} of {mails}", inbox.len());
    println!(
        "  SMTP accepted -> ticket committed: p50 {:.0} ms, p95 {:.0} ms",
        percentile(&commit, 50.0) * 1e3,
        percentile(&commit, 95.0) * 1e3
    );
    println!(
        "  SMTP accepted -> confirmation in the customer's mailbox: p50 {:.0} ms, p95 {:.0} ms",
        percentile(&inbox, 50.0) * 1e3,
        percentile(&inbox, 95.0) * 1e3
    );
    Ok(())
}
