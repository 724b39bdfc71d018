//! Exact search for small tenders: every partition of the lines into lots, as
//! restricted-growth strings (line `i` joins one of the lots opened so far, or opens the
//! next), pruned by the constraints, with every subset's bidders precomputed.

use std::cmp::Reverse;

use super::pool::{Key, Limits, Pool};
use crate::tendering::lineset::LineSet;

/// Exact search handles tenders up to this many lines (Bell(10) = 115,975 partitions).
pub const EXACT_MAX_LINES: usize = 10;

/// Per mask of lines, the classes with exactly that mask (capacity ascending), with
/// suffix sums of weights so "how many can take value v" is one binary search.
struct MaskGroup {
    mask: usize,
    caps: Vec<u64>,
    /// `targets_from[k]`: weight of the targets among `caps[k..]`.
    targets_from: Vec<u64>,
}

impl MaskGroup {
    fn targets_taking(&self, value: u64) -> u64 {
        self.targets_from[self.caps.partition_point(|&c| c < value)]
    }
}

struct Tables {
    value: Vec<u64>,
    bidders: Vec<u64>,
    targets: Vec<u64>,
    /// Groups that hold at least one target.
    target_groups: Vec<MaskGroup>,
}

impl Tables {
    fn new(pool: &Pool) -> Self {
        let n = pool.n;
        let size = 1usize << n;
        let mut value = vec![0u64; size];
        for s in 1..size {
            let low = s.trailing_zeros() as usize;
            value[s] = value[s & (s - 1)].saturating_add(pool.values[low]);
        }
        let mut bidders = vec![0u64; size];
        let mut targets = vec![0u64; size];
        let mut target_groups = Vec::new();
        let mut start = 0;
        while start < pool.classes.len() {
            let mask = pool.masks[start];
            let end = start
                + pool.masks[start..]
                    .iter()
                    .take_while(|m| **m == mask)
                    .count();
            let group = &pool.classes[start..end];
            let caps: Vec<u64> = group.iter().map(|c| c.cap).collect();
            let mut all_from = vec![0u64; group.len() + 1];
            let mut targets_from = vec![0u64; group.len() + 1];
            for k in (0..group.len()).rev() {
                all_from[k] = all_from[k + 1] + group[k].weight;
                targets_from[k] =
                    targets_from[k + 1] + if group[k].target { group[k].weight } else { 0 };
            }
            let m = usize::try_from(mask.low_bits()).unwrap_or(0);
            // Every non-empty subset of the mask.
            let mut sub = m;
            while sub != 0 {
                let k = caps.partition_point(|&c| c < value[sub]);
                bidders[sub] += all_from[k];
                targets[sub] += targets_from[k];
                sub = (sub - 1) & m;
            }
            if targets_from[0] > 0 {
                target_groups.push(MaskGroup {
                    mask: m,
                    caps,
                    targets_from,
                });
            }
            start = end;
        }
        Self {
            value,
            bidders,
            targets,
            target_groups,
        }
    }

    /// Distinct targets eligible for at least one lot: a target with lines `M` and
    /// capacity `c` is reached when some lot inside `M` is worth at most `c`, i.e. when
    /// the cheapest such lot is.
    fn reach(&self, lots: &[usize]) -> u64 {
        self.target_groups
            .iter()
            .map(|g| {
                lots.iter()
                    .filter(|&&l| l & !g.mask == 0)
                    .map(|&l| self.value[l])
                    .min()
                    .map_or(0, |v| g.targets_taking(v))
            })
            .sum()
    }
}

struct Search<'t> {
    t: &'t Tables,
    limits: Limits,
    n: usize,
    /// `remaining[i]`: value of lines `i..`.
    remaining: Vec<u64>,
    upper_bound: u64,
    lots: Vec<usize>,
    best: Option<(Key, Vec<usize>)>,
}

