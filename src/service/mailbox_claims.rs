//! Which node watches each mailbox when several share one PostgreSQL database: the one that
//! holds the mailbox's claim. On SQLite one daemon serves the file and watches them all.

use super::Ctx;
use crate::db::postgres::MailboxClaim;

/// A mailbox this node holds; it goes when dropped (or when the node dies).
pub struct Claim(MailboxClaim);

impl Claim {
    /// Whether the claim still holds.
    pub async fn holds(&mut self) -> bool {
        self.0.holds().await
    }
}

/// Whether mailboxes are claimed at all: only nodes sharing a PostgreSQL database do.
pub fn shared(ctx: &Ctx) -> bool {
    ctx.db.is_postgres()
}

/// Takes `address`'s claim when no node holds it; `None` while another does.
pub async fn take(ctx: &Ctx, address: &str) -> anyhow::Result<Option<Claim>> {
    let Some(url) = ctx.db.postgres_url() else {
        anyhow::bail!("mailboxes are claimed only on PostgreSQL");
    };
    Ok(MailboxClaim::try_take(url, address).await?.map(Claim))
}
