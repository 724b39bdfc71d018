//! The types the app exchanges with the index: documents in, queries in, results out.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use domain::registry::{Capacity, ServiceArea, SupplierSnapshot};
use domain::CpvCatalogue;
use serde::{Deserialize, Serialize};

/// Days since 1970-01-01 (UTC). Used for accreditation expiry dates and the
/// "valid on" filter: an `i32` is cheap to index and compare, and
/// [`days_from_civil`] converts a calendar date.
pub type EpochDays = i32;

/// One supplier as the index sees it: the app builds it from the database row
/// and its related rows (CPV codes with their labels, contracts, accreditations).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupplierDoc {
    pub id: i64,
    pub name: String,
    pub trading_name: String,
    pub capability_statement: String,
    pub keywords: Vec<String>,
    /// Past contracts: buyer names and descriptions, concatenated.
    pub contracts_text: String,
    /// 8-digit CPV codes (a trailing check digit such as `-7` is ignored).
    pub cpv: Vec<String>,
    /// Labels of the supplier's CPV codes and of all their ancestors.
    pub cpv_labels: Vec<String>,
    /// Legal form slug (`worker_coop`, `cic`, `charity`, ...).
    pub legal_form: String,
    /// SME class slug: `micro`, `small`, `medium`, `large`.
    pub size: Option<String>,
    pub social_economy: bool,
    pub verified: bool,
    /// `(kind slug, expiry)`; expiry in days since 1970-01-01, `None` = does not expire.
    pub accreditations: Vec<(String, Option<EpochDays>)>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub outcode: Option<String>,
    pub max_contract_value_gbp: Option<i64>,
    /// Unix seconds.
    pub updated_at: i64,
    pub postcode: String,
    pub town: String,
    /// How far the supplier says it works, in km (`None`: not stated).
    pub service_radius_km: Option<i32>,
    /// Outcodes the supplier names as places it works (upper case).
    pub service_outcodes: Vec<String>,
    /// Annual turnover; with `max_contract_value_gbp` it gives the capacity rule's figure.
    pub turnover_gbp: Option<i64>,
}

impl SupplierDoc {
    /// The index document for a supplier from the registry's read model: every field the
    /// engine uses, filled the one way (labels of the CPV codes and all their ancestors from
    /// `catalogue`; past contracts as "buyer. description" lines). The caller indexes only
    /// searchable snapshots ([`SupplierSnapshot::is_searchable`]).
    #[must_use]
    pub fn from_snapshot(s: &SupplierSnapshot, catalogue: &CpvCatalogue) -> Self {
        let mut labels = BTreeSet::new();
        for code in &s.cpv {
            labels.extend(catalogue.ancestors(code).into_iter().map(|a| a.label));
            labels.extend(catalogue.get(code).map(|e| e.label));
        }
        let mut contracts_text = String::new();
        for c in &s.contracts {
            contracts_text.push_str(&c.buyer_name);
            contracts_text.push_str(". ");
            contracts_text.push_str(&c.description);
            contracts_text.push('\n');
        }
        Self {
            id: s.id,
            name: s.name.clone(),
            trading_name: s.trading_name.clone(),
            capability_statement: s.capability_statement.clone(),
            keywords: s.keywords.clone(),
            contracts_text,
            cpv: s.cpv.iter().map(|c| c.as_str().to_owned()).collect(),
            cpv_labels: labels.into_iter().collect(),
            legal_form: s
                .legal_form
                .map(|f| f.slug().to_owned())
                .unwrap_or_default(),
            size: s.size.map(|z| z.slug().to_owned()),
            social_economy: s.social_economy,
            verified: s.verified,
            accreditations: s
                .accreditations
                .iter()
                .map(|a| {
                    let expiry = a
                        .expires_on
                        .map(|d| days_from_civil(d.year(), d.month(), d.day()));
                    (a.kind.slug().to_owned(), expiry)
                })
                .collect(),
            lat: s.location.map(|l| l.0),
            lon: s.location.map(|l| l.1),
            outcode: s.outcode.clone(),
            max_contract_value_gbp: s.max_contract_value_gbp,
            updated_at: s.updated_at,
            postcode: s.postcode.clone().unwrap_or_default(),
            town: s.town.clone(),
            service_radius_km: s.service_radius_km,
            service_outcodes: s
                .service_outcodes
                .iter()
                .map(|o| o.trim().to_uppercase())
                .collect(),
            turnover_gbp: s.turnover_gbp,
        }
    }

    /// Where the supplier works, for [`ServiceArea::serves`].
    #[must_use]
    pub fn service_area(&self) -> ServiceArea<'_> {
        ServiceArea {
            location: self.lat.zip(self.lon),
            radius_km: self.service_radius_km,
            outcodes: &self.service_outcodes,
        }
    }

    /// The largest contract the supplier can take, for [`Capacity::admits`].
    #[must_use]
    pub fn capacity(&self) -> Capacity {
        Capacity::of(self.max_contract_value_gbp, self.turnover_gbp)
    }
}

/// A delivery place: an outcode and its centroid, as the outcode table gives them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryPlace {
    /// Upper case, e.g. `PR1`.
    pub outcode: String,
    /// `(latitude, longitude)` of the outcode's centroid.
    pub centroid: (f64, f64),
}

