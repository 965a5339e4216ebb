//! Benchmarks of the agent console and the SLA engine, printed as figures
//! (`cargo bench --bench console`):
//! 1. Queue page latency (p50/p95/p99) in a database of BENCH_TICKETS tickets (default
//!    1,000,000) of which BENCH_OPEN (default 10,000) are open, at a bounded load of
//!    BENCH_CONCURRENCY clients (default 4) making BENCH_REQUESTS requests (default 2,000)
//!    per view: the whole queue, an agent's own, the unassigned, the rows
//!    the page refreshes itself with, and the full-text searches: the queue's text
//!    filter (page and API) and the API's ranked search (a common word in subjects, one
//!    in messages, a rare word, a two-word prefix). BENCH_ONLY runs the views whose name
//!    contains it, or any of its parts apart by `|`. Each view is first asked BENCH_WARMUP
//!    times (default 100, as the portal's bench), not counted: the figures are the
//!    server's steady state, not its first statements' plans and first reads of the pages.
//! 2. The SLA sweep over the open tickets (the first one records every warning and
//!    breach; the steady ones find nothing new), BENCH_SWEEPS times (default 20).
//!
//! The database is generated once with SQL (recursive CTEs) and kept under
//! `target/bench-console/`; each run works on a copy. BENCH_ENGINE=postgres serves the same
//! rows from PostgreSQL, moved there once with `copy-db` (see `common::engine`).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use helpdesk::app::Application;
use helpdesk::config::Config;
use helpdesk::service::sla_sweep;
use rusqlite::Connection;
use tokio_util::sync::CancellationToken;

use common::engine::Engine;
use common::{env_usize, machine, percentile, selected, set_cookie};

/// Bump when the generated data changes shape.
const DATA_VERSION: u32 = 4;
const AGENT: &str = "agent1@bench.test";
const PASSWORD: &str = "agentpass12";
const GOAL_P99_MS: f64 = 20.0;
/// The full-text search's goal (the API's ranked search and the queue's text filter).
const GOAL_SEARCH_P99_MS: f64 = 50.0;
/// An API token of the benchmark agent (its hash is stored, as `helpdesk agent token` does).
const API_TOKEN: &str = "bench-api-token-0123456789";
const GOAL_SWEEP_MS: f64 = 100.0;

fn config(url: &str) -> Config {
    let mut c = Config::default();
    c.helpdesk.secret = "bench-secret-0123456789abcdef".into();
    c.database.url = url.to_string();
    c.imap.host = String::new();
    c.smtp.port = 1; // nothing listens: queued alerts stay queued
    c.web.bind = "127.0.0.1:0".into();
    c.web.base_url = String::new();
    c.sla.sweep_interval_secs = 3600; // the bench sweeps by hand
    c.sla.team_address = "team@bench.test".into();
    c
}

