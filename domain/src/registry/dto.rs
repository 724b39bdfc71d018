//! The wire types of the registry: profile changes as forms and the REST API send them,
//! profiles, search queries and results, shortlists. Shared by the backend, the server
//! functions, the REST API and the browser build.

use crate::accounts::OrgStatus;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// A text value. JSON must send it as a string (or `null`, read as empty: "clear"); a
/// number or a boolean where text is expected is a field error, not silently text. HTML
/// forms send every value as text anyway. Numeric fields that forms and the API both send
/// (`"employees": 12` or `employees=12`) opt in to numbers with [`number_or_text`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(pub String);

impl Text {
    pub fn as_str(&self) -> &str {
        self.0.trim()
    }
}

/// Reads text; with `numbers`, a JSON number too (as its decimal text).
struct TextVisitor {
    numbers: bool,
}

impl serde::de::Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.numbers {
            "a number or text"
        } else {
            "text"
        })
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text(v))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Text, E> {
        Ok(Text::default())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Text, E> {
        self.number(v, serde::de::Unexpected::Signed(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Text, E> {
        self.number(v, serde::de::Unexpected::Unsigned(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Text, E> {
        self.number(v, serde::de::Unexpected::Float(v))
    }
}

impl TextVisitor {
    fn number<E: serde::de::Error>(
        &self,
        v: impl std::fmt::Display,
        seen: serde::de::Unexpected<'_>,
    ) -> Result<Text, E> {
        if self.numbers {
            Ok(Text(v.to_string()))
        } else {
            Err(E::invalid_type(seen, self))
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor { numbers: false })
    }
}

/// For numeric fields kept as text until checked: a JSON number is read as its text
/// (`12` → `"12"`), a string as itself; `true`, arrays or objects are refused. The field is
/// "present" (`Some`) even when empty, as with [`present`].
///
/// # Errors
/// Any other JSON type, as the deserializer's error.
pub fn number_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    d.deserialize_any(TextVisitor { numbers: true }).map(Some)
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

#[cfg(feature = "openapi")]
mod schema {
    use super::{Text, TextList};
    use std::borrow::Cow;
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::RefOr;

    impl utoipa::PartialSchema for Text {
        fn schema() -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(ObjectBuilder::new().schema_type(Type::String))
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .description(Some(
                    "Text; an empty string or null clears the field. Numeric fields (employees, turnover, values, percentages, radius, year) also take a JSON number",
                ))
                .into()
        }
    }

    impl utoipa::ToSchema for Text {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Text")
        }
    }

    impl utoipa::PartialSchema for TextList {
        fn schema() -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(ArrayBuilder::new().items(Text::schema()))
                .item(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some(
                            "the items in one string, separated by commas, semicolons or new lines",
                        )),
                )
                .description(Some("A list: a JSON array, or one separated string"))
                .into()
        }
    }

    impl utoipa::ToSchema for TextList {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("TextList")
        }
    }
}

/// A list given either as a JSON array or as one comma-separated string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TextList(pub Vec<String>);

impl<'de> Deserialize<'de> for TextList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextListVisitor)
    }
}

/// Reads a list: an array of strings, or one string split on `,` `;` and new lines.
/// Each item is text (a number in the array is a field error naming its position). The
/// list's length is checked by the rules of the field it fills, before any per-item work.
struct TextListVisitor;

impl<'de> serde::de::Visitor<'de> for TextListVisitor {
    type Value = TextList;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of text, or one string separated by commas")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TextList, E> {
        Ok(TextList(
            v.split([',', ';', '\n'])
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
        ))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<TextList, E> {
        Ok(TextList::default())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<TextList, E> {
        Ok(TextList::default())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<TextList, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(Text(item)) = seq.next_element::<Text>()? {
            items.push(item.trim().to_owned());
        }
        Ok(TextList(items))
    }
}

/// A field that was sent is `Some`, even when empty (empty means "clear"). Without this,
/// HTML form decoding would read an empty input as "not sent".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// An org-id identifier as typed: scheme prefix (`GB-COH`) and the number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentifierInput {
    pub scheme: String,
    pub id: String,
}

