//! The registry's read model: one supplier as every other context sees it (search, export,
//! shortlists, market depth, the lot planner, spend matching), and the one rule for which
//! suppliers are visible to buyers at all.

use serde::{Deserialize, Serialize};

use super::identifier::OrgIdentifier;
use super::org::{Accreditation, LegalForm, SizeClass};
use super::service::{Capacity, ServiceArea};
use crate::cpv::CpvCode;

/// A past contract or case study, as text the search and the evidence can show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PastContract {
    pub buyer_name: String,
    pub value_gbp: Option<i64>,
    pub year: Option<i32>,
    pub description: String,
}

/// Everything the other contexts read about a supplier, loaded in one place.
///
/// Built by the registry's loader from the profile and its child rows; never written back.
/// `Default` is an empty, unpublished draft (useful for building one in tests and tools).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupplierSnapshot {
    /// The supplier organisation's id.
    pub id: i64,
    pub name: String,
    /// Empty when the supplier trades under its legal name.
    pub trading_name: String,
    pub legal_form: Option<LegalForm>,
    /// Derived from headcount and turnover; `None` until the headcount is known.
    pub size: Option<SizeClass>,
    /// Co-operatives, societies, CICs, charities and companies limited by guarantee.
    pub social_economy: bool,
    /// The profile is published (not a draft).
    pub published: bool,
    /// The organisation is active (not suspended).
    pub active: bool,
    /// At least one identifier checked by the platform team.
    pub verified: bool,
    pub postcode: Option<String>,
    pub outcode: Option<String>,
    pub town: String,
    /// Centroid of the supplier's outcode, `(latitude, longitude)`.
    pub location: Option<(f64, f64)>,
    /// How far the supplier says it works, in km.
    pub service_radius_km: Option<i32>,
    /// Outcodes the supplier names as places it works.
    pub service_outcodes: Vec<String>,
    pub cpv: Vec<CpvCode>,
    pub capability_statement: String,
    pub keywords: Vec<String>,
    pub contracts: Vec<PastContract>,
    pub employees: Option<i32>,
    pub turnover_gbp: Option<i64>,
    pub max_contract_value_gbp: Option<i64>,
    pub min_contract_value_gbp: Option<i64>,
    pub local_staff_pct: Option<i16>,
    pub local_spend_pct: Option<i16>,
    pub accreditations: Vec<Accreditation>,
    pub identifiers: Vec<OrgIdentifier>,
    pub vat_number: String,
    /// Empty when not given.
    pub website: String,
    /// The supplier's public contact address; empty when not given.
    pub email: String,
    /// Seconds since the Unix epoch.
    pub updated_at: i64,
}

impl SupplierSnapshot {
    /// The one rule for whether buyers can see a supplier at all: its profile is
    /// published and its organisation is not suspended. Search, export, market depth, the
    /// lot planner and opportunity matching all ask this and nothing else.
    #[must_use]
    pub const fn is_searchable(&self) -> bool {
        self.published && self.active
    }

    /// Micro, small or medium (a supplier without a size class is not counted as an SME).
    #[must_use]
    pub fn is_sme(&self) -> bool {
        self.size.is_some_and(SizeClass::is_sme)
    }

    /// Where the supplier says it works.
    #[must_use]
    pub fn service_area(&self) -> ServiceArea<'_> {
        ServiceArea {
            location: self.location,
            radius_km: self.service_radius_km,
            outcodes: &self.service_outcodes,
        }
    }

    /// The largest contract the supplier can take on.
    #[must_use]
    pub fn capacity(&self) -> Capacity {
        Capacity::of(self.max_contract_value_gbp, self.turnover_gbp)
    }

    /// The name buyers know the supplier by.
    #[must_use]
    pub fn display_name(&self) -> &str {
        if self.trading_name.trim().is_empty() {
            &self.name
        } else {
            &self.trading_name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn snapshot() -> SupplierSnapshot {
        SupplierSnapshot {
            id: 1,
            name: "Ribble Valley Joinery Ltd".into(),
            legal_form: Some(LegalForm::PrivateLimitedCompany),
            size: Some(SizeClass::Micro),
            published: true,
            active: true,
            postcode: Some("PR1 2HE".into()),
            outcode: Some("PR1".into()),
            town: "Preston".into(),
            location: Some((53.76, -2.70)),
            employees: Some(4),
            ..SupplierSnapshot::default()
        }
    }

    #[test]
    fn only_published_profiles_of_active_organisations_are_searchable() {
        let mut s = snapshot();
        assert!(s.is_searchable());
        s.published = false;
        assert!(!s.is_searchable());
        s.published = true;
        s.active = false;
        assert!(!s.is_searchable());
    }

    #[test]
    fn a_supplier_without_a_size_class_is_not_an_sme() {
        let mut s = snapshot();
        assert!(s.is_sme());
        s.size = Some(SizeClass::Large);
        assert!(!s.is_sme());
        s.size = None;
        assert!(!s.is_sme());
    }

    #[test]
    fn the_trading_name_is_shown_when_there_is_one() {
        let mut s = snapshot();
        assert_eq!(s.display_name(), "Ribble Valley Joinery Ltd");
        s.trading_name = "RV Joinery".into();
        assert_eq!(s.display_name(), "RV Joinery");
    }
}