impl Search<'_> {
    fn run(&mut self, i: usize) {
        if i == self.n {
            self.leaf();
            return;
        }
        let bit = 1usize << i;
        for j in 0..self.lots.len() {
            let grown = self.lots[j] | bit;
            // Adding lines never adds bidders, so a thin lot stays thin.
            if self.t.bidders[grown] < self.limits.min_bidders {
                continue;
            }
            let before = std::mem::replace(&mut self.lots[j], grown);
            if self.value_reachable(i + 1) {
                self.run(i + 1);
            }
            self.lots[j] = before;
        }
        if self.lots.len() < self.limits.max_lots && self.t.bidders[bit] >= self.limits.min_bidders
        {
            self.lots.push(bit);
            if self.value_reachable(i + 1) {
                self.run(i + 1);
            }
            self.lots.pop();
        }
    }

    /// Whether the lines still to place could lift every lot to the minimum value.
    fn value_reachable(&self, next: usize) -> bool {
        let short: u64 = self
            .lots
            .iter()
            .map(|&l| self.limits.min_value.saturating_sub(self.t.value[l]))
            .sum();
        short <= self.remaining[next]
    }

    fn leaf(&mut self) {
        let min_bidders = self
            .lots
            .iter()
            .map(|&l| self.t.bidders[l])
            .min()
            .unwrap_or(0);
        let fewer_lots = Reverse(self.lots.len());
        let optimistic: u64 = self.lots.iter().map(|&l| self.t.targets[l]).sum();
        let bound = Key {
            reach: optimistic.min(self.upper_bound),
            fewer_lots,
            min_bidders,
        };
        if self.best.as_ref().is_some_and(|(best, _)| bound <= *best) {
            return;
        }
        let key = Key {
            reach: self.t.reach(&self.lots),
            fewer_lots,
            min_bidders,
        };
        if self.best.as_ref().is_none_or(|(best, _)| key > *best) {
            self.best = Some((key, self.lots.clone()));
        }
    }
}

/// The best plan under `limits`, or `None` when no plan meets them. `incumbent` (a
/// feasible plan, e.g. the heuristic's) is returned when nothing beats it, and speeds the
/// search up by pruning everything that cannot.
///
/// The planner calls it up to [`EXACT_MAX_LINES`] lines; tests go a little further to
/// check the heuristic (its tables have 2ⁿ entries, so never beyond 20).
pub(crate) fn best_plan(
    pool: &Pool,
    limits: &Limits,
    incumbent: Option<(Key, Vec<LineSet>)>,
) -> Option<(Key, Vec<LineSet>)> {
    debug_assert!(pool.n <= 20);
    if pool.n == 0 {
        return None;
    }
    let tables = Tables::new(pool);
    let mut remaining = vec![0u64; pool.n + 1];
    for i in (0..pool.n).rev() {
        remaining[i] = remaining[i + 1].saturating_add(pool.values[i]);
    }
    let singles: Vec<usize> = (0..pool.n).map(|i| 1 << i).collect();
    let mut search = Search {
        t: &tables,
        limits: *limits,
        n: pool.n,
        remaining,
        upper_bound: tables.reach(&singles),
        lots: Vec::with_capacity(pool.n),
        best: incumbent.map(|(k, lots)| {
            let masks = lots
                .iter()
                .map(|l| usize::try_from(l.low_bits()).unwrap_or(0))
                .collect();
            (k, masks)
        }),
    };
    search.run(0);
    search.best.map(|(key, masks)| {
        let lots = masks
            .into_iter()
            .map(|m| LineSet::from_bits(m as u64))
            .collect();
        (key, lots)
    })
}

/// The most a lot containing line `i` can be worth while keeping `min_bidders` bidders
/// (`None` when even the line alone has too few).
pub(crate) fn best_value_with(pool: &Pool, i: usize, min_bidders: u64) -> Option<u64> {
    let tables = Tables::new(pool);
    (0..1usize << pool.n)
        .filter(|s| s & (1 << i) != 0 && tables.bidders[*s] >= min_bidders)
        .map(|s| tables.value[s])
        .max()
}
