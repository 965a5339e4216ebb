//! `TestApp`: a daemon with its own support mailbox on the shared loopback mail stack,
//! plus helpers to send mail, read mailboxes and call the API. Waits poll with timeouts.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use helpdesk::app::Application;
use helpdesk::config::{Config, MailAuth, MailboxConfig, OAuth2Config, Tls};
use helpdesk::domain::agent_role::AgentRole;
use helpdesk::mail::parse::{self, ParsedEmail};
use helpdesk::service::Ctx;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub const IMAP_PORT: u16 = 21143;
pub const SMTP_PORT: u16 = 22525;
const LMTP_PORT: u16 = 22424;
const RUN_DIR: &str = "/tmp/hd-it-mail";
pub const PASSWORD: &str = "secret";

/// Starts the project's mail stack in `run_dir` on these ports (IMAP, SMTP, LMTP), where
/// every address can log in with `PASSWORD`; `extra` adds settings (e.g. TLS).
pub fn start_stack(run_dir: &str, ports: (u16, u16, u16), extra: &[(&str, String)]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mailstack/start.sh");
    let out = Command::new(script)
        .arg(run_dir)
        .env("IMAP_PORT", ports.0.to_string())
        .env("SMTP_PORT", ports.1.to_string())
        .env("LMTP_PORT", ports.2.to_string())
        .env("MAIL_USERS", "support@example.test:secret")
        .env("MAIL_ANY_USER_PASSWORD", PASSWORD)
        .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("running scripts/mailstack/start.sh");
    assert!(
        out.status.success(),
        "mail stack did not start: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts the mail stack once for the whole test binary (start.sh stops a stale one).
pub fn mail_stack() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| start_stack(RUN_DIR, (IMAP_PORT, SMTP_PORT, LMTP_PORT), &[]));
}

/// Where the mail stack keeps the mailbox of `address` (a Maildir).
pub fn maildir(address: &str) -> PathBuf {
    let (user, domain) = address.split_once('@').expect("an address");
    Path::new(RUN_DIR)
        .join("mail")
        .join(domain.to_lowercase())
        .join(user.to_lowercase())
        .join("Maildir")
}

static NEXT: AtomicUsize = AtomicUsize::new(1);

/// A name no other test in this run uses (mail stack state survives between tests).
pub fn unique(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}x{n}", std::process::id())
}

pub struct TestApp {
    pub ctx: Ctx,
    pub base: String,
    pub support: String,
    pub token: String,
    pub db_path: PathBuf,
    stop: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
    http: reqwest::Client,
}

pub struct Options {
    pub imap_port: u16,
    pub imap_tls: Tls,
    pub smtp_port: u16,
    pub smtp_tls: Tls,
    /// Trusted CA for both connections (a private CA).
    pub ca_file: String,
    /// Wait for the poller to log in before returning.
    pub wait_for_login: bool,
    pub idle: bool,
    pub support: Option<String>,
    pub db_dir: Option<PathBuf>,
    /// The database, instead of the run's engine's for `db_dir` (several daemons on one).
    pub database_url: Option<String>,
    pub processed_folder: String,
    /// Where SLA alerts of unassigned tickets go.
    pub team_address: String,
    pub max_message_mb: u64,
    /// `[[mailboxes]]`: watched besides the support address.
    pub more_mailboxes: Vec<MailboxConfig>,
    /// How IMAP and SMTP sign in; with OAuth2 as the support address, by `oauth2`'s client.
    pub imap_auth: MailAuth,
    pub smtp_auth: MailAuth,
    pub oauth2: OAuth2Config,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            imap_port: IMAP_PORT,
            imap_tls: Tls::None,
            smtp_port: SMTP_PORT,
            smtp_tls: Tls::None,
            ca_file: String::new(),
            wait_for_login: true,
            idle: true,
            support: None,
            db_dir: None,
            database_url: None,
            processed_folder: String::new(),
            team_address: String::new(),
            max_message_mb: 25,
            more_mailboxes: Vec::new(),
            imap_auth: MailAuth::Password,
            smtp_auth: MailAuth::Password,
            oauth2: OAuth2Config::default(),
        }
    }
}

