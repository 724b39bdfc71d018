//! The durable job queue: jobs commit with the change that asks for them, two workers never
//! run one job twice, a dead worker's job is taken over once its lease expires, failures
//! are retried with a growing delay and then kept as failed, jobs outlive the process, and
//! the person who asked follows a job on its page.

use anchorlink_tests::{quick_runner, TestApp};
use axum::http::StatusCode;
use backend::entities::{audit_entry, job};
use backend::jobs::{self, Enqueue, Job, JobContext, JobKinds, RunnerConfig};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// Counts its runs (one audit entry each, written with the work), after failing its first
/// `fail_first` attempts on purpose.
#[derive(Serialize, Deserialize)]
struct Tally {
    n: u32,
    fail_first: i32,
}

impl Job for Tally {
    const KIND: &'static str = "test_tally";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        anyhow::ensure!(
            ctx.attempt() > self.fail_first,
            "attempt {} fails on purpose",
            ctx.attempt()
        );
        let state = ctx.state();
        let w = state.write().await?;
        backend::services::accounts::audit::record(&w, None, Self::KIND, &self.n.to_string(), "")
            .await?;
        w.commit().await?;
        ctx.progress(1, Some(1), "counted").await?;
        Ok(json!({ "summary": format!("Counted {}", self.n) }))
    }
}

fn with_tally() -> (JobKinds, RunnerConfig) {
    (
        backend::services::job_kinds().register::<Tally>(),
        quick_runner(),
    )
}

async fn enqueue(app: &TestApp, tally: &Tally, options: Enqueue) -> i64 {
    let w = app.state.write().await.expect("begin");
    let id = jobs::enqueue(&w, tally, options).await.expect("enqueue");
    w.commit().await.expect("commit");
    id
}

/// How many times job `n` has done its work.
async fn runs(app: &TestApp, n: u32) -> u64 {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq(Tally::KIND))
        .filter(audit_entry::Column::Subject.eq(n.to_string()))
        .count(&app.state.db)
        .await
        .expect("count")
}

async fn row(app: &TestApp, id: i64) -> job::Model {
    job::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the job")
}

#[tokio::test]
async fn two_workers_racing_for_many_jobs_run_each_exactly_once() {
    let app = TestApp::spawn_with_jobs(with_tally).await;
    let other = app.another_process().await;
    for n in 0..40 {
        enqueue(&app, &Tally { n, fail_first: 0 }, Enqueue::now()).await;
    }
    let (here, there) = tokio::join!(
        app.state.jobs.run_until_idle(&app.state),
        other.jobs.run_until_idle(&other)
    );
    assert_eq!(here.expect("worker 1") + there.expect("worker 2"), 40);
    for n in 0..40 {
        assert_eq!(runs(&app, n).await, 1, "job {n}");
    }
    let done = job::Entity::find()
        .filter(job::Column::Status.eq("done"))
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(done, 40);
}

#[tokio::test]
async fn a_job_whose_worker_died_is_run_again_once_its_lease_expires() {
    let app = TestApp::spawn_with_jobs(with_tally).await;
    let id = enqueue(
        &app,
        &Tally {
            n: 7,
            fail_first: 0,
        },
        Enqueue::now(),
    )
    .await;
    // A worker claimed it and then died: its lease still runs for a minute.
    let claim = |until: chrono::DateTime<Utc>| {
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value("running"))
            .col_expr(job::Column::LeaseOwner, Expr::value("a-worker-that-died"))
            .col_expr(job::Column::LeaseUntil, Expr::value(until))
            .col_expr(job::Column::Attempts, Expr::value(1))
            .filter(job::Column::Id.eq(id))
    };
    claim(Utc::now() + chrono::Duration::seconds(60))
        .exec(&app.state.db)
        .await
        .expect("claim");
    assert_eq!(app.run_jobs().await, 0, "a live lease is respected");
    assert_eq!(runs(&app, 7).await, 0);
    // The lease runs out: the job is anyone's again.
    claim(Utc::now() - chrono::Duration::seconds(1))
        .exec(&app.state.db)
        .await
        .expect("expire");
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(runs(&app, 7).await, 1);
    let done = row(&app, id).await;
    assert_eq!(done.status, "done");
    assert_eq!(done.attempts, 2, "the dead worker's attempt counts");
    assert_eq!(done.lease_owner, None);
}

