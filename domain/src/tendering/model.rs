//! A tender as the planner sees it: requirement lines, the buyer's local area and the
//! buyer's limits on lots. Loaded by the backend from the database (or an imported OCDS
//! release) and handed to [`super::TenderMarket::new`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::cpv::CpvCode;
use crate::place::{Outcode, Place};
use crate::text::Gbp;

/// Where a line is delivered, at outcode level: the outcode and its centroid from the
/// outcode table (a postcode is reduced to its outcode before it gets here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryPlace {
    pub outcode: Outcode,
    pub lat: f64,
    pub lon: f64,
}

/// One requirement line (OCDS: an item).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderLine {
    /// The item's id; unique within the tender.
    pub id: i64,
    pub cpv: CpvCode,
    /// Estimated value of the line, in whole pounds.
    pub value_gbp: Gbp,
    /// `None` when the line has no delivery postcode: every supplier serves it.
    pub delivery: Option<DeliveryPlace>,
}

/// The buyer's local area, which decides who is a *local* supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalArea {
    /// Suppliers whose own outcode is one of these.
    Outcodes(BTreeSet<Outcode>),
    /// Suppliers whose outcode centroid is within `within_km` of the centroid of `near`.
    Near {
        /// The postcode or outcode the buyer typed (kept for links and display).
        near: Place,
        lat: f64,
        lon: f64,
        within_km: f64,
    },
}

/// The limits the buyer puts on a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanConstraints {
    /// At most this many lots.
    pub max_lots: u32,
    /// Every lot is worth at least this much.
    pub min_lot_value_gbp: Gbp,
    /// Every lot has at least this many eligible suppliers (of any kind).
    pub min_bidders_per_lot: u32,
}

impl Default for PlanConstraints {
    fn default() -> Self {
        Self {
            max_lots: 10,
            min_lot_value_gbp: Gbp::new(0),
            min_bidders_per_lot: 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_constraints_take_the_documented_defaults() {
        let c: PlanConstraints =
            serde_json::from_str(r#"{"max_lots": 4}"#).expect("valid constraints");
        assert_eq!(
            c,
            PlanConstraints {
                max_lots: 4,
                min_lot_value_gbp: Gbp::new(0),
                min_bidders_per_lot: 3
            }
        );
        assert_eq!(PlanConstraints::default().max_lots, 10);
    }
}
