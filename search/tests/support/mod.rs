//! Shared by the search crate's integration tests and the engine timing example: the
//! reference data, the judged profiles of `tests/relevance/`, and background suppliers drawn
//! exactly as `anchorlink seed` draws them (so the relevance test here measures the same
//! mixture as the database-backed one in `tests/tests/relevance.rs`).

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

use std::sync::OnceLock;

use domain::registry::{LegalForm, SizeClass, SupplierSnapshot};
use domain::{parse_place, CpvCatalogue, CpvCode, OutcodeInfo, OutcodeTable};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

pub const CPV_JSON: &str = include_str!("../../../data/cpv-2008-en.json");
pub const OUTCODES_CSV: &str = include_str!("../../../data/uk-outcodes.csv");
pub const SUPPLIERS_JSON: &str = include_str!("../../../tests/relevance/suppliers.json");
pub const QUERIES_JSON: &str = include_str!("../../../tests/relevance/queries.json");

pub fn catalogue() -> &'static CpvCatalogue {
    static CAT: OnceLock<CpvCatalogue> = OnceLock::new();
    CAT.get_or_init(|| CpvCatalogue::from_json(CPV_JSON).expect("the shipped CPV list parses"))
}

pub fn outcodes() -> &'static OutcodeTable {
    static TABLE: OnceLock<OutcodeTable> = OnceLock::new();
    TABLE.get_or_init(|| OutcodeTable::from_csv(OUTCODES_CSV).expect("the outcode table parses"))
}

