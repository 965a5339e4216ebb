//! Queries: what the web reads, as typed read models. Who may see what (customer, agent,
//! admin) is decided here, once; the pages and the API only present it.

pub mod admin;
pub mod health;
pub mod portal;
pub mod tickets;

pub use crate::db::agents::Agent;
pub use crate::db::customers::Customer;
pub use crate::db::messages::{Download, MessageView};