/// A change to a supplier profile: every field present is validated and saved; absent
/// fields are left as they are. HTML forms send one step's fields, the REST API any subset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfilePatch {
    #[serde(deserialize_with = "present")]
    pub name: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub trading_name: Option<Text>,
    /// A legal form slug, e.g. `worker_coop`.
    #[serde(deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(example = "worker_coop"))]
    pub legal_form: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub vat_number: Option<Text>,
    #[serde(deserialize_with = "number_or_text")]
    pub year_founded: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub website: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub email: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub phone: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub address_line1: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub address_line2: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub town: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub postcode: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub operating_address: Option<Text>,
    #[serde(deserialize_with = "number_or_text")]
    pub service_radius_km: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub service_outcodes: Option<TextList>,
    #[serde(deserialize_with = "number_or_text")]
    pub employees: Option<Text>,
    #[serde(deserialize_with = "number_or_text")]
    pub turnover_gbp: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub ownership_model: Option<Text>,
    #[serde(deserialize_with = "number_or_text")]
    pub local_staff_pct: Option<Text>,
    #[serde(deserialize_with = "number_or_text")]
    pub local_spend_pct: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub capability_statement: Option<Text>,
    #[serde(deserialize_with = "present")]
    pub keywords: Option<TextList>,
    #[serde(deserialize_with = "number_or_text")]
    pub max_contract_value_gbp: Option<Text>,
    #[serde(deserialize_with = "number_or_text")]
    pub min_contract_value_gbp: Option<Text>,
    /// Replaces the whole set of CPV codes (REST API).
    #[serde(deserialize_with = "present")]
    pub cpv: Option<TextList>,
    /// Replaces the whole set of identifiers (REST API).
    pub identifiers: Option<Vec<IdentifierInput>>,
    pub published: Option<bool>,
}

/// An identifier on a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentifierView {
    pub id: i64,
    pub scheme: String,
    pub scheme_label: String,
    pub identifier: String,
    pub verified: bool,
}

/// A CPV code with its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CpvView {
    pub code: String,
    pub full_code: String,
    pub label: String,
    /// Labels of the ancestors, division first.
    pub path: Vec<String>,
}

/// A CPV code suggested for a plain-language description ("What do you do?"), with the
/// reason in words so the person can judge it before accepting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CpvSuggestionView {
    #[serde(flatten)]
    pub cpv: CpvView,
    /// Why it is suggested, e.g. `matches “office cleaning”`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccreditationView {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub reference: String,
    pub expires_on: Option<String>,
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractView {
    pub id: i64,
    pub buyer_name: String,
    pub value_gbp: Option<i64>,
    pub year: Option<i32>,
    pub description: String,
}

/// A whole supplier profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierProfile {
    pub id: i64,
    pub name: String,
    pub trading_name: String,
    pub legal_form: String,
    pub legal_form_label: String,
    pub status: OrgStatus,
    pub vat_number: String,
    pub year_founded: Option<i32>,
    pub website: String,
    pub email: String,
    pub phone: String,
    pub address_line1: String,
    pub address_line2: String,
    pub town: String,
    pub postcode: Option<String>,
    pub outcode: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub place_name: Option<String>,
    pub operating_address: String,
    pub service_radius_km: Option<i32>,
    pub service_outcodes: Vec<String>,
    pub employees: Option<i32>,
    pub turnover_gbp: Option<i64>,
    pub turnover_band: Option<String>,
    pub size: Option<String>,
    pub social_economy: bool,
    pub ownership_model: Option<String>,
    pub local_staff_pct: Option<i16>,
    pub local_spend_pct: Option<i16>,
    pub capability_statement: String,
    pub keywords: Vec<String>,
    pub max_contract_value_gbp: Option<i64>,
    pub min_contract_value_gbp: Option<i64>,
    pub cpv: Vec<CpvView>,
    pub identifiers: Vec<IdentifierView>,
    pub accreditations: Vec<AccreditationView>,
    pub contracts: Vec<ContractView>,
    pub completeness: i16,
    pub published: bool,
    pub verified: bool,
    pub updated_at: String,
}

