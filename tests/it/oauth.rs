//! OAuth2 against a real Dovecot that validates JWTs locally (passdb oauth2) and a Postfix
//! whose SMTP AUTH goes through it: sign-in by OAUTHBEARER (IMAP) and XOAUTH2 (SMTP), IDLE,
//! tokens that expire mid-run, a revoked client, a token the server refuses, and a rotated
//! refresh token. Tokens come from a loopback endpoint (`token_endpoint`).

mod token_endpoint;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use std::time::Duration;

use helpdesk::config::{MailAuth, OAuthGrant};
use helpdesk::mail::transport::SendError;
use helpdesk::service::mail_sign_in::Relay;
use helpdesk::service::oauth2;
use helpdesk::telemetry::MailboxState;
use token_endpoint::TokenEndpoint;
use tracing::Level;

use crate::helpers::{
    Options, TestApp, folder_counts_at, mailbox_at, send_raw_via, start_stack, unique,
    wait_mail_at, wait_until,
};
use crate::logs;

const PORTS: (u16, u16, u16) = (23143, 24525, 24424);
const RUN_DIR: &str = "/tmp/hd-it-mail-oauth";

/// The OAuth2 mail stack the tests share (once per test binary).
fn oauth_stack() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| start(RUN_DIR, PORTS));
}

fn start(run_dir: &str, ports: (u16, u16, u16)) {
    start_stack(
        run_dir,
        ports,
        &[("MAIL_OAUTH2_KEY", token_endpoint::key_base64())],
    );
}

