//! `helpdesk check`: tries what `serve` will need — the database, every mailbox (sign-in,
//! folder, IDLE) and SMTP (EHLO and sign-in; no mail is sent) — and prints one line per
//! check, with a hint where one fails.

use std::fmt::Display;
use std::time::Duration;

use crate::config::{Config, MailAuth, Mailbox};
use crate::db::{self, Db};
use crate::mail::imap;
use crate::service::mail_sign_in::{self, Relay};
use crate::service::{Ctx, oauth2};

/// How long one check may take before it counts as failed.
const DEADLINE: Duration = Duration::from_secs(30);

/// What one check found.
struct Line {
    ok: bool,
    what: String,
    said: String,
    hint: &'static str,
}

impl Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.ok { "ok  " } else { "FAIL" };
        write!(f, "{mark} {:<34} {}", self.what, self.said)?;
        if !self.ok && !self.hint.is_empty() {
            write!(f, "\n     hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Runs every check, printing each line as it is known; an error when one failed.
pub async fn check(config: &Config, path: &str) -> anyhow::Result<()> {
    let mut failed = 0;
    let mut say = |line: Line| {
        failed += usize::from(!line.ok);
        println!("{line}");
    };
    let mailboxes = config.mailboxes();
    say(Line {
        ok: true,
        what: "config".into(),
        said: format!("{path}: {} mailbox(es) to watch", mailboxes.len()),
        hint: "",
    });
    say(database(config).await);
    // Signing in may need the database (a rotated OAuth2 refresh token is kept there).
    match Ctx::open(config.clone()).await {
        Ok(ctx) => {
            for mailbox in &mailboxes {
                if mailbox.imap.auth == MailAuth::Oauth2 {
                    say(token_line(&ctx, mailbox).await);
                }
                say(mailbox_line(&ctx, mailbox).await);
            }
            for (from, account) in senders(config) {
                say(smtp(&ctx, &from, &account).await);
            }
            ctx.close().await;
        }
        Err(e) => say(Line {
            ok: false,
            what: "mailboxes and smtp".into(),
            said: format!("not tried: {e:#}"),
            hint: "fix the database first: signing in may need what it keeps",
        }),
    }
    anyhow::ensure!(failed == 0, "{failed} check(s) failed");
    Ok(())
}

/// Each SMTP account mail goes out as, once, with a sender address it sends for.
fn senders(config: &Config) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for m in config.all_mailboxes() {
        let account = match config.smtp.auth {
            MailAuth::Password => config.smtp.username.clone(),
            MailAuth::Oauth2 => m.smtp_username.clone(),
        };
        if !out.iter().any(|(_, a)| *a == account) {
            out.push((m.address, account));
        }
    }
    out
}

async fn token_line(ctx: &Ctx, mailbox: &Mailbox) -> Line {
    let what = format!("oauth2 token for {}", mailbox.imap.username);
    match tokio::time::timeout(DEADLINE, oauth2::check(ctx, mailbox)).await {
        Ok(Ok(username)) => Line {
            ok: true,
            what,
            said: format!("the token endpoint issued a token for {username}"),
            hint: "",
        },
        Ok(Err(e)) => Line {
            ok: false,
            what,
            said: e.to_string(),
            hint: "the token endpoint refused or failed: check [oauth2] token_url, client_id, client_secret, scope (and refresh_token)",
        },
        Err(_) => Line {
            ok: false,
            what,
            said: format!(
                "the token endpoint gave no answer within {} s",
                DEADLINE.as_secs()
            ),
            hint: "is [oauth2] token_url right and reachable from here?",
        },
    }
}

async fn database(config: &Config) -> Line {
    let url = &config.database.url;
    let what = format!("database {}", db::postgres::redact(url));
    let result = async {
        if db::postgres::is_postgres(url) {
            let mut conn = db::postgres::connect(url).await?;
            return Ok(db::migrations::pending_postgres(&mut conn).await?);
        }
        let db = Db::connect(url)?;
        let pending = db
            .read(|c| {
                let sqlite = c.sqlite().ok_or(db::SqlError::Closed)?;
                Ok::<_, db::SqlError>(db::migrations::pending(sqlite)?)
            })
            .await;
        db.close().await;
        anyhow::Ok(pending?)
    }
    .await;
    match result {
        Ok(0) => Line {
            ok: true,
            what,
            said: "opens; schema up to date".into(),
            hint: "",
        },
        Ok(n) => Line {
            ok: true,
            what,
            said: format!("opens; {n} migration(s) to apply (serve or migrate applies them)"),
            hint: "",
        },
        Err(e) => Line {
            ok: false,
            what,
            said: format!("{e:#}"),
            hint: if db::postgres::is_postgres(url) {
                "is the server reachable, and the user, password and database name right?"
            } else {
                "is [database] url right, and the directory writable by this user?"
            },
        },
    }
}

async fn mailbox_line(ctx: &Ctx, mailbox: &Mailbox) -> Line {
    let cfg = &mailbox.imap;
    let what = format!("mailbox {}", mailbox.address);
    let result = tokio::time::timeout(DEADLINE, async {
        let mut session = mail_sign_in::imap(ctx, mailbox).await?.session;
        let caps = imap::timed("CAPABILITY", session.capabilities()).await?;
        let idle = caps.has_str("IDLE");
        let folder = imap::timed(
            &format!("SELECT {}", cfg.mailbox),
            session.select(&cfg.mailbox),
        )
        .await?;
        let _ = session.logout().await;
        anyhow::Ok((idle, folder.exists))
    })
    .await;
    match result {
        Ok(Ok((idle, messages))) => Line {
            ok: true,
            what,
            said: format!(
                "signed in as {} at {}:{}; {} holds {messages} message(s); {}",
                cfg.username,
                cfg.host,
                cfg.port,
                cfg.mailbox,
                if idle {
                    "IDLE offered"
                } else {
                    "no IDLE: polled every [imap] poll_interval_secs"
                }
            ),
            hint: "",
        },
        Ok(Err(e)) => {
            let said = format!("{e:#}");
            Line {
                ok: false,
                what,
                hint: imap_hint(&said),
                said,
            }
        }
        Err(_) => Line {
            ok: false,
            what,
            said: format!("no answer within {} s", DEADLINE.as_secs()),
            hint: "is the host reachable from here, and the port and tls setting right?",
        },
    }
}

/// What to look at, going by the error's words.
fn imap_hint(error: &str) -> &'static str {
    let e = error.to_ascii_lowercase();
    if e.contains("token") || e.contains("oauth") || e.contains("invalid_client") {
        "the token endpoint refused the client: check [oauth2] token_url, client_id, client_secret (and refresh_token)"
    } else if e.contains("login") || e.contains("authenticat") || e.contains("credentials") {
        "the server refused the sign-in: check the username and password (or, with auth = \"oauth2\", the app's mailbox permission)"
    } else if e.contains("select") {
        "the folder is not there: check [imap] mailbox (or the mailbox's folder)"
    } else if e.contains("tls") || e.contains("certificate") || e.contains("handshake") {
        "TLS failed: check tls (\"tls\" for port 993, \"starttls\" for 143) and tls_ca_file for a private CA"
    } else if e.contains("connect") || e.contains("refused") || e.contains("resolve") {
        "cannot reach the server: check host and port, and that a firewall lets this machine through"
    } else {
        ""
    }
}

