//! Which node watches each mailbox when several share one PostgreSQL database: the one that
//! holds the mailbox's claim. On SQLite one daemon serves the file and watches them all.

use super::Ctx;
use crate::db::postgres::MailboxClaim;

/// This node's claim on a mailbox: held, or waited for.
pub struct Claim(MailboxClaim);

impl Claim {
    /// Takes the claim if no node holds it: whether this node holds it now.
    pub async fn take(&mut self) -> anyhow::Result<bool> {
        self.0.try_take().await
    }

    /// Whether the claim still holds.
    pub async fn holds(&mut self) -> bool {
        self.0.holds().await
    }

    /// Lets the claim go: another node may take the mailbox at once.
    pub fn let_go(&mut self) {
        self.0.let_go();
    }
}

/// Whether mailboxes are claimed at all: only nodes sharing a PostgreSQL database do.
pub fn shared(ctx: &Ctx) -> bool {
    ctx.db.is_postgres()
}

/// This node's claim on `address`, not taken yet.
pub fn claim(ctx: &Ctx, address: &str) -> anyhow::Result<Claim> {
    let Some(url) = ctx.db.postgres_url() else {
        anyhow::bail!("mailboxes are claimed only on PostgreSQL");
    };
    Ok(Claim(MailboxClaim::new(url, address)))
}
