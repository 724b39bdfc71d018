//! The tendering context's wire types: what the REST API and the pages send and receive.
//! The services take and return these very types, and the OpenAPI document is derived
//! from them.

use serde::{Deserialize, Serialize};

use super::market::DepthCounts;
use super::planner::{Explained, Lot, Obstacle, PlanWarning};

/// The buyer's local area as typed: outcodes, or a place and a radius.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "either {\"outcodes\": [\"PR1\", …]} or {\"near\": \"PR1\", \"within_km\": 20}"
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LocalAreaInput {
    /// `{"outcodes": ["PR1", "PR2"]}`
    Outcodes { outcodes: Vec<String> },
    /// `{"near": "PR1", "within_km": 20}`; `near` is a postcode or an outcode.
    Near { near: String, within_km: f64 },
}

/// One requirement line as sent. On `PUT`, a line with the `id` of an existing line
/// keeps that id (and its lot); lines without an id are new.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemInput {
    pub id: Option<i64>,
    /// Required.
    pub description: Option<String>,
    /// Required: a CPV code, with or without its check digit.
    #[cfg_attr(feature = "openapi", schema(example = "77314000"))]
    pub cpv: Option<String>,
    /// Required: the line's estimated value in whole pounds.
    pub value_gbp: Option<u64>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    /// A full postcode or just an outcode (`PR1`); blank: delivered anywhere.
    pub delivery_postcode: Option<String>,
}

/// A field sent as `null` is `Some(None)` (clear it), one not sent `None` (leave it).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The body of `POST /api/v1/tenders` and `PUT /api/v1/tenders/{id}`. On `PUT` every field
/// is optional and only those sent change; `items`, when sent, replaces the lines; `null`
/// clears the estimated value, the local area and the per-supplier limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenderInput {
    /// Required when creating.
    pub title: Option<String>,
    pub description: Option<String>,
    /// Whole pounds; `null` clears it.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>, nullable))]
    pub estimated_value_gbp: Option<Option<u64>>,
    /// The tender deadline: `YYYY-MM-DD` (end of that day, UTC) or an RFC 3339 time; blank
    /// clears it.
    pub deadline: Option<String>,
    /// `YYYY-MM-DD`; blank clears it.
    pub contract_start: Option<String>,
    pub contract_end: Option<String>,
    /// `null` clears it.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<LocalAreaInput>, nullable))]
    pub local_area: Option<Option<LocalAreaInput>>,
    pub items: Option<Vec<ItemInput>>,
    /// How many lots one supplier may bid for (`null`: no limit).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, nullable))]
    pub max_lots_bid_per_supplier: Option<Option<u32>>,
    /// How many lots one supplier may win (`null`: no limit).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, nullable))]
    pub max_lots_won_per_supplier: Option<Option<u32>>,
}

/// A requirement line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemView {
    pub id: i64,
    /// 1-based, in the order of the table.
    pub position: i32,
    pub description: String,
    /// Eight digits; `None` for an imported item that came without one.
    pub cpv: Option<String>,
    pub cpv_label: Option<String>,
    pub value_gbp: Option<u64>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub delivery_postcode: Option<String>,
    pub delivery_outcode: Option<String>,
    pub lot_id: Option<i64>,
    /// The item's id in OCDS exports.
    pub ocds_item_id: String,
}

/// A saved lot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotView {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// The ids of its lines, in the tender's order.
    pub items: Vec<i64>,
    /// The sum of its lines' values.
    pub value_gbp: u64,
}

/// Who is buying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuyerView {
    /// The owning organisation here (for an import: the importer's).
    pub organisation_id: i64,
    pub name: String,
    /// An org-id scheme and id, e.g. `GB-COH` / `01234567`, when known.
    pub identifier_scheme: Option<String>,
    pub identifier: Option<String>,
}

