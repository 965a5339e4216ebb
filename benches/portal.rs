//! Customer-portal page latency (`cargo bench --bench portal`): p50/p95/p99 of Solicitări
//! (page 1, page 100, a status filter, a text search for a common word and for a rare one)
//! and of the request view, for one
//! signed-in customer with 5,000 tickets in a database of 1,000,000, under a bounded load
//! (a fixed number of requests from a fixed number of concurrent clients) over loopback HTTP
//! against the application running in-process. Goal: p99 < 20 ms per page, < 50 ms for
//! the searches (the full-text index).
//!
//! The database is generated once and cached in `target/bench-portal/`; each run works on a
//! copy (signing in writes a session). The daemon's first SLA sweep over the copy runs
//! before the load and is timed. Knobs: BENCH_TICKETS (default 1000000),
//! BENCH_CUSTOMER_TICKETS (default 5000), BENCH_REQUESTS per scenario (default 2000),
//! BENCH_CONCURRENCY (default 4), BENCH_WARMUP per scenario (default 100), BENCH_ONLY (run
//! only the scenarios whose name contains it, or any of its parts apart by `|`), BENCH_ENGINE=postgres (the same rows served
//! from PostgreSQL, moved there once with `copy-db`: see `common::engine`).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, TimeZone, Utc};
use helpdesk::app::Application;
use helpdesk::config::Config;
use helpdesk::db::{self, CiText, Db, portal::RequestQuery, ts};
use helpdesk::domain::message_kind::MessageKind;
use helpdesk::domain::password::Password;
use helpdesk::domain::ticket::Status;
use helpdesk::service::sla_sweep;
use rusqlite::{Connection, params};
use tokio_util::sync::CancellationToken;

use common::engine::{Engine, Store, off_runtime};
use common::{env_usize, machine, percentile, selected, set_cookie, target_dir};

/// Bump when the generated data changes shape: the cached file is then made again.
const DATA_VERSION: u32 = 2;
const CUSTOMER_EMAIL: &str = "ana.popescu@bench.test";
const PASSWORD: &str = "Parola2025ok";
/// The word of the text search; about one subject in twelve carries it.
const SEARCH_WORD: &str = "factura";
/// A rare word (in about one customer message in 500), typed with its diacritics; the
/// text has it as "Ședința".
const RARE_WORD: &str = "ședință";
const FILTER_STATUS: Status = Status::InProgress;
const AGENTS: i64 = 20;
/// Tickets per generation transaction.
const CHUNK: usize = 50_000;
const GOAL_P99_MS: f64 = 20.0;
/// The full-text search's goal.
const GOAL_SEARCH_P99_MS: f64 = 50.0;

/// A deterministic hash of (value, salt): the generator's only source of variety.
fn mix(x: u64, salt: u64) -> u64 {
    let mut z = x
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<'a>(items: &[&'a str], x: u64, salt: u64) -> &'a str {
    items[(mix(x, salt) % items.len() as u64) as usize]
}

const FIRST: [&str; 24] = [
    "Ana",
    "Maria",
    "Elena",
    "Ioana",
    "Andreea",
    "Cristina",
    "Mihaela",
    "Alina",
    "Gabriela",
    "Roxana",
    "Irina",
    "Diana",
    "Ion",
    "Andrei",
    "Mihai",
    "Alexandru",
    "Florin",
    "Bogdan",
    "Adrian",
    "Cristian",
    "Radu",
    "Stefan",
    "Vlad",
    "Dan",
];
const LAST: [&str; 20] = [
    "Popescu",
    "Ionescu",
    "Popa",
    "Stan",
    "Dumitru",
    "Stoica",
    "Gheorghe",
    "Matei",
    "Ciobanu",
    "Rusu",
    "Munteanu",
    "Constantin",
    "Marin",
    "Tudor",
    "Dobre",
    "Barbu",
    "Nistor",
    "Florea",
    "Ene",
    "Lungu",
];
const DOMAINS: [&str; 8] = [
    "gmail.com",
    "yahoo.com",
    "firma-exemplu.ro",
    "contabil.ro",
    "transport-sud.ro",
    "clinica-nord.ro",
    "outlook.com",
    "scoala9.ro",
];

