//! The wire types of the spend context: what the REST API and the pages exchange about
//! spend analyses. Money is whole pence in the figures the domain computes; here amounts
//! are pounds (`f64`, two decimals) as a buyer reads them, and shares are fractions of
//! the analysis's total.

use serde::{Deserialize, Serialize};

/// Pounds from whole pence, for the wire.
#[must_use]
#[expect(
    clippy::cast_precision_loss,
    reason = "pence below 2^53 (£90 trillion) convert exactly"
)]
pub fn pounds(pence: i64) -> f64 {
    pence as f64 / 100.0
}

/// A refused row: its spreadsheet row number and why it was not counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedRow {
    pub row: u64,
    pub reason: String,
    /// The amount when it could be read (a footer's total, a row with a bad date), £.
    pub amount: Option<f64>,
}

/// An analysis as `POST /api/v1/spend/analyses` and `GET …/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalysisSummary {
    pub id: i64,
    pub name: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// The job reading the file; its progress is at `/jobs/{job_id}`.
    pub job_id: Option<i64>,
    /// Data rows read: accepted plus refused (blank rows are not counted).
    pub rows: u64,
    pub accepted_rows: u64,
    pub blank_rows: u64,
    /// Sum of every accepted row, credit notes included, £.
    pub total: f64,
    /// Spend attached to registered suppliers, £.
    pub matched_total: f64,
    /// Fractions of `total`; unmatched spend counts as not local, not SME, not social
    /// economy.
    pub matched_share: f64,
    pub local_share: f64,
    pub region_share: f64,
    pub sme_share: f64,
    pub social_economy_share: f64,
    pub real_living_wage_share: f64,
    /// Accepted rows not attached to a registered supplier (awaiting review included).
    pub unmatched_rows: u64,
    /// Accepted rows awaiting the buyer's review.
    pub review_rows: u64,
    pub rejected_rows: Vec<RejectedRow>,
    /// LM3 of the whole spend: `round1`, `round2`, `round3` (pence) and `multiplier`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub lm3: serde_json::Value,
    /// The assumptions LM3 rests on (shares from 0 to 1).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub assumptions: serde_json::Value,
    /// The column of each field used (`supplier_name` → header or `column N`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub columns: serde_json::Value,
    /// Why the analysis failed, field → message.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub errors: Option<serde_json::Value>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// One line of a buyer's list of analyses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalysisListItem {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub total: f64,
    pub local_share: Option<f64>,
    pub sme_share: Option<f64>,
    pub social_economy_share: Option<f64>,
    pub created_at: String,
}

/// Spend with one attached supplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierLine {
    pub supplier_id: i64,
    pub name: String,
    /// £.
    pub amount: f64,
    pub rows: u64,
    /// 0 to 1: the lowest confidence among the rows attached.
    pub confidence: f64,
    pub local: bool,
    pub region: bool,
    pub sme: bool,
    pub social_economy: bool,
    pub real_living_wage: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub lm3: serde_json::Value,
}

/// `GET …/suppliers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierList {
    pub suppliers: Vec<SupplierLine>,
}

/// A candidate supplier for a payee awaiting review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewCandidate {
    pub supplier_id: i64,
    pub name: String,
    pub confidence: f64,
    /// Why it is offered, in words.
    pub why: String,
}

/// A payee (grouped by normalised name) awaiting review, or unmatched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayeeGroup {
    /// The normalised name: the group and the key of a review decision.
    pub key: String,
    /// The payee as first printed.
    pub name: String,
    /// £.
    pub amount: f64,
    pub rows: u64,
    pub first_row: u64,
    /// Why unmatched (`redacted`, `no_name`, `no_candidate`, `rejected_by_buyer`,
    /// `ambiguous`); `null` while awaiting review.
    pub reason: Option<String>,
    pub candidates: Vec<ReviewCandidate>,
}

/// `GET …/review`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewList {
    pub review: Vec<PayeeGroup>,
}

/// `GET …/unmatched`, largest amount first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmatchedList {
    pub unmatched: Vec<PayeeGroup>,
}