/// A tender as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenderView {
    pub id: i64,
    pub ocid: String,
    /// `local` (drafted here) or `imported` (another portal's notice).
    pub source: String,
    /// `draft`, `published`, `closed` or `cancelled`.
    pub status: String,
    pub title: String,
    pub description: String,
    pub estimated_value_gbp: Option<u64>,
    /// The sum of the lines' values.
    pub items_value_gbp: u64,
    /// RFC 3339 times.
    pub deadline: Option<String>,
    pub contract_start: Option<String>,
    pub contract_end: Option<String>,
    pub local_area: Option<LocalAreaInput>,
    pub buyer: BuyerView,
    /// Divide or explain: why the tender is not divided into lots.
    pub single_lot_reason: Option<String>,
    pub max_lots_bid_per_supplier: Option<u32>,
    pub max_lots_won_per_supplier: Option<u32>,
    pub items: Vec<ItemView>,
    pub lots: Vec<LotView>,
    /// The planner constraints last used.
    pub plan_constraints: Option<PlanRequest>,
    /// What the import found missing or odd.
    pub import_warnings: Vec<String>,
    /// The caller may change it (its organisation's draft).
    pub editable: bool,
    pub published_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A tender in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenderSummary {
    pub id: i64,
    pub ocid: String,
    pub source: String,
    pub status: String,
    pub title: String,
    pub buyer_name: String,
    pub estimated_value_gbp: Option<u64>,
    pub deadline: Option<String>,
    pub items: u64,
    pub lots: u64,
    pub updated_at: String,
}

/// Filters of `GET /api/v1/tenders`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenderListQuery {
    /// One status; all when absent.
    pub status: Option<String>,
    /// `true`: the caller's organisation's tenders (drafts included); otherwise the public
    /// notices (published, closed and cancelled tenders and imported ones).
    pub mine: Option<bool>,
}

/// The body of `POST /api/v1/tenders/{id}/lot-plan`; absent fields take the defaults
/// (10 lots, £0, 3 bidders).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRequest {
    pub max_lots: Option<u32>,
    pub min_lot_value_gbp: Option<u64>,
    pub min_bidders_per_lot: Option<u32>,
}

/// The answer of `POST /api/v1/tenders/{id}/lot-plan`. A feasible plan has `lots`; when no
/// plan meets the constraints, `lots` is empty, `reach` 0 and `obstacles` says why (still
/// 200: the question had an answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanResponse {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lots: Vec<Lot>,
    pub reach: u32,
    pub reach_single_lot: u32,
    pub upper_bound: u32,
    pub exact: bool,
    pub feasible: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub obstacles: Vec<Explained<Obstacle>>,
    /// False only when the heuristic found no plan without proving none exists.
    pub proven: bool,
    /// Lines left out of planning (imported lines without a CPV code or value).
    pub lines_not_planned: Vec<i64>,
}

/// One lot of `PUT /api/v1/tenders/{id}/lots`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotInput {
    /// Blank: a title is proposed from the lines.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub items: Vec<i64>,
}

/// The body of `PUT /api/v1/tenders/{id}/lots`: every line in exactly one lot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotsInput {
    pub lots: Vec<LotInput>,
}

/// The answer of `PUT /api/v1/tenders/{id}/lots` and `POST …/lots/evaluate`: the tender's
/// lots with their evidence and what the plan breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotsEvaluation {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub lots: Vec<Lot>,
    pub reach: u32,
    pub reach_single_lot: u32,
    pub upper_bound: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub warnings: Vec<Explained<PlanWarning>>,
}

/// The body of `POST /api/v1/tenders/{id}/publish`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishInput {
    /// Required when the tender is published as one lot (Procurement Act 2023, s.18).
    pub reason: Option<String>,
}

/// Links to the supplier search listing exactly the suppliers behind each count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepthLinks {
    pub capable: String,
    pub local: String,
    pub sme: String,
    pub social_economy: String,
    pub target: String,
    pub can_take_value: String,
}

/// Market depth of one line, or of the whole tender (`item_id` absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepthRow {
    pub item_id: Option<i64>,
    pub value_gbp: u64,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub counts: DepthCounts,
    pub links: DepthLinks,
}

/// The answer of `GET /api/v1/tenders/{id}/market`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarketView {
    pub tender_id: i64,
    pub items: Vec<DepthRow>,
    pub total: DepthRow,
    /// Lines left out (imported lines without a CPV code or value).
    pub lines_not_counted: Vec<i64>,
}

/// Which count of a market-depth row a search link lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepthKind {
    Capable,
    Local,
    Sme,
    SocialEconomy,
    Target,
    CanTakeValue,
}

