//! `make bench`, spend part: a payments file of `BENCH_SPEND_ROWS` rows (default 100,000)
//! analysed end to end through the real job path against `BENCH_SPEND_SUPPLIERS` seeded
//! suppliers (default 100,000): the upload streamed into the database in chunks, the
//! `spend_analysis` job (the in-memory supplier pool, matcher, batches, figures, leakage)
//! and its one-transaction write. Prints the time of each part — the once-per-process
//! build of the registry in memory apart — and the process's peak RSS.

use std::time::Instant;

use backend::services::accounts::auth::{add_user, NewUser};
use backend::services::registry::snapshots::SearchableSuppliers;
use backend::services::spend::analyses::{self, AnalysisRequest};
use backend::services::spend::uploads::UploadSink;
use domain::accounts::{Actor, Membership, OrgStatus, Role, UserStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "?".to_owned(),
        |k| format!("{:.0} MiB", k as f64 / 1024.0),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let suppliers = env_or("BENCH_SPEND_SUPPLIERS", 100_000);
    let rows = env_or("BENCH_SPEND_ROWS", 100_000);
    let dir = tempfile::tempdir()?;
    let settings = server::config::Settings {
        addr: "127.0.0.1:0".parse()?,
        database_url: format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("spend.db").display()
        ),
        base_url: "http://localhost".into(),
        smtp_url: None,
        mail_from: "Anchorlink <no-reply@anchorlink.invalid>".into(),
        outbox_dir: dir.path().join("outbox"),
        site_root: Some(dir.path().join("site").display().to_string()),
        index_dir: None,
        ocid_prefix: domain::ocds::OcidPrefix::parse(server::config::DEFAULT_OCID_PREFIX)
            .expect("the default ocid prefix is valid"),
    };
    let state = server::build_state(&settings).await?;
    eprintln!("==> seeding {suppliers} suppliers");
    let t = Instant::now();
    server::seed::seed(&state, suppliers as u64, 7).await?;
    eprintln!("    {:.1} s", t.elapsed().as_secs_f64());
    // A running server holds the registry in memory (the search index and the supplier
    // pool, built once per process and then followed): build them as its start would, and
    // time that apart from the analysis.
    let t = Instant::now();
    state.suppliers.ready(&state.views, &state.db).await?;
    let warm_s = t.elapsed().as_secs_f64();

    let user_id = add_user(
        &state.db,
        NewUser::check(
            "bench@council.example",
            "a long bench passphrase".to_owned().into(),
            "buyer",
            Some("Bench Council"),
        )
        .await?,
    )
    .await?;
    let org = backend::entities::organisation::Entity::find()
        .filter(backend::entities::organisation::Column::Name.eq("Bench Council"))
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("buyer organisation missing"))?;
    let actor = Actor {
        user_id,
        role: Role::Buyer,
        status: UserStatus::Active,
        organisation: Some(Membership {
            organisation_id: org.id,
            status: OrgStatus::Active,
        }),
    };

    // Payees drawn from the registry as seeded (read through the read model), printed
    // the ways councils print them, plus unknown firms and redacted rows.
    let mut registry = Vec::new();
    let mut walk = SearchableSuppliers::new(&state.db, 900);
    while let Some(batch) = walk.next_batch().await? {
        registry.extend(batch);
    }
    let file = domain::spend::bench::payments_csv(&registry, rows, 11);
    drop(registry);
    let file_bytes = file.len();

    let start = Instant::now();
    let w = state.write().await?;
    let request = AnalysisRequest {
        name: Some("Bench".into()),
        area: Some("PR1,PR2,PR3,PR4,PR5".into()),
        near: Some("PR1".into()),
        within_km: Some(30.0),
        columns: None,
    };
    let new = analyses::check(&state.env, &actor, &request)?;
    let mut sink = UploadSink::begin(&w, org.id, user_id, "text/csv", u64::MAX).await?;
    for piece in file.chunks(64 * 1024) {
        sink.push(&w, piece).await?;
    }
    let upload_id = sink.finish(&w).await?;
    let (id, job_id) = analyses::create(&w, &actor, &new, upload_id).await?;
    w.commit().await?;
    drop(file);
    let upload_s = start.elapsed().as_secs_f64();
    let job = Instant::now();
    anyhow::ensure!(
        state.jobs.run_now(&state, job_id).await?,
        "the job did not run"
    );
    let job_s = job.elapsed().as_secs_f64();
    let summary = analyses::summary(&state.db, &actor, id).await?;
    anyhow::ensure!(
        summary.status == "done",
        "analysis {}: {:?}",
        summary.status,
        summary.errors
    );
    println!(
        "| spend analysis, {rows} rows ({:.1} MB) against {suppliers} suppliers | |",
        file_bytes as f64 / 1e6
    );
    println!("|---|---:|");
    println!(
        "| once per process, before any file: registry read into memory (search index and supplier pool) | {warm_s:.2} s |"
    );
    println!("| upload streamed into the database (1 MiB chunks) | {upload_s:.2} s |");
    println!("| job: read, classify, match, figures, leakage, stored | {job_s:.2} s |");
    println!("| end to end | {:.2} s |", upload_s + job_s);
    println!(
        "| rows accepted / refused | {} / {} |",
        summary.accepted_rows,
        summary.rows - summary.accepted_rows
    );
    println!(
        "| rows attached / review / unmatched | {} / {} / {} |",
        summary.accepted_rows - summary.unmatched_rows,
        summary.review_rows,
        summary.unmatched_rows - summary.review_rows
    );
    println!(
        "| process peak RSS (VmHWM, seeding included) | {} |",
        mib(rss_kib("VmHWM"))
    );
    Ok(())
}
