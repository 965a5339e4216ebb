//! The pure core: no I/O, no async, no clock reads (`now` is an argument).

pub mod agent_role;
pub mod business_hours;
pub mod email;
pub mod email_address;
pub mod file_name;
pub mod ids;
pub mod inbound;
pub mod mentions;
pub mod message_kind;
pub mod notification;
pub mod outgoing;
pub mod password;
pub mod relevance;
pub mod reply_text;
pub mod satisfaction;
pub mod search_text;
pub mod sender_auth;
pub mod sla;
pub mod throttle;
pub mod ticket;
mod vocabulary;
