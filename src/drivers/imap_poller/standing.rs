//! What the poller makes known about its mailbox's sign-in: the state `/healthz` and
//! `/metrics` show, a log line when a refusal begins (or its reason changes) and when it
//! ends, and the team's mail about both (sent once each, see `service::mailbox_alerts`).

use std::time::Duration;

use crate::config::Mailbox;
use crate::service::{Ctx, mailbox_alerts};
use crate::telemetry::MailboxState;

pub(super) struct Standing<'a> {
    ctx: &'a Ctx,
    mailbox: &'a Mailbox,
    /// The reason of the refusal in force, as last logged.
    refused: Option<String>,
}

impl<'a> Standing<'a> {
    pub fn new(ctx: &'a Ctx, mailbox: &'a Mailbox) -> Self {
        let standing = Self {
            ctx,
            mailbox,
            refused: None,
        };
        standing.set(MailboxState::Connecting);
        standing
    }

    fn set(&self, state: MailboxState) {
        self.ctx
            .metrics
            .mailboxes
            .set(&self.mailbox.address, &self.mailbox.queue, state);
    }

    /// Signed in: watching; after a refusal (of this run, or recorded before a restart),
    /// one line and the team's mail that it is over.
    pub async fn signed_in(&mut self) {
        self.set(MailboxState::Watching);
        let was_refused = self.refused.take();
        let recorded = match mailbox_alerts::signed_in(self.ctx, self.mailbox).await {
            Ok(ended) => ended,
            Err(e) => {
                tracing::warn!(mailbox = %self.mailbox.address, error = %format!("{e:#}"), "mailbox: could not record the end of a refusal");
                false
            }
        };
        if was_refused.is_some() || recorded {
            tracing::info!(mailbox = %self.mailbox.address, "mailbox: signed in again; the refusal is over");
        }
    }

    /// The server or the token endpoint refused the credentials: one error line while the
    /// reason stays the same, the team mailed once; the caller retries with backoff.
    pub async fn refused(&mut self, reason: String, retry_in: Duration) {
        self.set(MailboxState::Refused(reason.clone()));
        if self.refused.as_deref() != Some(reason.as_str()) {
            tracing::error!(
                mailbox = %self.mailbox.address,
                %reason,
                ?retry_in,
                "mailbox: sign-in refused; its mail stays on the server, untouched, and signing in is retried (with a backoff of up to 5 minutes) until someone fixes the credentials"
            );
        }
        if let Err(e) = mailbox_alerts::refused(self.ctx, self.mailbox, &reason).await {
            tracing::warn!(mailbox = %self.mailbox.address, error = %format!("{e:#}"), "mailbox: could not record the refusal or tell the team");
        }
        self.refused = Some(reason);
    }

    /// The connection failed or was lost (not a refusal): retried with backoff.
    pub fn lost(&mut self, error: &anyhow::Error, retry_in: Duration) {
        let error = format!("{error:#}");
        self.set(MailboxState::Retrying(error.clone()));
        tracing::warn!(mailbox = %self.mailbox.address, %error, ?retry_in, "mailbox: connection lost");
    }
}
