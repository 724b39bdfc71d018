//! Opportunities figures (issue 12): the opportunities page of one supplier among 10,000
//! open lots, through `backend::services::tendering::opportunities::for_supplier` (open
//! lots compiled in memory, one fingerprint query per request), beside the same work
//! without the in-memory catalogue (every request reads the published tenders' lots and
//! lines from the database in three batched, indexed queries and compiles them) — what a
//! careful implementation without a cache does, rather than a query per lot.

use crate::{timing_row, TIMING_HEAD};
use backend::entities::{tender, tender_item, tender_lot};
use backend::services::tendering::market::Market;
use backend::services::tendering::opportunities::{self, OpenLots};
use backend::state::AppState;
use domain::accounts::{Actor, Role, UserStatus};
use domain::tendering::opportunity_views::OpportunityQuery;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{EntityTrait, Set};
use std::fmt::Write as _;
use std::time::Instant;

/// 2,000 published tenders of 5 lots, each lot 2 lines: 10,000 open lots.
const TENDERS: usize = 2_000;
const LOTS: usize = 5;
const LINES_PER_LOT: usize = 2;
/// Suppliers whose pages are measured.
const SUPPLIERS: usize = 60;
/// Requests of the baseline (each re-reads 10,000 lots).
const BASELINE_REQUESTS: usize = 12;

