//! IMAP (STARTTLS and implicit TLS) and SMTP (STARTTLS) over TLS, against a mail stack
//! with a certificate from a private CA, which must be trusted explicitly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use std::time::Duration;

use helpdesk::config::Tls;

use crate::helpers::{Options, TestApp, send_raw_via, start_stack, unique, wait_until};

const IMAP_PORT: u16 = 26143;
const IMAPS_PORT: u16 = 26993;
const SMTP_PORT: u16 = 26525;
const RUN_DIR: &str = "/tmp/hd-it-mail-tls";
const CERT_DIR: &str = "/tmp/hd-it-tls-certs";

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(CERT_DIR)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1, then a mail stack that uses it. Once.
fn tls_stack() -> PathBuf {
    static CA: OnceLock<PathBuf> = OnceLock::new();
    CA.get_or_init(|| {
        std::fs::create_dir_all(CERT_DIR).unwrap();
        openssl(&["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=helpdesk test CA"]);
        openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
        std::fs::write(
            Path::new(CERT_DIR).join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"]);
        let tls = [
            ("IMAPS_PORT", IMAPS_PORT.to_string()),
            ("MAIL_TLS_CERT", format!("{CERT_DIR}/server.pem")),
            ("MAIL_TLS_KEY", format!("{CERT_DIR}/server.key")),
        ];
        start_stack(RUN_DIR, (IMAP_PORT, SMTP_PORT, 26424), &tls);
        Path::new(CERT_DIR).join("ca.pem")
    })
    .clone()
}

async fn mail_flows_over(imap_port: u16, imap_tls: Tls) {
    let ca = tls_stack();
    let opts = Options {
        imap_port,
        imap_tls,
        smtp_port: SMTP_PORT,
        smtp_tls: Tls::Starttls,
        ca_file: ca.display().to_string(),
        ..Default::default()
    };
    let app = TestApp::spawn_with(opts).await;
    let c = format!("{}@customer.test", unique("tls"));
    let raw = format!(
        "From: {c}\r\nTo: {}\r\nSubject: Prin TLS\r\nMessage-ID: <{}@customer.test>\r\n\r\nsalut\r\n",
        app.support,
        unique("t")
    );
    send_raw_via(SMTP_PORT, &c, &app.support, raw.as_bytes()).await;
    app.wait_tickets(&c, 1).await;
    let sent = wait_until(Duration::from_secs(20), || async {
        app.ctx.metrics.outbox_sent.load(Ordering::Relaxed) >= 2
    })
    .await;
    let errors: Vec<String> = app
        .ctx
        .db
        .read(|c| {
            c.query_map(
                "SELECT coalesce(last_error, '') FROM outbox",
                helpdesk::params![],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    assert!(
        sent,
        "confirmation and invitation went out over SMTP with STARTTLS: {errors:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_starttls_and_smtp_starttls() {
    mail_flows_over(IMAP_PORT, Tls::Starttls).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_over_implicit_tls() {
    mail_flows_over(IMAPS_PORT, Tls::Tls).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_certificate_is_refused() {
    tls_stack();
    let opts = Options {
        imap_port: IMAPS_PORT,
        imap_tls: Tls::Tls,
        wait_for_login: false,
        ..Default::default()
    };
    let app = TestApp::spawn_with(opts).await;
    let logged_in = wait_until(Duration::from_secs(3), || async {
        app.ctx.metrics.mailboxes.watching() == 1
    })
    .await;
    assert!(
        !logged_in,
        "a certificate from an unknown CA must not be accepted"
    );
}