fn stop(run_dir: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mailstack/stop.sh");
    let out = Command::new(script).arg(run_dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn log_of(run_dir: &str, name: &str) -> String {
    std::fs::read_to_string(Path::new(run_dir).join(name)).unwrap_or_default()
}

/// A daemon watching `support` on the stack at `ports`, signing in by OAuth2 with `client`.
fn options(
    support: &str,
    ports: (u16, u16, u16),
    client: helpdesk::config::OAuth2Config,
) -> Options {
    Options {
        imap_port: ports.0,
        smtp_port: ports.1,
        support: Some(support.to_string()),
        imap_auth: MailAuth::Oauth2,
        smtp_auth: MailAuth::Oauth2,
        oauth2: client,
        ..Default::default()
    }
}

async fn send(port: u16, from: &str, to: &str, subject: &str) {
    let raw = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{}@customer.test>\r\n\r\nBună ziua.\r\n",
        unique("o")
    );
    send_raw_via(port, from, to, raw.as_bytes()).await;
}

fn state_of(app: &TestApp) -> Option<MailboxState> {
    app.ctx
        .metrics
        .mailboxes
        .snapshot()
        .into_iter()
        .find(|m| m.address == app.support)
        .map(|m| m.state)
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_comes_in_and_goes_out_signed_in_by_oauth2() {
    oauth_stack();
    let support = format!("{}@example.test", unique("oauth"));
    let endpoint = TokenEndpoint::start(&support, 3600).await;
    let client = endpoint.client(OAuthGrant::ClientCredentials, "");
    let app = TestApp::spawn_with(options(&support, PORTS, client)).await;
    let customer = format!("{}@customer.test", unique("oc"));
    send(PORTS.1, &customer, &support, "Prin OAuth").await;
    let tickets = app.wait_tickets(&customer, 1).await;
    let key = tickets[0]["key"].as_str().unwrap().to_string();
    // IDLE: the poll interval is a minute, so a second mail seen at once was pushed.
    send(PORTS.1, &customer, &support, "A doua").await;
    let pushed = wait_until(Duration::from_secs(5), || async {
        app.tickets_of(&customer).await.len() == 2
    })
    .await;
    assert!(pushed, "IDLE did not report the second mail within 5 s");
    // The confirmation went out over SMTP signed in by XOAUTH2.
    wait_mail_at(PORTS.0, &customer, |p| p.subject.contains(&key)).await;
    let dovecot = log_of(RUN_DIR, "dovecot.log");
    assert!(
        dovecot.contains(&format!("user=<{support}>, method=OAUTHBEARER")),
        "Dovecot did not log an OAUTHBEARER sign-in of {support}"
    );
    let postfix = log_of(RUN_DIR, "postfix.log");
    assert!(
        postfix.contains(&format!("sasl_method=XOAUTH2, sasl_username={support}")),
        "Postfix did not log an XOAUTH2 sign-in of {support}"
    );
    let calls = endpoint.calls();
    assert_eq!(
        calls.len(),
        1,
        "one token serves IMAP and SMTP while it is fresh: {calls:?}"
    );
    assert_eq!(calls[0].grant, "client_credentials");
    app.stop().await;
}

/// Tokens that live 4 s: the poller signs in anew with fresh ones, the outbox takes a
/// fresh one per send, and after the mail servers restart mail still flows both ways.
/// A stack of its own, so that the restart does not disturb the other tests.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_expires_mid_run_is_replaced_and_nothing_is_lost() {
    const RUN: &str = "/tmp/hd-it-mail-oauth-expiry";
    const P: (u16, u16, u16) = (28143, 28525, 28424);
    start(RUN, P);
    let support = format!("{}@example.test", unique("expiry"));
    let endpoint = TokenEndpoint::start(&support, 4).await;
    let client = endpoint.client(OAuthGrant::ClientCredentials, "");
    let app = TestApp::spawn_with(options(&support, P, client)).await;
    let customer = format!("{}@customer.test", unique("ec"));
    send(P.1, &customer, &support, "Înainte de expirare").await;
    let first = app.wait_key(&customer).await;
    wait_mail_at(P.0, &customer, |p| p.subject.contains(&first)).await;
    // The first token expires; the poller's session is renewed with a new one.
    let renewed = wait_until(Duration::from_secs(30), || async {
        endpoint.calls().len() >= 2
    })
    .await;
    assert!(renewed, "no new token was fetched: {:?}", endpoint.calls());
    stop(RUN);
    // Every token fetched so far expires while the servers are down: any sign-in after
    // the restart needs a new one.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = endpoint.calls().len();
    start(RUN, P);
    send(P.1, &customer, &support, "După expirare").await;
    let both = wait_until(Duration::from_secs(60), || async {
        app.tickets_of(&customer).await.len() == 2
    })
    .await;
    assert!(both, "the mail after the restart did not become a ticket");
    let tickets = app.tickets_of(&customer).await;
    let second = tickets
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_string())
        .find(|k| *k != first)
        .unwrap();
    wait_mail_at(P.0, &customer, |p| p.subject.contains(&second)).await;
    assert!(
        endpoint.calls().len() > before,
        "signing in after the restart took a new token"
    );
    assert!(endpoint.calls().iter().all(|c| c.granted));
    assert!(
        log_of(RUN, "dovecot.log").contains(&format!("user=<{support}>, method=OAUTHBEARER")),
        "the sign-in after the restart is by OAuth2 too"
    );
    assert!(
        log_of(RUN, "postfix.log").contains("sasl_method=XOAUTH2"),
        "the send after the restart is by OAuth2 too"
    );
    assert_eq!(app.ctx.metrics.outbox_failed.load(Ordering::Relaxed), 0);
    app.stop().await;
    stop(RUN);
}

