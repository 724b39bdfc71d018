//! Tendering: tenders, requirement lines, market depth and the lot planner.
//!
//! # The rules
//! Written once, in [`rules`], as small functions on a
//! [`SupplierSnapshot`](crate::registry::SupplierSnapshot):
//! - a supplier **covers** a line when one of its CPV codes lies on the line code's branch
//!   (equal, ancestor or descendant);
//! - it **serves** a line when the line has no delivery place, names the delivery outcode
//!   among its service outcodes, or is within its service radius (outcode centroids; no
//!   radius and no outcodes: 50 km; outcodes but no radius: only those outcodes);
//! - it is **eligible** for a lot when it is searchable (published, organisation active),
//!   covers and serves every line, and the lot's value is within its capacity (maximum
//!   contract value, else half its turnover, else unbounded: "capacity not stated");
//! - a **target** is local (outcode in the buyer's area, or centroid within its radius)
//!   and an SME or social-economy organisation; a plan's **reach** is the number of
//!   distinct targets eligible for at least one of its lots.
//!
//! The planner maximises reach, then prefers fewer lots, then the most bidders in the
//! thinnest lot, subject to at most `max_lots` lots, each worth at least
//! `min_lot_value_gbp` and with at least `min_bidders_per_lot` eligible suppliers.
//!
//! # How it is computed
//! 1. **Compile once.** [`TenderMarket::new`] turns every searchable supplier into a bit
//!    set of the lines it covers and serves, its capacity and its flags, with the rule
//!    functions above; what a CPV code covers, a location's distance to each delivery
//!    place and whether an outcode is local are worked out once and shared by the
//!    suppliers with that code or place. Suppliers that can do no line are dropped.
//!    Market depth is one pass over the result.
//! 2. **Suppliers as bits.** The planner numbers the capable suppliers in capacity
//!    order, so "can take a lot worth v" is every bit from one index on, and keeps per
//!    line the bit set of suppliers that can do it: a lot's bidders are the AND of its
//!    lines' sets from that index on, and every score is a few word operations per 64
//!    suppliers, with no strings or distances.
//! 3. **Exact up to 10 lines.** Suppliers with the same lines, capacity and target flag
//!    are merged into weighted classes, and the bidders, targets and value of all 2ⁿ
//!    subsets of lines are precomputed. Every partition of the lines is enumerated as a
//!    restricted-growth string (line `i` joins a lot opened so far or opens the next;
//!    Bell(10) = 115,975 partitions), cutting a branch as soon as a lot has too few
//!    bidders (adding lines never adds bidders), there are too many lots, or the lines
//!    left cannot lift every lot to the minimum value. A complete plan is only scored
//!    when an optimistic bound (the sum of its lots' targets) could beat the best so
//!    far, which starts at the heuristic's plan; reach is then computed per group of
//!    targets with the same lines (reached when the cheapest lot inside their lines is
//!    within their capacity). A test checks the result against a deliberately naive
//!    brute force over the rule functions on 254 random tenders of 1 to 9 lines (139
//!    with a plan, 115 without).
//! 4. **Heuristic above 10 lines** (up to 256; see `planner/heuristic.rs`): lazy-greedy
//!    merging from one lot per line (lifting lots below the minimum value first, then
//!    while there are too many lots, then while a merge loses nobody; always the merge
//!    losing the fewest targets), then local search (move a line to another or a new
//!    lot, swap two lines, merge two lots; only changes that bring the plan nearer the
//!    limits or improve the objective), then kicks (give a line its own lot, or break a
//!    lot into lines, search again, keep only improvements), with fallback starts when
//!    no plan within the limits was found. Deterministic: the search is bounded by a
//!    count of operations, not by time.
//! 5. **Explain.** Every lot carries its evidence (eligible, target, local, SME and
//!    social-economy counts, largest declared capacity, how many state none, targets who
//!    can bid for no other lot, some target ids) and a sentence on why it is this size.
//!    When no plan exists, [`Infeasible`] lists what makes it impossible, each item a
//!    proof: a line with too few bidders even alone, a total below the minimum lot
//!    value, a group of lines no two of which can share a lot with enough bidders but
//!    more of them than `max_lots`, a line that cannot be in any lot worth the minimum
//!    while keeping enough bidders, or (exhaustive search) "only the combination fails".
//!
//! # Quality and speed
//! Measured with the generator in [`random`] (release build, a shared 2-core machine):
//! - Heuristic against the exact optimum ([`quality_report`]), tight random limits:
//!   400 tenders of 10 lines and 400 suppliers (161 feasible): mean reach ratio 0.991,
//!   same reach on 158, no plan found on 1. 12 lines (144 feasible): 0.991, 140 equal,
//!   1 not found. 10 lines and 2,000 suppliers (232 feasible): 0.9997, 230 equal. Of
//!   1,000 random 12-line tenders, the 20 where the heuristic found no plan all have
//!   none (exhaustive search).
//! - 100 lines over 100,000 suppliers (20 tenders, ~60,000 of them capable): compiling
//!   p50 76 ms / p95 127 ms, market depth p50 9 ms / p95 24 ms, plan p50 108 ms /
//!   p95 189 ms. 200 lines: plan p95 under 200 ms. 10 lines (exact): plan under 100 ms.
//!
//! # Limits
//! - Above 10 lines the plan is not proven best: it is a local optimum of the moves
//!   above. When the heuristic finds no plan it says so ([`Obstacle::NotFound`],
//!   `proven: false`, with how close it came) rather than claim none exists.
//! - At most [`MAX_LINES`] lines per tender.
//! - Places are judged at outcode level (centroids), as everywhere in the product.
//! - Capacity is one number per supplier: a supplier may be eligible for several lots
//!   whose sum exceeds its capacity (it could win only some of them). A supplier's
//!   minimum contract value is not a rule of the planner.

