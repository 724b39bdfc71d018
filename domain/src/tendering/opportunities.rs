//! Opportunities: which open lots a supplier can bid for and why, which it nearly fits
//! (exactly one rule missed, and which), how well each fits, and — for a lot it cannot
//! take alone — which other suppliers would complete its cover (the consortium finder).
//!
//! The rules are the lot planner's ([`super::rules`]): a supplier is *eligible* for a lot
//! when it is searchable, covers every line's CPV branch, serves every line's delivery
//! place and the lot's value is within its capacity. Here the same rules are asked for
//! *every* failure ([`rules::failures`]) so a near miss can name the one it missed.
//!
//! A **near miss** is a searchable supplier that does at least one line of the lot (so
//! the lot is in its trade) and misses exactly one of the three rules: CPV (some lines
//! are not on its branches), place (some delivery places are outside its area) or
//! capacity (the lot is worth more than it can take). A lot none of whose lines is in its
//! trade is no match, however near and small.

use serde::{Deserialize, Serialize};

use super::model::TenderLine;
use super::rules::{self, NotEligible};
use crate::cpv::CpvCode;
use crate::place::haversine_km;
use crate::registry::{Capacity, SupplierSnapshot, DEFAULT_SERVICE_RADIUS_KM};
use crate::text::Gbp;

/// An open lot as matching sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenLot {
    pub lot_id: i64,
    pub tender_id: i64,
    /// The lot's lines with a CPV code (lines without one cannot be matched).
    pub lines: Vec<TenderLine>,
    /// What the lot is worth: its lines' sum, or for a one-lot tender whose lines state
    /// no value the tender's estimate; `None` when nothing states one (then no capacity
    /// is exceeded).
    pub value: Option<Gbp>,
    /// The centre of the buyer's local area, if it has one: distances are measured to it
    /// when no line names a delivery place.
    pub centre: Option<(f64, f64)>,
}

impl OpenLot {
    /// The value as the capacity rule reads it (not stated: £0, which any capacity takes).
    #[must_use]
    pub fn rule_value(&self) -> Gbp {
        self.value.unwrap_or_default()
    }

    /// Where the work is: the first delivery place a line names, else the area centre.
    #[must_use]
    pub fn point(&self) -> Option<(f64, f64)> {
        self.lines
            .iter()
            .find_map(|l| l.delivery.as_ref().map(|d| (d.lat, d.lon)))
            .or(self.centre)
    }
}

/// One of the supplier's codes that puts a line on its branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeMatch {
    pub line_id: i64,
    pub line_cpv: String,
    pub supplier_cpv: String,
}

/// What distances are measured to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DistanceTo {
    /// The farthest delivery place named by the lot's lines.
    Delivery,
    /// The centre of the buyer's local area (no line names a delivery place).
    BuyerArea,
}

/// Why a lot matched (or nearly matched): the evidence a supplier reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reasons {
    /// For each line it covers, the best of its codes on that line's branch.
    pub codes: Vec<CodeMatch>,
    /// Kilometres from the supplier's outcode centroid to [`Self::distance_to`], when
    /// both are known.
    pub distance_km: Option<f64>,
    pub distance_to: Option<DistanceTo>,
    pub lot_value_gbp: Option<u64>,
    /// Its capacity's limit; `None` when it states none.
    pub capacity_gbp: Option<u64>,
    /// How the capacity was read ("takes contracts up to £…", "capacity not stated").
    pub capacity: String,
}