#[tokio::test]
async fn a_failing_job_is_retried_with_a_growing_delay_then_failed_with_its_error() {
    // Delays of a second and more, so "not before its delay" holds on a busy CI machine
    // (with the quick runner's 50 ms the delay could pass before the check).
    fn slow_retries() -> (JobKinds, RunnerConfig) {
        let (kinds, runner) = with_tally();
        (
            kinds,
            RunnerConfig {
                backoff_base: Duration::from_secs(1),
                backoff_max: Duration::from_secs(4),
                ..runner
            },
        )
    }
    let app = TestApp::spawn_with_jobs(slow_retries).await;
    let id = enqueue(
        &app,
        &Tally {
            n: 3,
            fail_first: 99,
        },
        Enqueue::now(),
    )
    .await;
    let mut delays = Vec::new();
    for attempt in 1..=2 {
        assert_eq!(app.run_jobs().await, 1, "attempt {attempt} runs");
        let r = row(&app, id).await;
        assert_eq!(r.status, "queued", "retried after attempt {attempt}");
        assert!(
            r.last_error
                .as_deref()
                .is_some_and(|e| e.contains(&format!("attempt {attempt} fails"))),
            "{:?}",
            r.last_error
        );
        delays.push(r.run_at - r.updated_at);
        assert_eq!(app.run_jobs().await, 0, "not before its delay");
        tokio::time::sleep(
            (r.run_at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(20),
        )
        .await;
    }
    assert!(delays[0] >= chrono::Duration::seconds(1), "{delays:?}");
    assert!(delays[1] > delays[0], "the delay grows: {delays:?}");
    assert_eq!(app.run_jobs().await, 1, "the last attempt runs");
    let failed = row(&app, id).await;
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.attempts, 3);
    assert!(failed.finished_at.is_some());
    assert!(failed
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("attempt 3 fails")));
    assert_eq!(app.run_jobs().await, 0, "a failed job is not run again");
    assert_eq!(runs(&app, 3).await, 0);
}

#[tokio::test]
async fn a_job_outlives_the_process_that_enqueued_it() {
    let app = TestApp::spawn_with_jobs(with_tally).await;
    enqueue(
        &app,
        &Tally {
            n: 5,
            fail_first: 0,
        },
        Enqueue::now(),
    )
    .await;
    // Nothing ran here; a process started later over the same database finds the job.
    let restarted = app.another_process().await;
    assert_eq!(
        restarted
            .jobs
            .run_until_idle(&restarted)
            .await
            .expect("run"),
        1
    );
    assert_eq!(runs(&app, 5).await, 1);
}

#[tokio::test]
async fn a_job_commits_with_the_transaction_that_asked_for_it_and_asking_twice_is_one_job() {
    let app = TestApp::spawn_with_jobs(with_tally).await;
    {
        let w = app.state.write().await.expect("begin");
        jobs::enqueue(
            &w,
            &Tally {
                n: 1,
                fail_first: 0,
            },
            Enqueue::now(),
        )
        .await
        .expect("enqueue");
        // Dropped without commit: the work that asked for it did not happen.
    }
    assert_eq!(
        job::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count"),
        0
    );
    let first = enqueue(
        &app,
        &Tally {
            n: 2,
            fail_first: 0,
        },
        Enqueue::now().dedupe("tally-2"),
    )
    .await;
    let again = enqueue(
        &app,
        &Tally {
            n: 2,
            fail_first: 0,
        },
        Enqueue::now().dedupe("tally-2"),
    )
    .await;
    assert_eq!(first, again);
    assert_eq!(
        job::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count"),
        1
    );
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(runs(&app, 2).await, 1);
}