/// The endpoint refuses the client: the mailbox is refused (with the endpoint's error),
/// one error line, the team mailed once, its mail left alone; once the client is good
/// again the mailbox recovers, takes the mail, and the team hears so.
#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_client_is_one_refusal_and_the_mailbox_waits_untouched() {
    logs::catch();
    oauth_stack();
    let support = format!("{}@example.test", unique("revoked"));
    let team = format!("{}@example.test", unique("team"));
    let endpoint = TokenEndpoint::start(&support, 3600).await;
    endpoint.set_revoked(true);
    let customer = format!("{}@customer.test", unique("rc"));
    send(PORTS.1, &customer, &support, "Cât timp e revocat").await;
    let app = TestApp::spawn_with(Options {
        // The team's mail goes out by password, so it can say what IMAP cannot.
        smtp_auth: MailAuth::Password,
        team_address: team.clone(),
        wait_for_login: false,
        ..options(
            &support,
            PORTS,
            endpoint.client(OAuthGrant::ClientCredentials, ""),
        )
    })
    .await;
    let refused = wait_until(Duration::from_secs(20), || async {
        matches!(state_of(&app), Some(MailboxState::Refused(r)) if r.contains("invalid_client"))
    })
    .await;
    assert!(refused, "state: {:?}", state_of(&app));
    let retried = wait_until(Duration::from_secs(20), || async {
        endpoint.calls().len() >= 3
    })
    .await;
    assert!(
        retried,
        "signing in was not retried: {:?}",
        endpoint.calls()
    );
    let team_mail = |p: &helpdesk::mail::parse::ParsedEmail| p.subject.contains(&support);
    let alert = wait_mail_at(PORTS.0, &team, team_mail).await;
    assert_eq!(alert.len(), 1);
    let subject = alert[0].1.subject.clone();
    assert!(subject.starts_with("Conectare refuzată"), "{subject}");
    assert!(
        alert[0].1.text.contains("invalid_client"),
        "{}",
        alert[0].1.text
    );
    let errors = logs::lines(Level::ERROR, &[&support, "sign-in refused"]);
    assert_eq!(
        errors.len(),
        1,
        "one error line for the refusal: {errors:?}"
    );
    assert!(
        errors[0].text.contains("invalid_client"),
        "{}",
        errors[0].text
    );
    assert_eq!(
        folder_counts_at(PORTS.0, &support, "INBOX").await,
        (1, 0),
        "the mailbox is untouched"
    );
    assert!(app.tickets_of(&customer).await.is_empty());
    // The client is good again: the mailbox recovers at its next try.
    endpoint.set_revoked(false);
    let back = wait_until(Duration::from_secs(60), || async {
        state_of(&app) == Some(MailboxState::Watching)
    })
    .await;
    assert!(back, "state: {:?}", state_of(&app));
    app.wait_tickets(&customer, 1).await;
    let recovered = wait_mail_at(PORTS.0, &team, |p| {
        team_mail(p) && p.subject.contains("din nou conectată")
    })
    .await;
    assert_eq!(recovered.len(), 1);
    assert_eq!(
        mailbox_at(PORTS.0, &team).await.len(),
        2,
        "the team heard once of the refusal and once of the recovery"
    );
    assert_eq!(logs::lines(Level::ERROR, &[&support]).len(), 1);
    assert_eq!(
        logs::lines(Level::INFO, &[&support, "signed in again"]).len(),
        1
    );
    app.stop().await;
}

/// A token the IMAP server refuses is forgotten and a new one tried once; when that is
/// refused too the mailbox is refused with the server's words.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_server_refuses_is_replaced_once_then_reported() {
    oauth_stack();
    let support = format!("{}@example.test", unique("badkey"));
    let endpoint = TokenEndpoint::start(&support, 3600).await;
    endpoint.set_wrong_key(true);
    let app = TestApp::spawn_with(Options {
        wait_for_login: false,
        ..options(
            &support,
            PORTS,
            endpoint.client(OAuthGrant::ClientCredentials, ""),
        )
    })
    .await;
    let refused = wait_until(Duration::from_secs(20), || async {
        matches!(state_of(&app), Some(MailboxState::Refused(r)) if r.contains("AUTHENTICATE OAUTHBEARER"))
    })
    .await;
    assert!(refused, "state: {:?}", state_of(&app));
    assert!(
        endpoint.calls().len() >= 2,
        "a second token was tried: {:?}",
        endpoint.calls()
    );
    endpoint.set_wrong_key(false);
    let back = wait_until(Duration::from_secs(60), || async {
        state_of(&app) == Some(MailboxState::Watching)
    })
    .await;
    assert!(back, "state: {:?}", state_of(&app));
    app.stop().await;
}