pub fn config(support: &str, db: &Path, opts: &Options) -> Config {
    let mut c = Config::default();
    c.helpdesk.support_address = support.to_string();
    c.helpdesk.secret = "integration-test-secret-0123456789".into();
    c.database.url = opts
        .database_url
        .clone()
        .unwrap_or_else(|| crate::engine::database_url(db));
    c.imap.host = "127.0.0.1".into();
    c.imap.port = opts.imap_port;
    c.imap.tls = opts.imap_tls;
    c.imap.tls_ca_file = opts.ca_file.clone();
    c.imap.username = support.to_string();
    c.imap.password = PASSWORD.into();
    c.imap.idle = opts.idle;
    c.imap.poll_interval_secs = if opts.idle { 60 } else { 1 };
    c.imap.processed_folder = opts.processed_folder.clone();
    c.imap.max_message_mb = opts.max_message_mb;
    c.smtp.host = "127.0.0.1".into();
    c.smtp.port = opts.smtp_port;
    c.smtp.tls = opts.smtp_tls;
    c.smtp.tls_ca_file = opts.ca_file.clone();
    c.smtp.username = String::new();
    c.smtp.from = format!("Helpdesk <{support}>");
    c.web.bind = "127.0.0.1:0".into();
    c.web.base_url = String::new();
    c.sla.team_address = opts.team_address.clone();
    c.mail_trust.authserv_ids = vec![AUTHSERV_ID.into()];
    c.more_mailboxes = opts.more_mailboxes.clone();
    c.imap.auth = opts.imap_auth;
    c.smtp.auth = opts.smtp_auth;
    c.oauth2 = opts.oauth2.clone();
    if opts.imap_auth == MailAuth::Oauth2 {
        // Never used: a password sign-in would fail.
        c.imap.password = "not-the-password".into();
    }
    if opts.smtp_auth == MailAuth::Oauth2 {
        c.smtp.username = support.to_string();
        c.smtp.password = "not-the-password".into();
    }
    c
}

/// The authserv-id the test daemons believe, as a receiving server of ours would stamp it.
pub const AUTHSERV_ID: &str = "mx.example.test";

