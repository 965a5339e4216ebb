//! The `helpdesk` binary: parse the command line, load the config, start logging, run.

use anyhow::Context;
use clap::Parser;
use helpdesk::cli::{AgentCommand, Cli, Command};
use helpdesk::{app::Application, commands, config::Config, telemetry};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let loaded =
        Config::load(&cli.config).with_context(|| format!("loading {}", cli.config.display()));
    if matches!(cli.command, Command::Check)
        && let Err(e) = &loaded
    {
        println!("FAIL config                             {e:#}");
        std::process::exit(1);
    }
    let config = loaded?;
    telemetry::init(config.log.format);
    match cli.command {
        Command::Serve => {
            let app = Application::build(config).await?;
            let base = app.ctx().config.web.base_url.clone();
            tracing::info!(base_url = %base, bound = %app.local_addr()?, "helpdesk: web and API up; Ctrl-C stops");
            let shutdown = CancellationToken::new();
            tokio::spawn(stop_on_signal(shutdown.clone()));
            app.run_until_stopped(shutdown).await
        }
        Command::Migrate if helpdesk::db::postgres::is_postgres(&config.database.url) => {
            helpdesk::db::postgres::migrate(&config.database.url).await?;
            println!(
                "database {} is up to date",
                helpdesk::db::postgres::redact(&config.database.url)
            );
            Ok(())
        }
        Command::Migrate => {
            let db = helpdesk::db::Db::connect(&config.database.url)?;
            db.migrate().await?;
            db.close().await;
            println!("database {} is up to date", config.database.url);
            Ok(())
        }
        Command::Import { paths, quarantined } => {
            commands::import(config, &paths, quarantined).await
        }
        Command::Agent {
            command:
                AgentCommand::Add {
                    email,
                    name,
                    admin,
                    if_missing,
                },
        } => commands::agent_add(&config, &email, &name, admin, if_missing).await,
        Command::Agent {
            command: AgentCommand::Token { email, days },
        } => commands::agent_token(&config, &email, days).await,
        Command::Agent {
            command: AgentCommand::Tokens { email },
        } => commands::agent_tokens(&config, &email).await,
        Command::Agent {
            command: AgentCommand::Disable { email },
        } => commands::agent_disable(&config, &email).await,
        Command::Check => {
            if let Err(e) = commands::check(&config, &cli.config.display().to_string()).await {
                eprintln!("{e}");
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Backup { path } => commands::backup(&config, &path),
        Command::CopyDb { from, to } => commands::copy_db(&from, &to).await,
        Command::SendTest {
            from,
            subject,
            body,
        } => commands::send_test(&config, &from, &subject, &body).await,
    }
}

async fn stop_on_signal(shutdown: CancellationToken) {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for SIGTERM");
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("stopping: finishing the work in flight");
    shutdown.cancel();
}
