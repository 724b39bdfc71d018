//! The figures of a spend analysis: how much of the total stays in the area and the
//! wider region, goes to SMEs, the social economy and Real Living Wage employers —
//! overall, per financial year and per category — where it leaks although local
//! suppliers could deliver, and the local multiplier (LM3).
//!
//! Shares are fractions of the TOTAL of accepted rows (credit notes included), not of
//! the matched part: spend with an unmatched payee counts as not local, not SME, not
//! social economy. That understates rather than flatters, and it means a better-matched
//! file can only raise the shares.
//!
//! [`SpendTally`] is fed one payment at a time (the job streams batches), keeps only
//! sums per supplier, year, category and unmatched payee, and [`SpendTally::finish`]es
//! into [`Figures`].

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::lm3::{Lm3, Lm3Assumptions};
use super::matching::{MatchOutcome, UnmatchedGroup, UnmatchedGroups};
use super::parse::Payment;
use crate::registry::{AccreditationKind, SupplierSnapshot};
use crate::{haversine_km, Outcode};

/// A place: outcodes, and/or a centre with a radius. Used for the buyer's area (`area=`
/// outcodes) and the wider region (`near=` + `within_km=`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub outcodes: Vec<Outcode>,
    /// `(latitude, longitude)` of the centre.
    pub centre: Option<(f64, f64)>,
    pub radius_km: Option<f64>,
}

impl Area {
    /// True when a supplier based in `outcode` (centroid `location`) is inside: its
    /// outcode is listed, or its centroid is within the radius of the centre.
    #[must_use]
    pub fn contains(&self, outcode: Option<&str>, location: Option<(f64, f64)>) -> bool {
        let listed = outcode.is_some_and(|o| {
            self.outcodes
                .iter()
                .any(|a| a.as_str().eq_ignore_ascii_case(o.trim()))
        });
        let near = match (self.centre, self.radius_km, location) {
            (Some((lat, lon)), Some(km), Some((slat, slon))) => {
                haversine_km(lat, lon, slat, slon) <= km
            }
            _ => false,
        };
        listed || near
    }
}

/// What the figures need to know about a matched supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierFacts {
    pub supplier_id: i64,
    pub name: String,
    /// Based in the buyer's area.
    pub local: bool,
    /// Based in the area or the wider region.
    pub region: bool,
    pub sme: bool,
    pub social_economy: bool,
    /// Holds a current Real Living Wage accreditation.
    pub real_living_wage: bool,
    pub local_staff_pct: Option<i16>,
    pub local_spend_pct: Option<i16>,
}

impl SupplierFacts {
    /// The facts of a supplier for a buyer's `area` and wider `region`, with
    /// accreditations judged on `today`.
    #[must_use]
    pub fn of(supplier: &SupplierSnapshot, area: &Area, region: &Area, today: NaiveDate) -> Self {
        let outcode = supplier.outcode.as_deref();
        let local = area.contains(outcode, supplier.location);
        Self {
            supplier_id: supplier.id,
            name: supplier.display_name().to_owned(),
            local,
            region: local || region.contains(outcode, supplier.location),
            sme: supplier.is_sme(),
            social_economy: supplier.social_economy,
            real_living_wage: supplier
                .accreditations
                .iter()
                .any(|a| a.kind == AccreditationKind::RealLivingWage && a.is_current(today)),
            local_staff_pct: supplier.local_staff_pct,
            local_spend_pct: supplier.local_spend_pct,
        }
    }
}

/// Sums in pence for one slice of the spend (everything, a year, a category).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    pub rows: u64,
    /// Rows attached to a registered supplier.
    pub matched_rows: u64,
    /// Rows awaiting the buyer's review.
    pub review_rows: u64,
    pub total: i64,
    /// Attached to a registered supplier.
    pub matched: i64,
    /// Awaiting the buyer's review (counted as not matched).
    pub review: i64,
    pub local: i64,
    pub region: i64,
    pub sme: i64,
    pub social_economy: i64,
    pub real_living_wage: i64,
}