/// The `Authentication-Results` value our receiving server stamps on mail from `from`
/// with this `result` (pass, fail, none) for DKIM, SPF and DMARC alike.
pub fn auth_results(from: &str, result: &str) -> String {
    let domain = from
        .rsplit('@')
        .next()
        .unwrap_or(from)
        .trim_end_matches('>');
    format!(
        "{AUTHSERV_ID}; dkim={result} header.d={domain}; spf={result} smtp.mailfrom={domain}; dmarc={result} header.from={domain}"
    )
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(opts: Options) -> TestApp {
        mail_stack();
        let support = opts
            .support
            .clone()
            .unwrap_or_else(|| format!("{}@example.test", unique("support")));
        let (dir, db_dir) = match &opts.db_dir {
            Some(d) => (None, d.clone()),
            None => {
                let d = tempfile::tempdir().expect("temp dir");
                let p = d.path().to_path_buf();
                (Some(d), p)
            }
        };
        let db_path = db_dir.join("helpdesk.db");
        let app = Application::build(config(&support, &db_path, &opts))
            .await
            .expect("application builds");
        let ctx = app.ctx().clone();
        let base = ctx.config.web.base_url.clone();
        let token = agent_token(&ctx).await;
        let stop = CancellationToken::new();
        let task = tokio::spawn(app.run_until_stopped(stop.clone()));
        let t = TestApp {
            ctx,
            base,
            support,
            token,
            db_path,
            stop,
            task: Some(task),
            _dir: dir,
            http: reqwest::Client::new(),
        };
        if opts.wait_for_login {
            let all = t.ctx.mailboxes.len();
            let ok = wait_until(Duration::from_secs(10), || async {
                t.ctx.metrics.mailboxes.watching() == all
            })
            .await;
            assert!(ok, "the pollers did not log in to every mailbox");
        }
        t
    }

    /// Graceful stop (as SIGTERM does); the database stays for a restart.
    pub async fn stop(mut self) -> (Option<tempfile::TempDir>, String) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            task.await
                .expect("app task")
                .expect("app ran without error");
        }
        (self._dir.take(), self.support.clone())
    }

    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/api/v1{path}", self.base);
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("API answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, url: &str) -> (u16, String) {
        let resp = self.http.get(url).send().await.expect("server answers");
        (
            resp.status().as_u16(),
            resp.text().await.unwrap_or_default(),
        )
    }

    pub async fn post_form(&self, url: &str, body: &str) -> (u16, String) {
        let resp = self
            .http
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
            .await
            .expect("server answers");
        (
            resp.status().as_u16(),
            resp.text().await.unwrap_or_default(),
        )
    }

    pub async fn tickets_of(&self, requester: &str) -> Vec<Value> {
        let (s, v) = self
            .api("GET", &format!("/tickets?requester={requester}"), None)
            .await;
        assert_eq!(s, 200, "{v}");
        v["tickets"].as_array().cloned().unwrap_or_default()
    }

    pub async fn ticket(&self, key: &str) -> Value {
        let (s, v) = self.api("GET", &format!("/tickets/{key}"), None).await;
        assert_eq!(s, 200, "{v}");
        v
    }

    pub async fn status_of(&self, key: &str) -> String {
        self.ticket(key).await["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits for the requester's n-th ticket to appear; returns the tickets.
    pub async fn wait_tickets(&self, requester: &str, n: usize) -> Vec<Value> {
        let ok = wait_until(Duration::from_secs(40), || async {
            self.tickets_of(requester).await.len() >= n
        })
        .await;
        assert!(ok, "{requester} did not get {n} ticket(s)");
        self.tickets_of(requester).await
    }

    /// Waits for the requester's ticket to appear; returns its key (the newest's, when
    /// there are several).
    pub async fn wait_key(&self, requester: &str) -> String {
        self.wait_tickets(requester, 1).await[0]["key"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn wait_status(&self, key: &str, status: &str) {
        let ok = wait_until(Duration::from_secs(40), || async {
            self.status_of(key).await == status
        })
        .await;
        assert!(
            ok,
            "{key} did not reach {status} (is {})",
            self.status_of(key).await
        );
    }

    pub async fn send(
        &self,
        from: &str,
        subject: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> String {
        send_mail(from, &self.support, subject, body, headers).await
    }
}

/// The password of the test agent `agent@example.test` (an admin) in the console.
pub const AGENT_PASSWORD: &str = "agentpass12";

async fn agent_token(ctx: &Ctx) -> String {
    use helpdesk::db;
    use helpdesk::service::{accounts, links};
    let token = links::new_token();
    let hash = links::hash_token(&token);
    let password = helpdesk::domain::password::Password::parse(AGENT_PASSWORD).unwrap();
    let password_hash = accounts::hash_password(&password).unwrap();
    ctx.db
        .write(move |c| {
            let agent = db::agents::upsert(
                c,
                "agent@example.test",
                "Ana Agent",
                &password_hash,
                AgentRole::Admin,
                chrono::Utc::now(),
            )?;
            db::agents::insert_token(c, agent.id, &hash, chrono::Utc::now())
        })
        .await
        .unwrap();
    token
}

/// Polls `check` every 100 ms until it holds or `timeout` passes.
pub async fn wait_until<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let end = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A plain customer mail (UTF-8, quoted-printable by lettre) sent over real SMTP;
/// returns its Message-ID (without brackets).
pub async fn send_mail(
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> String {
    let domain = from.rsplit('@').next().unwrap().trim_end_matches('>');
    let id = format!("{}@{domain}", unique("m"));
    let mut raw = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nMessage-ID: <{id}>\r\nDate: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
        encode_header(subject),
        chrono::Utc::now().to_rfc2822()
    );
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    raw.push_str(&body.replace('\n', "\r\n"));
    raw.push_str("\r\n");
    let envelope = from
        .rsplit('<')
        .next()
        .unwrap_or(from)
        .trim_end_matches('>');
    send_raw(envelope, to, raw.as_bytes()).await;
    id
}

fn encode_header(s: &str) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        format!(
            "=?utf-8?b?{}?=",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, s)
        )
    }
}

pub async fn send_raw(from: &str, to: &str, raw: &[u8]) {
    send_raw_via(SMTP_PORT, from, to, raw).await
}

pub async fn send_raw_via(port: u16, from: &str, to: &str, raw: &[u8]) {
    let cfg = helpdesk::config::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        username: String::new(),
        ..Default::default()
    };
    let smtp = helpdesk::mail::transport::smtp(&cfg).unwrap();
    helpdesk::mail::transport::send_raw(&smtp, from, to, raw)
        .await
        .expect("SMTP accepts the test mail");
}

