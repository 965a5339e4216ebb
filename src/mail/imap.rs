//! The IMAP client the mailbox poller drives: connect (plain, TLS or STARTTLS) and sign in
//! (a password, or an OAuth2 token: `sign_in`), fetch sizes, headers and whole messages,
//! and flag or move what was processed. Every command has a deadline.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_imap::Session;
use chrono::{DateTime, FixedOffset};
use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, pki_types::ServerName};

use crate::config::{ImapConfig, Tls};

mod sign_in;

pub use sign_in::{ConnectError, SignIn, sign_in};

/// A command the server does not answer within this time counts as a lost connection.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs one IMAP exchange with a deadline.
pub async fn timed<T, E>(
    what: &str,
    fut: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(COMMAND_TIMEOUT, fut).await {
        Ok(result) => result.with_context(|| what.to_string()),
        Err(_) => Err(anyhow!(
            "{what}: no answer within {} s",
            COMMAND_TIMEOUT.as_secs()
        )),
    }
}

pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}
pub type ImapSession = Session<Box<dyn Stream>>;

/// A connection that greeted us (TLS as configured), not yet signed in.
pub type ImapClient = async_imap::Client<Box<dyn Stream>>;

/// Connects (with TLS as configured) and reads the greeting.
pub(crate) async fn open(cfg: &ImapConfig) -> anyhow::Result<ImapClient> {
    let addr = (cfg.host.as_str(), cfg.port);
    let tcp = tokio::time::timeout(Duration::from_secs(20), TcpStream::connect(addr))
        .await
        .context("connect timed out")?
        .with_context(|| format!("connecting to {}:{}", cfg.host, cfg.port))?;
    let stream: Box<dyn Stream> = match cfg.tls {
        Tls::None => Box::new(tcp),
        Tls::Tls => Box::new(tls(cfg, tcp).await?),
        Tls::Starttls => {
            let mut client = async_imap::Client::new(tcp);
            client
                .read_response()
                .await
                .ok_or_else(|| anyhow!("no IMAP greeting"))??;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .context("STARTTLS")?;
            Box::new(tls(cfg, client.into_inner()).await?)
        }
    };
    let mut client = async_imap::Client::new(stream);
    if cfg.tls != Tls::Starttls {
        client
            .read_response()
            .await
            .ok_or_else(|| anyhow!("no IMAP greeting"))??;
    }
    Ok(client)
}

async fn tls(
    cfg: &ImapConfig,
    tcp: TcpStream,
) -> anyhow::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let host = cfg.host.as_str();
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if !cfg.tls_ca_file.is_empty() {
        use tokio_rustls::rustls::pki_types::{CertificateDer, pem::PemObject};
        for cert in CertificateDer::pem_file_iter(&cfg.tls_ca_file)
            .with_context(|| format!("reading {}", cfg.tls_ca_file))?
        {
            roots.add(cert.with_context(|| format!("a certificate in {}", cfg.tls_ca_file))?)?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from(host.to_string()).context("IMAP host name")?;
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .context("TLS handshake")
}

/// The raw bytes and arrival time of each message of `uids`, but for those expunged
/// meanwhile (by another client). A message the server did not hand over while it is
/// still there is an error, whatever the server said (a refusal, a dropped connection, or
/// nothing at all): passing it by as "vanished" would lose it.
pub async fn fetch(
    session: &mut ImapSession,
    uids: &[u32],
) -> anyhow::Result<HashMap<u32, (Vec<u8>, Option<DateTime<FixedOffset>>)>> {
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let fetched: Vec<_> = timed("UID FETCH", async {
        session
            .uid_fetch(&set, "(UID INTERNALDATE BODY.PEEK[])")
            .await?
            .try_collect()
            .await
    })
    .await?;
    let mut by_uid = HashMap::new();
    for f in &fetched {
        if let (Some(uid), Some(body)) = (f.uid, f.body()) {
            by_uid.insert(uid, (body.to_vec(), f.internal_date()));
        }
    }
    let missing: Vec<String> = uids
        .iter()
        .filter(|u| !by_uid.contains_key(u))
        .map(u32::to_string)
        .collect();
    if !missing.is_empty() {
        let still_there = timed(
            "UID SEARCH",
            session.uid_search(format!("UID {}", missing.join(","))),
        )
        .await?;
        if !still_there.is_empty() {
            let mut uids: Vec<u32> = still_there.into_iter().collect();
            uids.sort_unstable();
            anyhow::bail!(
                "the server did not hand over UIDs {uids:?}, which are still in the mailbox"
            );
        }
        tracing::warn!(
            asked = uids.len(),
            got = by_uid.len(),
            "mailbox: some messages were expunged before they were fetched"
        );
    }
    Ok(by_uid)
}

/// The header block of one message, without its body.
pub async fn fetch_header(session: &mut ImapSession, uid: u32) -> anyhow::Result<Vec<u8>> {
    let fetched: Vec<_> = timed("UID FETCH header", async {
        session
            .uid_fetch(uid.to_string(), "(UID BODY.PEEK[HEADER])")
            .await?
            .try_collect()
            .await
    })
    .await?;
    Ok(fetched
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.header())
        .map(<[u8]>::to_vec)
        .unwrap_or_default())
}

/// Each message's size (RFC822.SIZE), asked before any body is fetched.
pub async fn sizes(session: &mut ImapSession, uids: &[u32]) -> anyhow::Result<HashMap<u32, u64>> {
    let mut sizes = HashMap::new();
    for part in uids.chunks(1000) {
        let set = part
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<_> = timed("UID FETCH size", async {
            session
                .uid_fetch(&set, "(UID RFC822.SIZE)")
                .await?
                .try_collect()
                .await
        })
        .await?;
        for f in &fetched {
            if let (Some(uid), Some(size)) = (f.uid, f.size) {
                sizes.insert(uid, u64::from(size));
            }
        }
    }
    Ok(sizes)
}

/// Marks the messages of `set` as processed: flagged `\\Seen`, or moved to `folder`
/// (MOVE, or COPY + STORE \\Deleted + UID EXPUNGE where the server has no MOVE).
pub async fn mark_processed(
    session: &mut ImapSession,
    set: &str,
    folder: &str,
    can_move: bool,
) -> anyhow::Result<()> {
    if folder.is_empty() {
        let _: Vec<_> = timed("UID STORE \\Seen", async {
            session
                .uid_store(set, "+FLAGS.SILENT (\\Seen)")
                .await?
                .try_collect()
                .await
        })
        .await?;
    } else if can_move {
        timed(
            &format!("UID MOVE to {folder}"),
            session.uid_mv(set, folder),
        )
        .await?;
    } else {
        timed(
            &format!("UID COPY to {folder}"),
            session.uid_copy(set, folder),
        )
        .await?;
        let _: Vec<_> = timed("UID STORE \\Deleted", async {
            session
                .uid_store(set, "+FLAGS.SILENT (\\Deleted)")
                .await?
                .try_collect()
                .await
        })
        .await?;
        let _: Vec<_> = timed("UID EXPUNGE", async {
            session.uid_expunge(set).await?.try_collect().await
        })
        .await?;
    }
    Ok(())
}