impl Reasons {
    /// The evidence in sentences, for pages and the API's `reasons`.
    #[must_use]
    pub fn sentences(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.codes {
            out.push(if c.line_cpv == c.supplier_cpv {
                format!(
                    "Line {} is CPV {}, one of your codes",
                    c.line_id, c.line_cpv
                )
            } else {
                format!(
                    "Line {} (CPV {}) is on the branch of your code {}",
                    c.line_id, c.line_cpv, c.supplier_cpv
                )
            });
        }
        match (self.distance_km, self.distance_to) {
            (Some(d), Some(DistanceTo::Delivery)) => {
                out.push(format!("{d:.0} km from you to the delivery place"));
            }
            (Some(d), Some(DistanceTo::BuyerArea)) => {
                out.push(format!("{d:.0} km from you to the buyer's area"));
            }
            _ => {}
        }
        match (self.lot_value_gbp, self.capacity_gbp) {
            (Some(v), Some(c)) if v <= c => out.push(format!(
                "The lot is worth {}, within your capacity of {}",
                Gbp::new(v),
                Gbp::new(c)
            )),
            (Some(v), Some(c)) => out.push(format!(
                "The lot is worth {}, more than your capacity of {}",
                Gbp::new(v),
                Gbp::new(c)
            )),
            (Some(v), None) => out.push(format!(
                "The lot is worth {}; your capacity is not stated",
                Gbp::new(v)
            )),
            (None, _) => out.push("The lot states no value".to_owned()),
        }
        out
    }
}

/// The one rule a near miss missed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Missed {
    /// These lines are on none of its CPV branches.
    Cpv { line_ids: Vec<i64> },
    /// These lines are delivered outside the area it serves.
    Place { line_ids: Vec<i64> },
    /// The lot is worth more than it can take.
    Capacity {
        lot_value_gbp: u64,
        capacity_gbp: u64,
    },
}

impl Missed {
    /// The rule's slug: `cpv`, `place` or `capacity`.
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Self::Cpv { .. } => "cpv",
            Self::Place { .. } => "place",
            Self::Capacity { .. } => "capacity",
        }
    }

    /// What was missed, in a sentence.
    #[must_use]
    pub fn sentence(&self) -> String {
        let lines = |ids: &[i64]| {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            if ids.len() == 1 {
                format!("line {}", ids[0])
            } else {
                format!("lines {}", ids.join(", "))
            }
        };
        match self {
            Self::Cpv { line_ids } => format!(
                "None of your CPV codes is on the branch of {}",
                lines(line_ids)
            ),
            Self::Place { line_ids } => {
                format!("You do not work where {} is delivered", lines(line_ids))
            }
            Self::Capacity {
                lot_value_gbp,
                capacity_gbp,
            } => format!(
                "The lot is worth {}, more than your capacity of {}",
                Gbp::new(*lot_value_gbp),
                Gbp::new(*capacity_gbp)
            ),
        }
    }
}

/// How one supplier stands for one lot.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Eligible {
        reasons: Reasons,
        fit: f64,
    },
    NearMiss {
        missed: Missed,
        reasons: Reasons,
        fit: f64,
    },
    NoMatch,
}