/// Subjects; `{n}` becomes a number. Two of 24 carry the search word.
const SUBJECTS: [&str; 24] = [
    "Factura {n} nu a ajuns pe email",
    "Eroare la plata facturii {n}",
    "Nu ma pot conecta la contul meu",
    "Parola expirata, cer resetare",
    "Imprimanta din birou nu tipareste",
    "Comanda {n} intarziata",
    "Schimbare adresa de livrare pentru comanda {n}",
    "Aplicatia se blocheaza la pornire",
    "Cerere de oferta pentru {n} licente",
    "Nu primesc notificarile pe telefon",
    "Raport lunar lipsa pentru luna trecuta",
    "Acces VPN refuzat",
    "Solicit anularea abonamentului",
    "Produs defect primit in comanda {n}",
    "Intrebare despre garantie",
    "Date de facturare gresite in cont",
    "Exportul in Excel nu functioneaza",
    "Contul a fost blocat dupa prea multe incercari",
    "Cerere de retur pentru produsul {n}",
    "Problema cu certificatul digital",
    "Sincronizarea calendarului nu merge",
    "Mesajele trimise ajung in spam",
    "Actualizare date firma",
    "Intrerupere serviciu in zona {n}",
];
const OPENINGS: [&str; 4] = [
    "Buna ziua,",
    "Buna ziua!",
    "Salut,",
    "Stimate echipa de suport,",
];
const DETAILS: [&str; 8] = [
    "Am incercat de mai multe ori de ieri dupa-amiaza si problema apare de fiecare data, atat de pe laptop cat si de pe telefon.",
    "Am verificat setarile din cont si par corecte; colegii mei nu au aceeasi problema, doar eu.",
    "Va rog sa ma ajutati cat mai repede, avem termen la sfarsitul saptamanii si depindem de asta.",
    "Am repornit calculatorul si am sters istoricul din browser, fara niciun rezultat.",
    "Mai jos gasiti detaliile: numar client, adresa de email folosita la inregistrare si ora la care a aparut mesajul de eroare.",
    "Problema a inceput dupa actualizarea de saptamana trecuta; inainte totul functiona normal.",
    "Nu stiu daca este o problema de la noi sau de la voi, asa ca va scriu ca sa fiu sigur.",
    "Am atașat o captură de ecran cu mesajul exact pe care îl primesc.",
];
const ANSWERS: [&str; 6] = [
    "Va multumim pentru mesaj. Am verificat contul dumneavoastra si am corectat setarea care producea problema; va rugam sa incercati din nou si sa ne spuneti daca totul functioneaza.",
    "Am preluat solicitarea si am transmis-o echipei tehnice. Revenim cu un raspuns in cel mult doua zile lucratoare; intre timp puteti folosi varianta web a aplicatiei.",
    "Problema a fost cauzata de o intrerupere a serverului nostru de ieri seara si a fost remediata. Ne cerem scuze pentru neplacere.",
    "Am retrimis documentul la adresa de email din cont. Daca nu il gasiti in cateva minute, verificati si dosarul de mesaje nedorite.",
    "Pentru a continua avem nevoie de cateva detalii suplimentare: seria produsului si data achizitiei. Puteti raspunde direct la acest mesaj.",
    "Am resetat accesul si v-am trimis un link nou de conectare, valabil 24 de ore. Va rugam sa alegeti o parola noua la prima conectare.",
];
const RESOLUTIONS: [&str; 4] = [
    "Setare corectata in contul clientului.",
    "Document retrimis; clientul a confirmat primirea.",
    "Remediat de echipa tehnica.",
    "Fara raspuns de la client; inchis automat.",
];

/// The status of ticket `i` of `n`: older tickets are mostly closed or resolved, the
/// newest 3 % mostly open.
fn status_of(i: u64, n: u64) -> Status {
    let r = mix(i, 3) % 100;
    if i * 100 < n * 97 {
        match r {
            0..70 => Status::Closed,
            70..88 => Status::Resolved,
            88..92 => Status::WaitingForCustomer,
            92..95 => Status::InProgress,
            95..98 => Status::WaitingForSupport,
            _ => Status::WaitingForThirdParty,
        }
    } else {
        match r {
            0..30 => Status::WaitingForSupport,
            30..55 => Status::InProgress,
            55..75 => Status::WaitingForCustomer,
            75..80 => Status::WaitingForThirdParty,
            80..95 => Status::Resolved,
            _ => Status::Closed,
        }
    }
}

struct Shape {
    tickets: usize,
    customers: usize,
    customer_tickets: usize,
}

impl Shape {
    /// The benchmark customer's tickets are every `stride`-th id, from the middle of the first stride.
    fn stride(&self) -> usize {
        self.tickets / self.customer_tickets
    }

    fn is_bench_ticket(&self, id: usize) -> bool {
        let (stride, k) = (self.stride(), id - 1);
        k % stride == stride / 2 && k / stride < self.customer_tickets
    }

    fn bench_customer_id(&self) -> i64 {
        self.customers as i64 + 1
    }
}

