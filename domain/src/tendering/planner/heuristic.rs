//! The heuristic for tenders above the exact limit (and the exact search's first
//! incumbent below it).
//!
//! Suppliers are bits (see [`Index`]), so every score below is a handful of word
//! operations per 64 suppliers.
//!
//! 1. **Greedy merging.** Start with one lot per line (the plan with the largest possible
//!    reach) and merge two lots at a time: first merges that lift a lot below the
//!    minimum value, then while there are more lots than allowed, then as long as a merge
//!    loses nobody (fewer lots at equal reach is better); among those, the merge that
//!    loses the fewest target suppliers, then keeps the most bidders. Merges that leave a
//!    lot with too few bidders are never made. A target is lost by merging A and B when
//!    only A and/or B reach it and the merged lot does not; losses only grow as merging
//!    goes on, so candidates wait in a priority queue and are re-scored lazily when they
//!    reach the top (lazy greedy).
//! 2. **Local search.** Move one line to another lot or to a new lot, swap two lines
//!    between lots (tenders up to 40 lines), or merge two lots, accepting only changes
//!    that improve the plan: first how far it is from the limits (lots over `max_lots`,
//!    pounds short of the minimum value), then (reach, fewer lots, thinnest lot's
//!    bidders). So the same moves repair a greedy result that missed the limits.
//! 3. **Kicks** (iterated local search): in turn, give one line a lot of its own or break
//!    one lot into single lines, search again from there (above 40 lines, moving only
//!    the lines the kick touched), and keep the result only if it beats the plan before
//!    the kick.
//! 4. **Fallbacks.** Tenders up to 40 lines also run steps 2–3 from greedy merging that
//!    keeps the most bidders first (broad lots are easier to combine) and from the single
//!    lot, and keep the best plan; larger ones do so only while no plan within the limits
//!    has been found.
//!
//! Steps 2–3 stop when nothing helps or after a budget of word operations (not time, so
//! results are the same on every machine).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::index::{from_bit, ones, Bits, Index};
use super::pool::{Key, Limits};
use crate::tendering::lineset::LineSet;

/// Word operations one local search may spend (a few tens of milliseconds). On twelve
/// random 100-line tenders, twenty times more bought 0.07% more reach in total.
const LOCAL_SEARCH_BUDGET: u64 = 20_000_000;
/// Local search passes over all lines at most.
const MAX_PASSES: usize = 50;
/// Swapping two lines between lots is tried up to this many lines (the number of pairs
/// grows with the square of the lines, their value does not).
const SWAP_MAX_LINES: usize = 40;

#[derive(Debug, Clone)]
struct Lot {
    lines: LineSet,
    value: u64,
    elig: Bits,
    bidders: u64,
    alive: bool,
}

/// How far a plan is from the value and lot-count limits; smaller is better. (No move
/// ever makes a lot with too few bidders.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    excess_lots: usize,
    /// Sum over lots of how much each is below the minimum value.
    shortfall: u64,
}

/// Nearer the limits first, then the plan's key; larger is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    violation: Reverse<Violation>,
    key: Key,
}

/// Which merge greedy makes first (after merges that lift a lot to the minimum value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MergeOrder {
    /// The one losing the fewest targets, then keeping the most bidders.
    FewestLost,
    /// The one keeping the most bidders, then losing the fewest targets.
    MostBidders,
}

/// A pair of lots to merge, ordered so the best merge is the smallest; built either as a
/// lower bound (before scoring) or scored. A pair's score only worsens as merging goes
/// on (losses grow, its merged bidders never change), so a bound stays a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    /// 0 when the merge lifts a lot that is below the minimum value.
    fixes: u8,
    first: u64,
    second: u64,
    pair: (usize, usize),
}

impl Candidate {
    fn scored(order: MergeOrder, fixes: u8, lost: u64, bidders: u64, pair: (usize, usize)) -> Self {
        let (first, second) = match order {
            MergeOrder::FewestLost => (lost, u64::MAX - bidders),
            MergeOrder::MostBidders => (u64::MAX - bidders, lost),
        };
        Self {
            fixes,
            first,
            second,
            pair,
        }
    }

