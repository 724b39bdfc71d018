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
//!    set of the lines it covers and serves (CPV codes looked up by division, distances
//!    computed once per distinct delivery place and only for covered lines), its
//!    capacity and its flags; suppliers that can do no line are dropped. The planner
//!    then merges suppliers with identical (lines, capacity, target) into weighted
//!    classes and indexes them per line. A lot's bidders are then the classes in its
//!    rarest line's list whose bit set contains the lot and whose capacity takes its
//!    value: no strings, no distances.
//! 2. **Exact up to 10 lines.** Every partition of the lines is enumerated as a
//!    restricted-growth string (Bell(10) = 115,975 partitions), with the bidders, target
//!    count and value of all 2ⁿ subsets precomputed. Branches are cut as soon as a lot
//!    has too few bidders (adding lines never adds bidders), there are too many lots, or
//!    the lines left cannot lift every lot to the minimum value; a complete plan is only
//!    scored when an optimistic bound (sum of its lots' targets) could beat the best so
//!    far, which starts at the heuristic's plan. Reach is computed per group of targets
//!    with the same lines: such a target is reached when the cheapest lot inside its
//!    lines is within its capacity. A test checks the result against a deliberately naive
//!    brute force over the rule functions on hundreds of random tenders.
//! 3. **Heuristic above 10 lines** (up to 256): lazy-greedy merging from one lot per line
//!    (fix lots below the minimum value first, then too many lots, then merges that lose
//!    nobody), followed by a local search that moves single lines between lots or into a
//!    new lot and merges lots that lose nobody, accepting only feasible improvements of
//!    the same objective; it also starts from the single lot when that is feasible and
//!    keeps the better result. It is deterministic: the search is bounded by a count of
//!    work done, not by time. Its quality is measured against the exact optimum by
//!    [`planner::quality_report`].
//! 4. **Explain.** Every lot carries its evidence (eligible, target, local, SME and
//!    social-economy counts, largest declared capacity, how many state none, targets who
//!    can bid for no other lot, some target ids) and a sentence on why it is this size.
//!    When no plan exists, [`Infeasible`] lists the lines or constraints at fault, each a
//!    proof: a line with too few bidders alone, a total below the minimum lot value, a
//!    group of lines no two of which can share a lot with enough bidders but more of them
//!    than `max_lots`, a line that cannot be in any lot worth the minimum while keeping
//!    enough bidders.
//!
//! # Limits
//! - Above 10 lines the plan is not proven optimal; on random 10-line tenders with tight
//!   constraints the heuristic's reach is compared with the optimum in `make bench`.
//!   When it finds no plan it says so ([`Obstacle::NotFound`], `proven: false`) rather
//!   than claim none exists.
//! - At most [`MAX_LINES`] lines per tender.
//! - Places are judged at outcode level (centroids), as everywhere in the product.
//! - Capacity is one number per supplier: a supplier is not stopped from being eligible
//!   for several lots whose sum exceeds its capacity (it may win only some of them).

mod lineset;
pub mod market;
pub mod model;
pub mod planner;
pub mod random;
pub mod rules;

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