fn cache_path(shape: &Shape) -> PathBuf {
    target_dir().join("bench-portal").join(format!(
        "portal-v{DATA_VERSION}-{}x{}.db",
        shape.tickets, shape.customer_tickets
    ))
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Makes the cached database: the project's migrations, then bulk inserts.
fn generate(rt: &tokio::runtime::Runtime, shape: &Shape, path: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let tmp = path.with_extension("db.tmp");
    remove_db(&tmp);
    rt.block_on(async {
        let db = Db::connect(&format!("sqlite://{}", tmp.display()))?;
        db.migrate().await?;
        db.close().await;
        anyhow::Ok(())
    })?;
    // The schema's triggers are live while the rows go in, as for the daemon's inserts;
    // the full-text index is caught up at the end (through `fold()`, which it needs on
    // this connection), as the daemon's indexer does.
    let mut conn = Connection::open(&tmp)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;",
    )?;
    db::add_functions(&conn)?;
    let base: DateTime<Utc> = Utc
        .with_ymd_and_hms(2023, 12, 1, 8, 0, 0)
        .single()
        .context("base time")?;
    let span_secs = 3 * 365 * 86_400_i64;

    let tx = conn.transaction()?;
    {
        let mut agent = tx.prepare("INSERT INTO agents (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)")?;
        for a in 1..=AGENTS {
            let (first, last) = (
                FIRST[a as usize % FIRST.len()],
                LAST[(a as usize * 7) % LAST.len()],
            );
            agent.execute(params![
                a,
                agent_email(a),
                format!("{first} {last}"),
                "$argon2id$bench$unusable",
                ts(base)
            ])?;
        }
        let mut customer =
            tx.prepare("INSERT INTO customers (id, email, name, created_at) VALUES (?, ?, ?, ?)")?;
        for c in 1..=shape.customers as u64 {
            let (email, name) = customer_of(c);
            customer.execute(params![
                c as i64,
                email,
                name,
                ts(base - chrono::Duration::days(30))
            ])?;
        }
        customer.execute(params![
            shape.bench_customer_id(),
            CUSTOMER_EMAIL,
            "Ana Popescu",
            ts(base - chrono::Duration::days(30))
        ])?;
    }
    tx.commit()?;

    let n = shape.tickets as u64;
    let mut id = 1usize;
    while id <= shape.tickets {
        let end = (id + CHUNK).min(shape.tickets + 1);
        let tx = conn.transaction()?;
        {
            let mut ticket = tx.prepare(
                "INSERT INTO tickets (id, subject, status, priority, channel, requester_id, assignee_id, resolution,
                     created_at, updated_at, assigned_at, resolved_at, closed_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?;
            let mut participant =
                tx.prepare("INSERT INTO participants (ticket_id, address, role) VALUES (?, ?, ?)")?;
            let mut message = tx.prepare(
                "INSERT INTO messages (ticket_id, kind, author, subject, body, signature, full_text, message_id, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?;
            let mut history =
                tx.prepare("INSERT INTO status_history (ticket_id, from_status, to_status, actor, at) VALUES (?, ?, ?, ?, ?)")?;
            for t in id..end {
                let i = t as u64;
                let requester = if shape.is_bench_ticket(t) {
                    shape.bench_customer_id()
                } else {
                    1 + (mix(i, 5) % shape.customers as u64) as i64
                };
                let (address, name) = if requester == shape.bench_customer_id() {
                    (CUSTOMER_EMAIL.to_string(), "Ana Popescu".to_string())
                } else {
                    customer_of(requester as u64)
                };
                let subject =
                    pick(&SUBJECTS, i, 6).replace("{n}", &(1000 + mix(i, 7) % 90_000).to_string());
                let status = status_of(i, n);
                let created = base
                    + chrono::Duration::seconds(
                        span_secs * i as i64 / n as i64 + (mix(i, 8) % 600) as i64,
                    );
                let answered = created + chrono::Duration::minutes(20 + (mix(i, 9) % 2000) as i64);
                let finished = answered + chrono::Duration::hours(1 + (mix(i, 10) % 96) as i64);
                let agent = 1 + (mix(i, 11) % AGENTS as u64) as i64;
                let open_unanswered = status == Status::WaitingForSupport;
                let done = matches!(status, Status::Resolved | Status::Closed);
                let updated = if done {
                    finished
                } else if open_unanswered {
                    created
                } else {
                    answered
                };
                let channel = match mix(i, 12) % 50 {
                    0 => "phone",
                    1..5 => "portal",
                    _ => "email",
                };
                let priority = match mix(i, 13) % 20 {
                    0 => "urgent",
                    1..3 => "high",
                    3..5 => "low",
                    _ => "normal",
                };
                ticket.execute(params![
                    t as i64,
                    subject,
                    status.as_str(),
                    priority,
                    channel,
                    requester,
                    (!open_unanswered).then_some(agent),
                    done.then(|| pick(&RESOLUTIONS, i, 14)),
                    ts(created),
                    ts(updated),
                    (!open_unanswered).then(|| ts(answered)),
                    done.then(|| ts(finished)),
                    (status == Status::Closed).then(|| ts(finished)),
                ])?;
                participant.execute(params![t as i64, address, "requester"])?;
                if mix(i, 15) % 100 < 3 {
                    let cc = 1 + (mix(i, 16) % shape.customers as u64) as i64;
                    let (cc_address, _) = customer_of(cc as u64);
                    if cc_address != address {
                        participant.execute(params![t as i64, cc_address, "cc"])?;
                    }
                }
                let body = format!(
                    "{}\n\nVa scriu in legatura cu: {}. {} {}{}\n\nVa multumesc,",
                    pick(&OPENINGS, i, 17),
                    subject.to_lowercase(),
                    pick(&DETAILS, i, 18),
                    pick(&DETAILS, i, 19),
                    if mix(i, 23).is_multiple_of(500) {
                        " Ședința de la Timișoara a fost amânată din cauza asta."
                    } else {
                        ""
                    },
                );
                let signature = format!("{name}\nTel. 07{:08}", mix(i, 20) % 100_000_000);
                message.execute(params![
                    t as i64,
                    "customer",
                    address,
                    subject,
                    body,
                    signature,
                    format!("{body}\n{signature}"),
                    format!(
                        "<{}.{t}@{}>",
                        mix(i, 21),
                        address.rsplit('@').next().unwrap_or("mail.test")
                    ),
                    ts(created),
                ])?;
                if !open_unanswered {
                    let answer = format!(
                        "Buna ziua,\n\n{}\n\nCu stima,\nEchipa de suport",
                        pick(&ANSWERS, i, 22)
                    );
                    message.execute(params![
                        t as i64,
                        "agent",
                        agent_email(agent),
                        format!("Re: [HD-{t}] {subject}"),
                        answer,
                        "",
                        answer,
                        format!("<hd.{t}.1@example.test>"),
                        ts(answered),
                    ])?;
                }
                history.execute(params![
                    t as i64,
                    None::<&str>,
                    Status::WaitingForSupport.as_str(),
                    address,
                    ts(created)
                ])?;
                if !open_unanswered {
                    history.execute(params![
                        t as i64,
                        Status::WaitingForSupport.as_str(),
                        status.as_str(),
                        agent_email(agent),
                        ts(updated)
                    ])?;
                }
            }
        }
        tx.commit()?;
        id = end;
    }
    // The full-text index, as the daemon's indexer writes it behind the commit.
    let conn = db::Conn::Sqlite(conn);
    db::search::catch_up(&conn, i64::MAX)?;
    conn.batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    drop(conn);
    std::fs::rename(&tmp, path)?;
    remove_db(&tmp);
    let size = std::fs::metadata(path)?.len();
    println!(
        "generated {} in {:.1} s: {} tickets, {} customers, {:.0} MiB",
        path.display(),
        started.elapsed().as_secs_f64(),
        shape.tickets,
        shape.customers + 1,
        size as f64 / (1 << 20) as f64
    );
    Ok(())
}

/// The address and name of generated customer `c`.
fn customer_of(c: u64) -> (String, String) {
    let (first, last) = (pick(&FIRST, c, 1), pick(&LAST, c, 2));
    (
        format!(
            "{}.{}{c}@{}",
            first.to_lowercase(),
            last.to_lowercase(),
            pick(&DOMAINS, c, 4)
        ),
        format!("{first} {last}"),
    )
}

fn agent_email(a: i64) -> String {
    format!("agent{a}@example.test")
}

/// A page's work done straight against the database (the argument picks among the scenario's pages).
type SqlWork = Box<dyn Fn(&db::Conn, usize) -> anyhow::Result<()> + Send + Sync>;

/// One kind of page: the URLs asked in turn, and what each answer must contain.
struct Scenario {
    name: &'static str,
    /// Whose pages: the benchmark customer or a typical one.
    customer: String,
    /// p99 under this many ms.
    goal_ms: f64,
    /// (path and query, text the page must contain)
    requests: Vec<(String, String)>,
    /// The same work straight against the database, without HTTP or templates.
    sql: SqlWork,
}

/// What the Solicitări list must show: its first key and the total in "Pagina x din y (n de solicitări)".
fn list_expectation(
    conn: &Connection,
    customer: &str,
    status: Option<Status>,
    text: Option<&str>,
    page: i64,
    size: i64,
) -> anyhow::Result<String> {
    // Found without the full-text index: the folded text, scanned.
    let pattern = text.map(|t| format!("%{}%", helpdesk::domain::search_text::fold(t)));
    let mut stmt = conn.prepare(
        "SELECT t.id FROM participants p JOIN tickets t ON t.id = p.ticket_id
         WHERE p.address = ?1 AND p.role IN ('requester', 'cc') AND (?2 IS NULL OR t.status = ?2)
           AND (?3 IS NULL OR fold(t.subject) LIKE ?3 OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id
                AND m.internal = 0 AND m.kind IN ('customer', 'agent') AND fold(m.body) LIKE ?3))
         ORDER BY t.id DESC",
    )?;
    let ids: Vec<i64> = stmt
        .query_map(
            params![customer, status.map(Status::as_str), pattern],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let total = ids.len() as i64;
    let first = ids
        .get(((page - 1) * size) as usize)
        .with_context(|| format!("page {page} is empty"))?;
    let pages = (total + size - 1) / size;
    // The count in the form the page gives that number ("431 de solicitări").
    let templates = helpdesk::templates::Templates::new();
    let counted = helpdesk::web::pages::say_count(
        templates.texts("ro"),
        "page_of",
        total,
        &[("page", &page), ("pages", &pages), ("total", &total)],
    );
    Ok(format!(">HD-{first}</a>|{counted}"))
}

fn list_sql(
    customer: String,
    status: Option<Status>,
    text: Option<&'static str>,
    page: i64,
    size: i64,
) -> SqlWork {
    Box::new(move |conn, _| {
        let q = RequestQuery {
            address: customer.clone(),
            status,
            text: text.map(str::to_string),
            id: None,
            limit: size,
            offset: (page - 1) * size,
        };
        let (rows, _) = db::portal::requests(conn, &q)?;
        ensure!(!rows.is_empty(), "no rows");
        Ok(())
    })
}

/// The pages of each scenario; `views` request views are prepared (warm-up and measured ones differ).
fn scenarios(
    conn: &Connection,
    shape: &Shape,
    typical: &str,
    views: usize,
    size: i64,
) -> anyhow::Result<Vec<Scenario>> {
    let list_of = |customer: &str,
                   name,
                   query: &str,
                   status: Option<Status>,
                   text: Option<&'static str>,
                   page: i64|
     -> anyhow::Result<Scenario> {
        let expect = list_expectation(conn, customer, status, text, page, size)?;
        Ok(Scenario {
            name,
            customer: customer.to_string(),
            goal_ms: if text.is_some() {
                GOAL_SEARCH_P99_MS
            } else {
                GOAL_P99_MS
            },
            requests: vec![(format!("/portal/requests{query}"), expect)],
            sql: list_sql(customer.to_string(), status, text, page, size),
        })
    };
    let list = |name, query: &str, status, text, page| {
        list_of(CUSTOMER_EMAIL, name, query, status, text, page)
    };
    let mut out = vec![
        list_of(
            typical,
            "Solicitări, search, typical",
            &format!("?q={SEARCH_WORD}"),
            None,
            Some(SEARCH_WORD),
            1,
        )?,
        list("Solicitări, page 1", "", None, None, 1)?,
        list("Solicitări, page 100", "?page=100", None, None, 100)?,
        list(
            "Solicitări, status filter",
            &format!("?status={}", FILTER_STATUS.as_str()),
            Some(FILTER_STATUS),
            None,
            1,
        )?,
        list(
            "Solicitări, text search",
            &format!("?q={SEARCH_WORD}"),
            None,
            Some(SEARCH_WORD),
            1,
        )?,
        list(
            "Solicitări, search, rare word",
            "?q=%C8%99edin%C8%9B%C4%83",
            None,
            Some(RARE_WORD),
            1,
        )?,
    ];
    // The request view of the customer's tickets in a fixed pseudo-random order.
    let ids: Vec<i64> = (1..=shape.tickets)
        .filter(|&t| shape.is_bench_ticket(t))
        .map(|t| t as i64)
        .collect();
    let chosen: Vec<i64> = (0..views.max(1) as u64)
        .map(|k| ids[(mix(k, 99) % ids.len() as u64) as usize])
        .collect();
    let views = chosen
        .iter()
        .map(|id| {
            (
                format!("/portal/requests/HD-{id}"),
                format!("<span class=\"key\">HD-{id}</span>"),
            )
        })
        .collect();
    out.push(Scenario {
        name: "request view",
        customer: CUSTOMER_EMAIL.to_string(),
        goal_ms: GOAL_P99_MS,
        requests: views,
        sql: Box::new(move |conn, k| {
            let id = helpdesk::domain::ids::TicketId(chosen[k % chosen.len()]);
            ensure!(
                db::portal::can_see(conn, id, CUSTOMER_EMAIL)?,
                "HD-{id} not visible"
            );
            db::tickets::get(conn, id)?.context("no ticket")?;
            for m in db::messages::for_ticket(conn, id)?
                .iter()
                .filter(|m| m.kind == MessageKind::Agent)
            {
                db::agents::find_by_email(conn, &m.author)?;
            }
            Ok(())
        }),
    });
    Ok(out)
}

struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

/// Signs in once through the login form; every later request carries both cookies, as a browser would.
async fn sign_in(addr: std::net::SocketAddr, email: &str) -> anyhow::Result<Client> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(64)
        .build()?;
    let base = format!("http://{addr}");
    let page = http.get(format!("{base}/portal/login")).send().await?;
    ensure!(page.status() == 200, "login page: {}", page.status());
    let seed = set_cookie(&page, "hd_csrf").context("no hd_csrf cookie")?;
    let html = page.text().await?;
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no csrf field on the login page")?
        .to_string();
    let form = [
        ("email", email),
        ("password", PASSWORD),
        ("csrf", &csrf),
        ("next", "/portal/requests"),
    ];
    let r = http
        .post(format!("{base}/portal/login"))
        .header("Cookie", format!("hd_csrf={seed}"))
        .form(&form)
        .send()
        .await?;
    ensure!(r.status() == 303, "sign-in answered {}", r.status());
    let session = set_cookie(&r, "hd_session").context("no session cookie after sign-in")?;
    Ok(Client {
        http,
        base,
        cookie: format!("hd_csrf={seed}; hd_session={session}"),
    })
}

/// One page, timed from sending to the last byte; fails unless 200 with every expected text.
async fn fetch(c: &Client, path: &str, expect: &str) -> anyhow::Result<f64> {
    let t = Instant::now();
    let r = c
        .http
        .get(format!("{}{path}", c.base))
        .header("Cookie", &c.cookie)
        .send()
        .await?;
    let status = r.status();
    let body = r.bytes().await?;
    let secs = t.elapsed().as_secs_f64();
    let body = String::from_utf8_lossy(&body);
    if status != 200 {
        bail!("GET {path}: {status}");
    }
    for needle in expect.split('|') {
        if !body.contains(needle) {
            bail!("GET {path}: the page lacks {needle:?}");
        }
    }
    Ok(secs)
}

/// `total` requests from `clients` concurrent clients (each waits for its answer before the
/// next); the latencies in seconds, sorted, and the wall time.
async fn load(
    c: &Arc<Client>,
    s: &Arc<Vec<(String, String)>>,
    offset: usize,
    total: usize,
    clients: usize,
) -> anyhow::Result<(Vec<f64>, f64)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (c, s, next) = (c.clone(), s.clone(), next.clone());
        tasks.spawn(async move {
            let mut times = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total {
                    return anyhow::Ok(times);
                }
                let (path, expect) = &s[(offset + k) % s.len()];
                times.push(fetch(&c, path, expect).await?);
            }
        });
    }
    let mut all = Vec::with_capacity(total);
    while let Some(done) = tasks.join_next().await {
        all.extend(done??);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    Ok((all, wall))
}

