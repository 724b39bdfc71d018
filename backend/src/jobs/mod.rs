//! Durable background jobs: a `jobs` table, and a worker in every server process.
//!
//! * **Enqueue inside the caller's transaction** with [`enqueue`]: the job exists if and
//!   only if the change that asked for it commits. A `dedupe_key` makes asking twice for
//!   the same work a no-op.
//! * **Claim with a lease.** A worker claims one job with one conditional `UPDATE` and
//!   checks that it changed a row, so two processes on one PostgreSQL never both run it; it
//!   extends the lease while the job runs (a heartbeat), and a job whose worker died is
//!   claimed again once the lease has expired.
//! * **Retry with backoff.** A failed attempt is retried after `base · 2^(attempt−1)` (capped)
//!   until `max_attempts`, then the job is `failed` with its last error kept.
//! * **At least once.** A job can run more than once (a worker dies after the work but
//!   before recording it), so every [`Job::run`] must be idempotent: write in a
//!   transaction that also records the work as done, or enqueue follow-up jobs with a
//!   `dedupe_key` derived from this job's id.
//!
//! To add a kind of job: a serde type with the work's input, `impl Job` for it (a `KIND`
//! name and a `run`), and one `jobs.register::<MyJob>()` where the state is built
//! (`server::build_state`). Report progress with [`JobContext::progress`]; the person who
//! asked sees it at `/jobs/{id}`.

mod runner;

pub use runner::{RunnerConfig, Worker};

use crate::entities::job;
use crate::error::{ServiceError, ServiceResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use domain::accounts::Actor;
use domain::jobs::{JobStatus, JobView};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A kind of background work. The implementing type is the job's input, stored as JSON.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stored in `jobs.kind`; never rename one that may still be queued.
    const KIND: &'static str;
    /// Attempts before the job is marked failed.
    const MAX_ATTEMPTS: i32 = 5;

    /// Does the work. Must be idempotent (see the module documentation). The returned
    /// JSON is kept as the job's result: by convention `summary` and `link`.
    fn run(
        self,
        ctx: &JobContext,
    ) -> impl Future<Output = anyhow::Result<serde_json::Value>> + Send;

    /// What of the stored input to keep once the job has finished: drop anything secret
    /// (a mail's body carries one-time links). By default all of it.
    fn keep_after_finish(payload: serde_json::Value) -> serde_json::Value {
        payload
    }
}

/// Options for [`enqueue`].
#[derive(Debug, Clone, Default)]
pub struct Enqueue {
    /// Not before this time (default: now).
    pub run_at: Option<DateTime<Utc>>,
    /// Enqueueing again with the same key is a no-op that returns the existing job.
    pub dedupe_key: Option<String>,
    /// Who asked: they (and admins) may follow the job at `/jobs/{id}`.
    pub requested_by: Option<Actor>,
}

impl Enqueue {
    /// Run as soon as a worker is free.
    #[must_use]
    pub fn now() -> Self {
        Self::default()
    }

    /// The same work asked for twice is one job.
    #[must_use]
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    /// Shown to this user (and admins) at `/jobs/{id}`.
    #[must_use]
    pub fn requested_by(mut self, actor: &Actor) -> Self {
        self.requested_by = Some(*actor);
        self
    }

    /// Not before `at`.
    #[must_use]
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = Some(at);
        self
    }
}

/// Adds a job, as part of the caller's transaction; returns its id (the existing job's,
/// when the dedupe key was already used).
///
/// # Errors
/// The payload cannot be stored, or the database failed.
pub async fn enqueue<J: Job>(
    db: &impl ConnectionTrait,
    job: &J,
    options: Enqueue,
) -> ServiceResult<i64> {
    let payload = serde_json::to_value(job).map_err(|e| ServiceError::Unexpected(e.into()))?;
    let at = Utc::now();
    let row = job::ActiveModel {
        kind: Set(J::KIND.to_owned()),
        payload: Set(payload),
        status: Set(JobStatus::Queued.slug().to_owned()),
        attempts: Set(0),
        max_attempts: Set(J::MAX_ATTEMPTS.max(1)),
        run_at: Set(options.run_at.unwrap_or(at)),
        lease_owner: Set(None),
        lease_until: Set(None),
        progress_done: Set(0),
        progress_total: Set(None),
        progress_note: Set(String::new()),
        result: Set(None),
        last_error: Set(None),
        requested_by_user: Set(options.requested_by.map(|a| a.user_id)),
        requested_by_org: Set(options.requested_by.and_then(|a| a.organisation_id())),
        dedupe_key: Set(options.dedupe_key.clone()),
        created_at: Set(at),
        updated_at: Set(at),
        finished_at: Set(None),
        ..Default::default()
    };
    match options.dedupe_key {
        None => Ok(job::Entity::insert(row).exec(db).await?.last_insert_id),
        Some(key) => {
            // ON CONFLICT DO NOTHING, not a caught error: a unique violation would abort
            // the caller's whole transaction on PostgreSQL.
            let inserted = job::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(job::Column::DedupeKey)
                        .do_nothing()
                        .to_owned(),
                )
                .exec(db)
                .await;
            match inserted {
                Ok(_) | Err(DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e.into()),
            }
            job::Entity::find()
                .filter(job::Column::DedupeKey.eq(key))
                .one(db)
                .await?
                .map(|j| j.id)
                .ok_or(ServiceError::NotFound)
        }
    }
}