    /// Before scoring: at least the targets only one of the lots reaches are lost, and
    /// at most the thinner lot's bidders stay.
    fn bound(
        order: MergeOrder,
        fixes: u8,
        lost_at_least: u64,
        bidders_at_most: u64,
        pair: (usize, usize),
    ) -> Self {
        Self::scored(order, fixes, lost_at_least, bidders_at_most, pair)
    }
}

/// A perturbation of a plan that local search then repairs.
#[derive(Debug, Clone, Copy)]
enum Kick {
    /// Give this line a lot of its own.
    SplitOff(usize),
    /// Break this lot into single lines.
    Dissolve(usize),
}

#[derive(Clone)]
struct State<'i> {
    index: &'i Index,
    limits: Limits,
    lots: Vec<Lot>,
    /// Per supplier bit: how many alive lots it is eligible for (targets only).
    support: Vec<u32>,
    /// Targets with support 1, 2, and at least 1.
    once: Bits,
    twice: Bits,
    reached: Bits,
    reach: u64,
    alive: usize,
    work: u64,
}

impl<'i> State<'i> {
    fn new(index: &'i Index, limits: Limits) -> Self {
        Self {
            index,
            limits,
            lots: Vec::new(),
            support: vec![0; index.caps.len()],
            once: vec![0; index.words],
            twice: vec![0; index.words],
            reached: vec![0; index.words],
            reach: 0,
            alive: 0,
            work: 0,
        }
    }

    fn lot(&mut self, lines: LineSet) -> Lot {
        self.work += (lines.len() * self.index.words) as u64;
        let (elig, value) = self.index.eligible(lines);
        Lot {
            bidders: ones(&elig),
            lines,
            value,
            elig,
            alive: true,
        }
    }