/// The centroid and outcode of a postcode or outcode, as the app resolves `near=`.
pub fn place(input: &str) -> &'static OutcodeInfo {
    let place = parse_place(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    outcodes()
        .resolve(&place)
        .unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

fn empty_snapshot(id: i64, name: String) -> SupplierSnapshot {
    SupplierSnapshot {
        id,
        name,
        published: true,
        active: true,
        updated_at: 1_700_000_000,
        ..SupplierSnapshot::default()
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// The judged profiles, as the API would store them (size derived, social economy from
/// the legal form, location from the postcode's outcode), with ids from `first_id` on.
pub fn curated(first_id: i64) -> Vec<SupplierSnapshot> {
    let rows: Vec<Value> = serde_json::from_str(SUPPLIERS_JSON).expect("suppliers.json");
    rows.iter()
        .enumerate()
        .map(|(i, v)| {
            let name = text(v, "name").expect("every judged supplier has a name");
            let mut s = empty_snapshot(first_id + i as i64, name.clone());
            s.trading_name = text(v, "trading_name").unwrap_or_default();
            let form = text(v, "legal_form").and_then(|f| LegalForm::from_slug(&f));
            assert!(form.is_some(), "{name}: unknown legal form");
            s.legal_form = form;
            s.social_economy = form.is_some_and(LegalForm::is_social_economy);
            s.employees = number(v, "employees").and_then(|n| i32::try_from(n).ok());
            s.turnover_gbp = number(v, "turnover_gbp");
            s.max_contract_value_gbp = number(v, "max_contract_value_gbp");
            s.service_radius_km =
                number(v, "service_radius_km").and_then(|n| i32::try_from(n).ok());
            s.service_outcodes = v
                .get("service_outcodes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_uppercase)
                        .collect()
                })
                .unwrap_or_default();
            s.size = SizeClass::derive(
                s.employees.and_then(|n| u32::try_from(n).ok()),
                s.turnover_gbp.and_then(|n| u64::try_from(n).ok()),
            );
            if let Some(pc) = text(v, "postcode") {
                let info = place(&pc);
                s.postcode = Some(pc.to_uppercase());
                s.outcode = Some(info.outcode.to_string());
                s.location = Some((info.lat, info.lon));
            }
            s.cpv = v["cpv"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|c| {
                            let entry = catalogue()
                                .validate(c)
                                .unwrap_or_else(|e| panic!("{name}: {e}"));
                            CpvCode::parse(&entry.code).expect("a catalogue code parses")
                        })
                        .collect()
                })
                .unwrap_or_default();
            s.capability_statement = text(v, "capability_statement").unwrap_or_default();
            s.keywords = v["keywords"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            s
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Background suppliers: `server/src/seed.rs`, draw for draw.

struct Trade {
    noun: &'static str,
    cpv: &'static [&'static str],
    statement: &'static str,
    keywords: &'static [&'static str],
}

const TRADES: &[Trade] = &[
    Trade { noun: "Grounds Maintenance", cpv: &["77314000", "77310000", "77211400"], statement: "Grounds maintenance for parks, schools and housing estates: grass cutting, mowing, hedge trimming, tree surgery and planting.", keywords: &["grounds maintenance", "mowing", "landscaping", "tree surgery"] },
    Trade { noun: "Catering", cpv: &["55520000", "55524000", "55321000"], statement: "Fresh, locally sourced catering including school meals, hospital food and event buffets.", keywords: &["catering", "school meals", "local food"] },
    Trade { noun: "Cleaning Services", cpv: &["90910000", "90911200", "90919200"], statement: "Commercial and office cleaning, deep cleans and window cleaning for public buildings.", keywords: &["cleaning", "office cleaning", "window cleaning"] },
    Trade { noun: "Building Services", cpv: &["45000000", "45453000", "45262000"], statement: "Building repairs, refurbishment and maintenance of housing and public buildings.", keywords: &["construction", "repairs", "refurbishment"] },
    Trade { noun: "Electrical", cpv: &["45310000", "45311000", "50711000"], statement: "Electrical installation, testing and inspection, and repair of lighting and power systems.", keywords: &["electrician", "electrical installation", "testing"] },
    Trade { noun: "Plumbing and Heating", cpv: &["45330000", "45331000", "50720000"], statement: "Plumbing, heating installation and boiler servicing for social housing and schools.", keywords: &["plumbing", "heating", "boiler servicing"] },
    Trade { noun: "IT Support", cpv: &["72000000", "72250000", "72611000"], statement: "IT support, networks and managed services for small public bodies and charities.", keywords: &["it support", "networks", "managed services"] },
    Trade { noun: "Cyber Security", cpv: &["72212730", "80533100", "72590000"], statement: "Cyber security training, penetration testing and Cyber Essentials readiness.", keywords: &["cyber security", "security training", "cyber essentials"] },
    Trade { noun: "Care", cpv: &["85310000", "85311000", "85312000"], statement: "Home care, supported living and day services for older and disabled people.", keywords: &["social care", "home care", "supported living"] },
    Trade { noun: "Community Transport", cpv: &["60130000", "60112000", "60140000"], statement: "Accessible community transport, school runs and patient transport with trained drivers.", keywords: &["transport", "minibus", "accessible travel"] },
    Trade { noun: "Print and Design", cpv: &["79810000", "79822500", "22100000"], statement: "Print, graphic design and signage, printed on recycled stock.", keywords: &["printing", "graphic design", "signage"] },
    Trade { noun: "Recycling", cpv: &["90500000", "90511000", "90514000"], statement: "Waste collection and recycling, furniture reuse and clearance.", keywords: &["recycling", "waste collection", "reuse"] },
    Trade { noun: "Training", cpv: &["80500000", "80530000", "80570000"], statement: "Vocational training, apprenticeships and personal development courses.", keywords: &["training", "apprenticeships", "courses"] },
    Trade { noun: "Consulting", cpv: &["79411000", "79400000", "79419000"], statement: "Management consultancy, evaluation and community engagement for public services.", keywords: &["consultancy", "evaluation", "engagement"] },
    Trade { noun: "Security", cpv: &["79710000", "79713000", "79714000"], statement: "Manned guarding, key holding and event security with SIA-licensed staff.", keywords: &["security", "guarding", "events"] },
    Trade { noun: "Food Supply", cpv: &["15000000", "03221000", "15810000"], statement: "Local fruit, vegetables and bakery supplies delivered to schools and care homes.", keywords: &["food supply", "vegetables", "bakery"] },
    Trade { noun: "Architects", cpv: &["71200000", "71221000", "71240000"], statement: "Architectural design for community buildings, retrofit and accessible housing.", keywords: &["architecture", "design", "retrofit"] },
    Trade { noun: "Laundry", cpv: &["98310000", "98311000", "98315000"], statement: "Laundry and linen services for care homes, hotels and clinics.", keywords: &["laundry", "linen", "washing"] },
    Trade { noun: "Events", cpv: &["79952000", "79950000", "92300000"], statement: "Event management, festivals and community arts programmes.", keywords: &["events", "festivals", "arts"] },
    Trade { noun: "Furniture", cpv: &["39100000", "39130000", "39150000"], statement: "Furniture making and refurbishment for offices, schools and libraries.", keywords: &["furniture", "joinery", "refurbishment"] },
];

const FIRST: &[&str] = &[
    "Riverside",
    "Northern",
    "Green",
    "Red Rose",
    "Pennine",
    "Harbour",
    "Valley",
    "Moorland",
    "Castle",
    "Community",
    "Oak",
    "Millstone",
    "Canal",
    "Heritage",
    "Bridge",
    "Beacon",
    "Thistle",
    "Dragon",
    "Meadow",
    "Unity",
];

const FORMS: &[(LegalForm, u32)] = &[
    (LegalForm::PrivateLimitedCompany, 45),
    (LegalForm::SoleTrader, 15),
    (LegalForm::Cic, 10),
    (LegalForm::Charity, 8),
    (LegalForm::CompanyLimitedByGuarantee, 6),
    (LegalForm::WorkerCoop, 4),
    (LegalForm::CommunityBenefitSociety, 3),
    (LegalForm::Partnership, 3),
    (LegalForm::CooperativeSociety, 2),
    (LegalForm::Llp, 2),
    (LegalForm::ConsumerCoop, 1),
    (LegalForm::PublicBody, 1),
];

fn pick_form(rng: &mut StdRng) -> LegalForm {
    let total: u32 = FORMS.iter().map(|(_, w)| w).sum();
    let mut n = rng.gen_range(0..total);
    for (f, w) in FORMS {
        if n < *w {
            return *f;
        }
        n -= w;
    }
    LegalForm::PrivateLimitedCompany
}

fn suffix(form: LegalForm) -> &'static str {
    match form {
        LegalForm::WorkerCoop | LegalForm::ConsumerCoop | LegalForm::CooperativeSociety => {
            "Co-operative"
        }
        LegalForm::CommunityBenefitSociety => "Community Society",
        LegalForm::Cic => "CIC",
        LegalForm::Charity => "Trust",
        LegalForm::CompanyLimitedByGuarantee => "Partnership Ltd",
        LegalForm::PrivateLimitedCompany => "Ltd",
        LegalForm::PublicLimitedCompany => "plc",
        LegalForm::Partnership => "& Partners",
        LegalForm::Llp => "LLP",
        LegalForm::SoleTrader => "",
        LegalForm::PublicBody => "(Municipal)",
    }
}

/// `count` suppliers as `anchorlink seed --suppliers count --random-seed seed` makes them,
/// with ids from 1 (as in a fresh database).
pub fn seeded(count: usize, seed: u64) -> Vec<SupplierSnapshot> {
    let mut out = Vec::with_capacity(count);
    seeded_each(count, seed, |s| out.push(s));
    out
}

/// [`seeded`], one supplier at a time (a million do not fit in memory alongside an index).
pub fn seeded_each(count: usize, seed: u64, mut each: impl FnMut(SupplierSnapshot)) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut places: Vec<&OutcodeInfo> = outcodes().iter().collect();
    places.sort_by(|a, b| a.outcode.as_str().cmp(b.outcode.as_str()));
    let mut order: Vec<usize> = (0..places.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.gen_range(0..=i));
    }
    let trades: Vec<(&Trade, Vec<CpvCode>)> = TRADES
        .iter()
        .map(|t| {
            let codes = t
                .cpv
                .iter()
                .filter_map(|c| catalogue().validate(c).ok())
                .filter_map(|e| CpvCode::parse(&e.code).ok())
                .collect();
            (t, codes)
        })
        .collect();
    for k in 0..count {
        let r: f64 = rng.gen();
        let place = places[order[((r * r) * order.len() as f64) as usize % order.len()]];
        let (trade, codes) =
            &trades[((rng.gen::<f64>().powf(1.6)) * trades.len() as f64) as usize % trades.len()];
        let form = pick_form(&mut rng);
        let town = if place.town.is_empty() {
            place.county.clone()
        } else {
            place.town.clone()
        };
        let first = if rng.gen_bool(0.5) {
            town.clone()
        } else {
            FIRST[rng.gen_range(0..FIRST.len())].to_owned()
        };
        let name = format!("{first} {} {}", trade.noun, suffix(form))
            .trim_end()
            .to_owned();
        let employees: i32 = match rng.gen_range(0..100) {
            0..=69 => rng.gen_range(1..10),
            70..=91 => rng.gen_range(10..50),
            92..=98 => rng.gen_range(50..250),
            _ => rng.gen_range(250..2000),
        };
        let turnover = i64::from(employees) * rng.gen_range(35_000..90_000);
        let _year_founded: i32 = rng.gen_range(1950..2026);
        let _street: (i32, usize) = (rng.gen_range(1..200), rng.gen_range(0..FIRST.len()));
        const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
        let digit: i32 = rng.gen_range(1..10);
        let l1 = char::from(LETTERS[rng.gen_range(0..LETTERS.len())]);
        let l2 = char::from(LETTERS[rng.gen_range(0..LETTERS.len())]);
        let radius = *[10, 15, 25, 40, 80].get(rng.gen_range(0..5)).unwrap_or(&25);
        let local_staff: i16 = rng.gen_range(20..100);
        let local_spend: i16 = rng.gen_range(10..80);
        let take = rng.gen_range(1..=codes.len().max(1));

        let mut s = empty_snapshot(k as i64 + 1, name);
        s.legal_form = Some(form);
        s.social_economy = form.is_social_economy();
        s.employees = Some(employees);
        s.turnover_gbp = Some(turnover);
        s.size = SizeClass::derive(u32::try_from(employees).ok(), u64::try_from(turnover).ok());
        s.max_contract_value_gbp = Some(turnover / 2);
        s.min_contract_value_gbp = Some(1_000);
        s.service_radius_km = Some(radius);
        s.local_staff_pct = Some(local_staff);
        s.local_spend_pct = Some(local_spend);
        s.postcode = Some(format!("{} {digit}{l1}{l2}", place.outcode));
        s.outcode = Some(place.outcode.to_string());
        s.location = Some((place.lat, place.lon));
        s.capability_statement = format!(
            "{} Based in {town}, serving {} and the surrounding area.",
            trade.statement, place.county
        );
        s.town = town;
        s.keywords = trade.keywords.iter().map(|k| (*k).to_owned()).collect();
        s.cpv = codes.iter().take(take).cloned().collect();
        each(s);
    }
}