/// A token the SMTP server refuses (Postfix passes Dovecot's error challenge on): a new
/// one is tried once, and the mail stays queued until a token works.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_smtp_server_refuses_leaves_the_mail_queued() {
    logs::catch();
    oauth_stack();
    let support = format!("{}@example.test", unique("smtpkey"));
    let endpoint = TokenEndpoint::start(&support, 3600).await;
    endpoint.set_wrong_key(true);
    let app = TestApp::spawn_with(Options {
        imap_auth: MailAuth::Password,
        ..options(
            &support,
            PORTS,
            endpoint.client(OAuthGrant::ClientCredentials, ""),
        )
    })
    .await;
    let customer = format!("{}@customer.test", unique("sc"));
    send(PORTS.1, &customer, &support, "Confirmare amânată").await;
    let key = app.wait_key(&customer).await;
    let retried = wait_until(Duration::from_secs(20), || async {
        app.ctx.metrics.outbox_retried.load(Ordering::Relaxed) >= 1
    })
    .await;
    assert!(retried, "the refused send was not left for a retry");
    assert!(
        endpoint.calls().len() >= 2,
        "a second token was tried before the mail was left for later: {:?}",
        endpoint.calls()
    );
    let why = logs::lines(
        Level::WARN,
        &[
            "delivery failed",
            "the SMTP server refused the sign-in",
            &support,
        ],
    );
    assert!(!why.is_empty(), "the outbox says why the mail waits");
    endpoint.set_wrong_key(false);
    wait_mail_at(PORTS.0, &customer, |p| p.subject.contains(&key)).await;
    assert_eq!(app.ctx.metrics.outbox_failed.load(Ordering::Relaxed), 0);
    assert!(
        log_of(RUN_DIR, "postfix.log")
            .contains(&format!("sasl_method=XOAUTH2, sasl_username={support}")),
        "the mail went out signed in by XOAUTH2"
    );
    app.stop().await;
}

/// `helpdesk send-test` signs in as the daemon does, by OAuth2; what `helpdesk check`
/// calls answers a token and an SMTP sign-in, or says what was refused.
#[tokio::test(flavor = "multi_thread")]
async fn send_test_and_the_checks_sign_in_by_oauth2() {
    oauth_stack();
    let support = format!("{}@example.test", unique("sendtest"));
    let endpoint = TokenEndpoint::start(&support, 3600).await;
    let dir = tempfile::tempdir().unwrap();
    let opts = options(
        &support,
        PORTS,
        endpoint.client(OAuthGrant::ClientCredentials, ""),
    );
    let config = crate::helpers::config(&support, &dir.path().join("helpdesk.db"), &opts);
    let from = format!("{}@customer.test", unique("st"));
    helpdesk::commands::send_test(&config, &from, "Încercare", "Merge?")
        .await
        .expect("send-test sends");
    wait_mail_at(PORTS.0, &support, |p| p.subject == "Încercare").await;
    assert_eq!(endpoint.calls().len(), 1);
    assert!(
        log_of(RUN_DIR, "postfix.log")
            .contains(&format!("sasl_method=XOAUTH2, sasl_username={support}"))
    );

    let ctx = helpdesk::service::Ctx::open(config.clone()).await.unwrap();
    let mailbox = config.mailboxes().remove(0);
    assert_eq!(oauth2::check(&ctx, &mailbox).await.unwrap(), support);
    let relay = Relay::new(&ctx).unwrap();
    endpoint.set_wrong_key(true);
    let refused = relay.check(&ctx, &support).await.unwrap_err();
    assert!(
        matches!(refused, SendError::SignInRefused(ref r) if r.contains(&support)),
        "{refused}"
    );
    endpoint.set_wrong_key(false);
    relay.check(&ctx, &support).await.expect("SMTP signs in");
    endpoint.set_revoked(true);
    let e = oauth2::check(&ctx, &mailbox).await.unwrap_err().to_string();
    assert!(e.contains("refused the client: invalid_client"), "{e}");
    ctx.db.close().await;
}