/// The best of the supplier's codes for a line, and how precise it is: 1 for the line's
/// own code or a finer one, less for a broader ancestor (a division-level "45000000"
/// covers a "45261000" roofing line, but says less about roofing).
fn best_code<'a>(supplier: &'a SupplierSnapshot, line: &TenderLine) -> Option<(&'a CpvCode, f64)> {
    let line_depth = f64::from(line.cpv.level().depth());
    supplier
        .cpv
        .iter()
        .filter(|c| c.on_branch_of(&line.cpv))
        .map(|c| {
            let precision = if line.cpv.covers(c) {
                1.0
            } else {
                (1.0 + f64::from(c.level().depth())) / (1.0 + line_depth)
            };
            (c, precision)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
}

fn distance(supplier: &SupplierSnapshot, lot: &OpenLot) -> (Option<f64>, Option<DistanceTo>) {
    let Some((lat, lon)) = supplier.location else {
        return (None, None);
    };
    let farthest = lot
        .lines
        .iter()
        .filter_map(|l| l.delivery.as_ref())
        .map(|d| haversine_km(lat, lon, d.lat, d.lon))
        .max_by(f64::total_cmp);
    match (farthest, lot.centre) {
        (Some(d), _) => (Some(d), Some(DistanceTo::Delivery)),
        (None, Some((c_lat, c_lon))) => (
            Some(haversine_km(lat, lon, c_lat, c_lon)),
            Some(DistanceTo::BuyerArea),
        ),
        (None, None) => (None, None),
    }
}

/// The evidence for a supplier and a lot (whatever the verdict).
#[must_use]
pub fn reasons(supplier: &SupplierSnapshot, lot: &OpenLot) -> Reasons {
    let codes = lot
        .lines
        .iter()
        .filter_map(|l| {
            best_code(supplier, l).map(|(c, _)| CodeMatch {
                line_id: l.id,
                line_cpv: l.cpv.as_str().to_owned(),
                supplier_cpv: c.as_str().to_owned(),
            })
        })
        .collect();
    let (distance_km, distance_to) = distance(supplier, lot);
    let capacity: Capacity = rules::capacity(supplier);
    Reasons {
        codes,
        distance_km,
        distance_to,
        lot_value_gbp: lot.value.map(Gbp::pounds),
        capacity_gbp: capacity.limit().map(Gbp::pounds),
        capacity: capacity.to_string(),
    }
}

/// How well a lot fits a supplier, from 0 to 1, to rank "best fit first". It rewards, in
/// this order of weight:
/// - **precise codes** (0.4): the lot's lines sit on the supplier's own codes or finer
///   ones, not merely under a broad division it declared (per line, 1 for its own code or
///   a finer one, else the depth of its code over the line's; lines it does not cover
///   count 0);
/// - **nearness** (0.3): the work is well inside its service area (1 at its door, 0 at
///   the edge of its radius or beyond; ½ when a distance is not known);
/// - **size** (0.3): the lot uses a good share of its capacity (the square root of value
///   over capacity, so a £40k lot fits a £50k firm better than a £500k one; a quarter of
///   that below the smallest contract it says is worth bidding for; 0 over capacity; ½
///   when the value or the capacity is not stated).
#[must_use]
pub fn fit(supplier: &SupplierSnapshot, lot: &OpenLot, reasons: &Reasons) -> f64 {
    let codes = if lot.lines.is_empty() {
        0.0
    } else {
        let sum: f64 = lot
            .lines
            .iter()
            .filter_map(|l| best_code(supplier, l).map(|(_, p)| p))
            .sum();
        #[expect(clippy::cast_precision_loss, reason = "a lot has at most 256 lines")]
        let n = lot.lines.len() as f64;
        sum / n
    };
    let near = match reasons.distance_km {
        Some(d) => {
            let reach = supplier
                .service_radius_km
                .map_or(DEFAULT_SERVICE_RADIUS_KM, f64::from)
                .max(1.0);
            (1.0 - d / reach).clamp(0.0, 1.0)
        }
        None => 0.5,
    };
    let size = match (lot.value, rules::capacity(supplier).limit()) {
        (Some(v), Some(c)) if v > c => 0.0,
        (Some(v), Some(c)) => {
            #[expect(clippy::cast_precision_loss, reason = "a ratio; pounds fit in f64")]
            let share = (v.pounds() as f64 / c.pounds().max(1) as f64).sqrt();
            let below_minimum = supplier
                .min_contract_value_gbp
                .and_then(|m| u64::try_from(m).ok())
                .is_some_and(|m| v.pounds() < m);
            if below_minimum {
                share / 4.0
            } else {
                share
            }
        }
        _ => 0.5,
    };
    0.4 * codes + 0.3 * near + 0.3 * size
}

/// How a supplier stands for an open lot: eligible (with its reasons and fit), a near
/// miss (the one rule missed), or no match.
#[must_use]
pub fn assess(supplier: &SupplierSnapshot, lot: &OpenLot) -> Verdict {
    if lot.lines.is_empty() || !lot.lines.iter().any(|l| rules::covers(supplier, l)) {
        return Verdict::NoMatch;
    }
    let failed = rules::failures(supplier, &lot.lines, lot.rule_value());
    let mut cpv = Vec::new();
    let mut place = Vec::new();
    let mut capacity = None;
    for f in failed {
        match f {
            NotEligible::NotSearchable => return Verdict::NoMatch,
            NotEligible::DoesNotCover { line_id } => cpv.push(line_id),
            NotEligible::DoesNotServe { line_id } => place.push(line_id),
            NotEligible::OverCapacity {
                lot_value,
                capacity: limit,
            } => capacity = Some((lot_value, limit)),
        }
    }
    let missed: Vec<Missed> = [
        (!cpv.is_empty()).then_some(Missed::Cpv { line_ids: cpv }),
        (!place.is_empty()).then_some(Missed::Place { line_ids: place }),
        capacity.map(|(v, c)| Missed::Capacity {
            lot_value_gbp: v.pounds(),
            capacity_gbp: c.pounds(),
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let reasons = reasons(supplier, lot);
    let fit = fit(supplier, lot, &reasons);
    match <[Missed; 1]>::try_from(missed) {
        Ok([missed]) => Verdict::NearMiss {
            missed,
            reasons,
            fit,
        },
        Err(missed) if missed.is_empty() => Verdict::Eligible { reasons, fit },
        Err(_) => Verdict::NoMatch,
    }
}

/// What a supplier cannot do of a lot alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gap {
    /// Lines it does not both cover and serve.
    pub lines: Vec<i64>,
    /// How far the lot's value is above its capacity.
    pub shortfall_gbp: Option<u64>,
}

impl Gap {
    /// Nothing missing: it could bid alone.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.shortfall_gbp.is_none()
    }
}

/// The supplier's gap for a lot.
#[must_use]
pub fn gap(supplier: &SupplierSnapshot, lot: &OpenLot) -> Gap {
    let lines = lot
        .lines
        .iter()
        .filter(|l| !does(supplier, l))
        .map(|l| l.id)
        .collect();
    let value = lot.rule_value();
    let shortfall_gbp = rules::capacity(supplier)
        .limit()
        .filter(|limit| value > *limit)
        .map(|limit| value.pounds() - limit.pounds());
    Gap {
        lines,
        shortfall_gbp,
    }
}

fn does(supplier: &SupplierSnapshot, line: &TenderLine) -> bool {
    rules::covers(supplier, line) && rules::serves(supplier, line.delivery.as_ref())
}

/// A suggested partner and what it brings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerFit {
    pub supplier_id: i64,
    /// The lines of the gap it covers and serves (of the whole lot when there is no gap:
    /// the work it could share).
    pub lines: Vec<i64>,
    /// How much of the capacity shortfall its own capacity makes up.
    pub capacity_added_gbp: u64,
    /// Together they would be eligible: every line done and the value within their
    /// combined capacity.
    pub completes: bool,
    /// Kilometres from it to where the work is (the lot's first delivery place, else the
    /// buyer's area, else the asking supplier).
    pub distance_km: Option<f64>,
}

/// Ranks the suppliers who would complete `me`'s cover of `lot`: first those with whom it
/// would be eligible, then by lines of the gap done, then capacity added, then distance
/// (nearest first), then id. A candidate must be searchable, not `me`, and either do at
/// least one line of the gap (of the whole lot when no line is missing), or do some line
/// of the lot and add capacity to a lot too big for `me`. At most `limit`.
#[must_use]
pub fn partners<'a>(
    me: &SupplierSnapshot,
    lot: &OpenLot,
    others: impl IntoIterator<Item = &'a SupplierSnapshot>,
    limit: usize,
) -> (Gap, Vec<PartnerFit>) {
    let gap = gap(me, lot);
    let needed: Vec<&TenderLine> = if gap.lines.is_empty() {
        lot.lines.iter().collect()
    } else {
        lot.lines
            .iter()
            .filter(|l| gap.lines.contains(&l.id))
            .collect()
    };
    let point = lot.point().or(me.location);
    let my_limit = rules::capacity(me).limit();
    let value = lot.rule_value();
    let mut out: Vec<PartnerFit> = others
        .into_iter()
        .filter(|p| p.id != me.id && p.is_searchable())
        .filter_map(|p| {
            let lines: Vec<i64> = needed.iter().filter(|l| does(p, l)).map(|l| l.id).collect();
            let their_limit = rules::capacity(p).limit();
            let capacity_added_gbp = match (gap.shortfall_gbp, their_limit) {
                (Some(short), Some(theirs)) => short.min(theirs.pounds()),
                _ => 0,
            };
            // Capacity alone helps only from someone who could do part of the work.
            let adds_capacity = capacity_added_gbp > 0 && lot.lines.iter().any(|l| does(p, l));
            if lines.is_empty() && !adds_capacity {
                return None;
            }
            let every_line = gap.lines.iter().all(|id| lines.contains(id));
            let within = match (my_limit, their_limit) {
                (None, _) => true,
                (Some(mine), Some(theirs)) => {
                    value.pounds() <= mine.pounds().saturating_add(theirs.pounds())
                }
                // Its own capacity unknown: only a lot within ours is known to fit.
                (Some(mine), None) => value <= mine,
            };
            let distance_km = match (p.location, point) {
                (Some((a, b)), Some((c, d))) => Some(haversine_km(a, b, c, d)),
                _ => None,
            };
            Some(PartnerFit {
                supplier_id: p.id,
                lines,
                capacity_added_gbp,
                completes: every_line && within,
                distance_km,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.completes
            .cmp(&a.completes)
            .then_with(|| b.lines.len().cmp(&a.lines.len()))
            .then_with(|| b.capacity_added_gbp.cmp(&a.capacity_added_gbp))
            .then_with(|| {
                a.distance_km
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.distance_km.unwrap_or(f64::INFINITY))
            })
            .then_with(|| a.supplier_id.cmp(&b.supplier_id))
    });
    out.truncate(limit);
    (gap, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tendering::rules::tests::{line, place, supplier, PRESTON, SHEFFIELD, WIGAN};

    /// Grounds maintenance in Preston: two lines, £60k together.
    fn grounds_lot() -> OpenLot {
        OpenLot {
            lot_id: 10,
            tender_id: 1,
            lines: vec![
                line(1, "77314000", 40_000, Some(place("PR1", PRESTON))),
                line(2, "77211500", 20_000, Some(place("PR1", PRESTON))),
            ],
            value: Some(Gbp::new(60_000)),
            centre: Some(PRESTON),
        }
    }

    fn verdict_kind(v: &Verdict) -> &'static str {
        match v {
            Verdict::Eligible { .. } => "eligible",
            Verdict::NearMiss { .. } => "near miss",
            Verdict::NoMatch => "no match",
        }
    }

    fn fit_of(v: &Verdict) -> f64 {
        match v {
            Verdict::Eligible { fit, .. } | Verdict::NearMiss { fit, .. } => *fit,
            Verdict::NoMatch => 0.0,
        }
    }

    #[test]
    fn a_local_grounds_firm_that_does_both_lines_is_told_which_codes_matched_how_far_and_its_capacity(
    ) {
        let mut s = supplier(1, &["77310000", "77211500"]);
        s.max_contract_value_gbp = Some(100_000);
        let v = assess(&s, &grounds_lot());
        let Verdict::Eligible { reasons, fit } = v else {
            panic!("expected eligible, got {v:?}");
        };
        assert_eq!(
            reasons.codes,
            vec![
                CodeMatch {
                    line_id: 1,
                    line_cpv: "77314000".into(),
                    supplier_cpv: "77310000".into()
                },
                CodeMatch {
                    line_id: 2,
                    line_cpv: "77211500".into(),
                    supplier_cpv: "77211500".into()
                },
            ]
        );
        assert_eq!(reasons.distance_to, Some(DistanceTo::Delivery));
        assert!(reasons.distance_km.is_some_and(|d| d < 0.01));
        assert_eq!(reasons.lot_value_gbp, Some(60_000));
        assert_eq!(reasons.capacity_gbp, Some(100_000));
        let text = reasons.sentences().join(" | ");
        assert!(
            text.contains("on the branch of your code 77310000"),
            "{text}"
        );
        assert!(
            text.contains("0 km from you to the delivery place"),
            "{text}"
        );
        assert!(
            text.contains("£60,000, within your capacity of £100,000"),
            "{text}"
        );
        assert!((0.0..=1.0).contains(&fit));
    }

    #[test]
    fn a_firm_that_does_one_line_but_not_the_other_nearly_fits_and_is_told_the_line() {
        let s = supplier(1, &["77310000"]);
        let v = assess(&s, &grounds_lot());
        let Verdict::NearMiss { missed, .. } = &v else {
            panic!("expected a near miss, got {v:?}");
        };
        assert_eq!(missed, &Missed::Cpv { line_ids: vec![2] });
        assert_eq!(
            missed.sentence(),
            "None of your CPV codes is on the branch of line 2"
        );
    }

    #[test]
    fn a_firm_too_small_for_the_lot_nearly_fits_on_capacity() {
        let mut s = supplier(1, &["77000000"]);
        s.max_contract_value_gbp = Some(50_000);
        let v = assess(&s, &grounds_lot());
        let Verdict::NearMiss { missed, .. } = &v else {
            panic!("expected a near miss, got {v:?}");
        };
        assert_eq!(missed.rule(), "capacity");
        assert_eq!(
            missed.sentence(),
            "The lot is worth £60,000, more than your capacity of £50,000"
        );
    }

    #[test]
    fn a_sheffield_firm_in_the_trade_nearly_fits_a_preston_lot_on_place() {
        let mut s = supplier(1, &["77000000"]);
        s.location = Some(SHEFFIELD);
        let v = assess(&s, &grounds_lot());
        let Verdict::NearMiss { missed, .. } = &v else {
            panic!("expected a near miss, got {v:?}");
        };
        assert_eq!(
            missed,
            &Missed::Place {
                line_ids: vec![1, 2]
            }
        );
    }

    #[test]
    fn a_firm_missing_two_rules_is_no_match() {
        let mut s = supplier(1, &["77310000"]);
        s.max_contract_value_gbp = Some(10_000);
        assert_eq!(verdict_kind(&assess(&s, &grounds_lot())), "no match");
        let mut far = supplier(2, &["77310000"]);
        far.location = Some(SHEFFIELD);
        assert_eq!(verdict_kind(&assess(&far, &grounds_lot())), "no match");
    }

    #[test]
    fn a_lot_outside_the_firms_trade_is_no_match_even_next_door() {
        let builder = supplier(1, &["45000000"]);
        assert_eq!(verdict_kind(&assess(&builder, &grounds_lot())), "no match");
    }

    #[test]
    fn an_unpublished_or_suspended_firm_matches_nothing() {
        let mut s = supplier(1, &["77000000"]);
        s.published = false;
        assert_eq!(verdict_kind(&assess(&s, &grounds_lot())), "no match");
        s.published = true;
        s.active = false;
        assert_eq!(verdict_kind(&assess(&s, &grounds_lot())), "no match");
    }

    #[test]
    fn a_lot_without_a_value_is_within_any_capacity_and_says_so() {
        let mut s = supplier(1, &["77000000"]);
        s.max_contract_value_gbp = Some(1);
        let mut lot = grounds_lot();
        lot.value = None;
        let Verdict::Eligible { reasons, .. } = assess(&s, &lot) else {
            panic!("a lot without a value is within capacity");
        };
        assert!(reasons
            .sentences()
            .contains(&"The lot states no value".to_owned()));
    }

    #[test]
    fn without_delivery_places_distance_is_to_the_buyers_area() {
        let mut s = supplier(1, &["77000000"]);
        s.location = Some(WIGAN);
        let mut lot = grounds_lot();
        for l in &mut lot.lines {
            l.delivery = None;
        }
        let r = reasons(&s, &lot);
        assert_eq!(r.distance_to, Some(DistanceTo::BuyerArea));
        assert!(r.distance_km.is_some_and(|d| (20.0..30.0).contains(&d)));
        lot.centre = None;
        assert_eq!(reasons(&s, &lot).distance_km, None);
    }

    /// Judged as a buyer would: a specialist whose own codes are the lot's, next door and
    /// sized for it, is a better fit than a generalist who declared only the division, at
    /// the edge of its area, for whom the lot is small change.
    #[test]
    fn a_nearby_specialist_of_the_right_size_fits_better_than_a_distant_generalist() {
        let mut specialist = supplier(1, &["77314000", "77211500"]);
        specialist.max_contract_value_gbp = Some(80_000);
        let mut generalist = supplier(2, &["77000000"]);
        generalist.location = Some(WIGAN);
        generalist.service_radius_km = Some(30);
        generalist.max_contract_value_gbp = Some(5_000_000);
        let lot = grounds_lot();
        let a = assess(&specialist, &lot);
        let b = assess(&generalist, &lot);
        assert_eq!(verdict_kind(&a), "eligible");
        assert_eq!(verdict_kind(&b), "eligible");
        assert!(fit_of(&a) > fit_of(&b), "{a:?} vs {b:?}");
    }

    /// Judged as a supplier would: for a firm that takes contracts up to £50k, a £40k lot
    /// is worth more of its attention than a £2k one, and a lot below the smallest
    /// contract it says is worth bidding for is worth least.
    #[test]
    fn a_lot_using_a_good_share_of_capacity_fits_better_than_small_change() {
        let mut s = supplier(1, &["77310000"]);
        s.max_contract_value_gbp = Some(50_000);
        let lot_of = |value: u64| OpenLot {
            lot_id: value.try_into().expect("small"),
            tender_id: 1,
            lines: vec![line(1, "77314000", value, Some(place("PR1", PRESTON)))],
            value: Some(Gbp::new(value)),
            centre: None,
        };
        let big = fit_of(&assess(&s, &lot_of(40_000)));
        let small = fit_of(&assess(&s, &lot_of(2_000)));
        assert!(big > small, "{big} vs {small}");
        s.min_contract_value_gbp = Some(5_000);
        let below_minimum = fit_of(&assess(&s, &lot_of(4_000)));
        let above_minimum = fit_of(&assess(&s, &lot_of(6_000)));
        // Without the minimum the two would be within 0.02 of each other.
        assert!(
            above_minimum - below_minimum > 0.05,
            "{above_minimum} vs {below_minimum}"
        );
    }

    fn big_lot() -> OpenLot {
        // Grounds (line 1) and tree surgery (line 2) in Preston, £300k.
        OpenLot {
            lot_id: 20,
            tender_id: 2,
            lines: vec![
                line(1, "77314000", 200_000, Some(place("PR1", PRESTON))),
                line(2, "77211400", 100_000, Some(place("PR1", PRESTON))),
            ],
            value: Some(Gbp::new(300_000)),
            centre: Some(PRESTON),
        }
    }

    #[test]
    fn the_gap_names_the_lines_a_firm_cannot_do_and_its_capacity_shortfall() {
        let mut me = supplier(1, &["77314000"]);
        me.max_contract_value_gbp = Some(120_000);
        assert_eq!(
            gap(&me, &big_lot()),
            Gap {
                lines: vec![2],
                shortfall_gbp: Some(180_000)
            }
        );
        me.cpv.push(rules::tests::code("77211400"));
        me.max_contract_value_gbp = None;
        assert!(gap(&me, &big_lot()).is_empty());
    }

    /// Judged as the grounds firm would: the tree surgeon who does the missing line and
    /// brings enough capacity completes the bid and comes first; one who does the line
    /// but is too small comes next; a big grounds firm that only adds capacity comes after
    /// both (the missing line is still missing); a nearer partner beats an equal farther
    /// one; nobody who does none of the missing work is suggested.
    #[test]
    fn partners_are_ranked_by_what_they_complete_then_by_distance() {
        let mut me = supplier(1, &["77314000"]);
        me.max_contract_value_gbp = Some(120_000);
        let lot = big_lot();

        let mut completes = supplier(2, &["77211400"]);
        completes.max_contract_value_gbp = Some(200_000);
        completes.location = Some(WIGAN);
        let mut completes_near = completes.clone();
        completes_near.id = 3;
        completes_near.location = Some(PRESTON);
        let mut too_small = supplier(4, &["77211400"]);
        too_small.max_contract_value_gbp = Some(10_000);
        let mut capacity_only = supplier(5, &["77314000"]);
        capacity_only.max_contract_value_gbp = Some(1_000_000);
        let unrelated = supplier(6, &["45000000"]);
        let mut far_tree_surgeon = supplier(7, &["77211400"]);
        far_tree_surgeon.location = Some(SHEFFIELD);
        let mut unlisted = supplier(8, &["77211400"]);
        unlisted.published = false;

        let everyone = [
            me.clone(),
            capacity_only,
            too_small,
            unrelated,
            completes,
            far_tree_surgeon,
            unlisted,
            completes_near,
        ];
        let (gap, ranked) = partners(&me, &lot, &everyone, 10);
        assert_eq!(gap.lines, vec![2]);
        let order: Vec<i64> = ranked.iter().map(|p| p.supplier_id).collect();
        assert_eq!(order, vec![3, 2, 4, 5]);
        assert!(ranked[0].completes && ranked[1].completes && !ranked[2].completes);
        assert_eq!(ranked[0].capacity_added_gbp, 180_000);
        assert_eq!(ranked[2].capacity_added_gbp, 10_000);
        assert_eq!(
            (ranked[3].lines.len(), ranked[3].capacity_added_gbp),
            (0, 180_000)
        );
        assert!(ranked[0].distance_km < ranked[1].distance_km);
    }

    #[test]
    fn when_only_capacity_is_short_partners_in_the_trade_add_it() {
        let mut me = supplier(1, &["77000000"]);
        me.max_contract_value_gbp = Some(100_000);
        let mut big = supplier(2, &["77314000"]);
        big.max_contract_value_gbp = Some(250_000);
        let mut small = supplier(3, &["77211400"]);
        small.max_contract_value_gbp = Some(50_000);
        let outsider = supplier(4, &["45000000"]);
        let (gap, ranked) = partners(&me, &big_lot(), &[big, small, outsider], 10);
        assert!(gap.lines.is_empty());
        assert_eq!(gap.shortfall_gbp, Some(200_000));
        let order: Vec<(i64, bool)> = ranked
            .iter()
            .map(|p| (p.supplier_id, p.completes))
            .collect();
        assert_eq!(order, vec![(2, true), (3, false)]);
    }

    #[test]
    fn the_partner_list_is_cut_to_the_limit() {
        let me = supplier(1, &["77314000"]);
        let others: Vec<SupplierSnapshot> = (2..30).map(|id| supplier(id, &["77211400"])).collect();
        let (_, ranked) = partners(&me, &big_lot(), &others, 5);
        assert_eq!(ranked.len(), 5);
        assert_eq!(ranked[0].supplier_id, 2, "ties go to the lowest id");
    }
}