/// Supplier search parameters: the same for the page and `GET /api/v1/suppliers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub cpv: Option<String>,
    pub near: Option<String>,
    pub within_km: Option<String>,
    /// One or more legal form slugs, comma-separated (any of).
    pub legal_form: Option<String>,
    /// One or more SME classes, comma-separated (any of).
    pub size: Option<String>,
    /// Accreditation kinds, comma-separated (all of).
    pub accreditation: Option<String>,
    /// Accreditations valid on this date (YYYY-MM-DD).
    pub valid_on: Option<String>,
    /// `true`: only suppliers with a verified identifier.
    pub verified: Option<String>,
    /// `true`: only co-operatives, social enterprises and charities.
    pub social_economy: Option<String>,
    /// Only suppliers whose largest contract is at least this (£).
    pub min_capacity: Option<String>,
    /// Named areas: outcodes, comma-separated (any of).
    pub area: Option<String>,
    /// `relevance` (default), `distance`, `name` or `updated`.
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    /// A tender's id: only the suppliers behind one of its market-depth counts (with
    /// `kind`, and `line` for a line's count rather than the whole tender's).
    pub tender: Option<String>,
    /// A line of `tender` (its id).
    pub line: Option<String>,
    /// Which count: `capable` (default), `local`, `sme`, `social_economy`, `target`,
    /// `can_take_value`.
    pub kind: Option<String>,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierHit {
    pub id: i64,
    pub name: String,
    pub trading_name: String,
    pub legal_form: String,
    pub size: Option<String>,
    pub postcode: Option<String>,
    pub town: String,
    pub distance_km: Option<f64>,
    pub cpv: Vec<String>,
    pub capability_statement: String,
    pub social_economy: bool,
    pub verified: bool,
    /// The matched part of the statement, HTML-escaped, matched words in `<mark>`.
    pub snippet_html: String,
    /// Why this supplier matched (fields, CPV labels).
    pub reasons: Vec<String>,
    pub score: f32,
}

/// Counts per facet value over the whole filtered set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    pub legal_form: BTreeMap<String, u64>,
    pub size: BTreeMap<String, u64>,
    pub accreditation: BTreeMap<String, u64>,
    pub verified: u64,
    pub social_economy: u64,
    /// CPV division code (8 digits) → count.
    pub cpv_division: BTreeMap<String, u64>,
    /// One level below the `cpv` filter (or the divisions): code → (label, count).
    pub cpv_children: Vec<(String, String, u64)>,
}

/// When nothing matched: which filter emptied the set, and wider searches that would not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Widening {
    /// Human explanation, e.g. "Without the size filter there are 12 suppliers".
    pub message: String,
    /// The query to run instead.
    pub query: SearchQuery,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub results: Vec<SupplierHit>,
    pub facets: Facets,
    /// Filled when there are no results.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub widen: Vec<Widening>,
    /// What the list is when it is a tender's market-depth count ("Local suppliers able to
    /// deliver line 3 of “Parks”").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub banner: Option<String>,
}

// ---- buyers' shortlists and saved searches ----------------------------------------------

/// A shortlist as listed: who made it, whether colleagues see it, how many suppliers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortlistSummary {
    pub id: i64,
    pub name: String,
    pub shared: bool,
    /// The viewer made it (and so may rename, share, unshare and delete it).
    pub mine: bool,
    pub created_by: String,
    pub items: u64,
    pub updated_at: String,
}

/// One supplier on a shortlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortlistEntry {
    pub supplier_id: i64,
    pub name: String,
    pub legal_form: String,
    pub size: Option<String>,
    pub town: String,
    pub postcode: Option<String>,
    /// False when the supplier has since withdrawn its profile or been suspended.
    pub listed: bool,
    pub added_at: String,
}

/// A whole shortlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortlistView {
    pub summary: ShortlistSummary,
    pub entries: Vec<ShortlistEntry>,
}

/// A saved search: a name and the query string of the stable search URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSearchView {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub created_at: String,
}