/// The refresh-token grant: the endpoint rotates the refresh token at every use and
/// refuses the old one, so every call must present the newest; it is kept in the
/// database and used after a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_refresh_token_is_stored_and_used_from_then_on() {
    oauth_stack();
    let support = format!("{}@example.test", unique("google"));
    let (endpoint, configured) = rotating_endpoint(&support).await;
    let dir = tempfile::tempdir().unwrap();
    let opts = || refresh_grant_options(&support, &endpoint, &configured, dir.path());
    let app = TestApp::spawn_with(opts()).await;
    let customer = format!("{}@customer.test", unique("gc"));
    send(PORTS.1, &customer, &support, "Cu refresh token").await;
    let key = app.wait_key(&customer).await;
    wait_mail_at(PORTS.0, &customer, |p| p.subject.contains(&key)).await;
    // The poller's session is renewed with a token from the rotated refresh token.
    let rotated_twice = wait_until(Duration::from_secs(30), || async {
        endpoint.calls().len() >= 2
    })
    .await;
    assert!(rotated_twice, "{:?}", endpoint.calls());
    let calls = endpoint.calls();
    assert!(
        calls
            .iter()
            .all(|c| c.granted && c.grant == "refresh_token"),
        "every call presented the newest refresh token: {calls:?}"
    );
    assert_eq!(calls[0].refresh_token.as_deref(), Some(configured.as_str()));
    // Read once the daemon has stopped: a running one may rotate the token again between
    // the read and the stop.
    let url = app.ctx.config.database.url.clone();
    app.stop().await;
    let stored = stored_refresh_token(&url, &support).await;
    assert_eq!(
        endpoint.good_refresh_tokens(),
        vec![stored.clone()],
        "the stored refresh token is the newest"
    );
    // After a restart the stored one is used, not the configured one (refused by now).
    let before = endpoint.calls().len();
    let app = TestApp::spawn_with(opts()).await;
    let after = endpoint.calls();
    assert_eq!(
        after[before].refresh_token.as_deref(),
        Some(stored.as_str())
    );
    assert!(after.iter().all(|c| c.granted), "{after:?}");
    send(PORTS.1, &customer, &support, "După repornire").await;
    app.wait_tickets(&customer, 2).await;
    app.stop().await;
}

/// The daemon stops while the endpoint is answering a refresh that rotated the refresh
/// token: the stop waits for the answer, and the new refresh token is kept (the old one
/// is refused from then on).
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_rotated_as_the_daemon_stops_is_kept() {
    oauth_stack();
    let support = format!("{}@example.test", unique("stopping"));
    let (endpoint, configured) = rotating_endpoint(&support).await;
    let dir = tempfile::tempdir().unwrap();
    let opts = refresh_grant_options(&support, &endpoint, &configured, dir.path());
    let app = TestApp::spawn_with(opts).await;
    let signed_in = wait_until(Duration::from_secs(30), || async {
        !endpoint.calls().is_empty()
    })
    .await;
    assert!(signed_in, "the daemon asked for a token");
    endpoint.set_answer_delay(Duration::from_secs(2));
    let before = endpoint.calls().len();
    // Its token lives 4 s: a renewal comes within seconds, and its answer is held back.
    let renewing = wait_until(Duration::from_secs(30), || async {
        endpoint.calls().len() > before
    })
    .await;
    assert!(renewing, "{:?}", endpoint.calls());
    let url = app.ctx.config.database.url.clone();
    app.stop().await;
    let calls = endpoint.calls();
    assert!(calls.iter().all(|c| c.granted), "{calls:?}");
    assert_eq!(
        endpoint.good_refresh_tokens(),
        vec![stored_refresh_token(&url, &support).await],
        "the refresh token rotated as the daemon stopped is the one stored: {calls:?}"
    );
}

/// A token endpoint for `support` (4 s tokens) that rotates the refresh token at every
/// use, and the refresh token configured at first.
async fn rotating_endpoint(support: &str) -> (TokenEndpoint, String) {
    let endpoint = TokenEndpoint::start(support, 4).await;
    let configured = format!("rt-configured-{support}");
    endpoint.consent(&configured, support);
    endpoint.set_rotate(true);
    (endpoint, configured)
}

/// A daemon signing in to `support` with the refresh-token grant from `refresh_token`, its
/// database kept in `dir` (across restarts).
fn refresh_grant_options(
    support: &str,
    endpoint: &TokenEndpoint,
    refresh_token: &str,
    dir: &Path,
) -> Options {
    Options {
        db_dir: Some(dir.to_path_buf()),
        ..options(
            support,
            PORTS,
            endpoint.client(OAuthGrant::RefreshToken, refresh_token),
        )
    }
}

/// The refresh token stored for `user` in the database at `url`.
async fn stored_refresh_token(url: &str, user: &str) -> String {
    let key = format!("oauth2_refresh_token:{user}");
    let db = helpdesk::db::Db::connect(url).unwrap();
    let json = db
        .read(move |c| helpdesk::db::settings::get(c, &key))
        .await
        .unwrap()
        .expect("a rotated refresh token is stored");
    db.close().await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["token"].as_str().unwrap().to_string()
}