/// Median time of the page's SQL alone, on one connection opened as the application opens its readers.
fn sql_alone(store: &Store, s: &Scenario, rounds: usize) -> anyhow::Result<f64> {
    off_runtime(|| {
        let conn = store.conn()?;
        (s.sql)(&conn, 0)?;
        let mut times = Vec::with_capacity(rounds);
        for k in 0..rounds {
            let t = Instant::now();
            (s.sql)(&conn, k)?;
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        Ok(percentile(&times, 50.0))
    })
}

/// CPU ticks (USER_HZ) busy on the whole machine and spent by this process: their difference
/// over a scenario is other work on a shared machine, which shows in the figures.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let all: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let busy = all.iter().take(8).sum::<u64>() - all.get(3)? - all.get(4)?;
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = me.rsplit_once(')')?.1.split_whitespace().collect();
    Some((
        busy,
        fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?,
    ))
}

/// Bytes this process has had read from the disk (not from the OS page cache).
fn disk_read_bytes() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("read_bytes:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Other processes' share of the machine's CPUs between two `cpu_ticks()`, in per cent.
fn others_cpu(before: Option<(u64, u64)>, after: Option<(u64, u64)>, secs: f64) -> f64 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    match (before, after) {
        (Some((b0, m0)), Some((b1, m1))) => {
            ((b1 - b0) as f64 - (m1 - m0) as f64).max(0.0) / 100.0 / (secs * cores) * 100.0
        }
        _ => f64::NAN,
    }
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only for the former.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    println!("machine: {}", machine());
    let engine = Engine::from_env()?;
    println!("engine: {}", engine.describe()?);
    let tickets = env_usize("BENCH_TICKETS", 1_000_000);
    let customer_tickets = env_usize("BENCH_CUSTOMER_TICKETS", 5_000).clamp(1, tickets.max(1));
    let shape = Shape {
        tickets,
        customers: (tickets / 5).max(1),
        customer_tickets,
    };
    let requests = env_usize("BENCH_REQUESTS", 2_000).max(1);
    let clients = env_usize("BENCH_CONCURRENCY", 4).max(1);
    let warmup = env_usize("BENCH_WARMUP", 100);

    // The server gets a runtime of its own, as in the daemon; the clients run on this thread.
    let server = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let cached = cache_path(&shape);
    if cached.exists() {
        println!(
            "database: {} ({:.0} MiB, cached)",
            cached.display(),
            std::fs::metadata(&cached)?.len() as f64 / (1 << 20) as f64
        );
    } else {
        std::fs::create_dir_all(cached.parent().context("cache dir")?)?;
        generate(&server, &shape, &cached)?;
    }
    let dir = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(cached.parent().context("cache dir")?)?;
    let work = engine.copy_of(&cached, dir.path())?;

    let hash = helpdesk::service::accounts::hash_password(&Password::parse(PASSWORD)?)?;
    let size = Config::default().portal.page_size;
    let (typical, scenarios) = {
        // What the pages must show is worked out on SQLite: the working copy, or the cached
        // file (read only) whose rows PostgreSQL serves.
        let reference = match work.file() {
            Some(file) => Connection::open(file)?,
            None => {
                Connection::open_with_flags(&cached, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?
            }
        };
        db::add_functions(&reference)?;
        // A typical customer beside the benchmark one: the first whose few requests name
        // the search word.
        let typical: String = reference.query_row(
            "SELECT c.email FROM customers c
             WHERE c.id < ?1 AND EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = c.id
                                         AND fold(t.subject) LIKE '%' || ?2 || '%')
             ORDER BY c.id LIMIT 1",
            params![shape.bench_customer_id(), SEARCH_WORD],
            |r| r.get(0),
        )?;
        let conn = work.conn()?;
        for customer in [CUSTOMER_EMAIL, typical.as_str()] {
            let n = conn.execute(
                "UPDATE customers SET password_hash = ? WHERE email = ?",
                helpdesk::params![hash, CiText(customer)],
            )?;
            ensure!(n == 1, "the customer {customer} is missing");
        }
        let requests_of: i64 = conn.query_row(
            "SELECT count(*) FROM participants WHERE address = ?",
            helpdesk::params![CiText(&typical)],
            |r| r.get(0),
        )?;
        println!("typical customer: {typical}, {requests_of} requests");
        (
            typical.clone(),
            scenarios(&reference, &shape, &typical, warmup + requests, size)?,
        )
    };

    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let toml = format!(
        "[helpdesk]\nsecret = \"benchmark-secret-0123456789\"\n[database]\nurl = \"{}\"\n[imap]\nhost = \"\"\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nusername = \"\"\n[web]\nbind = \"127.0.0.1:0\"\nbase_url = \"\"\n",
        work.url
    );
    let config = Config::from_parts(&toml, std::iter::empty())?;
    let app = server.block_on(Application::build(config))?;
    let addr = app.local_addr()?;
    // The daemon's first SLA sweep over these tickets (closing the resolved ones, recording
    // the open ones' breaches) runs before the load, timed, instead of beside the first
    // scenarios; the mail it queues would keep the sender busy (nothing listens on its SMTP
    // port) and is dropped.
    let ctx = app.ctx().clone();
    let swept = Instant::now();
    let first = server.block_on(sla_sweep::sweep(&ctx, ctx.now()))?;
    let sweep_secs = swept.elapsed().as_secs_f64();
    server.block_on(
        ctx.db
            .write(|c| c.execute("DELETE FROM outbox", helpdesk::params![])),
    )?;
    println!(
        "first SLA sweep, before the load: {sweep_secs:.1} s ({} open tickets, {} warnings and {} breaches recorded, {} closed)",
        first.open, first.warnings, first.breaches, first.auto_closed
    );
    drop(ctx);
    if let Some(waited) = settled_after_the_sweep(&work.url)? {
        println!(
            "PostgreSQL: autovacuum had vacuumed participants {waited:.0} s after the sweep (the load starts then)"
        );
    }
    let stop = CancellationToken::new();
    let metrics = app.ctx().metrics.clone();
    let running = server.spawn(app.run_until_stopped(stop.clone()));
    server.block_on(common::search_started(&metrics))?;

    println!(
        "data: {} tickets over {} customers; the customer {CUSTOMER_EMAIL} has {} (every {}th id), page size {size}",
        shape.tickets,
        shape.customers + 1,
        shape.customer_tickets,
        shape.stride()
    );
    println!(
        "load: {requests} requests per scenario after {warmup} not counted, {clients} concurrent clients, keep-alive"
    );
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = client.block_on(async {
        let (bench, other) = (
            Arc::new(sign_in(addr, CUSTOMER_EMAIL).await?),
            Arc::new(sign_in(addr, &typical).await?),
        );
        println!(
            "{:<30} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>10} {:>7} {:>9}  goal p99",
            "scenario", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s", "SQL p50 ms", "others", "disk MiB"
        );
        let mut missed = Vec::new();
        for s in scenarios.iter().filter(|s| selected(s.name)) {
            let pages = Arc::new(s.requests.clone());
            let c = if s.customer == CUSTOMER_EMAIL {
                &bench
            } else {
                &other
            };
            if warmup > 0 {
                load(c, &pages, requests, warmup, clients).await?;
            }
            let (ticks, disk) = (cpu_ticks(), disk_read_bytes());
            let (times, wall) = load(c, &pages, 0, requests, clients).await?;
            let others = others_cpu(ticks, cpu_ticks(), wall);
            let disk = match (disk, disk_read_bytes()) {
                (Some(a), Some(b)) => (b - a) as f64 / (1 << 20) as f64,
                _ => f64::NAN,
            };
            let sql = sql_alone(&work, s, requests.min(50))?;
            let p99 = percentile(&times, 99.0) * 1e3;
            let met = p99 < s.goal_ms;
            if !met {
                missed.push(s.name);
            }
            println!(
                "{:<30} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>8.0} {:>10.2} {:>6.0}% {:>9.1}  {} (< {:.0} ms)",
                s.name,
                times.len(),
                percentile(&times, 50.0) * 1e3,
                percentile(&times, 95.0) * 1e3,
                p99,
                times.last().copied().unwrap_or(f64::NAN) * 1e3,
                times.len() as f64 / wall,
                sql * 1e3,
                others,
                disk,
                if met { "met" } else { "NOT met" },
                s.goal_ms
            );
        }
        println!(
            "SQL p50: the page's queries alone, sequential on one connection; others: CPU used by other processes \
             during the scenario, in % of the machine; disk MiB: read from the disk, not the OS page cache"
        );
        if missed.is_empty() {
            println!("every scenario met its p99 goal");
        } else {
            println!("p99 goal not met by: {}", missed.join(", "));
        }
        anyhow::Ok(())
    });
    stop.cancel();
    server.block_on(running)??;
    outcome
}

