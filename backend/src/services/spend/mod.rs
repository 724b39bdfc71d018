//! Spend: payment files read in the background as jobs, payees matched to the registry's
//! read model, local shares, leakage and LM3. The rules live in `domain::spend`.
//!
//! * [`uploads`]: the file is streamed into the database in chunks as the request body
//!   arrives, so every server process can read it and none holds it whole.
//! * [`analyses`]: creating an analysis (an upload plus a `spend_analysis` job in one
//!   transaction), reading its figures, and the buyer's review decisions (remembered per
//!   buyer organisation in `spend_aliases`; each decision re-runs the analysis).
//! * [`job`]: the `spend_analysis` job: reads the upload a batch at a time on a blocking
//!   thread ([`compute`]), then replaces the analysis's results in one transaction.
//! * [`mapping`]: the pages' upload waits while the buyer checks the columns found
//!   against a preview of the first rows; the confirmation queues the job.
//! * [`categories`]: which CPV codes an expense category needs, for leakage.

pub mod analyses;
pub mod categories;
pub mod compute;
pub mod job;
// the column-mapping step of the pages (issue 9)
pub mod mapping;
pub mod uploads;

use std::time::Duration;

/// Limits of the spend analysis, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpendLimits {
    /// Largest payments file accepted (`ANCHORLINK_SPEND_MAX_UPLOAD_MB`, default 100 MB).
    pub upload_max_bytes: u64,
    /// How long `POST /api/v1/spend/analyses` waits for the job before answering 202
    /// (`ANCHORLINK_SPEND_WAIT_SECS`, default 30 s).
    pub wait: Duration,
}

impl Default for SpendLimits {
    fn default() -> Self {
        Self {
            upload_max_bytes: 100_000_000,
            wait: Duration::from_secs(30),
        }
    }
}
