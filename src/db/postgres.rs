//! Reaching a PostgreSQL database: telling its URL apart, connecting, creating its schema,
//! and its URL in messages without the password.

use std::time::Duration;

use anyhow::Context;
use sqlx::{ConnectOptions, Connection, PgConnection};

use super::migrations;

/// How long a connection may take to open before the command says so.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether `url` names a PostgreSQL database (`postgres://…` or `postgresql://…`).
pub fn is_postgres(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")
    })
}

/// A connection to the PostgreSQL database at `url`, without the server's notices (such as
/// "relation already exists, skipping") or sqlx's statement lines in the log.
pub async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    let options: sqlx::postgres::PgConnectOptions = url
        .parse()
        .with_context(|| format!("reading the database url {}", redact(url)))?;
    let options = options
        .options([("client_min_messages", "warning")])
        .disable_statement_logging();
    let connecting = options.connect();
    tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "connecting to {}: no answer in {} s",
                redact(url),
                CONNECT_TIMEOUT.as_secs()
            )
        })?
        .with_context(|| format!("connecting to {}", redact(url)))
}

/// Creates or upgrades the PostgreSQL schema at `url`.
pub async fn migrate(url: &str) -> anyhow::Result<()> {
    let mut conn = connect(url).await?;
    migrations::run_postgres(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// A database URL for messages: the password, in the user part or as a `password=`
/// parameter, becomes `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme) = out.find("://") {
        let rest = scheme + 3;
        let end = out[rest..].find(['/', '?']).map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..end].rfind('@').map(|i| rest + i)
            && let Some(colon) = out[rest..at].find(':').map(|i| rest + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(query) = out.find('?') {
        let (head, params) = out.split_at(query + 1);
        let params: Vec<String> = params
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out = format!("{head}{}", params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://hd:s3cret@db.example:5432/helpdesk"),
            "postgres://hd:***@db.example:5432/helpdesk"
        );
        assert_eq!(
            redact("postgres://hd:p@ss@db/x?sslmode=require&password=two"),
            "postgres://hd:***@db/x?sslmode=require&password=***"
        );
        assert_eq!(redact("postgres://hd@db/x"), "postgres://hd@db/x");
        assert_eq!(
            redact("sqlite://data/helpdesk.db"),
            "sqlite://data/helpdesk.db"
        );
        assert_eq!(redact("POSTGRES://u:pw@h/d"), "POSTGRES://u:***@h/d");
    }

    #[test]
    fn postgres_urls_in_any_case() {
        assert!(is_postgres("postgres://h/d"));
        assert!(is_postgres("PostgreSQL://h/d"));
        assert!(!is_postgres("sqlite://data/helpdesk.db"));
        assert!(!is_postgres("postgres"));
    }
}