/// A buyer's decision about a payee awaiting review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewDecision {
    /// The payee group's `key`.
    pub key: String,
    /// `confirm` (this payee is `supplier_id`), `reject` (it is not `supplier_id`) or
    /// `not_registered` (it is no registered supplier).
    pub decision: String,
    pub supplier_id: Option<i64>,
}

/// The figures of one slice of the spend (a year, a category).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slice {
    /// The financial year (`2025/26`) or the category key (`cpv:45`, an expense type).
    pub key: String,
    pub label: String,
    pub cpv_division: Option<String>,
    pub rows: u64,
    /// £.
    pub total: f64,
    pub matched_total: f64,
    pub matched_share: f64,
    pub local_share: f64,
    pub region_share: f64,
    pub sme_share: f64,
    pub social_economy_share: f64,
    pub real_living_wage_share: f64,
}

/// `GET …/categories` (largest first) and the years, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryList {
    pub categories: Vec<Slice>,
    pub years: Vec<Slice>,
}

/// A local registered supplier who could deliver a leaking category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalSupplier {
    pub supplier_id: i64,
    pub name: String,
}

/// A category where money leaves the area although local suppliers could deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeakageLine {
    pub key: String,
    pub label: String,
    /// The CPV codes the category was taken to need.
    pub cpv: Vec<String>,
    /// Where those codes came from: `file` (a CPV column), `matched_suppliers` (the codes
    /// of the registered suppliers paid in the category) or `label_words` (the category's
    /// words matched against the CPV labels).
    pub cpv_source: String,
    /// £.
    pub total: f64,
    /// Spend with matched suppliers outside the area, £.
    pub outside_area: f64,
    /// Spend with payees not matched to the registry, £.
    pub unmatched: f64,
    /// `outside_area + unmatched`, £.
    pub leaving: f64,
    pub local_supplier_count: u64,
    /// The first 20 local suppliers, by name.
    pub local_suppliers: Vec<LocalSupplier>,
    /// The supplier search for them: `/suppliers?cpv=…&area=…`.
    pub search_url: String,
}

/// `GET …/leakage`, most money leaving first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeakageList {
    pub leakage: Vec<LeakageLine>,
}

/// Everything the results page shows of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisBundle {
    pub summary: AnalysisSummary,
    pub categories: CategoryList,
    pub leakage: LeakageList,
    pub suppliers: SupplierList,
    pub review: ReviewList,
    pub unmatched: UnmatchedList,
}

/// One of a file's columns, as the mapping step offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnOption {
    /// 1-based position.
    pub position: usize,
    /// The header's text, or `Column N` for a file without a header.
    pub label: String,
}

/// A field the analysis reads and the column it is taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMapping {
    /// The slug used in `columns=` (`supplier_name`).
    pub field: String,
    pub label: String,
    pub required: bool,
    /// 1-based position of its column; `None` when the file has none.
    pub position: Option<usize>,
}

/// A row of the mapping step's preview, read as the analysis will read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewLine {
    pub row: u64,
    pub payee: String,
    /// The amount as read, £; `None` when the row is refused.
    pub amount: Option<f64>,
    /// ISO date as read.
    pub date: Option<String>,
    pub category: Option<String>,
    /// `payment`, `redacted payee`, or why the row is not counted.
    pub outcome: String,
}

/// The mapping step of an upload: the columns found (or what is missing), the file's
/// columns to choose from, and the first rows as the analysis will read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnsPreview {
    pub analysis_id: i64,
    pub name: String,
    pub status: String,
    /// Row number of the header found (`None`: no header, columns by position).
    pub header_row: Option<u64>,
    /// The header's cells: the one found, or the row most like one when none was.
    pub header: Vec<String>,
    pub options: Vec<ColumnOption>,
    pub fields: Vec<FieldMapping>,
    pub rows: Vec<PreviewLine>,
    /// What went wrong finding the columns: what is missing and the header seen.
    pub problem: Option<String>,
    /// The mapping as the API's `columns=` value, for the confirm form.
    pub columns: String,
}