impl Amounts {
    fn add(&mut self, amount: i64, outcome: &MatchOutcome, facts: Option<&SupplierFacts>) {
        self.rows += 1;
        self.total += amount;
        if matches!(outcome, MatchOutcome::Review { .. }) {
            self.review += amount;
            self.review_rows += 1;
        }
        let Some(f) = facts.filter(|_| outcome.attached().is_some()) else {
            return;
        };
        self.matched += amount;
        self.matched_rows += 1;
        let add_if = |flag: bool, sum: &mut i64| {
            if flag {
                *sum += amount;
            }
        };
        add_if(f.local, &mut self.local);
        add_if(f.region, &mut self.region);
        add_if(f.sme, &mut self.sme);
        add_if(f.social_economy, &mut self.social_economy);
        add_if(f.real_living_wage, &mut self.real_living_wage);
    }
}

/// `part / total`, or 0 for an empty total.
#[must_use]
pub fn share(part: i64, total: i64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

/// Amounts with their shares of the total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub amounts: Amounts,
    pub matched_share: f64,
    pub local_share: f64,
    pub region_share: f64,
    pub sme_share: f64,
    pub social_economy_share: f64,
    pub real_living_wage_share: f64,
}

impl From<Amounts> for Breakdown {
    fn from(a: Amounts) -> Self {
        Self {
            matched_share: share(a.matched, a.total),
            local_share: share(a.local, a.total),
            region_share: share(a.region, a.total),
            sme_share: share(a.sme, a.total),
            social_economy_share: share(a.social_economy, a.total),
            real_living_wage_share: share(a.real_living_wage, a.total),
            amounts: a,
        }
    }
}

/// The UK financial year (1 April to 31 March) a date falls in, as `2025/26`.
#[must_use]
pub fn financial_year(date: NaiveDate) -> String {
    let start = if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    };
    format!("{start}/{:02}", (start + 1).rem_euclid(100))
}

/// Label for payments whose file had no date column.
pub const UNKNOWN_YEAR: &str = "unknown";
/// Label for payments without category or CPV code.
pub const NO_CATEGORY: &str = "(no category)";

/// How a payment is grouped into a category: by CPV division when the row has a CPV
/// code, otherwise by the expense type as printed (case and spacing ignored).
#[must_use]
pub fn category_key(payment: &Payment) -> String {
    match (&payment.cpv, &payment.category) {
        (Some(cpv), _) => format!("cpv:{}", &cpv.as_str()[..2]),
        (None, Some(category)) => category
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" "),
        (None, None) => NO_CATEGORY.to_owned(),
    }
}

/// One financial year's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearFigures {
    /// [`financial_year`] (`2025/26`), or [`UNKNOWN_YEAR`].
    pub year: String,
    pub figures: Breakdown,
}

/// One category's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryFigures {
    /// [`category_key`]: `cpv:45` or the normalised expense type.
    pub key: String,
    /// The expense type as first printed, or `CPV division 45`.
    pub label: String,
    /// The CPV division's two digits, for categories from CPV codes.
    pub cpv_division: Option<String>,
    pub figures: Breakdown,
}

/// Spend with one attached supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierSpend {
    pub supplier_id: i64,
    pub name: String,
    pub amount: i64,
    pub rows: u64,
    /// The lowest confidence among the rows attached to it.
    pub confidence: f64,
    pub local: bool,
    pub region: bool,
    pub sme: bool,
    pub social_economy: bool,
    pub real_living_wage: bool,
    pub lm3: Lm3,
}

/// A category where money leaves the area although registered local suppliers could
/// deliver it: where the tender work starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leakage {
    pub key: String,
    pub label: String,
    pub total: i64,
    /// Spend with matched suppliers outside the area.
    pub outside_area: i64,
    /// Spend with payees not matched to the registry (where they are is unknown).
    pub unmatched: i64,
    /// `outside_area + unmatched`: what does not demonstrably stay.
    pub leaving: i64,
    /// The local registered suppliers who could deliver, as given by the caller.
    pub local_suppliers: Vec<i64>,
}

/// Everything an analysis shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub overall: Breakdown,
    /// Per financial year, oldest first.
    pub by_year: Vec<YearFigures>,
    /// Per category, largest total first.
    pub by_category: Vec<CategoryFigures>,
    /// Attached suppliers, largest amount first.
    pub suppliers: Vec<SupplierSpend>,
    /// Payees not attached, by normalised name, largest amount first.
    pub unmatched: Vec<UnmatchedGroup>,
    /// LM3 of the whole spend: unmatched and non-local spend in R1 only.
    pub lm3: Lm3,
    pub assumptions: Lm3Assumptions,
}