impl DepthKind {
    pub const ALL: [Self; 6] = [
        Self::Capable,
        Self::Local,
        Self::Sme,
        Self::SocialEconomy,
        Self::Target,
        Self::CanTakeValue,
    ];

    /// The slug used in links (`kind=local`).
    #[must_use]
    pub const fn slug(self) -> &'static str {
        match self {
            Self::Capable => "capable",
            Self::Local => "local",
            Self::Sme => "sme",
            Self::SocialEconomy => "social_economy",
            Self::Target => "target",
            Self::CanTakeValue => "can_take_value",
        }
    }

    /// Reads a slug.
    #[must_use]
    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// The words a banner uses: "Local suppliers able to deliver …".
    #[must_use]
    pub const fn words(self) -> &'static str {
        match self {
            Self::Capable => "Suppliers",
            Self::Local => "Local suppliers",
            Self::Sme => "SMEs",
            Self::SocialEconomy => "Social-economy suppliers",
            Self::Target => "Local SMEs and social-economy suppliers",
            Self::CanTakeValue => "Suppliers big enough",
        }
    }
}

/// The supplier search page listing exactly the suppliers behind one market-depth count
/// (`line` absent: the whole tender's). The pages link here; the `links` of the market
/// JSON keep pointing to `GET /api/v1/tenders/{id}/market/suppliers`, which answers in JSON.
#[must_use]
pub fn depth_page_link(tender_id: i64, line: Option<i64>, kind: DepthKind) -> String {
    match line {
        Some(line) => format!(
            "/suppliers?tender={tender_id}&line={line}&kind={}",
            kind.slug()
        ),
        None => format!("/suppliers?tender={tender_id}&kind={}", kind.slug()),
    }
}

/// One tender of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportedSummary {
    pub id: i64,
    pub ocid: String,
    pub title: String,
    /// How many lots it has.
    pub lots: u64,
    pub items: u64,
    /// True when the ocid was already here and the tender was updated.
    pub updated: bool,
    /// True when the notice held here comes from a newer release: nothing was written
    /// (an older release never overwrites a newer one).
    #[serde(default)]
    pub unchanged: bool,
    pub warnings: Vec<String>,
}

/// The answer of `POST /api/v1/tenders/import`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub tenders: Vec<ImportedSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tender_field_sent_as_null_clears_and_one_not_sent_is_left() {
        let sent: TenderInput = serde_json::from_str(
            r#"{"estimated_value_gbp": null, "local_area": null, "max_lots_bid_per_supplier": 3}"#,
        )
        .expect("parses");
        assert_eq!(sent.estimated_value_gbp, Some(None));
        assert_eq!(sent.local_area, Some(None));
        assert_eq!(sent.max_lots_bid_per_supplier, Some(Some(3)));
        assert_eq!(sent.max_lots_won_per_supplier, None);
        let none: TenderInput = serde_json::from_str("{}").expect("parses");
        assert_eq!(none.estimated_value_gbp, None);
        assert_eq!(none.local_area, None);
    }

    #[test]
    fn a_local_area_is_read_in_either_form() {
        let outcodes: LocalAreaInput =
            serde_json::from_str(r#"{"outcodes": ["PR1", "PR2"]}"#).expect("outcodes");
        assert_eq!(
            outcodes,
            LocalAreaInput::Outcodes {
                outcodes: vec!["PR1".into(), "PR2".into()]
            }
        );
        let near: LocalAreaInput =
            serde_json::from_str(r#"{"near": "PR1", "within_km": 20}"#).expect("near");
        assert_eq!(
            near,
            LocalAreaInput::Near {
                near: "PR1".into(),
                within_km: 20.0
            }
        );
    }

    #[test]
    fn depth_kind_slugs_read_back() {
        for k in DepthKind::ALL {
            assert_eq!(DepthKind::from_slug(k.slug()), Some(k));
        }
        assert_eq!(DepthKind::from_slug("everyone"), None);
    }

    #[test]
    fn a_depth_page_link_names_the_tender_the_line_and_the_kind() {
        assert_eq!(
            depth_page_link(7, Some(31), DepthKind::SocialEconomy),
            "/suppliers?tender=7&line=31&kind=social_economy"
        );
        assert_eq!(
            depth_page_link(7, None, DepthKind::Target),
            "/suppliers?tender=7&kind=target"
        );
    }
}
