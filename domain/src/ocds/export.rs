//! Writing tenders as an OCDS 1.1 release package with the lots extension.
//!
//! What goes where (field names as in the release schema 1.1.5 and its extensions):
//! - `ocid` is the caller's ocid prefix plus the tender's own id, or, for a tender that
//!   came from another portal, the ocid it came with (so re-imports update it).
//! - `tag` follows the tender status: `planning` for a draft (status planning/planned),
//!   `tenderCancellation` for a cancelled tender, otherwise `tender`.
//!   `initiationType` is always `tender`.
//! - The buyer is a party with role `buyer` and its org-id identifier, referenced from
//!   `buyer`.
//! - `tender.lots` always has at least one lot: a tender that is not divided is exported
//!   with one ("virtual") lot holding every item, as the lots extension's guidance asks.
//! - `tender.lotDetails` carries the limits on lots per supplier and, for "divide or
//!   explain", the reason for not dividing as `noLotsDivisionRationale` — the field the
//!   UK extension defines and Find a Tender publishes for the Procurement Act 2023.
//! - Items carry CPV `classification`/`additionalClassifications` (`scheme: "CPV"`, the
//!   id with its check digit when known), `quantity`, `unit`, `relatedLot`, and
//!   `deliveryAddresses`/`deliveryLocations` from the location extension.
//! - A line's total value has no field in OCDS 1.1 (only `unit.value`, the price of one
//!   unit), so it is written as `items[].value`, a Value object like every other value.
//!   Schema-valid (items allow extra fields) and ignored by readers that do not know it.
//!
//! Every extension used is declared in the package's `extensions` list. Absent values
//! are left out rather than written as `null`, as OCDS recommends.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use thiserror::Error;

use super::import::ImportedTender;
use super::model::{Address, Buyer, Cpv, Item, Lot, Money, Period, Tender, TenderStatus};

/// The lots extension, at the version whose schema ships in `data/ocds/`.
pub const LOTS_EXTENSION: &str =
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json";
/// The location extension: `items[].deliveryAddresses` and `deliveryLocations` (v1.1.7
/// added the plural forms).
pub const LOCATION_EXTENSION: &str =
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_location_extension/v1.1.7/extension.json";
/// The suitability extension: `tender.suitability.sme` / `vcse` (Contracts Finder, Find a
/// Tender).
pub const SUITABILITY_EXTENSION: &str =
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_suitability_extension/master/extension.json";
/// The UK extension, for `tender.lotDetails.noLotsDivisionRationale`.
pub const UK_EXTENSION: &str =
    "https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json";

/// The publisher's ocid prefix, e.g. "ocds-213czf": `ocds-` and six letters or digits,
/// as the Open Contracting Partnership registers them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OcidPrefix(String);

/// Why an ocid prefix setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "an ocid prefix is \"ocds-\" followed by six letters or digits, like ocds-213czf \
     (registered with the Open Contracting Partnership), not \"{0}\""
)]
pub struct OcidPrefixError(pub String);

impl OcidPrefix {
    /// Parses "ocds-213czf" (case and surrounding spaces ignored).
    ///
    /// # Errors
    /// [`OcidPrefixError`] for anything else.
    pub fn parse(input: &str) -> Result<Self, OcidPrefixError> {
        let s = input.trim().to_ascii_lowercase();
        match s.strip_prefix("ocds-") {
            Some(code) if code.len() == 6 && code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Ok(Self(s))
            }
            _ => Err(OcidPrefixError(input.to_owned())),
        }
    }

    /// The prefix, e.g. "ocds-213czf".
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OcidPrefix {
    type Error = OcidPrefixError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OcidPrefix> for String {
    fn from(value: OcidPrefix) -> Self {
        value.0
    }
}

/// Where a tender's ocid comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ocid {
    /// Anchorlink's own tender: the ocid is the publisher's prefix, a dash and this id
    /// (e.g. the tender's UUID), stable for the tender's life.
    Local(String),
    /// A tender imported from another portal keeps the ocid it came with.
    Given(String),
}

impl Ocid {
    /// The full ocid.
    #[must_use]
    pub fn resolve(&self, prefix: &OcidPrefix) -> String {
        match self {
            Self::Local(id) => format!("{}-{id}", prefix.as_str()),
            Self::Given(ocid) => ocid.clone(),
        }
    }
}