/// A logged-in IMAP session of a test user. A busy machine (every test polls mailboxes at
/// once) can see a connection reset before the greeting: such a try is made again.
async fn imap_login_at(port: u16, user: &str) -> async_imap::Session<TcpStream> {
    let mut last = String::new();
    for attempt in 0..10 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
        }
        let tcp = match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(tcp) => tcp,
            Err(e) => {
                last = format!("connect: {e}");
                continue;
            }
        };
        let mut client = async_imap::Client::new(tcp);
        match client.read_response().await {
            Some(Ok(_)) => {}
            other => {
                last = format!("greeting: {:?}", other.map(|r| r.map(|_| ())));
                continue;
            }
        }
        match client.login(user, PASSWORD).await {
            Ok(session) => return session,
            Err((e, _)) => last = format!("login: {e}"),
        }
    }
    panic!("IMAP login of {user} failed ten times; last: {last}")
}

/// Every message in the user's INBOX, parsed by the helpdesk's own parser, oldest first.
pub async fn mailbox(user: &str) -> Vec<(Vec<u8>, ParsedEmail)> {
    mailbox_at(IMAP_PORT, user).await
}

/// `mailbox` on the mail stack whose IMAP port is `port`.
pub async fn mailbox_at(port: u16, user: &str) -> Vec<(Vec<u8>, ParsedEmail)> {
    let mut s = imap_login_at(port, user).await;
    let mbox = s.examine("INBOX").await.expect("EXAMINE");
    let mut out = Vec::new();
    if mbox.exists > 0 {
        let fetched: Vec<_> = s
            .fetch("1:*", "(UID BODY.PEEK[])")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut items: Vec<(u32, Vec<u8>)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
            .collect();
        items.sort_by_key(|(uid, _)| *uid);
        for (_, raw) in items {
            let p = parse::parse(&raw).expect("our mail parses");
            out.push((raw, p));
        }
    }
    let _ = s.logout().await;
    out
}

/// How many messages a folder of the user's holds, and how many of them are \Seen.
pub async fn folder_counts(user: &str, folder: &str) -> (usize, usize) {
    folder_counts_at(IMAP_PORT, user, folder).await
}

/// `folder_counts` on the mail stack whose IMAP port is `port`.
pub async fn folder_counts_at(port: u16, user: &str, folder: &str) -> (usize, usize) {
    let mut s = imap_login_at(port, user).await;
    let Ok(mbox) = s.examine(folder).await else {
        return (0, 0);
    };
    let seen = if mbox.exists > 0 {
        s.search("SEEN").await.unwrap().len()
    } else {
        0
    };
    let _ = s.logout().await;
    (mbox.exists as usize, seen)
}

