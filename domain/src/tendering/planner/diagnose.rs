//! Why no plan meets the constraints: each reason here is a proof, not a guess.

use super::exact::{self, EXACT_MAX_LINES};
use super::index::Index;
use super::pool::{Limits, Pool};
use super::Obstacle;
use crate::tendering::lineset::LineSet;
use crate::tendering::market::TenderMarket;
use crate::text::Gbp;

/// Obstacles visible from the lines one by one; cheap, so checked before any search.
pub(crate) fn before_search(
    market: &TenderMarket,
    index: &Index,
    limits: &Limits,
) -> Vec<Obstacle> {
    let mut found = Vec::new();
    if index.n() == 0 {
        found.push(Obstacle::NoLines);
        return found;
    }
    if limits.max_lots == 0 {
        found.push(Obstacle::NoLotsAllowed);
    }
    let total = index.value(index.all());
    if total < limits.min_value {
        found.push(Obstacle::TotalBelowMinLotValue {
            total_gbp: Gbp::new(total),
            min_lot_value_gbp: Gbp::new(limits.min_value),
        });
    }
    for i in 0..index.n() {
        let bidders = index.bidders(LineSet::single(i));
        if bidders < limits.min_bidders {
            let line = &market.lines[i];
            found.push(Obstacle::LineLacksBidders {
                line_id: line.id,
                cpv: line.cpv.clone(),
                eligible: bidders,
                min_bidders_per_lot: limits.min_bidders,
            });
        }
    }
    found
}

/// Obstacles that need pairs (or, for small tenders, all subsets) of lines; run when the
/// search found no plan.
pub(crate) fn after_search(market: &TenderMarket, index: &Index, limits: &Limits) -> Vec<Obstacle> {
    let n = index.n();
    // Two lines are compatible when one lot can hold both and keep enough bidders.
    let compatible: Vec<Vec<bool>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let pair = LineSet::single(i).union(LineSet::single(j));
                    i != j && index.bidders(pair) >= limits.min_bidders
                })
                .collect()
        })
        .collect();
    let mut found = Vec::new();
    let clique = largest_incompatible_group(&compatible);
    if clique.len() > limits.max_lots {
        found.push(Obstacle::LinesNeedSeparateLots {
            line_ids: clique.iter().map(|&i| market.lines[i].id).collect(),
            max_lots: limits.max_lots,
        });
    }
    if limits.min_value > 0 {
        let pool = (n <= EXACT_MAX_LINES).then(|| Pool::new(market));
        for (i, with_i) in compatible.iter().enumerate() {
            // Every line of a feasible lot holding `i` must be compatible with `i`, so the
            // compatible lines bound the lot's value; small tenders get the exact figure.
            let best = match &pool {
                Some(pool) => exact::best_value_with(pool, i, limits.min_bidders).unwrap_or(0),
                None => (0..n)
                    .filter(|&j| j == i || with_i[j])
                    .fold(0u64, |sum, j| sum.saturating_add(index.values[j])),
            };
            if best < limits.min_value {
                let line = &market.lines[i];
                found.push(Obstacle::LineCannotReachMinLotValue {
                    line_id: line.id,
                    cpv: line.cpv.clone(),
                    best_value_gbp: Gbp::new(best),
                    min_lot_value_gbp: Gbp::new(limits.min_value),
                    min_bidders_per_lot: limits.min_bidders,
                });
            }
        }
    }
    found
}

/// A large set of lines no two of which can share a lot (a clique of the
/// incompatibility graph), found greedily from every starting line; every line in it
/// needs a lot of its own.
fn largest_incompatible_group(compatible: &[Vec<bool>]) -> Vec<usize> {
    let n = compatible.len();
    let degree: Vec<usize> = (0..n)
        .map(|i| (0..n).filter(|&j| j != i && !compatible[i][j]).count())
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(degree[i]), i));
    let mut best: Vec<usize> = Vec::new();
    for &seed in &order {
        let mut group = vec![seed];
        for &j in &order {
            if j != seed && group.iter().all(|&g| !compatible[g][j]) {
                group.push(j);
            }
        }
        if group.len() > best.len() {
            best = group;
        }
    }
    best.sort_unstable();
    best
}
