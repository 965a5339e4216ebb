//! `Application::build(config)` binds the listener and opens the database;
//! `run_until_stopped` runs the poller, the outbox sender, the SLA sweeper and the web server.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::drivers::{imap_poller, outbox_sender, search_indexer, sla_sweeper};
use crate::service::Ctx;
use crate::web;

pub struct Application {
    ctx: Ctx,
    listener: TcpListener,
    /// Held while the daemon runs: no second daemon serves the same database.
    _serving: Option<std::fs::File>,
}

impl Application {
    /// Opens and migrates the database and binds `[web] bind` (port 0 picks a free port;
    /// an empty `base_url` then becomes `http://<bound address>`).
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let serving = crate::db::claim_for_serving(&config.database.url)?;
        let listener = TcpListener::bind(&config.web.bind)
            .await
            .with_context(|| format!("binding {}", config.web.bind))?;
        if config.web.base_url.trim().is_empty() {
            config.web.base_url = format!("http://{}", listener.local_addr()?);
        }
        let ctx = Ctx::open(config).await?;
        Ok(Self {
            ctx,
            listener,
            _serving: serving,
        })
    }

    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Runs until `shutdown` fires: the poller stops taking mail and finishes the batch in
    /// flight, the sender finishes the mail in flight, the web server drains.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let Application {
            ctx,
            listener,
            _serving: serving,
        } = self;
        let mut tasks = tokio::task::JoinSet::new();
        let mailboxes = ctx.config.mailboxes();
        if mailboxes.is_empty() {
            tracing::warn!("imap.host is empty: no mailbox is watched");
        }
        for mailbox in mailboxes {
            tasks.spawn(imap_poller::claimed::run(
                ctx.clone(),
                mailbox,
                shutdown.clone(),
            ));
        }
        if ctx.config.mail_trust.authserv_ids.is_empty() {
            tracing::warn!(
                "[mail_trust] authserv_ids is empty: no sender is verified, so mail gives no one an agent's powers \
                 (notes by the ticket key, forwards for a customer, answers to alerts); see docs/sender-authentication.md"
            );
        }
        tasks.spawn(outbox_sender::run(ctx.clone(), shutdown.clone()));
        tasks.spawn(sla_sweeper::run(ctx.clone(), shutdown.clone()));
        tasks.spawn(search_indexer::run(ctx.clone(), shutdown.clone()));
        let app = web::router(ctx.clone());
        let stop = shutdown.clone();
        tracing::info!(addr = %listener.local_addr()?, "web server listening");
        tasks.spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await?;
            Ok(())
        });
        let mut result = Ok(());
        while let Some(done) = tasks.join_next().await {
            let outcome = done.context("task panicked").and_then(|r| r);
            if let Err(e) = outcome {
                tracing::error!(error = %format!("{e:#}"), "a component stopped with an error; shutting down");
                shutdown.cancel();
                result = Err(e);
            }
        }
        // A token request cut short by the stop runs on: the refresh token it may rotate is
        // kept before the database closes.
        ctx.close().await;
        // Only once the database is closed may another daemon serve it.
        drop(serving);
        result
    }
}