#[tokio::test]
async fn the_job_page_shows_progress_to_whoever_asked_and_to_admins_only() {
    let app = TestApp::spawn_with_jobs(with_tally).await;
    app.add_user("asker@council.example", "buyer", Some("Council"))
        .await;
    app.add_user("other@council.example", "buyer", Some("Council"))
        .await;
    app.add_user("admin@anchorlink.example", "admin", None)
        .await;
    let asker = app.actor("asker@council.example").await;
    let id = enqueue(
        &app,
        &Tally {
            n: 9,
            fail_first: 0,
        },
        Enqueue::now().requested_by(&asker),
    )
    .await;
    let path = format!("/jobs/{id}");
    let cookie = app.sign_in("asker@council.example").await;

    let waiting = app.page(&path, Some(&cookie)).await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(waiting.body.contains("Waiting to run"), "{}", waiting.body);
    assert!(
        waiting.body.contains(r#"http-equiv="refresh""#),
        "a waiting job's page reloads itself"
    );

    assert_eq!(app.run_jobs().await, 1);
    let done = app.page(&path, Some(&cookie)).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("Finished"), "{}", done.body);
    assert!(
        done.body.contains("Counted 9"),
        "the result's summary is shown"
    );
    assert!(
        done.body.contains("<progress"),
        "progress is a progress bar"
    );
    assert!(
        done.body.contains("1 of 1 done"),
        "…with the figures as text"
    );
    assert!(
        !done.body.contains(r#"http-equiv="refresh""#),
        "a finished job's page stays still"
    );

    let admin = app.sign_in("admin@anchorlink.example").await;
    assert_eq!(app.page(&path, Some(&admin)).await.status, StatusCode::OK);
    let colleague = app.sign_in("other@council.example").await;
    let refused = app.page(&path, Some(&colleague)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(!refused.body.contains("Counted 9"));
    assert_eq!(app.page(&path, None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_up_mail_is_a_job_sent_by_the_worker_and_its_secret_link_is_not_kept() {
    let app = TestApp::spawn().await;
    let r = app
        .post_form(
            "/api/sign-up",
            &[
                ("email", "ada@newco.example"),
                ("password", anchorlink_tests::PASSWORD),
                ("organisation_name", "NewCo CIC"),
                ("legal_form", "cic"),
            ],
            None,
            "/signup",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let queued = job::Entity::find()
        .filter(job::Column::Kind.eq("send_mail"))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the mail waits as a job, committed with the sign-up");
    assert!(queued.payload["body"]
        .as_str()
        .is_some_and(|b| b.contains("/verify-email?token=")));
    assert!(
        !app.outbox.exists()
            || std::fs::read_dir(&app.outbox)
                .map(|d| d.count())
                .unwrap_or(0)
                == 0,
        "nothing is sent inside the request"
    );
    let link = app
        .link_in_mail("ada@newco.example", "/verify-email?token=")
        .await;
    assert!(link.starts_with("/verify-email?token="));
    let sent = row(&app, queued.id).await;
    assert_eq!(sent.status, "done");
    assert_eq!(sent.payload["to"], "ada@newco.example");
    assert!(
        sent.payload.get("body").is_none(),
        "the one-time link is not kept: {}",
        sent.payload
    );
}

/// Takes longer than its worker's lease, relying on the heartbeat to keep it.
#[derive(Serialize, Deserialize)]
struct Slow {
    n: u32,
}

impl Job for Slow {
    const KIND: &'static str = "test_slow";

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let state = ctx.state();
        let w = state.write().await?;
        backend::services::accounts::audit::record(&w, None, Tally::KIND, &self.n.to_string(), "")
            .await?;
        w.commit().await?;
        Ok(json!({}))
    }
}

fn with_short_lease() -> (JobKinds, RunnerConfig) {
    (
        backend::services::job_kinds().register::<Slow>(),
        RunnerConfig {
            lease: Duration::from_millis(300),
            ..quick_runner()
        },
    )
}

#[tokio::test]
async fn a_heartbeat_keeps_a_long_job_from_being_taken_over() {
    let app = TestApp::spawn_with_jobs(with_short_lease).await;
    let other = app.another_process().await;
    let w = app.state.write().await.expect("begin");
    let id = jobs::enqueue(&w, &Slow { n: 11 }, Enqueue::now())
        .await
        .expect("enqueue");
    w.commit().await.expect("commit");
    // One worker runs the job for four lease lengths; once it holds the job, the other
    // keeps trying to take it (not before: on a busy machine the other could take it
    // first, which is no test of the heartbeat).
    let running = app.state.jobs.run_until_idle(&app.state);
    let poaching = async {
        anchorlink_tests::wait_until(
            Duration::from_secs(30),
            "the first worker to take the job",
            || async { row(&app, id).await.status == "running" },
        )
        .await;
        let mut taken = 0;
        for _ in 0..12 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            taken += other.jobs.run_until_idle(&other).await.expect("run");
        }
        taken
    };
    let (ran, taken) = tokio::join!(running, poaching);
    assert_eq!(ran.expect("run"), 1);
    assert_eq!(taken, 0, "the lease was extended while the job ran");
    assert_eq!(runs(&app, 11).await, 1);
}
