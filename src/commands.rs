//! The one-shot commands behind the CLI: import, agent add/token/tokens/disable,
//! send-test, check, backup, copy-db.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use chrono::Utc;

use crate::config::{Config, MailAuth};
use crate::db::{self, Db};
use crate::domain::agent_role::AgentRole;
use crate::domain::email_address::EmailAddress;
use crate::domain::password::Password;
use crate::mail::{compose, transport};
use crate::service::mail_sign_in::Relay;
use crate::service::{Ctx, ServiceError, accounts, links, receive_email};

mod backup;
mod check;
mod copy_db;
pub use backup::backup;
pub use check::check;
pub use copy_db::copy_db;

/// Splits an mbox file into messages (lines starting with `From ` separate them;
/// `>From ` quoting is undone).
pub fn split_mbox(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in data.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"From ") {
            if let Some(m) = current.take() {
                out.push(m);
            }
            current = Some(Vec::new());
            continue;
        }
        let m = current.get_or_insert_with(Vec::new);
        let quoted_from = |rest: &&[u8]| {
            let start = rest.iter().position(|b| *b != b'>').unwrap_or(rest.len());
            rest[start..].starts_with(b"From ")
        };
        let unquoted = line.strip_prefix(b">").filter(quoted_from);
        m.extend_from_slice(unquoted.unwrap_or(line));
    }
    out.extend(current);
    out
}

/// What `import` reads from a path: a file as given; in a Maildir every message in `cur/`
/// and `new/`; in any other directory the `*.eml` and `*.mbox` files, recursively.
fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let list = |dir: &Path| -> anyhow::Result<Vec<PathBuf>> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        entries.sort();
        Ok(entries)
    };
    if path.join("cur").is_dir() && path.join("new").is_dir() {
        for sub in ["cur", "new"] {
            out.extend(list(&path.join(sub))?.into_iter().filter(|p| p.is_file()));
        }
        return Ok(());
    }
    for entry in list(path)? {
        let mail_file = entry
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("eml") || e.eq_ignore_ascii_case("mbox"));
        if entry.is_dir() {
            collect_files(&entry, out)?;
        } else if mail_file {
            out.push(entry);
        }
    }
    Ok(())
}