/// Loads 10,000 open lots (bulk inserts, as an import would leave them) and measures.
///
/// # Errors
/// Database or service failures.
pub async fn run(state: &AppState) -> anyhow::Result<String> {
    let m = Market::of(state);
    m.pool.ready(m.views, &state.db).await?;
    let suppliers: Vec<domain::registry::SupplierSnapshot> =
        m.pool.read().values().take(5_000).cloned().collect();
    anyhow::ensure!(!suppliers.is_empty(), "no suppliers to match");
    // Lines drawn from what the registry's suppliers do and where they are.
    let mut rng = StdRng::seed_from_u64(12);
    let codes: Vec<String> = suppliers
        .iter()
        .flat_map(|s| s.cpv.iter().map(|c| c.as_str().to_owned()))
        .collect();
    let outcodes: Vec<String> = suppliers.iter().filter_map(|s| s.outcode.clone()).collect();
    anyhow::ensure!(
        !codes.is_empty() && !outcodes.is_empty(),
        "no codes or places"
    );
    let org = backend::entities::organisation::Entity::find()
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organisation to own the tenders"))?
        .id;

    let load = Instant::now();
    let now = chrono::Utc::now();
    let deadline = now + chrono::Duration::days(60);
    for batch in 0..(TENDERS / 100) {
        let w = state.write().await?;
        let rows: Vec<tender::ActiveModel> = (0..100)
            .map(|i| {
                let k = batch * 100 + i;
                tender::ActiveModel {
                    organisation_id: Set(org),
                    ocid: Set(Some(format!("ocds-bench-opp-{k}"))),
                    source: Set("local".into()),
                    title: Set(format!("Bench tender {k}")),
                    description: Set(String::new()),
                    status: Set("published".into()),
                    buyer_name: Set(Some(format!("Council {}", k % 40))),
                    deadline: Set(Some(deadline)),
                    published_at: Set(Some(now)),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
            })
            .collect();
        tender::Entity::insert_many(rows).exec(&w).await?;
        w.commit().await?;
    }
    let tenders = tender::Entity::find().all(&state.db).await?;
    let mut ids: Vec<i64> = tenders
        .iter()
        .filter(|t| {
            t.ocid
                .as_deref()
                .is_some_and(|o| o.starts_with("ocds-bench-opp-"))
        })
        .map(|t| t.id)
        .collect();
    ids.sort_unstable();
    for chunk in ids.chunks(100) {
        let w = state.write().await?;
        let lots: Vec<tender_lot::ActiveModel> = chunk
            .iter()
            .flat_map(|&t| {
                (0..LOTS).map(move |p| tender_lot::ActiveModel {
                    tender_id: Set(t),
                    position: Set(i32::try_from(p + 1).unwrap_or(1)),
                    title: Set(format!("Lot {}", p + 1)),
                    description: Set(String::new()),
                    ..Default::default()
                })
            })
            .collect();
        tender_lot::Entity::insert_many(lots).exec(&w).await?;
        w.commit().await?;
    }
    let lots = tender_lot::Entity::find().all(&state.db).await?;
    let bench_lots: Vec<&tender_lot::Model> = lots
        .iter()
        .filter(|l| ids.binary_search(&l.tender_id).is_ok())
        .collect();
    for chunk in bench_lots.chunks(200) {
        let w = state.write().await?;
        let items: Vec<tender_item::ActiveModel> = chunk
            .iter()
            .flat_map(|l| {
                (0..LINES_PER_LOT)
                    .map(|i| {
                        let code = codes[rng.gen_range(0..codes.len())].clone();
                        let place = (rng.gen_range(0..4) > 0)
                            .then(|| outcodes[rng.gen_range(0..outcodes.len())].clone());
                        tender_item::ActiveModel {
                            tender_id: Set(l.tender_id),
                            position: Set(l.position * 10 + i32::try_from(i).unwrap_or(0)),
                            description: Set(format!("Line {i}")),
                            cpv: Set(Some(code)),
                            value_gbp: Set(Some(rng.gen_range(5_000..400_000))),
                            delivery_outcode: Set(place),
                            lot_id: Set(Some(l.id)),
                            ..Default::default()
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        tender_item::Entity::insert_many(items).exec(&w).await?;
        w.commit().await?;
    }
    let loaded = load.elapsed();

    let admin = Actor {
        user_id: 0,
        role: Role::Admin,
        status: UserStatus::Active,
        organisation: None,
    };
    let query = |id: i64| OpportunityQuery {
        supplier_id: Some(id),
        ..OpportunityQuery::default()
    };
    let who: Vec<i64> = (0..SUPPLIERS)
        .map(|_| suppliers[rng.gen_range(0..suppliers.len())].id)
        .collect();

    // Cold: the first page of a process builds the catalogue.
    let open = OpenLots::new();
    let t = Instant::now();
    let first =
        opportunities::for_supplier(&state.db, &state.env, m, &open, &admin, &query(who[0]))
            .await?;
    let cold = t.elapsed();
    let open_lots = first.open_lots;

    let mut warm = Vec::with_capacity(SUPPLIERS);
    let mut found = Vec::with_capacity(SUPPLIERS);
    for &id in &who {
        let t = Instant::now();
        let v = opportunities::for_supplier(&state.db, &state.env, m, &open, &admin, &query(id))
            .await?;
        warm.push(t.elapsed());
        found.push((v.opportunities.len(), v.near_misses.len()));
    }
    warm.sort();

    let mut baseline = Vec::with_capacity(BASELINE_REQUESTS);
    for &id in who.iter().take(BASELINE_REQUESTS) {
        let fresh = OpenLots::new();
        let t = Instant::now();
        opportunities::for_supplier(&state.db, &state.env, m, &fresh, &admin, &query(id)).await?;
        baseline.push(t.elapsed());
    }
    baseline.sort();

    let eligible: Vec<usize> = found.iter().map(|f| f.0).collect();
    let near: Vec<usize> = found.iter().map(|f| f.1).collect();
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\n### Opportunities ({open_lots} open lots, {SUPPLIERS} suppliers' pages, the same registry)\n"
    );
    let _ = writeln!(o, "Through `backend::services::tendering::opportunities::for_supplier` (the supplier from the in-memory pool, its interest, every open lot assessed, filters, sorting). Baseline: the same service with no catalogue kept between requests, so each request reads the published tenders' lots and lines (three batched, indexed queries) and compiles them.\n");
    let _ = writeln!(o, "{TIMING_HEAD}");
    let _ = writeln!(
        o,
        "{}",
        timing_row(
            "opportunities page, catalogue in memory",
            &warm,
            "< 100 ms p95"
        )
    );
    let _ = writeln!(
        o,
        "{}",
        timing_row(
            "baseline: lots re-read from the database each request",
            &baseline,
            ""
        )
    );
    let _ = writeln!(
        o,
        "\nLoading {open_lots} lots of {} lines: {:.1} s; cold first page (catalogue built): {:.0} ms. Per supplier: {:.1} eligible lots and {:.1} near misses on average.",
        open_lots as usize * LINES_PER_LOT,
        loaded.as_secs_f64(),
        cold.as_secs_f64() * 1000.0,
        mean(&eligible),
        mean(&near)
    );
    Ok(o)
}
