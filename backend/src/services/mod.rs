//! The operations, one folder per bounded context, named as in every other layer:
//! `accounts` (sign-up, sessions, teams, the platform team's console), `registry`
//! (supplier profiles, the read model other contexts use, search, shortlists), and the
//! contexts still to come, `tendering`, `ocds` and `spend`.
//!
//! Services take `&impl ConnectionTrait` so that callers can compose several of them in
//! one transaction.

pub mod accounts;
pub mod flash;
pub mod ocds;
pub mod registry;
pub mod spend;
pub mod tendering;

use chrono::{DateTime, Utc};

/// Now, in UTC; one place so every timestamp is made the same way.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}
