//! The market as bit sets, for the heuristic and for scoring plans: one bit per capable
//! supplier, ordered by capacity, so "can take a lot worth v" is every bit from one
//! index on, and a lot's bidders are the AND of its lines' sets from there.

use std::cmp::Reverse;

use super::pool::{Key, Limits};
use crate::tendering::lineset::LineSet;
use crate::tendering::market::TenderMarket;

pub(crate) type Bits = Vec<u64>;

pub(crate) fn ones(bits: &[u64]) -> u64 {
    bits.iter().map(|w| u64::from(w.count_ones())).sum()
}

/// Which bits of word `w` are at or after bit `start`.
pub(crate) const fn from_bit(w: usize, start: usize) -> u64 {
    let first = start / 64;
    if w > first {
        u64::MAX
    } else if w < first {
        0
    } else {
        u64::MAX << (start % 64)
    }
}

pub(crate) struct Index {
    pub(crate) words: usize,
    /// Capacity of each bit, ascending (`u64::MAX`: not stated).
    pub(crate) caps: Vec<u64>,
    pub(crate) targets: Bits,
    /// Per line, the suppliers that cover and serve it.
    pub(crate) lines: Vec<Bits>,
    pub(crate) values: Vec<u64>,
}

impl Index {
    pub(crate) fn new(market: &TenderMarket) -> Self {
        let mut order: Vec<usize> = (0..market.entries.len()).collect();
        order.sort_by_key(|&e| market.entries[e].cap());
        let words = order.len().div_ceil(64).max(1);
        let mut targets = vec![0; words];
        let mut lines = vec![vec![0; words]; market.lines.len()];
        for (b, &e) in order.iter().enumerate() {
            let entry = &market.entries[e];
            let (w, bit) = (b / 64, 1u64 << (b % 64));
            if entry.target() {
                targets[w] |= bit;
            }
            for i in entry.mask.iter() {
                lines[i][w] |= bit;
            }
        }
        Self {
            words,
            caps: order.iter().map(|&e| market.entries[e].cap()).collect(),
            targets,
            lines,
            values: market.lines.iter().map(|l| l.value_gbp.pounds()).collect(),
        }
    }

    pub(crate) fn n(&self) -> usize {
        self.lines.len()
    }

    pub(crate) fn all(&self) -> LineSet {
        LineSet::first(self.n())
    }

    /// The first bit whose supplier can take a lot worth `value`.
    pub(crate) fn taking(&self, value: u64) -> usize {
        self.caps.partition_point(|&c| c < value)
    }

    pub(crate) fn value(&self, set: LineSet) -> u64 {
        set.iter()
            .fold(0u64, |sum, i| sum.saturating_add(self.values[i]))
    }

    /// The suppliers eligible for `set` (none for an empty set), and its value.
    pub(crate) fn eligible(&self, set: LineSet) -> (Bits, u64) {
        let value = self.value(set);
        if set.is_empty() {
            return (vec![0; self.words], value);
        }
        let start = self.taking(value);
        let mut out: Bits = (0..self.words).map(|w| from_bit(w, start)).collect();
        for i in set.iter() {
            for (o, l) in out.iter_mut().zip(&self.lines[i]) {
                *o &= l;
            }
        }
        (out, value)
    }

    pub(crate) fn bidders(&self, set: LineSet) -> u64 {
        ones(&self.eligible(set).0)
    }

    /// Distinct target suppliers eligible for at least one of `lots`.
    pub(crate) fn reach(&self, lots: &[LineSet]) -> u64 {
        let mut any = vec![0u64; self.words];
        for &lot in lots {
            for (a, e) in any.iter_mut().zip(self.eligible(lot).0) {
                *a |= e;
            }
        }
        any.iter()
            .zip(&self.targets)
            .map(|(a, t)| u64::from((a & t).count_ones()))
            .sum()
    }

    /// The key of a plan, or `None` when it breaks a limit or has an empty lot.
    pub(crate) fn key(&self, lots: &[LineSet], limits: &Limits) -> Option<Key> {
        if lots.len() > limits.max_lots || lots.iter().any(|l| l.is_empty()) {
            return None;
        }
        let mut min_bidders = u64::MAX;
        for &lot in lots {
            let bidders = self.bidders(lot);
            if bidders < limits.min_bidders || self.value(lot) < limits.min_value {
                return None;
            }
            min_bidders = min_bidders.min(bidders);
        }
        Some(Key {
            reach: self.reach(lots),
            fewer_lots: Reverse(lots.len()),
            min_bidders,
        })
    }
}
