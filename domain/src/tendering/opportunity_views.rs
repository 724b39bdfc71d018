//! Wire types of opportunities, interest and partners (issue 12): what the REST API and
//! the pages send and receive. The services return these very types.

use serde::{Deserialize, Serialize};

use super::opportunities::{Gap, Missed, Reasons};

/// The filters of a supplier's opportunities, as typed in the page's GET form (or the
/// API's query string). Blank fields filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
pub struct OpportunityQuery {
    /// Lots worth at least this (£; `250k`, `1.2m` accepted).
    pub min_value: Option<String>,
    /// Lots worth at most this (£).
    pub max_value: Option<String>,
    /// Deadline on or before this day (YYYY-MM-DD).
    pub deadline_before: Option<String>,
    /// At most this many km from you to the delivery place (or the buyer's area).
    pub within_km: Option<String>,
    /// The buyer's name contains this (any case).
    pub buyer: Option<String>,
    /// Admins only: whose opportunities (a supplier organisation id).
    pub supplier_id: Option<i64>,
}

/// One open lot for a supplier: a match, or a near miss with the rule it missed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpportunityView {
    pub lot_id: i64,
    pub tender_id: i64,
    pub lot_title: String,
    pub tender_title: String,
    /// The buyer's name.
    pub buyer: String,
    /// The lot's value in whole pounds; `null` when the notice states none.
    pub value_gbp: Option<u64>,
    /// RFC 3339; `null` when the notice states none.
    pub deadline: Option<String>,
    /// Why it matched (or nearly did), in sentences.
    pub reasons: Vec<String>,
    /// The same evidence as data.
    pub evidence: Reasons,
    /// 0–1, higher fits better (see the README: codes, nearness, size).
    pub fit: f64,
    /// `local` (drafted here) or `imported` (another portal's notice).
    pub source: String,
    /// This supplier has marked interest in the lot.
    pub interested: bool,
    /// Near misses only: the rule missed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub missed: Option<Missed>,
    /// Near misses only: the rule missed, in a sentence.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub missed_reason: Option<String>,
}

/// A supplier's opportunities: eligible lots best fit first, then near misses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpportunitiesView {
    pub supplier_id: i64,
    /// The supplier's profile is published and its organisation active; otherwise it is
    /// matched to nothing (buyers cannot see it) and both lists are empty.
    pub listed: bool,
    pub opportunities: Vec<OpportunityView>,
    pub near_misses: Vec<OpportunityView>,
    /// Open lots considered (before filters).
    pub open_lots: u64,
}

/// The body of `POST /api/v1/lots/{id}/interest` (optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterestInput {
    /// It would bid as part of a consortium.
    pub as_consortium: bool,
    /// A short note for the buyer (at most 2,000 characters).
    pub note: Option<String>,
}

/// A supplier's interest in a lot, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterestView {
    pub lot_id: i64,
    pub supplier_id: i64,
    pub as_consortium: bool,
    pub note: Option<String>,
    pub created_at: String,
}

/// An interested supplier with the evidence a buyer weighs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterestedSupplier {
    pub supplier_id: i64,
    pub name: String,
    pub town: String,
    pub outcode: Option<String>,
    /// Inside the tender's local area.
    pub local: bool,
    /// `micro`, `small`, `medium`, `large`, or `null` when not known.
    pub size: Option<String>,
    pub sme: bool,
    pub social_economy: bool,
    pub legal_form: Option<String>,
    /// Its capacity's limit in pounds; `null` when it states none.
    pub capacity_gbp: Option<u64>,
    pub capacity: String,
    pub verified: bool,
    pub as_consortium: bool,
    pub note: Option<String>,
    pub marked_at: String,
}

/// One lot's interested suppliers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotInterest {
    pub lot_id: i64,
    pub title: String,
    pub suppliers: Vec<InterestedSupplier>,
}

/// The interest in a tender's lots, for its buyer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenderInterest {
    pub tender_id: i64,
    pub title: String,
    pub lots: Vec<LotInterest>,
    /// Distinct interested suppliers across the lots.
    pub suppliers: u64,
}

/// A line of the lot the supplier cannot do alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapLine {
    pub id: i64,
    pub description: String,
    pub cpv: String,
}

/// A suggested partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerView {
    pub supplier_id: i64,
    pub name: String,
    pub town: String,
    pub size: Option<String>,
    pub social_economy: bool,
    /// The lines of the gap it does (of the lot when nothing is missing).
    pub lines: Vec<i64>,
    pub capacity_added_gbp: u64,
    /// Together you would be eligible for the lot.
    pub completes: bool,
    pub distance_km: Option<f64>,
    /// What it completes, in a sentence.
    pub completes_text: String,
    /// `/suppliers/{id}`.
    pub profile: String,
    /// You have already asked it to partner for this lot.
    pub asked: bool,
}

/// The consortium finder's answer for one lot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnersView {
    pub lot_id: i64,
    pub tender_id: i64,
    pub lot_title: String,
    pub tender_title: String,
    pub buyer: String,
    /// What you cannot do alone (empty: you could bid alone).
    pub gap: Gap,
    pub gap_lines: Vec<GapLine>,
    pub partners: Vec<PartnerView>,
}

/// `POST /api/v1/lots/{id}/partner-requests`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerRequestInput {
    pub to_supplier_id: i64,
    /// Up to 2,000 characters, sent through the platform.
    pub message: String,
}

/// A request to partner, as either side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerRequestView {
    pub id: i64,
    pub lot_id: i64,
    pub tender_id: i64,
    pub lot_title: String,
    pub tender_title: String,
    pub from_supplier_id: i64,
    pub from_name: String,
    pub to_supplier_id: i64,
    pub to_name: String,
    pub message: String,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub created_at: String,
    /// The viewer is on the receiving side and may still answer.
    pub can_answer: bool,
}

/// A lot matched to the supplier, in the signed-in user's list of new matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchView {
    pub tender_id: i64,
    pub lot_id: i64,
    pub tender_title: String,
    pub lot_title: String,
    pub value_gbp: i64,
    pub matched_at: chrono::DateTime<chrono::Utc>,
    /// Matched since the user last marked the list seen.
    pub new: bool,
}

/// The signed-in supplier user's alerts page (`/alerts`): how they hear about new lots,
/// what was matched to them lately, and whether their organisation has a private feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsView {
    /// The user's setting: `immediate`, `daily` or `off`.
    pub mode: String,
    /// Matches on tenders still open, newest first.
    pub matches: Vec<MatchView>,
    /// The organisation has a live private feed URL.
    pub has_feed: bool,
}
