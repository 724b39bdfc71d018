//! The worker: claims jobs under a lease, runs them, records the outcome, retries failures
//! with exponential backoff. See the module above for the guarantees.

use super::{Handler, JobContext, Jobs};
use crate::entities::job;
use crate::state::AppState;
use chrono::Utc;
use domain::jobs::JobStatus;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How a process's worker behaves.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// This worker's name in `jobs.lease_owner`; unique per process.
    pub owner: String,
    /// How long a claim holds without a heartbeat. A job whose worker died is claimed
    /// again after this; keep it well above the clock skew between servers.
    pub lease: Duration,
    /// How often an idle worker looks for work enqueued by other processes (work enqueued
    /// here wakes it at once).
    pub poll: Duration,
    /// The delay before the first retry; each further retry waits twice as long...
    pub backoff_base: Duration,
    /// ...up to this.
    pub backoff_max: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            owner: default_owner(),
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(3600),
        }
    }
}

/// `host:pid:random`, so two processes (or two states in one test) never share a name.
fn default_owner() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let tag: u32 = rand::random();
    format!("{host}:{}:{tag:08x}", std::process::id())
}

impl RunnerConfig {
    /// The wait before retrying after failed attempt number `attempt` (from 1).
    pub fn backoff(&self, attempt: i32) -> Duration {
        let doublings = std::cmp::min(u32::try_from(attempt.saturating_sub(1)).unwrap_or(0), 30);
        self.backoff_base
            .saturating_mul(2_u32.saturating_pow(doublings))
            .min(self.backoff_max)
    }
}

fn status(s: JobStatus) -> &'static str {
    s.slug()
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Jobs a worker may take now: queued and due, or running under a lease that expired
/// (its worker died) with attempts left.
fn claimable(now: chrono::DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(job::Column::Status.eq(status(JobStatus::Queued)))
                .add(job::Column::RunAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(job::Column::Status.eq(status(JobStatus::Running)))
                .add(job::Column::LeaseUntil.lt(now))
                .add(Expr::col(job::Column::Attempts).lt(Expr::col(job::Column::MaxAttempts))),
        )
}

impl Jobs {
    /// Claims one due job of a kind this process runs, runs it, and records the outcome;
    /// returns its id, or `None` when nothing is due.
    ///
    /// # Errors
    /// Database failures while claiming or recording (a failing job is not an error: it
    /// is recorded and retried).
    pub async fn run_next(&self, state: &AppState) -> anyhow::Result<Option<i64>> {
        fail_abandoned(&state.db).await?;
        let Some(claimed) = self.claim(&state.db).await? else {
            return Ok(None);
        };
        let id = claimed.id;
        self.run_claimed(state, claimed).await?;
        Ok(Some(id))
    }

    /// Runs jobs until none is due (jobs waiting for a retry later are left); returns how
    /// many ran. Tests use it to run background work deterministically.
    ///
    /// # Errors
    /// As [`Jobs::run_next`].
    pub async fn run_until_idle(&self, state: &AppState) -> anyhow::Result<usize> {
        let mut ran = 0;
        while self.run_next(state).await?.is_some() {
            ran += 1;
        }
        Ok(ran)
    }

