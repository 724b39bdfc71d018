//! The exact search's view of the market: suppliers with the same lines, capacity and
//! target flag merged into one weighted class; and the objective and limits shared by
//! every search.

use std::cmp::Reverse;

use crate::tendering::lineset::LineSet;
use crate::tendering::market::TenderMarket;
use crate::tendering::model::PlanConstraints;

/// Suppliers with the same lines, capacity and target flag. The lines are kept apart in
/// [`Pool::masks`], so the hot loops over capacities and weights stay in cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Class {
    /// Largest lot value, `u64::MAX` when not stated.
    pub(crate) cap: u64,
    pub(crate) weight: u64,
    pub(crate) target: bool,
}

/// How good a plan is: more reach, then fewer lots, then more bidders in the thinnest lot.
/// Larger is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) reach: u64,
    pub(crate) fewer_lots: Reverse<usize>,
    pub(crate) min_bidders: u64,
}

/// The constraints as plain numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_lots: usize,
    pub(crate) min_value: u64,
    pub(crate) min_bidders: u64,
}

impl From<&PlanConstraints> for Limits {
    fn from(c: &PlanConstraints) -> Self {
        Self {
            max_lots: usize::try_from(c.max_lots).unwrap_or(usize::MAX),
            min_value: c.min_lot_value_gbp.pounds(),
            min_bidders: u64::from(c.min_bidders_per_lot),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub(crate) n: usize,
    pub(crate) values: Vec<u64>,
    /// The lines of each class. Classes are sorted by (lines, capacity, target), so
    /// classes with the same lines are contiguous and in capacity order.
    pub(crate) masks: Vec<LineSet>,
    pub(crate) classes: Vec<Class>,
}

impl Pool {
    pub(crate) fn new(market: &TenderMarket) -> Self {
        let n = market.lines.len();
        let values = market.lines.iter().map(|l| l.value_gbp.pounds()).collect();
        let mut raw: Vec<(LineSet, u64, bool)> = market
            .entries
            .iter()
            .map(|e| (e.mask, e.cap(), e.target()))
            .collect();
        raw.sort_unstable();
        let mut masks: Vec<LineSet> = Vec::with_capacity(raw.len());
        let mut classes: Vec<Class> = Vec::with_capacity(raw.len());
        let mut previous = None;
        for (mask, cap, target) in raw {
            if previous == Some((mask, cap, target)) {
                if let Some(last) = classes.last_mut() {
                    last.weight += 1;
                }
                continue;
            }
            previous = Some((mask, cap, target));
            masks.push(mask);
            classes.push(Class {
                cap,
                weight: 1,
                target,
            });
        }
        Self {
            n,
            values,
            masks,
            classes,
        }
    }
}
