//! The types the app exchanges with the index: documents in, queries in, results out.

use std::collections::BTreeMap;

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
    pub sort: SortOrder,
    pub offset: usize,
    pub limit: usize,
}

impl Default for IndexQuery {
    fn default() -> Self {
        Self {
            text: None,
            cpv: None,
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
    /// Why it matched: `"name"`, `"trading name"`, `"keywords"`,
    /// `"capability statement"`, `"past contracts"`, `"CPV: <label>"`.
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
    /// True when no supplier matched all the words and the words were relaxed
    /// to "any of" (only for queries of two or more words).
    pub relaxed: bool,
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

/// Great-circle distance in km between `(lat, lon)` points: the domain's one rule
/// (`domain::place::haversine_km`), taking the pairs the index stores.
#[must_use]
#[inline]
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    domain::place::haversine_km(a.0, a.1, b.0, b.1)
}

/// The significant digits of a CPV code: trailing zeros dropped but at least
/// the 2-digit division kept (`77314000` → `77314`, `72000000` → `72`).
/// Returns `None` unless the input starts with 8 digits.
#[must_use]
pub fn cpv_significant(code: &str) -> Option<&str> {
    let code = code.trim();
    let digits = code.get(..8)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = code.get(8..).unwrap_or("");
    if !(rest.is_empty() || (rest.starts_with('-') && rest.len() == 2)) {
        return None;
    }
    let trimmed = digits.trim_end_matches('0');
    Some(if trimmed.len() < 2 {
        &digits[..2]
    } else {
        trimmed
    })
}

/// A CPV prefix padded back to 8 digits (`773` → `77300000`).
#[must_use]
pub fn cpv_pad(prefix: &str) -> String {
    format!("{prefix:0<8}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpv_significant_digits_keep_the_division() {
        assert_eq!(cpv_significant("77314000"), Some("77314"));
        assert_eq!(cpv_significant("72000000-5"), Some("72"));
        assert_eq!(cpv_significant("03000000"), Some("03"));
        assert_eq!(cpv_significant("7731400"), None);
        assert_eq!(cpv_significant("7731400x"), None);
        assert_eq!(cpv_pad("773"), "77300000");
    }

    #[test]
    fn civil_dates_count_days_from_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 12, 31), 20_088);
    }

    #[test]
    fn haversine_london_to_manchester_is_about_262_km() {
        let d = haversine_km((51.5074, -0.1278), (53.4808, -2.2426));
        assert!((d - 262.0).abs() < 3.0, "{d}");
    }
}
