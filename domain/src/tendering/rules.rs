//! The lot planner's rules, one small function each, exactly as the product defines them.
//! The planner and market depth run a compiled form of these (see `TenderMarket`), and the
//! tests check the compiled form against these functions.

use serde::{Deserialize, Serialize};

use super::model::{DeliveryPlace, LocalArea, TenderLine};
use crate::cpv::CpvCode;
use crate::place::{haversine_km, Outcode};
use crate::registry::SupplierSnapshot;
pub use crate::registry::{Capacity, DEFAULT_SERVICE_RADIUS_KM};
use crate::text::Gbp;

/// A supplier *covers* a line when one of its CPV codes lies on the line code's branch:
/// equal, an ancestor or a descendant.
#[must_use]
pub fn covers(supplier: &SupplierSnapshot, line: &TenderLine) -> bool {
    covers_code(supplier, &line.cpv)
}

/// [`covers`] for a bare CPV code (a search filter has no line).
#[must_use]
pub fn covers_code(supplier: &SupplierSnapshot, code: &CpvCode) -> bool {
    supplier.cpv.iter().any(|c| c.on_branch_of(code))
}

/// A supplier *serves* a delivery place when there is none, when it names the outcode
/// among its service outcodes, or when its outcode centroid is within its service radius
/// of the place's centroid.
///
/// With no radius and no outcodes stated the radius is [`DEFAULT_SERVICE_RADIUS_KM`];
/// with outcodes but no radius only the outcodes count; a supplier without a location
/// serves only the outcodes it names.
#[must_use]
pub fn serves(supplier: &SupplierSnapshot, place: Option<&DeliveryPlace>) -> bool {
    let Some(place) = place else {
        return true;
    };
    supplier
        .service_area()
        .serves(place.outcode.as_str(), (place.lat, place.lon))
}

/// True when the supplier names `outcode` among its service outcodes (any spelling).
#[must_use]
pub fn names_outcode(supplier: &SupplierSnapshot, outcode: &Outcode) -> bool {
    supplier.service_area().names_outcode(outcode.as_str())
}

/// The circle a supplier serves beyond its named outcodes (see [`crate::registry::ServiceArea::reach`]).
#[must_use]
pub fn service_reach(supplier: &SupplierSnapshot) -> Option<((f64, f64), f64)> {
    supplier.service_area().reach()
}

/// The maximum contract value when stated, else half the turnover, else not stated.
#[must_use]
pub fn capacity(supplier: &SupplierSnapshot) -> Capacity {
    supplier.capacity()
}

/// The value of a lot: the sum of its lines (saturating, so absurd inputs cannot wrap).
#[must_use]
pub fn lot_value<'a>(lines: impl IntoIterator<Item = &'a TenderLine>) -> Gbp {
    Gbp::new(
        lines
            .into_iter()
            .fold(0u64, |sum, l| sum.saturating_add(l.value_gbp.pounds())),
    )
}

/// Why a supplier cannot bid for a lot (the first reason found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotEligible {
    #[error("its profile is not published or its organisation is suspended")]
    NotSearchable,
    #[error("none of its CPV codes is on the branch of line {line_id}")]
    DoesNotCover { line_id: i64 },
    #[error("it does not work where line {line_id} is delivered")]
    DoesNotServe { line_id: i64 },
    #[error("the lot is worth {lot_value}, more than it can take ({capacity})")]
    OverCapacity { lot_value: Gbp, capacity: Gbp },
}