/// A job's progress page: for the user who asked and for admins; anyone else is told it
/// does not exist.
///
/// # Errors
/// `NotFound`; database failures.
pub async fn view(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<JobView> {
    let row = job::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let admin = actor.is_active_admin();
    if !admin && row.requested_by_user != Some(actor.user_id) {
        return Err(ServiceError::NotFound);
    }
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
    Ok(JobView {
        id: row.id,
        status: JobStatus::from_slug(&row.status).ok_or_else(|| {
            ServiceError::Unexpected(anyhow::anyhow!("job {id} has status {}", row.status))
        })?,
        kind: row.kind,
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        done: u64::try_from(row.progress_done).unwrap_or(0),
        total: row.progress_total.and_then(|t| u64::try_from(t).ok()),
        note: row.progress_note,
        result: row.result,
        error: if admin { row.last_error } else { None },
        created_at: stamp(row.created_at),
        finished_at: row.finished_at.map(stamp),
    })
}

/// What a running job is given: the application's state, its id, and a way to report
/// progress (which also proves the worker still holds the job).
pub struct JobContext {
    state: AppState,
    id: i64,
    attempt: i32,
    owner: Arc<str>,
    lease: chrono::Duration,
}

impl JobContext {
    /// The application's state: database, reference data, mailer, registry views.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// This job's id (for dedupe keys of follow-up jobs).
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Which attempt this is, from 1.
    pub fn attempt(&self) -> i32 {
        self.attempt
    }

    /// Records progress (`done` of `total` units, and what it is doing) and extends the
    /// lease.
    ///
    /// # Errors
    /// The job is no longer this worker's (its lease expired and another worker took it):
    /// stop working. Database failures.
    pub async fn progress(&self, done: u64, total: Option<u64>, note: &str) -> anyhow::Result<()> {
        runner::report(&self.state.db, self, done, total, note).await
    }
}

type RunFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<serde_json::Value>> + Send + 'a>>;

/// A registered kind of job, with its input type erased.
trait Handler: Send + Sync {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: serde_json::Value) -> RunFuture<'a>;
    fn keep_after_finish(&self, payload: serde_json::Value) -> serde_json::Value;
}

struct Typed<J>(std::marker::PhantomData<fn() -> J>);

impl<J: Job> Handler for Typed<J> {
    fn run<'a>(&'a self, ctx: &'a JobContext, payload: serde_json::Value) -> RunFuture<'a> {
        Box::pin(async move {
            let job: J = serde_json::from_value(payload)
                .map_err(|e| anyhow::anyhow!("{} payload: {e}", J::KIND))?;
            job.run(ctx).await
        })
    }

    fn keep_after_finish(&self, payload: serde_json::Value) -> serde_json::Value {
        J::keep_after_finish(payload)
    }
}

/// The kinds of job a process runs, gathered at start-up.
#[derive(Default)]
pub struct JobKinds(HashMap<&'static str, Arc<dyn Handler>>);

impl JobKinds {
    /// No kinds yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of kind `J::KIND` here. Jobs of kinds a process has not registered are
    /// left for a process that has.
    #[must_use]
    pub fn register<J: Job>(mut self) -> Self {
        self.0
            .insert(J::KIND, Arc::new(Typed::<J>(std::marker::PhantomData)));
        self
    }
}

/// The kinds of job this process runs, its worker settings, and the bell that wakes the
/// worker when this process enqueues work. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    handlers: Arc<HashMap<&'static str, Arc<dyn Handler>>>,
    config: Arc<RunnerConfig>,
    wake: Arc<tokio::sync::Notify>,
}

impl Jobs {
    /// A queue running `kinds` with these settings.
    pub fn new(kinds: JobKinds, config: RunnerConfig) -> Self {
        Self {
            handlers: Arc::new(kinds.0),
            config: Arc::new(config),
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Wakes the worker (after a commit that may have enqueued work).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn kinds(&self) -> Vec<String> {
        self.handlers.keys().map(|k| (*k).to_owned()).collect()
    }
}