/// Generates the tickets with SQL after the project's migrations made the schema.
async fn generate(path: &Path, tickets: usize, open: usize) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(path);
    let url = format!("sqlite://{}", path.display());
    let app = Application::build(config(&url)).await?;
    app.ctx().db.close().await;
    drop(app);
    // The schema's triggers are live while the rows go in: they keep each participant's
    // status and raise each ticket's version per message, as in the daemon; the
    // full-text index is caught up at the end (through `fold()`, which it needs on this
    // connection), as the daemon's indexer does.
    let conn = Connection::open(path)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")?;
    helpdesk::db::add_functions(&conn)?;
    let started = Instant::now();
    let customers = (tickets / 5).max(1);
    let hash = helpdesk::service::accounts::hash_password(
        &helpdesk::domain::password::Password::parse(PASSWORD)?,
    )?;
    conn.execute_batch("BEGIN")?;
    for a in 1..=20 {
        conn.execute(
            "INSERT INTO agents (email, name, role, password_hash, created_at) VALUES (?, ?, 'agent', ?, '2026-01-01T00:00:00.000000Z')",
            (format!("agent{a}@bench.test"), format!("Agent {a}"), &hash),
        )?;
    }
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO customers (id, email, name, created_at)
         SELECT i, 'c' || i || '@bench.test', 'Client ' || i, '2025-01-01T00:00:00.000000Z' FROM n",
        [customers],
    )?;
    // The last `open` tickets are open, recent and spread over the four open statuses;
    // the rest closed over the past year. Every fifth subject says "imprimanta"; one
    // message in eight names a "factură" (common words), one in 9,973 a "ședință" (rare).
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),
         t AS (SELECT i, i > ?1 - ?2 AS is_open,
                 strftime('%Y-%m-%dT%H:%M:%f', '2026-11-25T08:00:00', '-' || ((?1 - i) * 31536000 / ?1) || ' seconds') || '000Z' AS at
               FROM n)
         INSERT INTO tickets (id, subject, status, priority, channel, requester_id, assignee_id, created_at, updated_at, assigned_at)
         SELECT i,
                CASE WHEN i % 5 = 0 THEN 'Imprimanta nu tipărește ' || i ELSE 'Cererea numărul ' || i END,
                CASE WHEN NOT is_open THEN 'closed' ELSE
                  CASE i % 10 WHEN 0 THEN 'waiting_for_customer' WHEN 1 THEN 'waiting_for_third_party'
                              WHEN 2 THEN 'waiting_for_support' WHEN 3 THEN 'waiting_for_support' WHEN 4 THEN 'waiting_for_support'
                              WHEN 5 THEN 'waiting_for_support' ELSE 'in_progress' END END,
                CASE i % 7 WHEN 0 THEN 'urgent' WHEN 1 THEN 'high' WHEN 2 THEN 'low' ELSE 'normal' END,
                'email', 1 + (i * 7919) % ?3,
                CASE WHEN is_open AND i % 10 BETWEEN 2 AND 5 THEN NULL ELSE 1 + i % 20 END,
                at, at,
                CASE WHEN is_open AND i % 10 BETWEEN 2 AND 5 THEN NULL ELSE at END
         FROM t",
        (tickets, open, customers),
    )?;
    conn.execute_batch(
        "INSERT INTO participants (ticket_id, address, role)
             SELECT t.id, c.email, 'requester' FROM tickets t JOIN customers c ON c.id = t.requester_id;
         INSERT INTO messages (ticket_id, kind, author, subject, body, full_text, created_at)
             SELECT t.id, 'customer', c.email, t.subject,
                    'Bună ziua, ' || t.subject || '. '
                    || CASE ((t.id * 2654435761) >> 7) % 8
                         WHEN 0 THEN 'Factura din luna trecută nu a ajuns pe email.'
                         WHEN 1 THEN 'Nu mă pot conecta la contul meu de ieri.'
                         WHEN 2 THEN 'Aplicația se blochează la pornire pe telefon.'
                         WHEN 3 THEN 'Parola a expirat și cer resetarea ei.'
                         WHEN 4 THEN 'Comanda a întârziat deja o săptămână.'
                         WHEN 5 THEN 'Exportul în Excel nu funcționează.'
                         WHEN 6 THEN 'Notificările nu mai ajung pe telefon.'
                         ELSE 'Accesul VPN este refuzat de dimineață.' END
                    || CASE WHEN t.id % 9973 = 0 THEN ' Ședința de la Timișoara a fost amânată.' ELSE '' END
                    || ' Vă rog să verificați.', '', t.created_at
             FROM tickets t JOIN customers c ON c.id = t.requester_id;
         INSERT INTO status_history (ticket_id, from_status, to_status, actor, at)
             SELECT id, NULL, 'waiting_for_support', 'bench', created_at FROM tickets;
         INSERT INTO status_history (ticket_id, from_status, to_status, actor, at)
             SELECT id, 'waiting_for_support', status, 'bench', created_at FROM tickets WHERE status <> 'waiting_for_support';
         COMMIT;",
    )?;
    // The full-text index, as the daemon's indexer writes it behind the commit.
    let conn = helpdesk::db::Conn::Sqlite(conn);
    helpdesk::db::search::catch_up(&conn, i64::MAX)?;
    conn.batch("ANALYZE;")?;
    drop(conn);
    // The queue's due times, as the daemon keeps them, made by its own sweeper; what that
    // sweep recorded is forgotten so that the bench's first sweep records it again.
    let app = Application::build(config(&url)).await?;
    sla_sweep::sweep(app.ctx(), app.ctx().now()).await?;
    app.ctx()
        .db
        .write(|c| c.batch("DELETE FROM sla_events; DELETE FROM outbox;"))
        .await?;
    app.ctx().db.close().await;
    drop(app);
    // Everything into the main file: the cache is copied without its WAL.
    Connection::open(path)?.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    println!(
        "generated {tickets} tickets ({open} open) in {:.1} s, {:.0} MiB",
        started.elapsed().as_secs_f64(),
        std::fs::metadata(path)?.len() as f64 / 1048576.0
    );
    Ok(())
}