/// Result ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Best text match first; with no words, most recently updated first.
    #[default]
    Relevance,
    /// Nearest first (needs `near`; suppliers without a location come last).
    Distance,
    /// Name A→Z (case-insensitive).
    Name,
    /// Most recently updated first.
    Updated,
}

/// A search. Every filter is optional; empty vectors mean "no filter".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndexQuery {
    pub text: Option<String>,
    /// 8-digit CPV code (check digit optional); matches the code and its descendants.
    pub cpv: Option<String>,
    /// 8-digit CPV code (check digit optional); matches suppliers with a code on its
    /// branch: the code, a descendant or an ancestor (the lot planner's "covers").
    pub cpv_branch: Option<String>,
    /// Suppliers that serve this delivery place (`domain::registry::ServiceArea::serves`:
    /// a named service outcode, or within the service radius, 50 km when nothing is stated).
    pub serves: Option<DeliveryPlace>,
    /// Suppliers able to take a contract of this value (`domain::registry::Capacity`: the
    /// stated maximum, else half the turnover; neither stated counts as able).
    pub can_take_gbp: Option<i64>,
    /// `(lat, lon)` of the buyer's postcode/outcode.
    pub near: Option<(f64, f64)>,
    /// Radius filter around `near`, in km (exact great-circle distance).
    pub within_km: Option<f64>,
    /// Any of these legal forms (OR).
    pub legal_forms: Vec<String>,
    /// Any of these SME classes (OR).
    pub sizes: Vec<String>,
    /// All of these accreditation kinds (AND).
    pub accreditations: Vec<String>,
    /// Accreditations must not have expired before this day. With no kinds
    /// selected, the supplier must hold at least one accreditation valid that day.
    pub accreditations_valid_on: Option<EpochDays>,
    pub verified_only: bool,
    pub social_economy_only: bool,
    /// `max_contract_value_gbp >= this`; suppliers that did not state one are excluded.
    pub min_capacity_gbp: Option<i64>,
    /// Named areas: any of these outcodes (OR), case-insensitive.
    pub outcodes: Vec<String>,
    /// Only these suppliers (`None`: no restriction; an empty set matches nobody). The
    /// market-depth links of a tender list exactly the suppliers behind a count this way,
    /// so paging, sorting, facets and the total still come from the index.
    pub among: Option<Vec<i64>>,
    pub sort: SortOrder,
    pub offset: usize,
    pub limit: usize,
}

impl Default for IndexQuery {
    fn default() -> Self {
        Self {
            text: None,
            cpv: None,
            cpv_branch: None,
            serves: None,
            can_take_gbp: None,
            near: None,
            within_km: None,
            legal_forms: Vec::new(),
            sizes: Vec::new(),
            accreditations: Vec::new(),
            accreditations_valid_on: None,
            verified_only: false,
            social_economy_only: false,
            min_capacity_gbp: None,
            outcodes: Vec::new(),
            among: None,
            sort: SortOrder::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

/// One result on the requested page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: i64,
    pub name: String,
    /// BM25-based score (0 when the query has no words).
    pub score: f32,
    /// Distance from `near`, when both `near` and the supplier's location are known.
    pub distance_km: Option<f64>,
    /// HTML: a fragment of the capability statement, escaped, with matched words
    /// wrapped in `<mark>…</mark>`. Safe to insert as inner HTML.
    pub snippet_html: String,
    /// Why it matched, in words: `"name"`, `"trading name"`, `"keywords"`,
    /// `"capability statement"`, `"past contracts"`, `"CPV: <label>"` (a label with the
    /// words), `"offers <label>, CPV <code>"` (a declared code the words name),
    /// `"“<word>” matched as “<synonym>”"` (a thesaurus match).
    pub reasons: Vec<String>,
}

/// Counts per facet value over the whole filtered set.
///
/// `legal_form`, `size`, `verified` and `social_economy` are disjunctive: each is
/// counted with its own filter removed (so the counts say what ticking/unticking
/// a box would give). `accreditations` (an AND filter) and the CPV facets are
/// counted within the fully filtered set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    pub legal_form: BTreeMap<String, u64>,
    pub size: BTreeMap<String, u64>,
    /// When `accreditations_valid_on` is set, only accreditations valid that day count.
    pub accreditations: BTreeMap<String, u64>,
    /// `true`/`false` → count.
    pub verified: BTreeMap<bool, u64>,
    pub social_economy: BTreeMap<bool, u64>,
    /// CPV division (2 digits) → count of suppliers with a code in that division.
    pub cpv_division: BTreeMap<String, u64>,
    /// One level below the `cpv` filter (or divisions when there is none), as
    /// 8-digit codes (`"77310000"`) → count: the next step when browsing the tree.
    pub cpv_children: BTreeMap<String, u64>,
}

/// Results of [`crate::SupplierIndex::search`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Number of suppliers matching every filter.
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// True when few suppliers matched every word and suppliers matching the more
    /// telling part of the words were added below them (queries of two or more words).
    pub relaxed: bool,
    /// How many of `total` match every word (equal to `total` unless `relaxed`).
    pub total_all_words: u64,
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
#[must_use]
pub fn days_from_civil(year: i32, month: u32, day: u32) -> EpochDays {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i32::try_from(month).unwrap_or(1);
    let d = i32::try_from(day).unwrap_or(1);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_count_days_from_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 12, 31), 20_088);
    }
}