/// Whether a supplier is *eligible* for a lot of these lines: searchable, covers and
/// serves every line, and the lot's value is within its capacity. On success, the
/// capacity it was judged on (so evidence can say "capacity not stated").
///
/// # Errors
/// The first rule the supplier fails, as a [`NotEligible`].
pub fn eligibility<'a>(
    supplier: &SupplierSnapshot,
    lines: impl IntoIterator<Item = &'a TenderLine> + Clone,
) -> Result<Capacity, NotEligible> {
    if !supplier.is_searchable() {
        return Err(NotEligible::NotSearchable);
    }
    for line in lines.clone() {
        if !covers(supplier, line) {
            return Err(NotEligible::DoesNotCover { line_id: line.id });
        }
        if !serves(supplier, line.delivery.as_ref()) {
            return Err(NotEligible::DoesNotServe { line_id: line.id });
        }
    }
    let cap = capacity(supplier);
    let value = lot_value(lines);
    match cap.limit() {
        Some(limit) if value > limit => Err(NotEligible::OverCapacity {
            lot_value: value,
            capacity: limit,
        }),
        _ => Ok(cap),
    }
}

/// Every rule the supplier fails for a lot of these lines worth `value`, in the order
/// [`eligibility`] checks them (so the first is the one it reports): not searchable, then
/// per line "does not cover" and "does not serve", then over capacity. Empty when it is
/// eligible. Opportunities use it to tell a near miss (one rule missed) from no match.
#[must_use]
pub fn failures<'a>(
    supplier: &SupplierSnapshot,
    lines: impl IntoIterator<Item = &'a TenderLine>,
    value: Gbp,
) -> Vec<NotEligible> {
    let mut out = Vec::new();
    if !supplier.is_searchable() {
        out.push(NotEligible::NotSearchable);
    }
    for line in lines {
        if !covers(supplier, line) {
            out.push(NotEligible::DoesNotCover { line_id: line.id });
        }
        if !serves(supplier, line.delivery.as_ref()) {
            out.push(NotEligible::DoesNotServe { line_id: line.id });
        }
    }
    if let Some(limit) = capacity(supplier).limit() {
        if value > limit {
            out.push(NotEligible::OverCapacity {
                lot_value: value,
                capacity: limit,
            });
        }
    }
    out
}

/// True when [`eligibility`] succeeds.
#[must_use]
pub fn is_eligible<'a>(
    supplier: &SupplierSnapshot,
    lines: impl IntoIterator<Item = &'a TenderLine> + Clone,
) -> bool {
    eligibility(supplier, lines).is_ok()
}

/// A supplier is *local* when its outcode is one of the area's outcodes, or its outcode
/// centroid is within the area's radius of the area's centre.
#[must_use]
pub fn is_local(supplier: &SupplierSnapshot, area: &LocalArea) -> bool {
    match area {
        LocalArea::Outcodes(outcodes) => supplier
            .outcode
            .as_deref()
            .and_then(|o| Outcode::parse(o).ok())
            .is_some_and(|o| outcodes.contains(&o)),
        LocalArea::Near {
            lat,
            lon,
            within_km,
            ..
        } => supplier
            .location
            .is_some_and(|(s_lat, s_lon)| haversine_km(s_lat, s_lon, *lat, *lon) <= *within_km),
    }
}