/// Every request carries the console's cookies and the API's bearer token: each page
/// reads the one it needs.
struct Session {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

async fn sign_in(base: &str) -> anyhow::Result<Session> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = http.get(format!("{base}/console/login")).send().await?;
    let seed = set_cookie(&r, "hd_csrf").ok_or_else(|| anyhow::anyhow!("no CSRF cookie"))?;
    let page = r.text().await?;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string();
    let r = http
        .post(format!("{base}/console/login"))
        .header("Cookie", format!("hd_csrf={seed}"))
        .form(&[("email", AGENT), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await?;
    let session = set_cookie(&r, "hd_agent_session")
        .ok_or_else(|| anyhow::anyhow!("sign-in failed: {}", r.status()))?;
    Ok(Session {
        http,
        base: base.to_string(),
        cookie: format!("hd_csrf={seed}; hd_agent_session={session}"),
    })
}

/// `requests` GETs of `path` from `clients` concurrent clients; every answer must be 200
/// and contain `expect`. Returns the latencies in ms, sorted, and the wall time.
async fn load(
    s: &Arc<Session>,
    path: &str,
    expect: &str,
    requests: usize,
    clients: usize,
) -> anyhow::Result<(Vec<f64>, f64)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (s, path, expect) = (s.clone(), path.to_string(), expect.to_string());
        let share = requests / clients + usize::from(c < requests % clients);
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(share);
            for _ in 0..share {
                let t = Instant::now();
                let r = s
                    .http
                    .get(format!("{}{path}", s.base))
                    .header("Cookie", &s.cookie)
                    .header("Authorization", format!("Bearer {API_TOKEN}"))
                    .send()
                    .await?;
                let status = r.status();
                let body = r.text().await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                anyhow::ensure!(
                    status == 200 && body.contains(&expect),
                    "{path}: {status}, expected {expect:?}"
                );
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by(f64::total_cmp);
    Ok((all, started.elapsed().as_secs_f64()))
}

fn cache_path(tickets: usize, open: usize) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "target/bench-console/console-v{DATA_VERSION}-{tickets}x{open}.db"
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let (tickets, open) = (
        env_usize("BENCH_TICKETS", 1_000_000),
        env_usize("BENCH_OPEN", 10_000),
    );
    let (requests, clients, sweeps, warmup) = (
        env_usize("BENCH_REQUESTS", 2_000),
        env_usize("BENCH_CONCURRENCY", 4),
        env_usize("BENCH_SWEEPS", 20),
        env_usize("BENCH_WARMUP", 100),
    );
    println!("machine: {}", machine());
    let engine = Engine::from_env()?;
    println!("engine: {}", engine.describe()?);
    let cached = cache_path(tickets, open);
    if !cached.exists() {
        std::fs::create_dir_all(cached.parent().unwrap_or(Path::new(".")))?;
        generate(&cached, tickets, open).await?;
    }
    let dir = tempfile::tempdir()?;
    let work = engine.copy_of(&cached, dir.path())?;

    let app = Application::build(config(&work.url)).await?;
    let ctx = app.ctx().clone();
    let base = format!("http://{}", app.local_addr()?);

    // 2. The sweep (before the server starts: its sweeper would sweep first): the first records what the clocks reached, the rest find nothing new.
    let t = Instant::now();
    let first = sla_sweep::sweep(&ctx, ctx.now()).await?;
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut times = Vec::new();
    for _ in 0..sweeps {
        let t = Instant::now();
        let s = sla_sweep::sweep(&ctx, ctx.now()).await?;
        anyhow::ensure!(s.open == first.open, "the open count changed");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    // The alerts the first sweep queued would keep the sender busy (nothing listens on
    // its SMTP port): they are not what this measures.
    ctx.db
        .write(|c| c.execute("DELETE FROM outbox", helpdesk::params![]))
        .await?;

    // 1. The queue under load.
    let stop = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(stop.clone()));
    common::search_started(&ctx.metrics).await?;
    let session = Arc::new(sign_in(&base).await?);
    let hash = helpdesk::service::links::hash_token(API_TOKEN);
    ctx.db
        .write(move |c| {
            c.execute(
                "INSERT INTO api_tokens (agent_id, token_hash, created_at)
                 SELECT id, ?, ? FROM agents WHERE email = ?",
                helpdesk::params![hash, Utc::now(), AGENT],
            )
        })
        .await?;
    load(&session, "/console", "SLA", 100, clients).await?; // warm-up, not counted
    // The rare word's one open ticket, when there is one (every 9,973rd id).
    let rare_open = (tickets.saturating_sub(open) + 1..=tickets).find(|i| i.is_multiple_of(9973));
    let mut views = vec![
        (
            "queue (all open)",
            "/console".to_string(),
            "tbody".to_string(),
            GOAL_P99_MS,
        ),
        (
            "queue, page 20",
            "/console?page=20".to_string(),
            "tbody".to_string(),
            GOAL_P99_MS,
        ),
        (
            "queue, mine",
            "/console?view=mine".to_string(),
            "tbody".to_string(),
            GOAL_P99_MS,
        ),
        (
            "queue, unassigned",
            "/console?view=unassigned".to_string(),
            "nealocat".to_string(),
            GOAL_P99_MS,
        ),
        (
            "queue rows (live refresh)",
            "/console/queue/rows".to_string(),
            "<tr".to_string(),
            GOAL_P99_MS,
        ),
        (
            "queue, search (common word)",
            "/console?q=imprimanta".to_string(),
            "Imprimanta".to_string(),
            GOAL_SEARCH_P99_MS,
        ),
        (
            "API queue, search (common word)",
            "/api/v1/queue?q=imprimanta".to_string(),
            "Imprimanta".to_string(),
            GOAL_SEARCH_P99_MS,
        ),
        (
            "API search, common word (subjects)",
            "/api/v1/tickets?q=imprimanta".to_string(),
            "Imprimanta".to_string(),
            GOAL_SEARCH_P99_MS,
        ),
        (
            "API search, common word (messages)",
            "/api/v1/tickets?q=factur%C4%83".to_string(),
            "\"key\"".to_string(),
            GOAL_SEARCH_P99_MS,
        ),
        (
            "API search, rare word",
            "/api/v1/tickets?q=%C8%99edin%C8%9B%C4%83".to_string(),
            "\"key\"".to_string(),
            GOAL_SEARCH_P99_MS,
        ),
        (
            "API search, two-word prefix",
            "/api/v1/tickets?q=impr%20tip".to_string(),
            "Imprimanta".to_string(),
            GOAL_SEARCH_P99_MS,
        ),
    ];
    if let Some(id) = rare_open {
        views.push((
            "queue, search (rare word)",
            "/console?q=sedinta".to_string(),
            id.to_string(),
            GOAL_SEARCH_P99_MS,
        ));
    }
    println!(
        "\nqueue: {tickets} tickets, {} open, {requests} requests per view after {warmup} not counted, {clients} clients (Chromium-free HTTP, keep-alive)",
        first.open
    );
    println!(
        "| view | p50 ms | p95 ms | p99 ms | max ms | req/s | goal p99 |\n|---|---|---|---|---|---|---|"
    );
    for (name, path, expect, goal) in views.into_iter().filter(|v| selected(v.0)) {
        if warmup > 0 {
            load(&session, &path, &expect, warmup, clients).await?;
        }
        let (t, wall) = load(&session, &path, &expect, requests, clients).await?;
        let p99 = percentile(&t, 99.0);
        println!(
            "| {name} | {:.2} | {:.2} | {p99:.2} | {:.2} | {:.0} | < {goal} ms: {} |",
            percentile(&t, 50.0),
            percentile(&t, 95.0),
            t.last().copied().unwrap_or(f64::NAN),
            t.len() as f64 / wall,
            if p99 < goal { "met" } else { "NOT met" }
        );
    }
    println!(
        "\nSLA sweep over {} open tickets: first {first_ms:.1} ms ({} warnings, {} breaches recorded); \
         then {sweeps} sweeps p50 {:.1} ms, max {:.1} ms (goal < {GOAL_SWEEP_MS} ms: {})",
        first.open,
        first.warnings,
        first.breaches,
        percentile(&times, 50.0),
        times.last().copied().unwrap_or(f64::NAN),
        if percentile(&times, 50.0) < GOAL_SWEEP_MS {
            "met"
        } else {
            "NOT met"
        }
    );
    stop.cancel();
    server.await??;
    ctx.db.close().await;
    println!("finished at {}", Utc::now().format("%Y-%m-%d %H:%M UTC"));
    Ok(())
}
