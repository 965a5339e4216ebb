//! Tests of reading mail: shapes that real clients and servers send.
//!
//! By theme: the kind of mail, its senders, the decoding of its text, and its parts.

use super::*;

mod charsets;
mod kinds;
mod parts;
mod senders;
