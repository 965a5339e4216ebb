//! Mail adapters: parsing, composing, the IMAP poller and the SMTP outbox worker.
//! The only place that imports mail crates.

pub mod bounce;
pub mod charset;
pub mod compose;
pub mod flowed;
pub mod html_text;
pub mod imap_poller;
pub mod outbox_worker;
pub mod parse;
pub mod tnef;
pub mod transfer;
pub mod transport;
pub mod uuencode;
