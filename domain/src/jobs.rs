//! Background jobs as their progress page shows them. Imports, alerts and spend files run
//! as durable jobs (see the backend's `jobs` module); the person who asked follows one at
//! `/jobs/{id}`.

use serde::{Deserialize, Serialize};

slug_enum! {
    /// Where a job is in its life.
    JobStatus, "job status" {
        /// Waiting for a worker (first run, or a retry after a failure).
        Queued => "queued", "Waiting to run";
        Running => "running", "Running";
        Done => "done", "Finished";
        /// Failed on its last attempt; the error is kept.
        Failed => "failed", "Failed";
    }
}

impl JobStatus {
    /// Done or failed: nothing more will happen to it.
    #[must_use]
    pub const fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

/// One job as its progress page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: i64,
    /// The handler's name, e.g. `send_mail`.
    pub kind: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    /// Units of work done, out of `total` when the job knows it.
    pub done: u64,
    pub total: Option<u64>,
    /// What it is doing now, in a few words.
    pub note: String,
    /// What it produced, as the job reports it: by convention `summary` (a sentence) and
    /// `link` (where to see the outcome), plus anything else.
    pub result: Option<serde_json::Value>,
    /// Why it last failed; shown to the platform team only.
    pub error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl JobView {
    /// Progress as a whole percentage, when the total is known.
    #[must_use]
    pub fn percent(&self) -> Option<u64> {
        self.total
            .filter(|t| *t > 0)
            .map(|t| (self.done.min(t) * 100) / t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(done: u64, total: Option<u64>) -> JobView {
        JobView {
            id: 1,
            kind: "k".into(),
            status: JobStatus::Running,
            attempts: 1,
            max_attempts: 3,
            done,
            total,
            note: String::new(),
            result: None,
            error: None,
            created_at: String::new(),
            finished_at: None,
        }
    }

    #[test]
    fn progress_is_a_percentage_only_when_the_total_is_known() {
        assert_eq!(view(25, Some(200)).percent(), Some(12));
        assert_eq!(view(250, Some(200)).percent(), Some(100));
        assert_eq!(view(5, None).percent(), None);
        assert_eq!(view(0, Some(0)).percent(), None);
    }

    #[test]
    fn only_done_and_failed_jobs_are_finished() {
        assert!(JobStatus::Done.is_finished());
        assert!(JobStatus::Failed.is_finished());
        assert!(!JobStatus::Queued.is_finished());
        assert!(!JobStatus::Running.is_finished());
    }
}