    /// Starts the worker: runs due jobs one at a time, sleeping between polls or until
    /// this process enqueues work.
    pub fn spawn_worker(&self, state: AppState) -> Worker {
        let jobs = self.clone();
        let stop = Arc::new(Stop::default());
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            while !stopped.flag.load(Ordering::SeqCst) {
                let idle = match jobs.run_next(&state).await {
                    Ok(ran) => ran.is_none(),
                    Err(e) => {
                        tracing::warn!(
                            error = format!("{e:#}"),
                            "job worker: database trouble; retrying"
                        );
                        true
                    }
                };
                if idle {
                    tokio::select! {
                        () = stopped.bell.notified() => {}
                        () = jobs.wake.notified() => {}
                        () = tokio::time::sleep(jobs.config.poll) => {}
                    }
                }
            }
        });
        Worker { stop, task }
    }

    /// One conditional `UPDATE` per candidate: it changes the row only while the job is
    /// still claimable, so of two workers racing for a job exactly one sees a changed row.
    async fn claim(&self, db: &impl ConnectionTrait) -> Result<Option<job::Model>, DbErr> {
        let now = Utc::now();
        let candidates: Vec<i64> = job::Entity::find()
            .select_only()
            .column(job::Column::Id)
            .filter(job::Column::Kind.is_in(self.kinds()))
            .filter(claimable(now))
            .order_by_asc(job::Column::RunAt)
            .order_by_asc(job::Column::Id)
            .limit(8)
            .into_tuple()
            .all(db)
            .await?;
        for id in candidates {
            if self.try_claim(db, id, now).await? {
                return job::Entity::find_by_id(id).one(db).await;
            }
        }
        Ok(None)
    }

    /// Takes job `id` if it is still claimable: true when this worker now holds it.
    async fn try_claim(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
        now: chrono::DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let taken = job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(status(JobStatus::Running)))
            .col_expr(
                job::Column::LeaseOwner,
                Expr::value(self.config.owner.clone()),
            )
            .col_expr(
                job::Column::LeaseUntil,
                Expr::value(now + chrono_of(self.config.lease)),
            )
            .col_expr(
                job::Column::Attempts,
                Expr::col(job::Column::Attempts).add(1),
            )
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::Kind.is_in(self.kinds()))
            .filter(claimable(now))
            .exec(db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    /// Runs job `id` here and now if it is due and no worker holds it; returns whether it
    /// ran. A request whose answer is the job's result (a spend upload) calls it so the
    /// answer does not wait for a worker's poll; the job keeps its lease, heartbeat and
    /// retries exactly as if the worker had taken it.
    ///
    /// # Errors
    /// Database failures while claiming or recording.
    pub async fn run_now(&self, state: &AppState, id: i64) -> anyhow::Result<bool> {
        if !self.try_claim(&state.db, id, Utc::now()).await? {
            return Ok(false);
        }
        let Some(claimed) = job::Entity::find_by_id(id).one(&state.db).await? else {
            return Ok(false);
        };
        self.run_claimed(state, claimed).await?;
        Ok(true)
    }

    async fn run_claimed(&self, state: &AppState, claimed: job::Model) -> anyhow::Result<()> {
        let Some(handler) = self.handlers.get(claimed.kind.as_str()).cloned() else {
            // Only registered kinds are claimed; a missing one is a defect worth a record.
            return self
                .finish(
                    state,
                    &claimed,
                    Err(anyhow::anyhow!("no handler for {}", claimed.kind)),
                    None,
                )
                .await;
        };
        let ctx = JobContext {
            state: state.clone(),
            id: claimed.id,
            attempt: claimed.attempts,
            owner: Arc::from(self.config.owner.as_str()),
            lease: chrono_of(self.config.lease),
        };
        let heartbeat = self.heartbeat(state, claimed.id);
        let payload = claimed.payload.clone();
        let worker = handler.clone();
        // Its own task, so a panicking job is recorded as a failure, not a dead worker.
        let outcome = tokio::spawn(async move { worker.run(&ctx, payload).await })
            .await
            .unwrap_or_else(|e| Err(anyhow::anyhow!("the job panicked: {e}")));
        heartbeat.abort();
        self.finish(state, &claimed, outcome, Some(handler.as_ref()))
            .await
    }

    /// Extends the lease every third of its length while the job runs.
    fn heartbeat(&self, state: &AppState, id: i64) -> tokio::task::JoinHandle<()> {
        let db = state.db.clone();
        let owner = self.config.owner.clone();
        let lease = self.config.lease;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                let extended = job::Entity::update_many()
                    .col_expr(
                        job::Column::LeaseUntil,
                        Expr::value(Utc::now() + chrono_of(lease)),
                    )
                    .filter(job::Column::Id.eq(id))
                    .filter(job::Column::LeaseOwner.eq(owner.clone()))
                    .filter(job::Column::Status.eq(status(JobStatus::Running)))
                    .exec(&db)
                    .await;
                if let Err(e) = extended {
                    tracing::warn!(job = id, error = %e, "could not extend a job's lease");
                }
            }
        })
    }

    async fn finish(
        &self,
        state: &AppState,
        claimed: &job::Model,
        outcome: anyhow::Result<serde_json::Value>,
        handler: Option<&dyn Handler>,
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        let last_attempt = claimed.attempts >= claimed.max_attempts;
        let kept = |payload: serde_json::Value| match handler {
            Some(h) => h.keep_after_finish(payload),
            None => payload,
        };
        let mut row = job::ActiveModel {
            lease_owner: Set(None),
            lease_until: Set(None),
            updated_at: Set(now),
            ..Default::default()
        };
        match outcome {
            Ok(result) => {
                row.status = Set(status(JobStatus::Done).to_owned());
                row.result = Set(Some(result));
                row.last_error = Set(None);
                row.finished_at = Set(Some(now));
                row.payload = Set(kept(claimed.payload.clone()));
                tracing::info!(job = claimed.id, kind = %claimed.kind, "job done");
            }
            Err(e) => {
                let error = format!("{e:#}");
                row.last_error = Set(Some(error.clone()));
                if last_attempt {
                    row.status = Set(status(JobStatus::Failed).to_owned());
                    row.finished_at = Set(Some(now));
                    row.payload = Set(kept(claimed.payload.clone()));
                    tracing::error!(job = claimed.id, kind = %claimed.kind, attempts = claimed.attempts, %error, "job failed for good");
                } else {
                    let wait = self.config.backoff(claimed.attempts);
                    row.status = Set(status(JobStatus::Queued).to_owned());
                    row.run_at = Set(now + chrono_of(wait));
                    row.payload = NotSet;
                    tracing::warn!(job = claimed.id, kind = %claimed.kind, attempt = claimed.attempts, retry_in = ?wait, %error, "job failed; will retry");
                }
            }
        }
        let recorded = job::Entity::update_many()
            .set(row)
            .filter(job::Column::Id.eq(claimed.id))
            .filter(job::Column::LeaseOwner.eq(self.config.owner.clone()))
            .filter(job::Column::Status.eq(status(JobStatus::Running)))
            .exec(&state.db)
            .await?;
        if recorded.rows_affected == 0 {
            tracing::warn!(
                job = claimed.id,
                "a job's lease expired before it finished; another worker may run it again"
            );
        }
        Ok(())
    }
}

