//! Where a supplier works and how large a contract it can take: the two registry facts the
//! market check, the lot planner, opportunity matching and the supplier search all judge a
//! supplier by. Written once here so that every context applies the same rule.

use serde::{Deserialize, Serialize};

use crate::place::haversine_km;

/// The radius assumed when a supplier states neither a radius nor named outcodes.
pub const DEFAULT_SERVICE_RADIUS_KM: f64 = 50.0;

/// Where a supplier says it works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceArea<'a> {
    /// Centroid of the supplier's own outcode, `(latitude, longitude)`.
    pub location: Option<(f64, f64)>,
    /// Stated service radius in km.
    pub radius_km: Option<i32>,
    /// Outcodes the supplier names (upper case, e.g. `PR1`).
    pub outcodes: &'a [String],
}

impl ServiceArea<'_> {
    /// The radius that applies: the stated one; 50 km when neither a radius nor outcodes
    /// are stated; none when only outcodes are named (then only those count).
    #[must_use]
    pub fn effective_radius_km(&self) -> Option<f64> {
        match self.radius_km {
            Some(r) => Some(f64::from(r)),
            None if self.outcodes.is_empty() => Some(DEFAULT_SERVICE_RADIUS_KM),
            None => None,
        }
    }

    /// Whether the supplier serves a delivery place given by its outcode and centroid:
    /// the outcode is one it names, or the centroids are at most its radius apart.
    #[must_use]
    pub fn serves(&self, outcode: &str, centroid: (f64, f64)) -> bool {
        if self
            .outcodes
            .iter()
            .any(|o| o.eq_ignore_ascii_case(outcode))
        {
            return true;
        }
        match (self.location, self.effective_radius_km()) {
            (Some((lat, lon)), Some(km)) => haversine_km(lat, lon, centroid.0, centroid.1) <= km,
            _ => false,
        }
    }
}

/// The largest contract a supplier can take on, and where that figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", content = "gbp", rename_all = "snake_case")]
pub enum Capacity {
    /// The supplier's stated maximum contract value.
    Declared(i64),
    /// Half the stated annual turnover, when no maximum is stated.
    HalfTurnover(i64),
    /// Neither is stated: the supplier counts as able to take any value, and the evidence
    /// says "capacity not stated".
    NotStated,
}

impl Capacity {
    /// The rule: the stated maximum contract value; else half the turnover; else not stated.
    #[must_use]
    pub fn of(max_contract_value_gbp: Option<i64>, turnover_gbp: Option<i64>) -> Self {
        match (max_contract_value_gbp, turnover_gbp) {
            (Some(max), _) => Self::Declared(max),
            (None, Some(turnover)) => Self::HalfTurnover(turnover / 2),
            (None, None) => Self::NotStated,
        }
    }

    /// Whether a contract of `value_gbp` is within this capacity.
    #[must_use]
    pub const fn can_take(self, value_gbp: i64) -> bool {
        match self {
            Self::Declared(limit) | Self::HalfTurnover(limit) => value_gbp <= limit,
            Self::NotStated => true,
        }
    }

    /// The figure in pounds, when there is one.
    #[must_use]
    pub const fn gbp(self) -> Option<i64> {
        match self {
            Self::Declared(limit) | Self::HalfTurnover(limit) => Some(limit),
            Self::NotStated => None,
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
            Capacity::Declared(100_000)
        );
        assert_eq!(
            Capacity::of(None, Some(1_000_000)),
            Capacity::HalfTurnover(500_000)
        );
        assert_eq!(Capacity::of(None, None), Capacity::NotStated);
    }

    #[test]
    fn a_contract_at_the_limit_is_within_capacity() {
        assert!(Capacity::Declared(50_000).can_take(50_000));
        assert!(!Capacity::Declared(50_000).can_take(50_001));
        assert!(Capacity::HalfTurnover(20_000).can_take(20_000));
        assert!(Capacity::NotStated.can_take(i64::MAX));
    }
}