/// A *target* supplier: local, and an SME or in the social economy. Reach counts these.
#[must_use]
pub fn is_target(supplier: &SupplierSnapshot, area: &LocalArea) -> bool {
    is_local(supplier, area) && (supplier.is_sme() || supplier.social_economy)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::place::Place;
    use crate::registry::{LegalForm, SizeClass};

    pub(crate) fn supplier(id: i64, cpv: &[&str]) -> SupplierSnapshot {
        SupplierSnapshot {
            id,
            name: format!("Supplier {id}"),
            legal_form: Some(LegalForm::PrivateLimitedCompany),
            size: Some(SizeClass::Micro),
            published: true,
            active: true,
            postcode: Some("PR1 2HE".into()),
            outcode: Some("PR1".into()),
            town: "Preston".into(),
            location: Some(PRESTON),
            cpv: cpv.iter().map(|c| code(c)).collect(),
            employees: Some(4),
            ..SupplierSnapshot::default()
        }
    }

    pub(crate) const PRESTON: (f64, f64) = (53.7632, -2.7031);
    /// About 40 km south of Preston.
    pub(crate) const WIGAN: (f64, f64) = (53.5448, -2.6318);
    /// About 120 km south-east of Preston.
    pub(crate) const SHEFFIELD: (f64, f64) = (53.3811, -1.4701);

    pub(crate) fn code(s: &str) -> CpvCode {
        CpvCode::parse(s).expect("test CPV codes are well formed")
    }

    pub(crate) fn outcode(s: &str) -> Outcode {
        Outcode::parse(s).expect("test outcodes are well formed")
    }

    pub(crate) fn place(o: &str, (lat, lon): (f64, f64)) -> DeliveryPlace {
        DeliveryPlace {
            outcode: outcode(o),
            lat,
            lon,
        }
    }

    pub(crate) fn line(
        id: i64,
        cpv: &str,
        value: u64,
        delivery: Option<DeliveryPlace>,
    ) -> TenderLine {
        TenderLine {
            id,
            cpv: code(cpv),
            value_gbp: Gbp::new(value),
            delivery,
        }
    }

    fn near_preston(km: f64) -> LocalArea {
        LocalArea::Near {
            near: Place::Outcode(outcode("PR1")),
            lat: PRESTON.0,
            lon: PRESTON.1,
            within_km: km,
        }
    }

    #[test]
    fn a_supplier_covers_a_line_on_its_branch_above_or_below() {
        let l = line(1, "77314000", 10, None);
        assert!(covers(&supplier(1, &["77000000"]), &l));
        assert!(covers(&supplier(1, &["77314000"]), &l));
        assert!(covers(&supplier(1, &["77314100"]), &l));
        assert!(covers(&supplier(1, &["45000000", "77310000"]), &l));
    }

    #[test]
    fn a_supplier_on_a_sibling_branch_or_with_no_codes_does_not_cover() {
        let l = line(1, "77314000", 10, None);
        assert!(!covers(&supplier(1, &["77313000"]), &l));
        assert!(!covers(&supplier(1, &["90000000"]), &l));
        assert!(!covers(&supplier(1, &[]), &l));
    }

    #[test]
    fn every_supplier_serves_a_line_without_a_delivery_place() {
        let mut s = supplier(1, &[]);
        s.location = None;
        s.service_outcodes = vec!["BB1".into()];
        assert!(serves(&s, None));
    }

    #[test]
    fn a_named_service_outcode_serves_regardless_of_distance_and_spelling() {
        let mut s = supplier(1, &[]);
        s.service_radius_km = Some(1);
        s.service_outcodes = vec![" s1 ".into()];
        assert!(serves(&s, Some(&place("S1", SHEFFIELD))));
    }

    #[test]
    fn the_stated_radius_decides_when_the_outcode_is_not_named() {
        let mut s = supplier(1, &[]);
        let wigan = place("WN1", WIGAN);
        let d = haversine_km(PRESTON.0, PRESTON.1, WIGAN.0, WIGAN.1);
        assert!((20.0..30.0).contains(&d), "Wigan is {d} km away");
        s.service_radius_km = Some(30);
        assert!(serves(&s, Some(&wigan)));
        s.service_radius_km = Some(20);
        assert!(!serves(&s, Some(&wigan)));
    }

    #[test]
    fn the_radius_is_inclusive_at_exactly_its_distance() {
        let mut s = supplier(1, &[]);
        s.service_radius_km = Some(0);
        assert!(serves(&s, Some(&place("PR1", PRESTON))));
        s.location = Some((0.0, 0.0));
        s.service_radius_km = Some(10);
        let ten_km_north = (10.0 / crate::place::EARTH_RADIUS_KM).to_degrees();
        assert!(serves(
            &s,
            Some(&place("PR1", (ten_km_north * 0.999_999, 0.0)))
        ));
        assert!(!serves(
            &s,
            Some(&place("PR1", (ten_km_north * 1.000_01, 0.0)))
        ));
    }

    #[test]
    fn no_radius_and_no_outcodes_means_fifty_kilometres() {
        let s = supplier(1, &[]);
        assert!(serves(&s, Some(&place("WN1", WIGAN))));
        assert!(!serves(&s, Some(&place("S1", SHEFFIELD))));
        let mut far = s.clone();
        far.service_radius_km = Some(200);
        assert!(serves(&far, Some(&place("S1", SHEFFIELD))));
    }

    #[test]
    fn outcodes_without_a_radius_mean_only_those_outcodes() {
        let mut s = supplier(1, &[]);
        s.service_outcodes = vec!["PR2".into()];
        assert!(!serves(&s, Some(&place("PR1", PRESTON))));
        assert!(serves(&s, Some(&place("PR2", PRESTON))));
    }

    #[test]
    fn outcodes_and_a_radius_both_count() {
        let mut s = supplier(1, &[]);
        s.service_outcodes = vec!["S1".into()];
        s.service_radius_km = Some(30);
        assert!(serves(&s, Some(&place("S1", SHEFFIELD))));
        assert!(serves(&s, Some(&place("WN1", WIGAN))));
        assert!(!serves(&s, Some(&place("S2", SHEFFIELD))));
    }

    #[test]
    fn a_supplier_without_a_location_serves_only_named_outcodes() {
        let mut s = supplier(1, &[]);
        s.location = None;
        assert!(!serves(&s, Some(&place("PR1", PRESTON))));
        s.service_radius_km = Some(500);
        assert!(!serves(&s, Some(&place("PR1", PRESTON))));
        s.service_outcodes = vec!["PR1".into()];
        assert!(serves(&s, Some(&place("PR1", PRESTON))));
    }

    #[test]
    fn blank_service_outcodes_do_not_count_as_stated() {
        let mut s = supplier(1, &[]);
        s.service_outcodes = vec!["  ".into()];
        assert!(serves(&s, Some(&place("WN1", WIGAN))));
    }

    #[test]
    fn capacity_is_the_maximum_contract_value_when_stated() {
        let mut s = supplier(1, &[]);
        s.max_contract_value_gbp = Some(40_000);
        s.turnover_gbp = Some(1_000_000);
        assert_eq!(capacity(&s), Capacity::MaxContractValue(Gbp::new(40_000)));
    }

    #[test]
    fn capacity_is_half_the_turnover_without_a_maximum() {
        let mut s = supplier(1, &[]);
        s.turnover_gbp = Some(100_001);
        assert_eq!(capacity(&s), Capacity::HalfTurnover(Gbp::new(50_000)));
        assert!(capacity(&s).admits(Gbp::new(50_000)));
        assert!(!capacity(&s).admits(Gbp::new(50_001)));
    }

    #[test]
    fn capacity_not_stated_admits_any_value_and_says_so() {
        let s = supplier(1, &[]);
        assert_eq!(capacity(&s), Capacity::NotStated);
        assert!(Capacity::NotStated.admits(Gbp::new(u64::MAX)));
        assert_eq!(Capacity::NotStated.to_string(), "capacity not stated");
    }

    #[test]
    fn a_zero_or_negative_maximum_admits_only_a_zero_value_lot() {
        let mut s = supplier(1, &[]);
        s.max_contract_value_gbp = Some(-5);
        assert!(capacity(&s).admits(Gbp::new(0)));
        assert!(!capacity(&s).admits(Gbp::new(1)));
    }

    #[test]
    fn eligible_means_covers_and_serves_every_line_within_capacity() {
        let mut s = supplier(7, &["77310000", "90910000"]);
        s.max_contract_value_gbp = Some(30_000);
        let a = line(1, "77314000", 10_000, Some(place("WN1", WIGAN)));
        let b = line(2, "90911200", 20_000, None);
        assert_eq!(
            eligibility(&s, [&a, &b]),
            Ok(Capacity::MaxContractValue(Gbp::new(30_000)))
        );
        let c = line(3, "90911200", 20_001, None);
        assert_eq!(
            eligibility(&s, [&a, &c]),
            Err(NotEligible::OverCapacity {
                lot_value: Gbp::new(30_001),
                capacity: Gbp::new(30_000)
            })
        );
        let far = line(4, "77314000", 1, Some(place("S1", SHEFFIELD)));
        assert_eq!(
            eligibility(&s, [&a, &far]),
            Err(NotEligible::DoesNotServe { line_id: 4 })
        );
        let other = line(5, "45000000", 1, None);
        assert_eq!(
            eligibility(&s, [&other]),
            Err(NotEligible::DoesNotCover { line_id: 5 })
        );
    }

    #[test]
    fn all_failures_are_listed_and_the_first_is_the_one_eligibility_reports() {
        let mut s = supplier(7, &["77310000"]);
        s.max_contract_value_gbp = Some(5_000);
        let near = line(1, "77314000", 4_000, Some(place("WN1", WIGAN)));
        let far = line(2, "77314000", 1_000, Some(place("S1", SHEFFIELD)));
        let other = line(3, "45000000", 1_000, Some(place("S1", SHEFFIELD)));
        let cases: [Vec<&TenderLine>; 5] = [
            vec![&near],
            vec![&near, &far],
            vec![&near, &other],
            vec![&other, &far, &near],
            vec![],
        ];
        for lines in cases {
            let all = failures(&s, lines.iter().copied(), lot_value(lines.iter().copied()));
            assert_eq!(
                eligibility(&s, lines.iter().copied()).err(),
                all.first().cloned(),
                "{lines:?}"
            );
        }
        assert_eq!(
            failures(&s, [&near, &other], Gbp::new(5_000)),
            vec![
                NotEligible::DoesNotCover { line_id: 3 },
                NotEligible::DoesNotServe { line_id: 3 }
            ]
        );
        assert_eq!(
            failures(&s, [&near, &other], Gbp::new(5_001)).len(),
            3,
            "cover, place and capacity all missed"
        );
        s.active = false;
        assert_eq!(
            failures(&s, [&near], Gbp::new(1)),
            vec![NotEligible::NotSearchable]
        );
    }

    #[test]
    fn unpublished_or_suspended_suppliers_are_never_eligible() {
        let a = line(1, "77314000", 1, None);
        let mut s = supplier(1, &["77000000"]);
        assert!(is_eligible(&s, [&a]));
        s.published = false;
        assert_eq!(eligibility(&s, [&a]), Err(NotEligible::NotSearchable));
        s.published = true;
        s.active = false;
        assert!(!is_eligible(&s, [&a]));
    }

    #[test]
    fn a_supplier_without_capacity_is_eligible_for_any_value() {
        let s = supplier(1, &["77000000"]);
        let big = line(1, "77314000", 900_000_000, None);
        assert_eq!(eligibility(&s, [&big]), Ok(Capacity::NotStated));
    }

    #[test]
    fn local_by_outcode_list_compares_outcodes_in_any_spelling() {
        let area = LocalArea::Outcodes([outcode("PR1"), outcode("PR2")].into());
        let mut s = supplier(1, &[]);
        s.outcode = Some("pr2".into());
        assert!(is_local(&s, &area));
        s.outcode = Some("PR3".into());
        assert!(!is_local(&s, &area));
        s.outcode = None;
        assert!(!is_local(&s, &area));
    }

    #[test]
    fn local_by_radius_measures_from_the_area_centre() {
        let mut s = supplier(1, &[]);
        s.location = Some(WIGAN);
        assert!(is_local(&s, &near_preston(30.0)));
        assert!(!is_local(&s, &near_preston(20.0)));
        s.location = None;
        assert!(!is_local(&s, &near_preston(1000.0)));
    }

    #[test]
    fn a_target_is_local_and_an_sme_or_social_economy() {
        let area = near_preston(10.0);
        let mut s = supplier(1, &[]);
        assert!(is_target(&s, &area));
        s.size = Some(SizeClass::Large);
        assert!(!is_target(&s, &area));
        s.social_economy = true;
        assert!(is_target(&s, &area));
        s.size = None;
        assert!(is_target(&s, &area));
        s.location = Some(SHEFFIELD);
        assert!(!is_target(&s, &area));
    }
}