impl Figures {
    /// Categories where money leaves although local suppliers could deliver, most
    /// money leaving first. `local_capable` maps a [`category_key`] to the local
    /// registered suppliers who could deliver it (the caller decides which CPV codes
    /// a category needs); categories without any are left out.
    #[must_use]
    pub fn leakage(&self, local_capable: &HashMap<String, Vec<i64>>) -> Vec<Leakage> {
        let mut out: Vec<Leakage> = self
            .by_category
            .iter()
            .filter_map(|c| {
                let suppliers = local_capable.get(&c.key).filter(|s| !s.is_empty())?;
                let a = c.figures.amounts;
                let outside_area = a.matched - a.local;
                let unmatched = a.total - a.matched;
                let leaving = outside_area + unmatched;
                (leaving > 0).then(|| Leakage {
                    key: c.key.clone(),
                    label: c.label.clone(),
                    total: a.total,
                    outside_area,
                    unmatched,
                    leaving,
                    local_suppliers: suppliers.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| b.leaving.cmp(&a.leaving).then_with(|| a.key.cmp(&b.key)));
        out
    }
}

#[derive(Debug, Clone)]
struct SupplierSum {
    facts: SupplierFacts,
    amount: i64,
    rows: u64,
    confidence: f64,
}

/// Adds payments up as they stream past.
#[derive(Debug, Clone, Default)]
pub struct SpendTally {
    overall: Amounts,
    by_year: BTreeMap<String, Amounts>,
    by_category: HashMap<String, (String, Option<String>, Amounts)>,
    suppliers: HashMap<i64, SupplierSum>,
    unmatched: UnmatchedGroups,
}

impl SpendTally {
    /// An empty tally.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one accepted payment with its match outcome and, when attached, the
    /// supplier's facts (an attached payment without facts counts as unmatched).
    pub fn add(
        &mut self,
        payment: &Payment,
        outcome: &MatchOutcome,
        facts: Option<&SupplierFacts>,
    ) {
        let amount = payment.amount;
        let attached = outcome.attached().and(facts);
        let outcome_for_sums = if attached.is_some() {
            outcome.clone()
        } else if let MatchOutcome::Attached { .. } = outcome {
            MatchOutcome::Unmatched {
                reason: super::matching::UnmatchedReason::NoCandidate,
            }
        } else {
            outcome.clone()
        };
        self.overall.add(amount, &outcome_for_sums, attached);
        let year = payment
            .date
            .map_or_else(|| UNKNOWN_YEAR.to_owned(), financial_year);
        self.by_year
            .entry(year)
            .or_default()
            .add(amount, &outcome_for_sums, attached);
        let key = category_key(payment);
        let (_, _, sums) = self.by_category.entry(key).or_insert_with(|| {
            let (label, division) = match &payment.cpv {
                Some(cpv) => {
                    let division = cpv.as_str()[..2].to_owned();
                    (format!("CPV division {division}"), Some(division))
                }
                None => (
                    payment
                        .category
                        .clone()
                        .unwrap_or_else(|| NO_CATEGORY.to_owned()),
                    None,
                ),
            };
            (label, division, Amounts::default())
        });
        sums.add(amount, &outcome_for_sums, attached);
        match (outcome, attached) {
            (MatchOutcome::Attached { confidence, .. }, Some(f)) => {
                let sum = self
                    .suppliers
                    .entry(f.supplier_id)
                    .or_insert_with(|| SupplierSum {
                        facts: f.clone(),
                        amount: 0,
                        rows: 0,
                        confidence: 1.0,
                    });
                sum.amount += amount;
                sum.rows += 1;
                sum.confidence = sum.confidence.min(*confidence);
            }
            _ => self
                .unmatched
                .add(&payment.payee, amount, &outcome_for_sums),
        }
    }

    /// The figures, with LM3 under `assumptions`.
    #[must_use]
    pub fn finish(self, assumptions: &Lm3Assumptions) -> Figures {
        let mut suppliers: Vec<SupplierSpend> = self
            .suppliers
            .into_values()
            .map(|s| SupplierSpend {
                supplier_id: s.facts.supplier_id,
                lm3: Lm3::for_supplier(
                    s.amount,
                    s.facts.local,
                    s.facts.local_staff_pct,
                    s.facts.local_spend_pct,
                    assumptions,
                ),
                name: s.facts.name,
                amount: s.amount,
                rows: s.rows,
                confidence: s.confidence,
                local: s.facts.local,
                region: s.facts.region,
                sme: s.facts.sme,
                social_economy: s.facts.social_economy,
                real_living_wage: s.facts.real_living_wage,
            })
            .collect();
        suppliers.sort_by(|a, b| {
            b.amount
                .cmp(&a.amount)
                .then(a.supplier_id.cmp(&b.supplier_id))
        });
        let matched_lm3 = suppliers
            .iter()
            .fold(Lm3::default(), |acc, s| acc.plus(s.lm3));
        // Unmatched spend: round 1 only.
        let rest = Lm3::from_rounds(self.overall.total - matched_lm3.round1, 0, 0);
        let mut by_category: Vec<CategoryFigures> = self
            .by_category
            .into_iter()
            .map(|(key, (label, cpv_division, amounts))| CategoryFigures {
                key,
                label,
                cpv_division,
                figures: amounts.into(),
            })
            .collect();
        by_category.sort_by(|a, b| {
            b.figures
                .amounts
                .total
                .cmp(&a.figures.amounts.total)
                .then_with(|| a.key.cmp(&b.key))
        });
        Figures {
            overall: self.overall.into(),
            by_year: self
                .by_year
                .into_iter()
                .map(|(year, a)| YearFigures {
                    year,
                    figures: a.into(),
                })
                .collect(),
            by_category,
            suppliers,
            unmatched: self.unmatched.largest_first(),
            lm3: matched_lm3.plus(rest),
            assumptions: *assumptions,
        }
    }
}

/// The facts of every supplier, by id, for [`SpendTally::add`].
#[must_use]
pub fn facts_by_id(
    suppliers: &[SupplierSnapshot],
    area: &Area,
    region: &Area,
    today: NaiveDate,
) -> HashMap<i64, SupplierFacts> {
    suppliers
        .iter()
        .map(|s| (s.id, SupplierFacts::of(s, area, region, today)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Accreditation;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
    }

    #[test]
    fn an_area_holds_its_outcodes_and_whatever_lies_within_its_radius() {
        let area = Area {
            outcodes: vec![Outcode::parse("pr1").expect("outcode")],
            centre: Some((53.76, -2.70)),
            radius_km: Some(10.0),
        };
        assert!(area.contains(Some("PR1"), None));
        assert!(area.contains(Some(" pr1 "), None));
        // Blackburn is about 15 km from Preston; Leyland about 8 km.
        assert!(!area.contains(Some("BB1"), Some((53.75, -2.48))));
        assert!(area.contains(Some("PR25"), Some((53.69, -2.69))));
        assert!(!Area::default().contains(Some("PR1"), Some((53.76, -2.70))));
    }

    #[test]
    fn supplier_facts_follow_the_registry_and_todays_accreditations() {
        let mut s = crate::spend::matching::tests::supplier(7, "Hillside Co-op");
        s.outcode = Some("PR1".into());
        s.social_economy = true;
        s.accreditations = vec![Accreditation {
            kind: AccreditationKind::RealLivingWage,
            expires_on: Some(ymd(2025, 6, 30)),
        }];
        let area = Area {
            outcodes: vec![Outcode::parse("PR1").expect("outcode")],
            ..Area::default()
        };
        let facts = SupplierFacts::of(&s, &area, &Area::default(), ymd(2025, 6, 30));
        assert!(facts.local && facts.region && facts.sme && facts.social_economy);
        assert!(facts.real_living_wage);
        let later = SupplierFacts::of(&s, &area, &Area::default(), ymd(2025, 7, 1));
        assert!(!later.real_living_wage);
    }

    #[test]
    fn shares_of_nothing_are_zero_and_years_run_april_to_march() {
        assert_eq!(share(5, 0), 0.0);
        assert_eq!(share(1, 4), 0.25);
        assert_eq!(financial_year(ymd(2025, 4, 1)), "2025/26");
        assert_eq!(financial_year(ymd(2025, 3, 31)), "2024/25");
        assert_eq!(financial_year(ymd(1999, 12, 1)), "1999/00");
    }
}
