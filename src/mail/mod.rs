//! Mail adapters the use cases call: parsing, composing, SMTP transport and the IMAP client.
//! The only place that imports mail crates.

pub mod bounce;
pub mod charset;
pub mod compose;
pub mod flowed;
pub mod html_text;
pub mod imap;
pub mod oauth2;
pub mod parse;
pub mod tnef;
pub mod transfer;
pub mod transport;
pub mod uuencode;