/// A tender to export: what the exporter needs, nothing database-shaped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportTender {
    pub ocid: Ocid,
    /// Unique among this ocid's releases and without `#`; a new one for every change
    /// published (e.g. the ocid plus the time of the change).
    pub release_id: String,
    /// When this version of the tender was recorded.
    pub date: DateTime<Utc>,
    pub buyer: Option<Buyer>,
    /// Every lot has an id; items name theirs in `related_lot`; a tender with one lot and
    /// a reason in `lot_details.no_lots_division_rationale` is "divide or explain" done.
    pub tender: Tender,
}

impl ExportTender {
    /// The export of a tender as it was imported: same ocid, release id and content.
    /// `date_if_missing` stands in for a release that came without a date.
    #[must_use]
    pub fn from_imported(imported: &ImportedTender, date_if_missing: DateTime<Utc>) -> Self {
        Self {
            ocid: Ocid::Given(imported.ocid.clone()),
            release_id: imported
                .release_id
                .clone()
                .unwrap_or_else(|| format!("{}-imported", imported.ocid)),
            date: imported.date.unwrap_or(date_if_missing),
            buyer: imported.buyer.clone(),
            tender: imported.tender.clone(),
        }
    }

    /// The release tag for the tender's status (see the module documentation).
    #[must_use]
    pub fn tag(&self) -> &'static str {
        match self.tender.status {
            Some(TenderStatus::Planning | TenderStatus::Planned) => "planning",
            Some(TenderStatus::Cancelled) => "tenderCancellation",
            _ => "tender",
        }
    }
}

/// Who publishes the package (`publisher`): the organisation running Anchorlink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    pub name: String,
    pub uri: Option<String>,
    /// An org-id register and id for the publisher, e.g. "GB-GOR" and "D2".
    pub scheme: Option<String>,
    pub uid: Option<String>,
}

/// The package's own metadata, and the settings exports depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageMeta {
    /// Where this package can be fetched again, e.g. the `/api/v1/tenders/{id}/ocds` URL.
    pub uri: String,
    /// When the newest content in the package last changed.
    pub published_date: DateTime<Utc>,
    pub publisher: Publisher,
    pub ocid_prefix: OcidPrefix,
    /// The data's licence URL, e.g. the Open Government Licence's.
    pub license: Option<String>,
    pub publication_policy: Option<String>,
}

fn date_text(date: &DateTime<Utc>) -> Value {
    Value::String(date.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// Inserts `value` unless it is absent, so no `null` is ever written.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value);
    }
}

fn text(value: Option<&String>) -> Option<Value> {
    value.map(|s| Value::String(s.clone()))
}

fn money(value: &Money) -> Value {
    json!({"amount": value.json_amount(), "currency": value.currency.as_str()})
}

fn period(value: &Period) -> Option<Value> {
    let mut out = Map::new();
    put(&mut out, "startDate", value.start.as_ref().map(date_text));
    put(&mut out, "endDate", value.end.as_ref().map(date_text));
    put(
        &mut out,
        "durationInDays",
        value.duration_in_days.map(Value::from),
    );
    (!out.is_empty()).then_some(Value::Object(out))
}

fn address(value: &Address) -> Option<Value> {
    let mut out = Map::new();
    put(
        &mut out,
        "streetAddress",
        text(value.street_address.as_ref()),
    );
    put(&mut out, "locality", text(value.locality.as_ref()));
    put(&mut out, "region", text(value.region.as_ref()));
    put(&mut out, "postalCode", text(value.postal_code.as_ref()));
    put(&mut out, "countryName", text(value.country_name.as_ref()));
    (!out.is_empty()).then_some(Value::Object(out))
}

fn classification(cpv: &Cpv) -> Value {
    let mut out = Map::new();
    out.insert("scheme".to_owned(), Value::from("CPV"));
    out.insert("id".to_owned(), Value::from(cpv.ocds_id()));
    put(&mut out, "description", text(cpv.label.as_ref()));
    Value::Object(out)
}

/// Whole quantities as integers ("quantity": 3), others as the shortest float.
fn quantity(q: f64) -> Option<Value> {
    if q.fract() == 0.0 && q.abs() < 9.0e15 {
        // A whole number below 2^53 converts to an integer exactly.
        Some(Value::from(q as i64))
    } else {
        serde_json::Number::from_f64(q).map(Value::Number)
    }
}