    /// Adds `delta` (±1) to the support of the targets in `elig`.
    fn count(&mut self, elig: &[u64], add: bool) {
        for (w, (&e, &t)) in elig.iter().zip(&self.index.targets).enumerate() {
            let mut bits = e & t;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let i = w * 64 + b;
                let before = self.support[i];
                let after = if add { before + 1 } else { before - 1 };
                self.support[i] = after;
                let bit = 1u64 << b;
                let set = |words: &mut Bits, on: bool| {
                    if on {
                        words[w] |= bit;
                    } else {
                        words[w] &= !bit;
                    }
                };
                set(&mut self.once, after == 1);
                set(&mut self.twice, after == 2);
                set(&mut self.reached, after > 0);
                match (before, after) {
                    (0, _) => self.reach += 1,
                    (_, 0) => self.reach -= 1,
                    _ => {}
                }
            }
        }
    }

    fn push(&mut self, lot: Lot) -> usize {
        self.count(&lot.elig, true);
        self.lots.push(lot);
        self.alive += 1;
        self.lots.len() - 1
    }

    fn kill(&mut self, i: usize) {
        let elig = std::mem::take(&mut self.lots[i].elig);
        self.count(&elig, false);
        self.lots[i].alive = false;
        self.alive -= 1;
    }

    fn replace(&mut self, i: usize, lot: Lot) {
        let old = std::mem::take(&mut self.lots[i].elig);
        self.count(&old, false);
        self.count(&lot.elig, true);
        self.lots[i] = lot;
    }

    fn alive_lots(&self) -> impl Iterator<Item = (usize, &Lot)> {
        self.lots.iter().enumerate().filter(|(_, l)| l.alive)
    }

    /// Targets only lot `i` reaches.
    fn sole(&self, i: usize) -> u64 {
        self.lots[i]
            .elig
            .iter()
            .zip(&self.once)
            .map(|(e, o)| u64::from((e & o).count_ones()))
            .sum()
    }

    /// Targets lost by merging lots `a` and `b`, and the merged lot's bidders; `None`
    /// when the merged lot would have too few bidders. A target only one of them reaches
    /// is lost when that lot is its only one; one both reach is lost when they are its
    /// only two and the merged lot is too big for it.
    fn merge_score(&mut self, a: usize, b: usize) -> Option<(u64, u64)> {
        let (la, lb) = (&self.lots[a], &self.lots[b]);
        let start = self.index.taking(la.value.saturating_add(lb.value));
        self.work += self.index.words as u64;
        let (mut bidders, mut lost) = (0u64, 0u64);
        for w in 0..self.index.words {
            let (x, y) = (la.elig[w], lb.elig[w]);
            let both = x & y;
            let takes = from_bit(w, start);
            bidders += u64::from((both & takes).count_ones());
            let gone = ((x ^ y) & self.once[w]) | (both & self.twice[w] & !takes);
            lost += u64::from(gone.count_ones());
        }
        (bidders >= self.limits.min_bidders).then_some((lost, bidders))
    }

    fn merge(&mut self, a: usize, b: usize) -> usize {
        let lines = self.lots[a].lines.union(self.lots[b].lines);
        let value = self.lots[a].value.saturating_add(self.lots[b].value);
        let start = self.index.taking(value);
        let elig: Bits = self.lots[a]
            .elig
            .iter()
            .zip(&self.lots[b].elig)
            .enumerate()
            .map(|(w, (x, y))| x & y & from_bit(w, start))
            .collect();
        self.kill(a);
        self.kill(b);
        self.push(Lot {
            bidders: ones(&elig),
            lines,
            value,
            elig,
            alive: true,
        })
    }

    fn key(&self) -> Key {
        Key {
            reach: self.reach,
            fewer_lots: Reverse(self.alive),
            min_bidders: self.alive_lots().map(|(_, l)| l.bidders).min().unwrap_or(0),
        }
    }

    fn violation(&self) -> Violation {
        Violation {
            excess_lots: self.alive.saturating_sub(self.limits.max_lots),
            shortfall: self
                .alive_lots()
                .map(|(_, l)| self.limits.min_value.saturating_sub(l.value))
                .sum(),
        }
    }

    fn score(&self) -> Score {
        Score {
            violation: Reverse(self.violation()),
            key: self.key(),
        }
    }

    fn feasible(&self) -> bool {
        self.violation()
            == Violation {
                excess_lots: 0,
                shortfall: 0,
            }
            && self
                .alive_lots()
                .all(|(_, l)| l.bidders >= self.limits.min_bidders)
    }

    fn plan(&self) -> Vec<LineSet> {
        self.alive_lots().map(|(_, l)| l.lines).collect()
    }

    /// One lot per line, then lazy-greedy merging in `order`.
    fn greedy(&mut self, order: MergeOrder) {
        for i in 0..self.index.lines.len() {
            let lot = self.lot(LineSet::single(i));
            self.push(lot);
        }
        let fixes = |s: &Self, a: usize, b: usize| {
            u8::from(s.lots[a].value >= s.limits.min_value && s.lots[b].value >= s.limits.min_value)
        };
        // Targets only this lot reaches; only grows as merging goes on, so a value
        // computed earlier is still a lower bound.
        let mut sole: Vec<u64> = (0..self.lots.len()).map(|i| self.sole(i)).collect();
        let bound = |s: &Self, sole: &[u64], a: usize, b: usize| {
            let bidders = s.lots[a].bidders.min(s.lots[b].bidders);
            Candidate::bound(order, fixes(s, a, b), sole[a] + sole[b], bidders, (a, b))
        };
        let mut heap: BinaryHeap<Reverse<Candidate>> = BinaryHeap::new();
        for a in 0..self.lots.len() {
            for b in a + 1..self.lots.len() {
                heap.push(Reverse(bound(self, &sole, a, b)));
            }
        }
        while let Some(Reverse(candidate)) = heap.pop() {
            let (a, b) = candidate.pair;
            if !self.lots[a].alive || !self.lots[b].alive {
                continue;
            }
            // Too few bidders now means too few for good: lots only grow.
            let Some((lost, bidders)) = self.merge_score(a, b) else {
                continue;
            };
            let scored = Candidate::scored(order, candidate.fixes, lost, bidders, (a, b));
            if heap.peek().is_some_and(|Reverse(top)| scored > *top) {
                heap.push(Reverse(scored));
                continue;
            }
            let needed = scored.fixes == 0
                || self.alive > self.limits.max_lots
                || (order == MergeOrder::FewestLost && lost == 0);
            if !needed {
                break;
            }
            let c = self.merge(a, b);
            sole.resize(self.lots.len(), 0);
            sole[c] = self.sole(c);
            for x in 0..self.lots.len() {
                if x != c && self.lots[x].alive {
                    heap.push(Reverse(bound(self, &sole, x, c)));
                }
            }
        }
    }

    /// Everything in one lot.
    fn single_lot(&mut self) {
        let lot = self.lot(LineSet::first(self.index.lines.len()));
        self.push(lot);
    }

    /// Local search, then kicks: improving moves until none helps; then, in turn, give
    /// one line a lot of its own or break one lot into single lines, search again from
    /// there, and keep the result only if it beats the plan before the kick (iterated
    /// local search). Stops when no kick helps or the budget is spent.
    fn improve(&mut self) {
        self.descend(None);
        'kicks: while self.work <= LOCAL_SEARCH_BUDGET {
            let current = self.score();
            let n = self.index.lines.len();
            let kicks = (0..n)
                .map(Kick::SplitOff)
                .chain((0..self.lots.len()).map(Kick::Dissolve));
            for kick in kicks {
                if self.work > LOCAL_SEARCH_BUDGET {
                    return;
                }
                let saved = self.clone();
                let Some(touched) = self.kick(kick) else {
                    continue;
                };
                self.descend((n > SWAP_MAX_LINES).then_some(touched));
                if self.score() > current {
                    continue 'kicks;
                }
                let work = self.work;
                *self = saved;
                self.work = work;
            }
            return;
        }
    }

    /// Applies a kick and returns the lines it moved; `None` when it does not apply
    /// (a single line, a dead lot).
    fn kick(&mut self, kick: Kick) -> Option<LineSet> {
        match kick {
            Kick::SplitOff(x) => {
                let a = self.lot_of(x)?;
                let lines = self.lots[a].lines;
                if lines.len() < 2 {
                    return None;
                }
                let mut rest = lines;
                rest.remove(x);
                let rest = self.bidding_lot(rest)?;
                let alone = self.joined(None, x)?;
                self.replace(a, rest);
                self.push(alone);
                Some(lines)
            }
            Kick::Dissolve(a) => {
                let lines = self.lots[a].lines;
                if !self.lots[a].alive || lines.len() < 2 {
                    return None;
                }
                self.kill(a);
                for i in lines.iter() {
                    let lot = self.lot(LineSet::single(i));
                    self.push(lot);
                }
                Some(lines)
            }
        }
    }

    /// Improving single moves until none helps or the budget is spent; with `focus`,
    /// only those lines are moved or swapped (merges are always all tried: they are
    /// cheap).
    fn descend(&mut self, focus: Option<LineSet>) {
        let n = self.index.lines.len();
        let lines = focus.unwrap_or_else(|| LineSet::first(n));
        let swaps = if n <= SWAP_MAX_LINES {
            lines
        } else {
            LineSet::EMPTY
        };
        for _ in 0..MAX_PASSES {
            let mut improved = false;
            for x in lines.iter() {
                if self.work > LOCAL_SEARCH_BUDGET {
                    return;
                }
                improved |= self.best_move_of(x);
            }
            for x in swaps.iter() {
                if self.work > LOCAL_SEARCH_BUDGET {
                    return;
                }
                improved |= self.first_swap_of(x);
            }
            while self.work <= LOCAL_SEARCH_BUDGET && self.best_merge() {
                improved = true;
            }
            if !improved {
                return;
            }
        }
    }

    fn lot_of(&self, x: usize) -> Option<usize> {
        self.lots
            .iter()
            .position(|l| l.alive && l.lines.contains(x))
    }

    /// A lot of `lines`, if it keeps enough bidders.
    fn bidding_lot(&mut self, lines: LineSet) -> Option<Lot> {
        let lot = self.lot(lines);
        (lot.bidders >= self.limits.min_bidders).then_some(lot)
    }

    /// Lot `b` (or a new lot) with line `x` added, if it keeps enough bidders.
    fn joined(&mut self, b: Option<usize>, x: usize) -> Option<Lot> {
        let Some(b) = b else {
            return self.bidding_lot(LineSet::single(x));
        };
        let old = &self.lots[b];
        let mut lines = old.lines;
        lines.insert(x);
        let value = old.value.saturating_add(self.index.values[x]);
        let start = self.index.taking(value);
        self.work += self.index.words as u64;
        let elig: Bits = old
            .elig
            .iter()
            .zip(&self.index.lines[x])
            .enumerate()
            .map(|(w, (e, l))| e & l & from_bit(w, start))
            .collect();
        let lot = Lot {
            bidders: ones(&elig),
            lines,
            value,
            elig,
            alive: true,
        };
        (lot.bidders >= self.limits.min_bidders).then_some(lot)
    }

    /// Moves line `x` to the lot (or a new lot) that improves the plan most; true if
    /// moved.
    fn best_move_of(&mut self, x: usize) -> bool {
        let Some(a) = self.lot_of(x) else {
            return false;
        };
        let mut rest = self.lots[a].lines;
        rest.remove(x);
        let rest_lot = if rest.is_empty() {
            None
        } else {
            match self.bidding_lot(rest) {
                Some(lot) => Some(lot),
                None => return false,
            }
        };
        let current = self.score();
        let mut best: Option<(Score, Option<usize>, Lot)> = None;
        let targets: Vec<Option<usize>> = self
            .alive_lots()
            .map(|(b, _)| Some(b))
            .filter(|b| *b != Some(a))
            .chain(rest_lot.is_some().then_some(None))
            .collect();
        for b in targets {
            let Some(joined) = self.joined(b, x) else {
                continue;
            };
            let score = self.change_score([Some(a), b], [rest_lot.as_ref(), Some(&joined)]);
            if score > current && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, b, joined));
            }
        }
        let Some((_, b, joined)) = best else {
            return false;
        };
        self.apply([Some(a), b], [rest_lot, Some(joined)]);
        true
    }

    /// Swaps line `x` with a line of another lot when that improves the plan; true if
    /// swapped.
    fn first_swap_of(&mut self, x: usize) -> bool {
        let Some(a) = self.lot_of(x) else {
            return false;
        };
        let current = self.score();
        for y in x + 1..self.index.lines.len() {
            let Some(b) = self.lot_of(y).filter(|b| *b != a) else {
                continue;
            };
            let mut lines_a = self.lots[a].lines;
            lines_a.remove(x);
            lines_a.insert(y);
            let Some(new_a) = self.bidding_lot(lines_a) else {
                continue;
            };
            let mut lines_b = self.lots[b].lines;
            lines_b.remove(y);
            lines_b.insert(x);
            let Some(new_b) = self.bidding_lot(lines_b) else {
                continue;
            };
            if self.change_score([Some(a), Some(b)], [Some(&new_a), Some(&new_b)]) > current {
                self.apply([Some(a), Some(b)], [Some(new_a), Some(new_b)]);
                return true;
            }
        }
        false
    }

    /// Makes the merge of two lots that improves the plan most (one that loses nobody,
    /// or while repairing one that brings the plan nearer the limits); true if merged.
    fn best_merge(&mut self) -> bool {
        let current = self.score();
        let alive: Vec<usize> = self.alive_lots().map(|(i, _)| i).collect();
        let mut best: Option<(Score, usize, usize)> = None;
        for (k, &a) in alive.iter().enumerate() {
            for &b in &alive[k + 1..] {
                let Some((lost, bidders)) = self.merge_score(a, b) else {
                    continue;
                };
                let short = |v: u64| self.limits.min_value.saturating_sub(v);
                let (va, vb) = (self.lots[a].value, self.lots[b].value);
                let shortfall = self.violation().shortfall + short(va.saturating_add(vb))
                    - short(va)
                    - short(vb);
                let min_bidders = self
                    .alive_lots()
                    .filter(|(i, _)| *i != a && *i != b)
                    .map(|(_, l)| l.bidders)
                    .chain(std::iter::once(bidders))
                    .min()
                    .unwrap_or(0);
                let score = Score {
                    violation: Reverse(Violation {
                        excess_lots: (self.alive - 1).saturating_sub(self.limits.max_lots),
                        shortfall,
                    }),
                    key: Key {
                        reach: self.reach - lost,
                        fewer_lots: Reverse(self.alive - 1),
                        min_bidders,
                    },
                };
                if score > current && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, a, b));
                }
            }
        }
        match best {
            Some((_, a, b)) => {
                self.merge(a, b);
                true
            }
            None => false,
        }
    }

    /// The score of the plan after replacing lots `old` (`None`: no lot) by `new`
    /// (`None`: no lot): a line moved between lots, or two lines swapped.
    fn change_score(&mut self, old: [Option<usize>; 2], new: [Option<&Lot>; 2]) -> Score {
        fn elig<'x>(lot: Option<&'x Lot>, none: &'x [u64]) -> &'x [u64] {
            lot.map_or(none, |l| l.elig.as_slice())
        }
        let zero = vec![0u64; self.index.words];
        let a = elig(old[0].map(|i| &self.lots[i]), &zero);
        let b = elig(old[1].map(|i| &self.lots[i]), &zero);
        let (na, nb) = (elig(new[0], &zero), elig(new[1], &zero));
        self.work += 4 * self.index.words as u64;
        let (mut gained, mut lost) = (0u64, 0u64);
        for w in 0..self.index.words {
            let after = na[w] | nb[w];
            gained += u64::from((after & self.index.targets[w] & !self.reached[w]).count_ones());
            let only_here = (a[w] & b[w] & self.twice[w]) | ((a[w] ^ b[w]) & self.once[w]);
            lost += u64::from((only_here & !after).count_ones());
        }
        let alive = self.alive + new.iter().flatten().count() - old.iter().flatten().count();
        let kept = || {
            self.alive_lots()
                .filter(|(i, _)| !old.contains(&Some(*i)))
                .map(|(_, l)| l)
        };
        let min_bidders = kept()
            .map(|l| l.bidders)
            .chain(new.iter().flatten().map(|l| l.bidders))
            .min()
            .unwrap_or(0);
        let shortfall = kept()
            .chain(new.iter().flatten().copied())
            .map(|l| self.limits.min_value.saturating_sub(l.value))
            .sum();
        Score {
            violation: Reverse(Violation {
                excess_lots: alive.saturating_sub(self.limits.max_lots),
                shortfall,
            }),
            key: Key {
                reach: (self.reach + gained).saturating_sub(lost),
                fewer_lots: Reverse(alive),
                min_bidders,
            },
        }
    }

    /// Replaces lots `old` by `new`, as scored by [`Self::change_score`].
    fn apply(&mut self, old: [Option<usize>; 2], new: [Option<Lot>; 2]) {
        for (slot, lot) in old.into_iter().zip(new) {
            match (slot, lot) {
                (Some(i), Some(lot)) => self.replace(i, lot),
                (Some(i), None) => self.kill(i),
                (None, Some(lot)) => {
                    self.push(lot);
                }
                (None, None) => {}
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Start {
    Greedy(MergeOrder),
    SingleLot,
}

/// The plan nearest to the limits when none within them was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closest {
    pub(crate) lots: usize,
    pub(crate) below_min_value: usize,
}

/// The heuristic's best plan under `limits`; without one, the nearest miss (`None` when
/// no start could even be tried).
///
/// Small tenders (up to [`SWAP_MAX_LINES`] lines) try every start and keep the best
/// plan; larger ones stop at the first start that ends within the limits.
pub(crate) fn best_plan(
    index: &Index,
    limits: &Limits,
) -> Result<(Key, Vec<LineSet>), Option<Closest>> {
    let n = index.lines.len();
    if n == 0 {
        return Err(None);
    }
    let starts = [
        Start::Greedy(MergeOrder::FewestLost),
        Start::Greedy(MergeOrder::MostBidders),
        Start::SingleLot,
    ];
    let mut best: Option<(Key, Vec<LineSet>)> = None;
    let mut closest: Option<(Violation, Closest)> = None;
    for start in starts {
        let mut state = State::new(index, *limits);
        match start {
            Start::Greedy(order) => state.greedy(order),
            Start::SingleLot => state.single_lot(),
        }
        // Greedy never makes a thin lot, but the single lot may be one.
        if state
            .alive_lots()
            .any(|(_, l)| l.bidders < limits.min_bidders)
        {
            continue;
        }
        state.improve();
        if state.feasible() {
            let key = state.key();
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, state.plan()));
            }
            if n > SWAP_MAX_LINES {
                break;
            }
        } else {
            let violation = state.violation();
            if closest.is_none_or(|(v, _)| violation < v) {
                let below_min_value = state
                    .alive_lots()
                    .filter(|(_, l)| l.value < limits.min_value)
                    .count();
                closest = Some((
                    violation,
                    Closest {
                        lots: state.alive,
                        below_min_value,
                    },
                ));
            }
        }
    }
    best.ok_or(closest.map(|(_, c)| c))
}