/// On PostgreSQL, the first sweep rewrote the status kept beside a sixth of the
/// participants; until autovacuum has vacuumed them (it starts after 2 % of the table
/// changed), the request list's count reads the table behind each index entry. The load
/// starts once it has, as on a server left alone: waits for it (15 minutes at most) and
/// returns how long that took; `None` on SQLite.
fn settled_after_the_sweep(url: &str) -> anyhow::Result<Option<f64>> {
    if !helpdesk::db::postgres::is_postgres(url) {
        return Ok(None);
    }
    let conn = helpdesk::db::Conn::Postgres(helpdesk::db::postgres::Session::connect(url)?);
    let started = Instant::now();
    // What the sweep's writer changed reaches the statistics' view within seconds.
    std::thread::sleep(Duration::from_secs(10));
    loop {
        let settled: bool = conn.query_row(
            "SELECT s.n_dead_tup * 50 <= s.n_live_tup
                    AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_vacuum v WHERE v.relid = s.relid)
             FROM pg_stat_user_tables s WHERE s.relname = 'participants'",
            helpdesk::params![],
            |r| r.get(0),
        )?;
        if settled {
            return Ok(Some(started.elapsed().as_secs_f64()));
        }
        ensure!(
            started.elapsed() < Duration::from_secs(900),
            "autovacuum did not vacuum participants within 15 minutes of the sweep"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}
