//! The loops that drive the use cases, above the service layer: the mailbox poller, the
//! outbox sender, the SLA sweeper and the search indexer. Each runs until its shutdown
//! token fires.

pub mod imap_poller;
pub mod outbox_sender;
pub mod search_indexer;
pub mod sla_sweeper;
