//! Where a supplier works and how large a contract it can take: the two registry facts the
//! market check, the lot planner, opportunity matching and the supplier search all judge a
//! supplier by. Written once here so that every context applies the same rule.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::place::haversine_km;
use crate::text::Gbp;

/// The radius assumed when a supplier states neither a radius nor named outcodes.
pub const DEFAULT_SERVICE_RADIUS_KM: f64 = 50.0;

/// Where a supplier says it works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceArea<'a> {
    /// Centroid of the supplier's own outcode, `(latitude, longitude)`.
    pub location: Option<(f64, f64)>,
    /// Stated service radius in km.
    pub radius_km: Option<i32>,
    /// Outcodes the supplier names (e.g. `PR1`; blank entries are ignored).
    pub outcodes: &'a [String],
}

impl ServiceArea<'_> {
    fn names_any_outcode(&self) -> bool {
        self.outcodes.iter().any(|o| !o.trim().is_empty())
    }

    /// True when the supplier names `outcode` among the places it works (any spacing or
    /// case).
    #[must_use]
    pub fn names_outcode(&self, outcode: &str) -> bool {
        let wanted = compact_upper(outcode);
        !wanted.is_empty() && self.outcodes.iter().any(|o| compact_upper(o) == wanted)
    }

    /// The circle the supplier serves beyond its named outcodes, as its location and the
    /// radius in km: the stated radius; 50 km when it states neither a radius nor
    /// outcodes; no circle when it names only outcodes or its location is unknown.
    #[must_use]
    pub fn reach(&self) -> Option<((f64, f64), f64)> {
        let radius = match self.radius_km {
            Some(km) => f64::from(km.max(0)),
            None if self.names_any_outcode() => return None,
            None => DEFAULT_SERVICE_RADIUS_KM,
        };
        self.location.map(|location| (location, radius))
    }

    /// Whether the supplier serves a delivery place given by its outcode and centroid:
    /// the outcode is one it names, or the centroids are at most its radius apart.
    #[must_use]
    pub fn serves(&self, outcode: &str, centroid: (f64, f64)) -> bool {
        self.names_outcode(outcode)
            || self.reach().is_some_and(|((lat, lon), km)| {
                haversine_km(lat, lon, centroid.0, centroid.1) <= km
            })
    }
}

fn compact_upper(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The largest contract a supplier can take on, and where that figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", content = "gbp", rename_all = "snake_case")]
pub enum Capacity {
    /// Its stated maximum contract value.
    MaxContractValue(Gbp),
    /// Half its turnover, when it states no maximum contract value.
    HalfTurnover(Gbp),
    /// Neither stated: it counts as able to take any value, and the evidence says
    /// "capacity not stated".
    NotStated,
}

impl Capacity {
    /// The rule: the stated maximum contract value; else half the turnover; else not
    /// stated. A negative figure (never accepted by the forms) counts as zero.
    #[must_use]
    pub fn of(max_contract_value_gbp: Option<i64>, turnover_gbp: Option<i64>) -> Self {
        let pounds = |v: i64| Gbp::new(u64::try_from(v).unwrap_or(0));
        match (max_contract_value_gbp, turnover_gbp) {
            (Some(max), _) => Self::MaxContractValue(pounds(max)),
            (None, Some(turnover)) => Self::HalfTurnover(Gbp::new(pounds(turnover).pounds() / 2)),
            (None, None) => Self::NotStated,
        }
    }

    /// The largest value, `None` when unbounded.
    #[must_use]
    pub const fn limit(self) -> Option<Gbp> {
        match self {
            Self::MaxContractValue(g) | Self::HalfTurnover(g) => Some(g),
            Self::NotStated => None,
        }
    }

    /// True when a contract worth `value` is within the capacity (the limit itself is).
    #[must_use]
    pub fn admits(self, value: Gbp) -> bool {
        self.limit().is_none_or(|limit| value <= limit)
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MaxContractValue(g) => write!(f, "takes contracts up to {g}"),
            Self::HalfTurnover(g) => write!(f, "up to {g} (half its turnover)"),
            Self::NotStated => f.write_str("capacity not stated"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRESTON: (f64, f64) = (53.7632, -2.7031);
    const BLACKPOOL: (f64, f64) = (53.8175, -3.0357); // about 23 km from Preston
    const LONDON: (f64, f64) = (51.5074, -0.1278);

    fn area(radius_km: Option<i32>, outcodes: &[String]) -> ServiceArea<'_> {
        ServiceArea {
            location: Some(PRESTON),
            radius_km,
            outcodes,
        }
    }

    #[test]
    fn a_supplier_stating_nothing_serves_within_fifty_km() {
        assert!(area(None, &[]).serves("FY1", BLACKPOOL));
        assert!(!area(None, &[]).serves("SW1A", LONDON));
    }

    #[test]
    fn a_stated_radius_replaces_the_default() {
        assert!(!area(Some(10), &[]).serves("FY1", BLACKPOOL));
        assert!(area(Some(400), &[]).serves("SW1A", LONDON));
    }

    #[test]
    fn named_outcodes_without_a_radius_are_the_whole_area() {
        let named = vec!["SW1A".to_owned()];
        assert!(area(None, &named).serves("sw1a", LONDON));
        assert!(!area(None, &named).serves("FY1", BLACKPOOL));
    }

    #[test]
    fn named_outcodes_add_to_a_stated_radius() {
        let named = vec!["SW1A".to_owned()];
        assert!(area(Some(30), &named).serves("FY1", BLACKPOOL));
        assert!(area(Some(30), &named).serves("SW1A", LONDON));
    }

    #[test]
    fn named_outcodes_match_in_any_spacing_or_case_and_blanks_are_ignored() {
        let named = vec!["  ".to_owned(), "fy 1".to_owned()];
        assert!(area(None, &named).names_outcode("FY1"));
        assert!(!area(None, &named).names_outcode(""));
        let blank = vec![" ".to_owned()];
        assert!(
            area(None, &blank).serves("FY1", BLACKPOOL),
            "a blank entry is not a named area"
        );
    }

    #[test]
    fn a_supplier_without_a_location_serves_only_named_outcodes() {
        let named = vec!["FY1".to_owned()];
        let nowhere = ServiceArea {
            location: None,
            radius_km: Some(500),
            outcodes: &named,
        };
        assert!(nowhere.serves("FY1", BLACKPOOL));
        assert!(!nowhere.serves("PR1", PRESTON));
    }

    #[test]
    fn capacity_is_the_stated_maximum_then_half_the_turnover_then_not_stated() {
        assert_eq!(
            Capacity::of(Some(100_000), Some(1_000_000)),
            Capacity::MaxContractValue(Gbp::new(100_000))
        );
        assert_eq!(
            Capacity::of(None, Some(1_000_000)),
            Capacity::HalfTurnover(Gbp::new(500_000))
        );
        assert_eq!(Capacity::of(Some(-5), None).limit(), Some(Gbp::new(0)));
        assert_eq!(Capacity::of(None, None), Capacity::NotStated);
    }

    #[test]
    fn a_contract_at_the_limit_is_within_capacity() {
        let gbp = Gbp::new;
        assert!(Capacity::MaxContractValue(gbp(50_000)).admits(gbp(50_000)));
        assert!(!Capacity::MaxContractValue(gbp(50_000)).admits(gbp(50_001)));
        assert!(Capacity::HalfTurnover(gbp(20_000)).admits(gbp(20_000)));
        assert!(Capacity::NotStated.admits(gbp(u64::MAX)));
        assert_eq!(Capacity::NotStated.to_string(), "capacity not stated");
    }
}