fn item(value: &Item, only_lot: Option<&str>) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), Value::from(value.id.clone()));
    put(&mut out, "description", text(value.description.as_ref()));
    put(
        &mut out,
        "classification",
        value.cpv.as_ref().map(classification),
    );
    if !value.additional_cpv.is_empty() {
        let codes = value.additional_cpv.iter().map(classification).collect();
        out.insert("additionalClassifications".to_owned(), Value::Array(codes));
    }
    put(&mut out, "quantity", value.quantity.and_then(quantity));
    let mut unit = Map::new();
    put(&mut unit, "name", text(value.unit_name.as_ref()));
    put(&mut unit, "value", value.unit_value.as_ref().map(money));
    if !unit.is_empty() {
        out.insert("unit".to_owned(), Value::Object(unit));
    }
    put(&mut out, "value", value.value.as_ref().map(money));
    let addresses: Vec<Value> = value
        .delivery_addresses
        .iter()
        .filter_map(address)
        .collect();
    if !addresses.is_empty() {
        out.insert("deliveryAddresses".to_owned(), Value::Array(addresses));
    }
    if !value.delivery_locations.is_empty() {
        let locations = value
            .delivery_locations
            .iter()
            .map(|description| json!({"description": description}))
            .collect();
        out.insert("deliveryLocations".to_owned(), Value::Array(locations));
    }
    let related_lot = value.related_lot.as_deref().or(only_lot);
    put(&mut out, "relatedLot", related_lot.map(Value::from));
    Value::Object(out)
}

fn lot(value: &Lot) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), Value::from(value.id.clone()));
    put(&mut out, "title", text(value.title.as_ref()));
    put(&mut out, "description", text(value.description.as_ref()));
    put(
        &mut out,
        "status",
        value.status.map(|s| Value::from(s.slug())),
    );
    put(&mut out, "value", value.value.as_ref().map(money));
    put(
        &mut out,
        "contractPeriod",
        value.contract_period.as_ref().and_then(period),
    );
    Value::Object(out)
}

/// The buyer's id in `parties`: the one it came with, else its org-id, else "buyer".
fn buyer_party_id(buyer: &Buyer) -> String {
    buyer
        .party_id
        .clone()
        .or_else(|| buyer.identifier.as_ref().map(|i| i.org_id()))
        .unwrap_or_else(|| "buyer".to_owned())
}

fn buyer_party(buyer: &Buyer) -> Value {
    let mut party = Map::new();
    party.insert("id".to_owned(), Value::from(buyer_party_id(buyer)));
    put(&mut party, "name", text(buyer.name.as_ref()));
    if let Some(identifier) = &buyer.identifier {
        let mut id = Map::new();
        id.insert("scheme".to_owned(), Value::from(identifier.scheme.clone()));
        id.insert("id".to_owned(), Value::from(identifier.id.clone()));
        put(&mut id, "legalName", text(buyer.name.as_ref()));
        party.insert("identifier".to_owned(), Value::Object(id));
    }
    put(
        &mut party,
        "address",
        buyer.address.as_ref().and_then(address),
    );
    party.insert("roles".to_owned(), json!(["buyer"]));
    Value::Object(party)
}

