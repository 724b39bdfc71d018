//! The OCDS importer on structured JSON: releases, packages and records built from the
//! keys and values OCDS uses, so the fuzzer spends its time inside the importer rather
//! than in the JSON syntax checker.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Number, Value};

/// Keys the importer looks for, at any level.
const KEYS: &[&str] = &[
    "ocid",
    "id",
    "date",
    "tag",
    "tender",
    "title",
    "description",
    "status",
    "value",
    "amount",
    "currency",
    "items",
    "lots",
    "relatedLot",
    "classification",
    "additionalClassifications",
    "scheme",
    "uri",
    "quantity",
    "unit",
    "deliveryAddresses",
    "deliveryLocation",
    "address",
    "postalCode",
    "streetAddress",
    "locality",
    "region",
    "countryName",
    "buyer",
    "name",
    "identifier",
    "legalName",
    "parties",
    "roles",
    "tenderPeriod",
    "startDate",
    "endDate",
    "durationInDays",
    "contractPeriod",
    "procurementMethod",
    "mainProcurementCategory",
    "suitability",
    "sme",
    "vcse",
    "lotDetails",
    "maximumLotsBidPerSupplier",
    "maximumLotsAwardedPerSupplier",
    "noLotsDivisionRationale",
    "releases",
    "records",
    "compiledRelease",
    "awards",
    "contracts",
    "planning",
    "minValue",
    "language",
    "initiationType",
];

/// Values with meaning to the importer.
const WORDS: &[&str] = &[
    "tender",
    "planning",
    "award",
    "active",
    "planned",
    "cancelled",
    "complete",
    "unsuccessful",
    "withdrawn",
    "open",
    "selective",
    "limited",
    "direct",
    "goods",
    "services",
    "works",
    "GBP",
    "EUR",
    "CPV",
    "45000000-7",
    "45000000",
    "77310000",
    "90910000-9",
    "2025-01-01T00:00:00Z",
    "2025-03-31",
    "2025-02-01T09:30:00",
    "2024-13-45",
    "PR1 2HE",
    "LL17 OJD",
    "PR1",
    "lot-1",
    "LOT-2",
    "1",
    "ocds-b5fd17-1",
    "GB-COH",
    "01234567",
    "GB-COH-01234567",
    "buyer",
    "supplier",
    "Preston City Council",
    "",
    " ",
    "2147483647",
];

#[derive(Debug, Arbitrary)]
enum Key {
    Known(u8),
    Other(String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Self::Known(i) => KEYS[usize::from(*i) % KEYS.len()].to_owned(),
            Self::Other(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Unsigned(u64),
    Float(f64),
    Word(u8),
    Text(String),
    List(Vec<Node>),
    Object(Vec<(Key, Node)>),
}

/// Deep enough for `releases[].tender.items[].classification.id`.
const MAX_DEPTH: usize = 7;

impl Node {
    fn value(&self, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(n) => json!(n),
            Self::Unsigned(n) => json!(n),
            Self::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Word(i) => json!(WORDS[usize::from(*i) % WORDS.len()]),
            Self::Text(s) => json!(s),
            Self::List(items) => items.iter().map(|n| n.value(depth + 1)).collect(),
            Self::Object(fields) => object(fields, depth + 1),
        }
    }
}

fn object(fields: &[(Key, Node)], depth: usize) -> Value {
    let map: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.text(), v.value(depth + 1)))
        .collect();
    Value::Object(map)
}

/// A release: nearly always with an ocid and a tender, so the importer goes deep.
#[derive(Debug, Arbitrary)]
struct Release {
    ocid: Option<Node>,
    tender: Option<Vec<(Key, Node)>>,
    items: Vec<Vec<(Key, Node)>>,
    lots: Vec<Vec<(Key, Node)>>,
    rest: Vec<(Key, Node)>,
}

impl Release {
    fn value(&self) -> Value {
        let mut release = match object(&self.rest, 1) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        release.insert(
            "ocid".to_owned(),
            self.ocid
                .as_ref()
                .map_or(json!("ocds-b5fd17-1"), |n| n.value(1)),
        );
        if let Some(fields) = &self.tender {
            let mut tender = match object(fields, 2) {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            if !self.items.is_empty() {
                let items = self.items.iter().map(|i| object(i, 3)).collect();
                tender.insert("items".to_owned(), Value::Array(items));
            }
            if !self.lots.is_empty() {
                let lots = self.lots.iter().map(|l| object(l, 3)).collect();
                tender.insert("lots".to_owned(), Value::Array(lots));
            }
            release.insert("tender".to_owned(), Value::Object(tender));
        }
        Value::Object(release)
    }
}

#[derive(Debug, Arbitrary)]
enum Upload {
    Release(Release),
    Package(Vec<Release>),
    Record {
        ocid: Node,
        compiled: Option<Release>,
        releases: Vec<Release>,
    },
    RecordPackage(Vec<Release>),
    List(Vec<Release>),
    Anything(Node),
}

impl Upload {
    fn value(&self) -> Value {
        let list =
            |releases: &[Release]| Value::Array(releases.iter().map(Release::value).collect());
        match self {
            Self::Release(r) => r.value(),
            Self::Package(rs) => json!({ "uri": "https://example.org", "releases": list(rs) }),
            Self::Record {
                ocid,
                compiled,
                releases,
            } => {
                let mut record = json!({ "ocid": ocid.value(1), "releases": list(releases) });
                if let (Some(c), Some(map)) = (compiled, record.as_object_mut()) {
                    map.insert("compiledRelease".to_owned(), c.value());
                }
                record
            }
            Self::RecordPackage(rs) => json!({
                "records": rs.iter().map(|r| json!({ "ocid": "ocds-b5fd17-1", "compiledRelease": r.value() })).collect::<Vec<_>>()
            }),
            Self::List(rs) => list(rs),
            Self::Anything(node) => node.value(0),
        }
    }
}

fuzz_target!(|upload: Upload| {
    let text = serde_json::to_string(&upload.value()).expect("JSON serialises");
    anchorlink_fuzz::check_ocds(&text);
});