/// Waits until the user's mailbox holds a message matching `pred`; returns the matches.
pub async fn wait_mail(
    user: &str,
    pred: impl Fn(&ParsedEmail) -> bool,
) -> Vec<(Vec<u8>, ParsedEmail)> {
    wait_mail_at(IMAP_PORT, user, pred).await
}

/// `wait_mail` on the mail stack whose IMAP port is `port`.
pub async fn wait_mail_at(
    port: u16,
    user: &str,
    pred: impl Fn(&ParsedEmail) -> bool,
) -> Vec<(Vec<u8>, ParsedEmail)> {
    let end = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        let found: Vec<_> = mailbox_at(port, user)
            .await
            .into_iter()
            .filter(|(_, p)| pred(p))
            .collect();
        if !found.is_empty() {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < end,
            "no matching mail arrived for {user}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn header(raw: &[u8], name: &str) -> Option<String> {
    let head = String::from_utf8_lossy(raw);
    let head = head
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    head.lines()
        .find(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l.as_bytes()[name.len()] == b':'
        })
        .map(|l| l[name.len() + 1..].trim().to_string())
}

/// A TCP proxy in front of a real server (IMAP or SMTP) that can be switched off: then it
/// refuses new connections and cuts the open ones, to play an outage without disturbing
/// other tests.
pub struct Switch {
    pub port: u16,
    up: tokio::sync::watch::Sender<bool>,
}

impl Switch {
    pub async fn start(target_port: u16, up: bool) -> Switch {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::watch::channel(up);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !*rx.borrow() {
                    continue;
                }
                let mut rx = rx.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target_port)).await
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = rx.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Switch { port, up: tx }
    }

    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// Runs a walk from `tests/browser/` in Debian's headless Chromium with `env`, screenshots
/// under `target/browser-shots/<shots>/`; returns its report after checking every step passed.
pub async fn browser_walk(script: &str, shots: &str, env: Vec<(&str, String)>) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shots = root.join("target/browser-shots").join(shots);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let dir = root.join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser first (scripts/test does it), and install Debian's chromium"
    );
    let env: Vec<(String, String)> = env.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let script = script.to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(&script)
            .current_dir(&dir)
            .envs(env)
            .env("SHOTS", &shots)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| {
            panic!(
                "the browser walk printed no report:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let failed: Vec<&Value> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["ok"] != true)
        .collect();
    assert!(
        failed.is_empty() && out.status.success(),
        "browser steps failed: {failed:#?}"
    );
    report
}

/// A browser without JavaScript: a cookie jar, no redirects followed, and the `Origin` of
/// the page a form comes from (as browsers send it), unless made `without_origin`.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let mut origin = reqwest::header::HeaderMap::new();
        origin.insert(reqwest::header::ORIGIN, base.parse().unwrap());
        Self::with_headers(base, origin)
    }

    /// Without `Origin`, as an old or stripped-down client.
    pub fn without_origin(base: &str) -> Self {
        Self::with_headers(base, reqwest::header::HeaderMap::new())
    }

    fn with_headers(base: &str, headers: reqwest::header::HeaderMap) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Browser {
            http,
            base: base.to_string(),
        }
    }

    /// A path of the site, or a whole link (from a mail) as it is.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// The CSRF field of the form on that page.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, page) = self.get(path).await;
        let re = regex::Regex::new(r#"name="csrf" value="([0-9a-f]+)""#).unwrap();
        re.captures(&page)
            .unwrap_or_else(|| panic!("no form on {path}:\n{page}"))[1]
            .to_string()
    }

    /// Posts a form; returns the status, where it redirects to, and the body.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = self
            .http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        let to = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status().as_u16(), to, r.text().await.unwrap())
    }

    /// Posts a form with extra headers; returns the status, the `Retry-After` and the body.
    pub async fn post_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (u16, Option<u64>, String) {
        let mut req = self.http.post(self.url(path)).form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        let retry = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse().ok());
        (r.status().as_u16(), retry, r.text().await.unwrap())
    }
}
