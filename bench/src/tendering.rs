//! Tendering figures, in the same run as the search figures and over the same seeded
//! registry: market depth of 100-line tenders and lot plans for them, through the real
//! service path (`backend::services::tendering::market`, the in-memory supplier pool
//! already built — the cold first build is reported on its own), and the heuristic's
//! reach against the exact optimum on random 10-line tenders (`quality_report`).

use crate::{timing_row, TIMING_HEAD};
use backend::services::accounts::auth;
use backend::services::registry::snapshots::SearchableSuppliers;
use backend::services::tendering::market::{self, Market};
use backend::services::tendering::tenders;
use backend::state::AppState;
use domain::tendering::dto::{ItemInput, LocalAreaInput, PlanRequest, TenderInput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::time::Instant;

const TENDERS: usize = 20;
const LINES: usize = 100;

/// Runs the tendering measurements and returns them as a Markdown section.
///
/// # Errors
/// Database or service failures.
pub async fn run(state: &AppState) -> anyhow::Result<String> {
    // A buyer, made the way `anchorlink users add` makes one.
    let email = "bench-buyer@council.example";
    let user = auth::NewUser::check(
        email,
        "a long bench buyer passphrase".to_owned().into(),
        "buyer",
        Some("Bench Council"),
    )
    .await?;
    let w = state.write().await?;
    auth::add_user(&w, user).await?;
    w.commit().await?;
    let w = state.write().await?;
    let token = backend::services::accounts::sessions::issue_api_token(&w, email, "bench").await?;
    w.commit().await?;
    let actor = backend::services::accounts::sessions::user_for_api_token(&state.db, &token)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench buyer has no token"))?
        .actor;

    // Lines drawn from what the registry's suppliers do and where they are, so tenders
    // have a market, as real ones do.
    let mut walk = SearchableSuppliers::new(&state.db, 5_000);
    let sample = walk.next_batch().await?.unwrap_or_default();
    // The commonest codes and places: what a council buys is what its market offers.
    let commonest = |values: Vec<String>, keep: usize| {
        let mut counts = std::collections::HashMap::<String, usize>::new();
        for v in values {
            *counts.entry(v).or_default() += 1;
        }
        let mut by_count: Vec<(String, usize)> = counts.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        by_count
            .into_iter()
            .take(keep)
            .map(|(v, _)| v)
            .collect::<Vec<_>>()
    };
    let codes = commonest(
        sample
            .iter()
            .flat_map(|s| s.cpv.iter().map(|c| c.as_str().to_owned()))
            .collect(),
        40,
    );
    let outcodes = commonest(
        sample.iter().filter_map(|s| s.outcode.clone()).collect(),
        20,
    );
    anyhow::ensure!(
        !codes.is_empty() && !outcodes.is_empty(),
        "no suppliers to draw lines from"
    );
    let mut rng = StdRng::seed_from_u64(8);
    let mut ids = Vec::with_capacity(TENDERS);
    for t in 0..TENDERS {
        // A real schedule repeats a few kinds of work over a few sites.
        let kinds: Vec<&String> = (0..6)
            .map(|_| &codes[rng.gen_range(0..codes.len())])
            .collect();
        let sites: Vec<&String> = (0..4)
            .map(|_| &outcodes[rng.gen_range(0..outcodes.len())])
            .collect();
        let items = (0..LINES)
            .map(|i| ItemInput {
                description: Some(format!("Line {i}")),
                cpv: Some(kinds[rng.gen_range(0..kinds.len())].clone()),
                value_gbp: Some(rng.gen_range(1_000..20_000)),
                delivery_postcode: (rng.gen_range(0..4) > 0)
                    .then(|| sites[rng.gen_range(0..sites.len())].clone()),
                ..ItemInput::default()
            })
            .collect();
        let input = TenderInput {
            title: Some(format!("Bench tender {t}")),
            local_area: Some(Some(LocalAreaInput::Near {
                near: outcodes[rng.gen_range(0..outcodes.len())].clone(),
                within_km: 25.0,
            })),
            items: Some(items),
            ..TenderInput::default()
        };
        let w = state.write().await?;
        ids.push(tenders::create(&w, &state.env, &actor, &input).await?);
        w.commit().await?;
    }

    let m = Market::of(state);
    let started = Instant::now();
    market::depth(&state.db, &state.env, m, Some(&actor), ids[0]).await?;
    let cold = started.elapsed();
    let held = state.suppliers.len();

    let mut depth = Vec::with_capacity(TENDERS);
    let mut plan = Vec::with_capacity(TENDERS);
    let mut reach = Vec::with_capacity(TENDERS);
    let mut capable = Vec::with_capacity(TENDERS);
    for &id in &ids {
        let t = Instant::now();
        let d = market::depth(&state.db, &state.env, m, Some(&actor), id).await?;
        depth.push(t.elapsed());
        capable.push(d.total.counts.capable);
        let t = Instant::now();
        let p = market::plan(
            &state.db,
            &state.env,
            m,
            &actor,
            id,
            &PlanRequest::default(),
        )
        .await?;
        plan.push(t.elapsed());
        reach.push(if p.feasible {
            format!("{}/{} in {} lots", p.reach, p.upper_bound, p.lots.len())
        } else {
            format!(
                "no plan ({})",
                p.obstacles.first().map_or("", |o| o.message.as_str())
            )
        });
    }
    depth.sort();
    plan.sort();
    capable.sort_unstable();

    let t = Instant::now();
    let quality = domain::tendering::quality_report(400, 11);
    let quality_secs = t.elapsed().as_secs_f64();

    let mut o = String::new();
    let _ = writeln!(
        o,
        "\n### Tendering ({TENDERS} tenders of {LINES} lines, the same registry)\n"
    );
    let _ = writeln!(o, "Through `backend::services::tendering::market` (tender loaded from the database, compiled against the in-memory supplier pool, then depth or plan), pool warm; default constraints (10 lots, £0, 3 bidders).\n");
    let _ = writeln!(o, "{TIMING_HEAD}");
    let _ = writeln!(
        o,
        "{}",
        timing_row("market depth, 100 lines", &depth, "< 200 ms")
    );
    let _ = writeln!(
        o,
        "{}",
        timing_row("lot plan, 100 lines", &plan, "< 1,000 ms")
    );
    let _ = writeln!(o, "\nCold first build of the supplier pool (first tender question of a process, {held} suppliers): {:.0} ms.", cold.as_secs_f64() * 1000.0);
    let _ = writeln!(
        o,
        "Capable suppliers per tender: {} to {}. Reach / upper bound per tender: {}.",
        capable.first().copied().unwrap_or(0),
        capable.last().copied().unwrap_or(0),
        reach.join(", ")
    );
    let _ = writeln!(o, "\nHeuristic against the exact optimum (random 10-line tenders, {quality_secs:.1} s): {quality}");
    Ok(o)
}