async fn smtp(ctx: &Ctx, from: &str, account: &str) -> Line {
    let cfg = &ctx.config.smtp;
    let what = format!("smtp {}:{}", cfg.host, cfg.port);
    let result = async {
        let relay = Relay::new(ctx)?;
        tokio::time::timeout(DEADLINE, relay.check(ctx, from))
            .await
            .map_err(|_| anyhow::anyhow!("no answer within {} s", DEADLINE.as_secs()))??;
        anyhow::Ok(())
    }
    .await;
    match result {
        Ok(()) => Line {
            ok: true,
            what,
            said: if account.is_empty() {
                "EHLO answered (no sign-in configured); no mail sent".into()
            } else {
                format!("EHLO answered, signed in as {account}; no mail sent")
            },
            hint: "",
        },
        Err(e) => {
            let said = format!("{e:#}");
            let lower = said.to_ascii_lowercase();
            let hint = if lower.contains("535")
                || lower.contains("auth")
                || lower.contains("refused the sign-in")
            {
                "the server refused the sign-in: check [smtp] username and password (or [oauth2] and SMTP.SendAsApp)"
            } else {
                imap_hint(&said)
            };
            Line {
                ok: false,
                what,
                said,
                hint,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_carries_its_hint_and_a_success_none() {
        let bad = Line {
            ok: false,
            what: "mailbox a@x.test".into(),
            said: "IMAP login: NO [AUTHENTICATIONFAILED]".into(),
            hint: imap_hint("IMAP login: NO [AUTHENTICATIONFAILED] Authentication failed."),
        };
        let text = bad.to_string();
        assert!(text.starts_with("FAIL mailbox a@x.test"), "{text}");
        assert!(
            text.contains("hint: the server refused the sign-in"),
            "{text}"
        );
        let good = Line {
            ok: true,
            hint: "never shown",
            ..bad
        };
        assert!(!good.to_string().contains("hint"));
        assert!(imap_hint("token endpoint: invalid_client").contains("[oauth2]"));
        assert!(imap_hint("connecting to 127.0.0.1:1: Connection refused").contains("host"));
    }
}
