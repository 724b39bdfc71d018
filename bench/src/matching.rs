//! Alert matching figures (issue 12): one published tender of 10 lots matched against the
//! whole registry, as the `alerts_match` job does it — the lot planner's eligibility rule
//! over every supplier in the process's in-memory pool — and the matches recorded in one
//! transaction. Baseline: the same rule over the same suppliers with no pool kept between
//! jobs, so each match first reads every published supplier from the database (what a job
//! runner without a shared read model would do).

use crate::{timing_row, TIMING_HEAD};
use backend::entities::{tender, tender_item, tender_lot};
use backend::services::registry::pool::SupplierPool;
use backend::services::tendering::alerts;
use backend::services::tendering::tenders;
use backend::state::AppState;
use domain::tendering::alerts::eligible_pairs;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LOTS: usize = 10;
const LINES_PER_LOT: usize = 2;
/// Matches timed with the pool warm (the job's steady state).
const RUNS: usize = 10;
/// Matches timed for the baseline (each reads the registry).
const BASELINE_RUNS: usize = 3;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A published tender of 10 lots, each shaped like a lot a buyer would cut for a trade in
/// a place: its lines are the codes of one registry supplier, delivered where that supplier
/// is, so each lot matches that supplier and the others of its trade nearby, as real lots
/// match some suppliers and not most.
async fn tender_of_ten_lots(state: &AppState) -> anyhow::Result<i64> {
    let mut rng = StdRng::seed_from_u64(1012);
    let models: Vec<domain::registry::SupplierSnapshot> = {
        let pool = state.suppliers.read();
        let fit: Vec<&domain::registry::SupplierSnapshot> = pool
            .values()
            .filter(|s| !s.cpv.is_empty() && s.outcode.is_some())
            .collect();
        anyhow::ensure!(
            fit.len() >= LOTS,
            "too few suppliers with codes and a place"
        );
        (0..LOTS)
            .map(|_| fit[rng.gen_range(0..fit.len())].clone())
            .collect()
    };
    let org = backend::entities::organisation::Entity::find()
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organisation to own the tender"))?
        .id;
    let now = chrono::Utc::now();
    let w = state.write().await?;
    let t = tender::ActiveModel {
        organisation_id: Set(org),
        ocid: Set(Some("ocds-bench-match-1".into())),
        source: Set("local".into()),
        title: Set("Bench: ten lots".into()),
        description: Set(String::new()),
        status: Set("published".into()),
        deadline: Set(Some(now + chrono::Duration::days(60))),
        published_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&w)
    .await?;
    for (p, model) in models.iter().enumerate() {
        let lot = tender_lot::ActiveModel {
            tender_id: Set(t.id),
            position: Set(i32::try_from(p + 1).unwrap_or(1)),
            title: Set(format!("Lot {}", p + 1)),
            description: Set(String::new()),
            ..Default::default()
        }
        .insert(&w)
        .await?;
        for i in 0..LINES_PER_LOT {
            tender_item::ActiveModel {
                tender_id: Set(t.id),
                position: Set(i32::try_from(p * 10 + i).unwrap_or(0)),
                description: Set(format!("Line {i}")),
                cpv: Set(Some(
                    model.cpv[rng.gen_range(0..model.cpv.len())]
                        .as_str()
                        .to_owned(),
                )),
                value_gbp: Set(Some(rng.gen_range(2_000..20_000))),
                delivery_outcode: Set(model.outcode.clone()),
                lot_id: Set(Some(lot.id)),
                ..Default::default()
            }
            .insert(&w)
            .await?;
        }
    }
    w.commit().await?;
    Ok(t.id)
}

/// Runs the figures on the bench's registry.
///
/// # Errors
/// Database or service failures.
pub async fn run(state: &AppState) -> anyhow::Result<String> {
    state.suppliers.ready(&state.views, &state.db).await?;
    let suppliers = state.suppliers.len();
    let id = tender_of_ten_lots(state).await?;
    let loaded = tenders::load(&state.db, id).await?;
    let lots = alerts::open_lots(&state.env, &loaded);
    anyhow::ensure!(
        lots.len() == LOTS,
        "{} of {LOTS} lots judgeable",
        lots.len()
    );

    // Warm-up (the same for both: one match each before timing).
    let pairs = alerts::eligible(state, lots.clone()).await?;
    let mut warm = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let again = alerts::eligible(state, lots.clone()).await?;
        warm.push(t.elapsed());
        anyhow::ensure!(again == pairs, "the same tender matches the same suppliers");
    }
    warm.sort();
    // The job's write: the matches (and alerts owed) in one transaction.
    let t = Instant::now();
    alerts::record(state, id, &pairs, 0, chrono::Utc::now()).await?;
    let record = t.elapsed();

    let cold_match = |pool: Arc<SupplierPool>, lots: Vec<_>| async move {
        pool.ready(&state.views, &state.db).await?;
        let found =
            tokio::task::spawn_blocking(move || eligible_pairs(pool.read().values(), &lots))
                .await?;
        anyhow::Ok(found)
    };
    cold_match(Arc::new(SupplierPool::new()), lots.clone()).await?;
    let mut baseline = Vec::with_capacity(BASELINE_RUNS);
    for _ in 0..BASELINE_RUNS {
        let t = Instant::now();
        let found = cold_match(Arc::new(SupplierPool::new()), lots.clone()).await?;
        baseline.push(t.elapsed());
        anyhow::ensure!(
            found.len() == pairs.len(),
            "the baseline finds the same matches"
        );
    }
    baseline.sort();

    let mut o = String::new();
    let _ = writeln!(
        o,
        "\n### Alert matching (one tender of {LOTS} lots against {suppliers} suppliers)\n"
    );
    let _ = writeln!(o, "The `alerts_match` job's matching: `backend::services::tendering::alerts::eligible` (the lot planner's eligibility rule — CPV branch, place, capacity — for every supplier and lot, over the in-memory pool, off the async runtime), then `alerts::record` (the matches and the alerts owed, one transaction). Baseline: the same rule with no pool kept between jobs, so each match first reads every published supplier from the database. One warm-up run each.\n");
    let _ = writeln!(o, "{TIMING_HEAD}");
    let _ = writeln!(
        o,
        "{}",
        timing_row(
            &format!("match, pool in memory ({RUNS} runs)"),
            &warm,
            "< 1 s"
        )
    );
    let _ = writeln!(
        o,
        "{}",
        timing_row(
            &format!(
                "baseline: suppliers read from the database each match ({BASELINE_RUNS} runs)"
            ),
            &baseline,
            ""
        )
    );
    let _ = writeln!(
        o,
        "\n{} supplier–lot matches; recording them took {:.0} ms.",
        pairs.len(),
        ms(record)
    );
    Ok(o)
}