/// One release for `tender`, its ocid built with `prefix` when it is Anchorlink's own.
#[must_use]
pub fn release(tender: &ExportTender, prefix: &OcidPrefix) -> Value {
    let ocid = tender.ocid.resolve(prefix);
    let t = &tender.tender;

    // A tender that is not divided still has one lot, holding every item.
    let virtual_lot;
    let lots: &[Lot] = if t.lots.is_empty() {
        virtual_lot = [Lot {
            id: "1".to_owned(),
            title: t.title.clone(),
            status: t.status,
            value: t.value.clone(),
            contract_period: t.contract_period.clone(),
            ..Lot::default()
        }];
        &virtual_lot
    } else {
        &t.lots
    };
    let only_lot = match lots {
        [only] => Some(only.id.as_str()),
        _ => None,
    };

    let mut out = Map::new();
    out.insert(
        "id".to_owned(),
        Value::from(t.id.clone().unwrap_or_else(|| ocid.clone())),
    );
    put(&mut out, "title", text(t.title.as_ref()));
    put(&mut out, "description", text(t.description.as_ref()));
    put(&mut out, "status", t.status.map(|s| Value::from(s.slug())));
    put(&mut out, "value", t.value.as_ref().map(money));
    put(
        &mut out,
        "procurementMethod",
        t.procurement_method.map(|m| Value::from(m.slug())),
    );
    put(
        &mut out,
        "mainProcurementCategory",
        t.main_procurement_category.map(|c| Value::from(c.slug())),
    );
    put(
        &mut out,
        "tenderPeriod",
        t.deadline
            .as_ref()
            .map(|d| json!({"endDate": date_text(d)})),
    );
    put(
        &mut out,
        "contractPeriod",
        t.contract_period.as_ref().and_then(period),
    );
    out.insert(
        "items".to_owned(),
        Value::Array(t.items.iter().map(|i| item(i, only_lot)).collect()),
    );
    out.insert(
        "lots".to_owned(),
        Value::Array(lots.iter().map(lot).collect()),
    );
    let mut details = Map::new();
    put(
        &mut details,
        "maximumLotsBidPerSupplier",
        t.lot_details.maximum_lots_bid_per_supplier.map(Value::from),
    );
    put(
        &mut details,
        "maximumLotsAwardedPerSupplier",
        t.lot_details
            .maximum_lots_awarded_per_supplier
            .map(Value::from),
    );
    put(
        &mut details,
        "noLotsDivisionRationale",
        text(t.lot_details.no_lots_division_rationale.as_ref()),
    );
    if !details.is_empty() {
        out.insert("lotDetails".to_owned(), Value::Object(details));
    }
    if let Some(suitability) = t.suitability {
        let mut s = Map::new();
        put(&mut s, "sme", suitability.sme.map(Value::from));
        put(&mut s, "vcse", suitability.vcse.map(Value::from));
        out.insert("suitability".to_owned(), Value::Object(s));
    }

    let mut release = Map::new();
    release.insert("ocid".to_owned(), Value::from(ocid));
    release.insert("id".to_owned(), Value::from(tender.release_id.clone()));
    release.insert("date".to_owned(), date_text(&tender.date));
    release.insert("tag".to_owned(), json!([tender.tag()]));
    release.insert("initiationType".to_owned(), Value::from("tender"));
    release.insert("language".to_owned(), Value::from("en"));
    if let Some(buyer) = &tender.buyer {
        release.insert("parties".to_owned(), json!([buyer_party(buyer)]));
        let mut reference = Map::new();
        reference.insert("id".to_owned(), Value::from(buyer_party_id(buyer)));
        put(&mut reference, "name", text(buyer.name.as_ref()));
        release.insert("buyer".to_owned(), Value::Object(reference));
    }
    release.insert("tender".to_owned(), Value::Object(out));
    Value::Object(release)
}

/// The extensions `tenders` use, lots always first.
fn extensions(tenders: &[ExportTender]) -> Vec<&'static str> {
    let any = |used: fn(&Tender) -> bool| tenders.iter().any(|t| used(&t.tender));
    let mut out = vec![LOTS_EXTENSION];
    if any(|t| {
        t.items
            .iter()
            .any(|i| !i.delivery_addresses.is_empty() || !i.delivery_locations.is_empty())
    }) {
        out.push(LOCATION_EXTENSION);
    }
    if any(|t| t.suitability.is_some()) {
        out.push(SUITABILITY_EXTENSION);
    }
    if any(|t| t.lot_details.no_lots_division_rationale.is_some()) {
        out.push(UK_EXTENSION);
    }
    out
}