/// `helpdesk import`: every message through `receive()`; one line per message and a
/// summary per outcome.
pub async fn import(config: Config, paths: &[PathBuf], quarantined: bool) -> anyhow::Result<()> {
    let ctx = Ctx::open(config).await?;
    let mut totals: BTreeMap<&'static str, usize> =
        ["created", "threaded", "ignored", "quarantined", "duplicate"]
            .into_iter()
            .map(|k| (k, 0))
            .collect();
    if quarantined {
        let items = ctx.db.read(db::inbound::list_quarantine).await?;
        for q in items {
            // An entry that cannot be replayed (a message the mail server never handed
            // over) stays where it is; the others go on.
            match receive_email::replay(&ctx, q.id, Utc::now()).await {
                Ok(outcome) => {
                    println!("{outcome}\tquarantine #{}", q.id);
                    *totals.entry(outcome.label()).or_default() += 1;
                }
                Err(ServiceError::Conflict(why)) => {
                    println!("left in quarantine ({why})\tquarantine #{}", q.id)
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let mut files = Vec::new();
    for p in paths {
        collect_files(p, &mut files)?;
    }
    // Through the batched path, as the poller's mail goes: parsed beside the writer, one
    // transaction (one fsync) per batch, each message in its own savepoint.
    let mut batch = Batch::default();
    for file in files {
        let data = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let messages = if data.starts_with(b"From ") {
            split_mbox(&data)
        } else {
            vec![data]
        };
        for raw in messages {
            batch.push(raw, &file);
            if batch.is_full() {
                batch.receive(&ctx, &mut totals).await?;
            }
        }
    }
    batch.receive(&ctx, &mut totals).await?;
    for (label, n) in totals {
        println!("{label}: {n}");
    }
    ctx.db.close().await;
    Ok(())
}

/// Messages of `import` waiting for their transaction, with the file each came from.
#[derive(Default)]
struct Batch {
    raws: Vec<Vec<u8>>,
    files: Vec<PathBuf>,
    bytes: usize,
}

impl Batch {
    /// At most this many messages, and about this many bytes, in one transaction.
    const MESSAGES: usize = 200;
    const BYTES: usize = 32 * 1024 * 1024;

    fn push(&mut self, raw: Vec<u8>, file: &Path) {
        self.bytes += raw.len();
        self.raws.push(raw);
        self.files.push(file.to_path_buf());
    }

    fn is_full(&self) -> bool {
        self.raws.len() >= Self::MESSAGES || self.bytes >= Self::BYTES
    }

    async fn receive(
        &mut self,
        ctx: &Ctx,
        totals: &mut BTreeMap<&'static str, usize>,
    ) -> anyhow::Result<()> {
        if self.raws.is_empty() {
            return Ok(());
        }
        let raws = std::mem::take(&mut self.raws);
        let outcomes = receive_email::receive_batch(ctx, ctx.home(), raws, Utc::now()).await?;
        let mut out = std::io::stdout().lock();
        for (outcome, file) in outcomes.iter().zip(self.files.drain(..)) {
            writeln!(out, "{outcome}\t{}", file.display())?;
            *totals.entry(outcome.label()).or_default() += 1;
        }
        self.bytes = 0;
        Ok(())
    }
}

/// `helpdesk agent add`: a new password or role ends the agent's sessions and API tokens;
/// `if_missing` leaves an existing agent untouched (and reads no password).
pub async fn agent_add(
    config: &Config,
    email: &str,
    name: &str,
    admin: bool,
    if_missing: bool,
) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email)?;
    let db = Db::connect(&config.database.url)?;
    db.migrate().await?;
    if if_missing {
        let address = email.to_string();
        let existing = db.read(move |c| db::agents::name_of(c, &address)).await?;
        if existing.is_some() {
            db.close().await;
            println!("agent {email} exists; left as it is");
            return Ok(());
        }
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password =
        Password::parse(line.trim_end_matches(['\r', '\n'])).map_err(|e| anyhow::anyhow!("{e}"))?;
    let role = if admin {
        AgentRole::Admin
    } else {
        AgentRole::Agent
    };
    let address = email.to_string();
    let old = db
        .read(move |c| db::agents::credentials(c, &address))
        .await?;
    let (hash, changed) = accounts::hash_for(
        old.as_ref().map(|(a, h)| (a.role, h.as_str())),
        &password,
        role,
    )?;
    let name = name.trim().to_string();
    let agent = db
        .write(move |c| {
            let agent = db::agents::upsert(c, email.as_str(), &name, &hash, role, Utc::now())?;
            if changed {
                db::agents::end_access(c, agent.id, None, None)?;
            }
            Ok::<_, db::SqlError>(agent)
        })
        .await?;
    db.close().await;
    let ended = if changed {
        "; their sessions and API tokens ended"
    } else {
        ""
    };
    println!(
        "agent {} ({}, {}) saved{ended}",
        agent.email, agent.name, agent.role
    );
    Ok(())
}

/// `helpdesk agent token`: a new API token, for good or for `days` days.
pub async fn agent_token(config: &Config, email: &str, days: Option<u32>) -> anyhow::Result<()> {
    let db = Db::connect(&config.database.url)?;
    db.migrate().await?;
    let token = links::new_token();
    let (address, hash) = (email.trim().to_string(), links::hash_token(&token));
    let now = Utc::now();
    let expires = days.map(|d| now + chrono::Duration::days(i64::from(d)));
    let found = db
        .write(move |c| {
            let Some(agent) = db::agents::find_by_email(c, &address)? else {
                return Ok::<_, anyhow::Error>(false);
            };
            db::agents::insert_token_until(c, agent.id, &hash, expires, now)?;
            Ok(true)
        })
        .await?;
    db.close().await;
    if !found {
        bail!(
            "no agent {email:?} (or the agent is disabled); create one, or enable them again, with `helpdesk agent add`"
        );
    }
    println!("{token}");
    Ok(())
}

/// `helpdesk agent tokens`: one line per token (never the token itself).
pub async fn agent_tokens(config: &Config, email: &str) -> anyhow::Result<()> {
    let db = Db::connect(&config.database.url)?;
    db.migrate().await?;
    let address = EmailAddress::parse(email)?.to_string();
    let found = db
        .read(move |c| {
            let Some(agent) = db::agents::roster(c)?
                .into_iter()
                .find(|a| a.email.eq_ignore_ascii_case(&address))
            else {
                return Ok::<_, db::SqlError>(None);
            };
            Ok(Some(agent))
        })
        .await?;
    db.close().await;
    let Some(agent) = found else {
        bail!("no agent {email:?}")
    };
    if let Some(at) = &agent.disabled_at {
        println!("# {} was disabled at {at}", agent.email);
    }
    println!("id\tcreated\texpires\tlast used");
    for t in agent.tokens {
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        println!(
            "{}\t{}\t{}\t{}",
            t.id,
            t.created_at,
            or_dash(t.expires_at),
            or_dash(t.last_used_at)
        );
    }
    Ok(())
}

/// `helpdesk agent disable`: the agent's sessions and API tokens end at once.
pub async fn agent_disable(config: &Config, email: &str) -> anyhow::Result<()> {
    let address = EmailAddress::parse(email)?;
    let db = Db::connect(&config.database.url)?;
    db.migrate().await?;
    let agent = db
        .write(move |c| db::agents::disable(c, address.as_str(), Utc::now()))
        .await?;
    db.close().await;
    let Some(agent) = agent else {
        bail!("no agent {email:?}")
    };
    println!(
        "agent {} ({}) disabled; their sessions and API tokens ended",
        agent.email, agent.name
    );
    Ok(())
}

/// Sends a customer-style mail to the support address, as a first test of the set-up.
pub async fn send_test(
    config: &Config,
    from: &str,
    subject: &str,
    body: &str,
) -> anyhow::Result<()> {
    let from = EmailAddress::parse(from)?;
    let support = EmailAddress::parse(&config.helpdesk.support_address)?;
    let mail = compose::Outgoing {
        envelope: compose::Envelope {
            from: from.to_string(),
            to: support.to_string(),
            to_name: String::new(),
            message_id: compose::new_message_id(Utc::now(), from.domain()),
            references: vec![],
            automatic: false,
            unsubscribe_url: None,
            loop_address: from.to_string(),
        },
        subject: subject.to_string(),
        text: body.replace("\\n", "\n"),
        html: format!(
            "<p>{}</p>",
            html_escape::encode_text(&body.replace("\\n", "\n")).replace('\n', "<br>")
        ),
        files: Vec::new(),
    };
    let raw = compose::compose(&mail)?;
    if config.smtp.auth == MailAuth::Oauth2 {
        // The token's refresh token may be one the endpoint rotated, kept in the database.
        let ctx = Ctx::open(config.clone()).await?;
        let sent = Relay::new(&ctx)?
            .send(&ctx, from.as_str(), support.as_str(), &raw)
            .await;
        ctx.close().await;
        sent?;
    } else {
        let smtp = transport::smtp(&config.smtp)?;
        transport::send_raw(&smtp, from.as_str(), support.as_str(), &raw).await?;
    }
    println!(
        "sent \"{subject}\" from {from} to {support} via {}:{}",
        config.smtp.host, config.smtp.port
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_mbox;

    #[test]
    fn mbox_splits_and_unquotes() {
        let mbox = b"From a@x Mon Jan  1 00:00:00 2026\nSubject: one\n\n>From here\nbody\n\nFrom b@x Mon Jan  1 00:00:00 2026\nSubject: two\n\nx\n";
        let msgs = split_mbox(mbox);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0], b"Subject: one\n\nFrom here\nbody\n\n".to_vec());
        assert!(msgs[1].starts_with(b"Subject: two"));
    }
}
