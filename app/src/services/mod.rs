//! Business operations. Each takes `&impl ConnectionTrait` (or the state for those that also
//! send mail) so that callers can compose them inside one transaction.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod crypto;
pub mod flash;
pub mod registry_log;
pub mod search;
pub mod search_index;
pub mod shortlists;
pub mod suppliers;

use chrono::{DateTime, Utc};

/// Now, in UTC; one place so every timestamp is made the same way.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}