/// An OCDS 1.1 release package holding one release per tender.
#[must_use]
pub fn release_package(tenders: &[ExportTender], meta: &PackageMeta) -> Value {
    let mut publisher = Map::new();
    publisher.insert("name".to_owned(), Value::from(meta.publisher.name.clone()));
    put(
        &mut publisher,
        "scheme",
        text(meta.publisher.scheme.as_ref()),
    );
    put(&mut publisher, "uid", text(meta.publisher.uid.as_ref()));
    put(&mut publisher, "uri", text(meta.publisher.uri.as_ref()));

    let mut package = Map::new();
    package.insert("uri".to_owned(), Value::from(meta.uri.clone()));
    package.insert("version".to_owned(), Value::from("1.1"));
    package.insert("extensions".to_owned(), json!(extensions(tenders)));
    package.insert("publishedDate".to_owned(), date_text(&meta.published_date));
    package.insert("publisher".to_owned(), Value::Object(publisher));
    put(&mut package, "license", text(meta.license.as_ref()));
    put(
        &mut package,
        "publicationPolicy",
        text(meta.publication_policy.as_ref()),
    );
    package.insert(
        "releases".to_owned(),
        Value::Array(
            tenders
                .iter()
                .map(|t| release(t, &meta.ocid_prefix))
                .collect(),
        ),
    );
    Value::Object(package)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocds::model::{LotDetails, OrgId};

    fn prefix() -> OcidPrefix {
        OcidPrefix::parse("ocds-anchr1").expect("valid prefix")
    }

    #[test]
    fn ocid_prefixes_follow_the_registered_shape() {
        assert_eq!(
            OcidPrefix::parse(" OCDS-213czf ").map(|p| p.as_str().to_owned()),
            Ok("ocds-213czf".to_owned())
        );
        assert!(OcidPrefix::parse("ocds-213cz").is_err());
        assert!(OcidPrefix::parse("213czf").is_err());
        assert!(OcidPrefix::parse("ocds-213c-f").is_err());
    }

    #[test]
    fn own_tenders_get_the_prefix_and_imported_ones_keep_their_ocid() {
        assert_eq!(
            Ocid::Local("42".to_owned()).resolve(&prefix()),
            "ocds-anchr1-42"
        );
        assert_eq!(
            Ocid::Given("ocds-b5fd17-x".to_owned()).resolve(&prefix()),
            "ocds-b5fd17-x"
        );
    }

    fn draft() -> ExportTender {
        ExportTender {
            ocid: Ocid::Local("t1".to_owned()),
            release_id: "ocds-anchr1-t1-1".to_owned(),
            date: DateTime::parse_from_rfc3339("2025-03-01T09:00:00Z")
                .expect("date")
                .with_timezone(&Utc),
            buyer: Some(Buyer {
                name: Some("Preston City Council".to_owned()),
                identifier: Some(OrgId {
                    scheme: "GB-GOR".to_owned(),
                    id: "PB1".to_owned(),
                }),
                ..Buyer::default()
            }),
            tender: Tender {
                title: Some("Grounds".to_owned()),
                status: Some(TenderStatus::Planning),
                lot_details: LotDetails::default(),
                ..Tender::default()
            },
        }
    }

    #[test]
    fn drafts_are_planning_releases_and_cancelled_tenders_cancellations() {
        let mut tender = draft();
        assert_eq!(tender.tag(), "planning");
        tender.tender.status = Some(TenderStatus::Active);
        assert_eq!(tender.tag(), "tender");
        tender.tender.status = Some(TenderStatus::Cancelled);
        assert_eq!(tender.tag(), "tenderCancellation");
    }

    #[test]
    fn a_tender_without_lots_is_exported_with_one_virtual_lot() {
        let mut tender = draft();
        tender.tender.items.push(Item {
            id: "a".to_owned(),
            ..Item::default()
        });
        let out = release(&tender, &prefix());
        assert_eq!(
            out["tender"]["lots"],
            json!([{"id": "1", "title": "Grounds", "status": "planning"}])
        );
        assert_eq!(out["tender"]["items"][0]["relatedLot"], json!("1"));
    }

    #[test]
    fn the_buyer_is_a_party_with_its_identifier() {
        let out = release(&draft(), &prefix());
        assert_eq!(
            out["buyer"],
            json!({"id": "GB-GOR-PB1", "name": "Preston City Council"})
        );
        assert_eq!(
            out["parties"][0]["identifier"],
            json!({"scheme": "GB-GOR", "id": "PB1", "legalName": "Preston City Council"})
        );
        assert_eq!(out["parties"][0]["roles"], json!(["buyer"]));
        assert_eq!(out["ocid"], json!("ocds-anchr1-t1"));
        assert_eq!(out["initiationType"], json!("tender"));
    }

    #[test]
    fn only_the_extensions_used_are_declared() {
        let plain = [draft()];
        assert_eq!(extensions(&plain), [LOTS_EXTENSION]);
        let mut explained = draft();
        explained.tender.lot_details.no_lots_division_rationale = Some("One site".to_owned());
        explained.tender.suitability = Some(crate::ocds::model::Suitability::default());
        assert_eq!(
            extensions(&[explained]),
            [LOTS_EXTENSION, SUITABILITY_EXTENSION, UK_EXTENSION]
        );
    }

    #[test]
    fn whole_quantities_are_integers() {
        assert_eq!(quantity(3.0), Some(json!(3)));
        assert_eq!(quantity(2.5), Some(json!(2.5)));
    }
}
