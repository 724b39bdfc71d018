//! The operations, one folder per bounded context, named as in every other layer:
//! `accounts` (sign-up, sessions, teams, the platform team's console), `registry`
//! (supplier profiles, the read model other contexts use, search, shortlists), and the
//! contexts still to come, `tendering`, `ocds` and `spend`.
//!
//! Every service has the same shape: a connection or transaction
//! (`&impl ConnectionTrait`), the `Env` (reference data and settings) when it needs it,
//! the acting user as a typed `domain::accounts::Actor` when someone acts, and typed
//! input. Authorisation is inside the service. A service never opens a transaction of its
//! own: the caller opens one (`AppState::write`) and hands it to as many services as the
//! work needs, so they commit together or not at all.

pub mod accounts;
pub mod flash;
pub mod ocds;
pub mod registry;
pub mod spend;
pub mod tendering;

use crate::jobs::JobKinds;
use chrono::{DateTime, Utc};

/// Now, in UTC; one place so every timestamp is made the same way.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Every kind of job the services enqueue; each server process runs them all.
pub fn job_kinds() -> JobKinds {
    JobKinds::new()
        .register::<accounts::mails::SendMail>()
        .register::<accounts::mails::PasswordResetMail>()
        // spend analysis (issue 9)
        .register::<spend::job::SpendAnalysisJob>()
        // opportunity alerts (issue 12)
        .register::<tendering::alerts::MatchTender>()
        .register::<tendering::alerts::SendAlerts>()
        .register::<tendering::alerts::AlertDigest>()
}
