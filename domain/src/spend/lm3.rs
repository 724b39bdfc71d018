//! LM3, the New Economics Foundation's Local Multiplier 3: how much each pound a buyer
//! spends circulates in the local economy over three rounds.
//!
//! - Round 1 (R1): the spend itself.
//! - Round 2 (R2): what suppliers re-spend locally: their staff costs times the share of
//!   staff living locally, plus their purchases times the share bought from local
//!   suppliers. The shares come from each supplier's profile (`local_staff_pct`,
//!   `local_spend_pct`); where a profile is silent, a stated default is used.
//! - Round 3 (R3): R2 times the share that staff and suppliers re-spend locally.
//! - LM3 = (R1 + R2 + R3) / R1.
//!
//! Conservative where nothing is known: spend with a supplier outside the area, and
//! spend with a payee not matched to the registry, re-spends nothing locally (R2 = R3 =
//! 0) — it still counts in R1, so it lowers the overall multiplier rather than being
//! left out. A supplier whose net spend is zero or negative (credit notes) adds nothing
//! to R2. Every figure is printed with the [`Lm3Assumptions`] it rests on.

use serde::{Deserialize, Serialize};

/// The assumptions behind an LM3 figure; shares are fractions (0.4 = 40 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lm3Assumptions {
    /// Share of a supplier's income spent on staff (wages, salaries, employer costs).
    pub staff_cost_share: f64,
    /// Share of a supplier's income spent buying from its own suppliers.
    pub supplier_cost_share: f64,
    /// Share of staff living locally, for a local supplier whose profile does not say.
    pub default_local_staff_share: f64,
    /// Share of purchases made locally, for a local supplier whose profile does not say.
    pub default_local_spend_share: f64,
    /// Share of round-2 money that staff and suppliers re-spend locally (round 3).
    pub respend_share: f64,
}

impl Default for Lm3Assumptions {
    /// Deliberately cautious figures for small UK firms: staff and purchases each about
    /// 40 % of income (the remaining 20 % tax, rent to distant landlords, surplus);
    /// half the staff and a quarter of purchases local when a local supplier has not
    /// said; 30 % of round 2 re-spent locally.
    fn default() -> Self {
        Self {
            staff_cost_share: 0.4,
            supplier_cost_share: 0.4,
            default_local_staff_share: 0.5,
            default_local_spend_share: 0.25,
            respend_share: 0.3,
        }
    }
}

impl Lm3Assumptions {
    /// Share of income re-spent locally in round 2 by a local supplier with these
    /// declared percentages (`None` where the profile is silent).
    #[must_use]
    pub fn local_respend(&self, local_staff_pct: Option<i16>, local_spend_pct: Option<i16>) -> f64 {
        let pct = |p: Option<i16>, default: f64| {
            p.map_or(default, |p| f64::from(p.clamp(0, 100)) / 100.0)
        };
        let share = |s: f64| s.clamp(0.0, 1.0);
        share(self.staff_cost_share) * pct(local_staff_pct, share(self.default_local_staff_share))
            + share(self.supplier_cost_share)
                * pct(local_spend_pct, share(self.default_local_spend_share))
    }
}

/// The three rounds in pence and the multiplier they give.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Lm3 {
    pub round1: i64,
    pub round2: i64,
    pub round3: i64,
    /// `(R1 + R2 + R3) / R1`; `None` when R1 is not positive.
    pub multiplier: Option<f64>,
}

impl Lm3 {
    /// LM3 of spend with one supplier: `local` suppliers re-spend as their profile (or
    /// the defaults) say; others and unmatched payees re-spend nothing locally.
    #[must_use]
    pub fn for_supplier(
        spend: i64,
        local: bool,
        local_staff_pct: Option<i16>,
        local_spend_pct: Option<i16>,
        assumptions: &Lm3Assumptions,
    ) -> Self {
        let round2 = if local && spend > 0 {
            round_pence(spend as f64 * assumptions.local_respend(local_staff_pct, local_spend_pct))
        } else {
            0
        };
        let round3 = round_pence(round2 as f64 * assumptions.respend_share.clamp(0.0, 1.0));
        Self::from_rounds(spend, round2, round3)
    }

    /// The multiplier of given rounds.
    #[must_use]
    pub fn from_rounds(round1: i64, round2: i64, round3: i64) -> Self {
        Self {
            round1,
            round2,
            round3,
            multiplier: (round1 > 0).then(|| (round1 + round2 + round3) as f64 / round1 as f64),
        }
    }

    /// Adds another part of the spend (a supplier, or the unmatched rest).
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self::from_rounds(
            self.round1 + other.round1,
            self.round2 + other.round2,
            self.round3 + other.round3,
        )
    }
}

/// Rounds to whole pence, halves away from zero.
fn round_pence(value: f64) -> i64 {
    // Amounts are bounded far below 2^53 pence, so the conversion is exact.
    value.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_supplier_with_a_full_profile_uses_its_own_shares() {
        // £1,000 to a local supplier with 80 % local staff and 50 % local purchases:
        // R2 = 1000 × (0.4 × 0.8 + 0.4 × 0.5) = 520; R3 = 520 × 0.3 = 156.
        let lm3 = Lm3::for_supplier(
            100_000,
            true,
            Some(80),
            Some(50),
            &Lm3Assumptions::default(),
        );
        assert_eq!(
            (lm3.round1, lm3.round2, lm3.round3),
            (100_000, 52_000, 15_600)
        );
        assert_eq!(lm3.multiplier, Some(1.676));
    }

    #[test]
    fn a_silent_profile_uses_the_stated_defaults() {
        // R2 = 1000 × (0.4 × 0.5 + 0.4 × 0.25) = 300; R3 = 90.
        let lm3 = Lm3::for_supplier(100_000, true, None, None, &Lm3Assumptions::default());
        assert_eq!((lm3.round2, lm3.round3), (30_000, 9_000));
        assert_eq!(lm3.multiplier, Some(1.39));
    }

    #[test]
    fn distant_and_unmatched_spend_re_spends_nothing_locally() {
        let lm3 = Lm3::for_supplier(
            100_000,
            false,
            Some(100),
            Some(100),
            &Lm3Assumptions::default(),
        );
        assert_eq!((lm3.round2, lm3.round3), (0, 0));
        assert_eq!(lm3.multiplier, Some(1.0));
    }

    #[test]
    fn the_overall_multiplier_weighs_every_part_by_its_spend() {
        let a = Lm3Assumptions::default();
        let local = Lm3::for_supplier(100_000, true, Some(80), Some(50), &a);
        let distant = Lm3::for_supplier(300_000, false, None, None, &a);
        let total = local.plus(distant);
        // (4000 + 520 + 156) / 4000 = 1.169.
        assert_eq!(total.multiplier, Some(1.169));
    }

    #[test]
    fn credit_notes_and_nonsense_percentages_are_handled() {
        let a = Lm3Assumptions::default();
        let refund = Lm3::for_supplier(-5_000, true, Some(80), Some(50), &a);
        assert_eq!((refund.round2, refund.multiplier), (0, None));
        let odd = Lm3::for_supplier(100_000, true, Some(150), Some(-20), &a);
        assert_eq!(odd.round2, 40_000);
    }

    #[test]
    fn the_assumptions_are_serialisable_to_print_beside_the_figure() {
        let json = serde_json::to_value(Lm3Assumptions::default()).expect("serialisable");
        assert_eq!(json["respend_share"], 0.3);
        assert_eq!(json["staff_cost_share"], 0.4);
    }
}