// opportunity alerts (issue 12)
pub mod alerts;
pub mod dto;
mod lineset;
// the lot planner page's edits (issue 8 pages)
pub mod lot_edits;
pub mod market;
pub mod model;
pub mod planner;
pub mod random;
pub mod rules;
// opportunities, interest and partners (issue 12)
pub mod opportunities;
pub mod opportunity_views;

pub use lineset::MAX_LINES;
pub use market::{
    DepthCounts, DepthFilters, LineCriterion, LineDepth, MarketDepth, SupplierFilter, SupplierKind,
    TenderDepth, TenderError, TenderMarket,
};
pub use model::{DeliveryPlace, LocalArea, PlanConstraints, TenderLine};
pub use planner::{
    quality_report, ClosestPlan, CpvLabels, Explained, Infeasible, Lot, LotDraft, LotPlan,
    NoLabels, Obstacle, PlanEvaluation, PlanOutcome, PlanWarning, QualityReport, EXACT_MAX_LINES,
};
pub use rules::Capacity;

slug_enum! {
    /// Where a tender is in its life.
    TenderStatus, "tender status" {
        Draft => "draft", "Draft";
        Published => "published", "Published";
        Closed => "closed", "Closed";
        Cancelled => "cancelled", "Cancelled";
    }
}

impl TenderStatus {
    /// The statuses this one may move to: a draft is published or cancelled, a published
    /// tender closes or is cancelled, and closed or cancelled tenders stay as they are.
    #[must_use]
    pub const fn next(self) -> &'static [Self] {
        match self {
            Self::Draft => &[Self::Published, Self::Cancelled],
            Self::Published => &[Self::Closed, Self::Cancelled],
            Self::Closed | Self::Cancelled => &[],
        }
    }

    /// True when moving from `self` to `to` is allowed.
    #[must_use]
    pub fn can_become(self, to: Self) -> bool {
        self.next().contains(&to)
    }

    /// True while the tender may still be edited (lines, lots, area).
    #[must_use]
    pub const fn is_editable(self) -> bool {
        matches!(self, Self::Draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tender_status_slugs_are_the_documented_ones() {
        let slugs: Vec<&str> = TenderStatus::ALL.iter().map(|s| s.slug()).collect();
        assert_eq!(slugs, ["draft", "published", "closed", "cancelled"]);
        assert_eq!(
            serde_json::to_string(&TenderStatus::Published).expect("serialises"),
            r#""published""#
        );
        assert_eq!("closed".parse::<TenderStatus>(), Ok(TenderStatus::Closed));
        assert!("open".parse::<TenderStatus>().is_err());
    }

    #[test]
    fn only_the_documented_status_changes_are_allowed() {
        use TenderStatus::{Cancelled, Closed, Draft, Published};
        let allowed = [
            (Draft, Published),
            (Published, Closed),
            (Published, Cancelled),
            (Draft, Cancelled),
        ];
        for from in TenderStatus::ALL {
            for to in TenderStatus::ALL {
                assert_eq!(
                    from.can_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert!(Draft.is_editable() && !Published.is_editable());
    }
}