/// Running jobs whose worker died on their last attempt: nobody will claim them again, so
/// they are failed with the reason.
async fn fail_abandoned(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let now = Utc::now();
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status(JobStatus::Failed)))
        .col_expr(
            job::Column::LastError,
            Expr::value("the worker running the last attempt stopped (its lease expired)"),
        )
        .col_expr(job::Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Status.eq(status(JobStatus::Running)))
        .filter(job::Column::LeaseUntil.lt(now))
        .filter(Expr::col(job::Column::Attempts).gte(Expr::col(job::Column::MaxAttempts)))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a running job's progress and extends its lease, if this worker still holds it.
pub(super) async fn report(
    db: &impl ConnectionTrait,
    ctx: &JobContext,
    done: u64,
    total: Option<u64>,
    note: &str,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let note: String = note.chars().take(500).collect();
    let updated = job::Entity::update_many()
        .col_expr(
            job::Column::ProgressDone,
            Expr::value(i64::try_from(done).unwrap_or(i64::MAX)),
        )
        .col_expr(
            job::Column::ProgressTotal,
            Expr::value(total.map(|t| i64::try_from(t).unwrap_or(i64::MAX))),
        )
        .col_expr(job::Column::ProgressNote, Expr::value(note))
        .col_expr(job::Column::LeaseUntil, Expr::value(now + ctx.lease))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(ctx.id))
        .filter(job::Column::LeaseOwner.eq(ctx.owner.as_ref()))
        .filter(job::Column::Status.eq(status(JobStatus::Running)))
        .exec(db)
        .await?;
    anyhow::ensure!(
        updated.rows_affected == 1,
        "job {} is no longer this worker's (its lease expired)",
        ctx.id
    );
    Ok(())
}

#[derive(Default)]
struct Stop {
    flag: AtomicBool,
    bell: tokio::sync::Notify,
}

/// A running worker; stop it at shutdown so the job in hand finishes first.
pub struct Worker {
    stop: Arc<Stop>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Lets the job in hand finish, then stops.
    pub async fn stop(self) {
        self.stop.flag.store(true, Ordering::SeqCst);
        self.stop.bell.notify_one();
        let _ = self.task.await;
    }
}
