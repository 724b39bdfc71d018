//! End-to-end timing of a spend analysis on generated data, for `make bench`: read a
//! payments CSV in batches, find the columns, classify rows, match payees against the
//! registry, and add up the figures.
//!
//! The data is synthetic but shaped like the real thing: suppliers named from places,
//! trades and surnames with every legal form; payees printed in upper case, with
//! `Limited` for `Ltd`, cut at 30 characters, with account references, from firms not
//! in the registry, and redacted.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde::Serialize;

use super::columns::detect_layout;
use super::figures::{facts_by_id, Area, SpendTally};
use super::lm3::Lm3Assumptions;
use super::matching::{MatchCache, MatchOutcome, Matcher};
use super::parse::{classify, Reconciliation, RowOutcome};
use super::read::{CsvRows, ReadError, RowSource};
use crate::registry::{LegalForm, SizeClass, SupplierSnapshot};
use crate::Outcode;

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub suppliers: usize,
    pub rows: usize,
    pub file_bytes: usize,
    /// Seconds to index the registry (matcher and supplier facts).
    pub build_index_s: f64,
    /// Seconds for reading, column detection, classification, matching and tallying,
    /// interleaved batch by batch as the job runs them.
    pub analyse_s: f64,
    /// Of which matching.
    pub matching_s: f64,
    /// Seconds to turn the tally into figures (shares, breakdowns, LM3).
    pub figures_s: f64,
    pub total_s: f64,
    pub attached_rows: u64,
    pub review_rows: u64,
    pub unmatched_rows: u64,
    pub refused_rows: u64,
}

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PLACES: &[&str] = &[
    "Preston",
    "Ribble",
    "Fylde",
    "Lancaster",
    "Chorley",
    "Leyland",
    "Garstang",
    "Longridge",
    "Kirkham",
    "Wyre",
    "Pendle",
    "Bowland",
    "Lune",
    "Morecambe",
    "Fleetwood",
    "Blackpool",
    "Ormskirk",
    "Wigan",
    "Bolton",
    "Bury",
    "Rochdale",
    "Oldham",
    "Salford",
    "Stockport",
    "Tameside",
    "Trafford",
    "Kendal",
    "Ulverston",
    "Burnley",
    "Accrington",
    "Clitheroe",
    "Darwen",
    "Nelson",
    "Colne",
    "Haslingden",
    "Rossendale",
    "Bacup",
    "Whalley",
    "Goosnargh",
    "Broughton",
    "Penwortham",
    "Hesketh",
    "Tarleton",
    "Croston",
    "Eccleston",
    "Bamber",
    "Walton",
    "Fulwood",
    "Ashton",
    "Ingol",
];
const TRADES: &[&str] = &[
    "Joinery",
    "Plumbing",
    "Electrical",
    "Roofing",
    "Landscapes",
    "Catering",
    "Cleaning",
    "Printing",
    "Signs",
    "Scaffolding",
    "Glazing",
    "Windows",
    "Builders",
    "Decorators",
    "Flooring",
    "Heating",
    "Security",
    "Couriers",
    "Removals",
    "Taxis",
    "Coaches",
    "Laundry",
    "Bakery",
    "Butchers",
    "Florists",
    "Design",
    "Media",
    "Software",
    "Consulting",
    "Training",
    "Care",
    "Homecare",
    "Nurseries",
    "Tutoring",
    "Translation",
    "Legal",
    "Accountancy",
    "Surveyors",
    "Architects",
    "Engineering",
    "Fabrications",
    "Welding",
    "Plant Hire",
    "Tool Hire",
    "Skips",
    "Recycling",
    "Waste",
    "Pest Control",
    "Drainage",
    "Groundworks",
    "Tree Surgery",
    "Fencing",
    "Paving",
    "Kitchens",
    "Bathrooms",
    "Furniture",
    "Upholstery",
    "Textiles",
    "Uniforms",
    "Stationery",
];
const SURNAMES: &[&str] = &[
    "Ashworth",
    "Barton",
    "Cartmel",
    "Dewhurst",
    "Entwistle",
    "Fazackerley",
    "Greenhalgh",
    "Haworth",
    "Ingham",
    "Jolly",
    "Kenyon",
    "Leach",
    "Marsden",
    "Nuttall",
    "Ormerod",
    "Pilkington",
    "Quayle",
    "Rigby",
    "Sharples",
    "Tattersall",
    "Unsworth",
    "Varley",
    "Whittle",
    "Yates",
    "Aspinall",
    "Birtwistle",
    "Cunliffe",
    "Duckworth",
    "Eccles",
    "Fairclough",
    "Gregson",
    "Hargreaves",
    "Iddon",
    "Jepson",
    "Kay",
    "Lomax",
    "Mercer",
    "Nightingale",
    "Openshaw",
    "Parkinson",
    "Riley",
    "Sutcliffe",
    "Threlfall",
    "Walmsley",
    "Wilkinson",
    "Holden",
    "Crook",
    "Bradshaw",
    "Catterall",
    "Swarbrick",
];
const FORMS: &[(&str, LegalForm)] = &[
    ("Ltd", LegalForm::PrivateLimitedCompany),
    ("Limited", LegalForm::PrivateLimitedCompany),
    ("CIC", LegalForm::Cic),
    ("Co-operative Ltd", LegalForm::WorkerCoop),
    ("LLP", LegalForm::Llp),
    ("", LegalForm::SoleTrader),
    (
        "Community Benefit Society",
        LegalForm::CommunityBenefitSociety,
    ),
];
const OUTCODES: &[&str] = &[
    "PR1", "PR2", "PR3", "PR4", "PR5", "PR6", "PR7", "BB1", "BB2", "BB7", "LA1", "LA2", "FY1",
    "FY8", "M1", "M4", "L1", "LS1", "SW1A", "EC1A",
];

/// Generated registry of `n` suppliers with distinct names.
#[must_use]
pub fn suppliers(n: usize, seed: u64) -> Vec<SupplierSnapshot> {
    let mut rng = Rng(seed | 1);
    (0..n)
        .map(|i| {
            let (suffix, form) = FORMS[rng.below(FORMS.len())];
            // The index in words keeps every name distinct however many are made.
            let name = format!(
                "{} {} {} {}{}",
                SURNAMES[i % SURNAMES.len()],
                PLACES[(i / SURNAMES.len()) % PLACES.len()],
                TRADES[(i / (SURNAMES.len() * PLACES.len())) % TRADES.len()],
                rng.pick(&["", "and Sons ", "Services ", "Group ", "Partners "]),
                suffix,
            );
            let outcode = rng.pick(OUTCODES);
            SupplierSnapshot {
                id: i64::try_from(i).unwrap_or(i64::MAX) + 1,
                name: name.trim().to_owned(),
                legal_form: Some(form),
                size: Some(if rng.below(10) == 0 {
                    SizeClass::Large
                } else {
                    SizeClass::Small
                }),
                social_economy: form.is_social_economy(),
                published: true,
                active: true,
                outcode: Some(outcode.to_owned()),
                employees: Some(5),
                ..SupplierSnapshot::default()
            }
        })
        .collect()
}

/// A payments CSV of `rows` rows paying `suppliers` (and firms not in it).
#[must_use]
pub fn payments_csv(suppliers: &[SupplierSnapshot], rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(31) | 1);
    let mut out = String::with_capacity(rows * 120);
    out.push_str(
        "Service Area,Expense Type,Payment Date,Transaction Number,Net Amount,Supplier Name\r\n",
    );
    let categories = [
        "Repairs",
        "Catering",
        "Printing",
        "Agency Staff",
        "Consultancy",
        "Grants",
    ];
    for i in 0..rows {
        let payee = match rng.below(10) {
            0 => "REDACTED PERSONAL DATA".to_owned(),
            1..=3 => format!(
                "{} {} {} PLC",
                rng.pick(&["NATIONAL", "GLOBAL", "UNITED", "BRITISH", "NORTHERN"]),
                rng.pick(&["WIDGET", "SUPPLY", "SERVICES", "ENERGY", "FACILITIES"]),
                rng.pick(&["HOLDINGS", "GROUP", "UK", "SOLUTIONS"])
            ),
            _ => {
                let s = &suppliers[rng.below(suppliers.len())];
                let upper = s.name.to_uppercase().replace("LIMITED", "LTD");
                match rng.below(4) {
                    0 => upper.chars().take(30).collect(),
                    1 => format!("{upper} - {}", 4_000_000 + i),
                    _ => upper,
                }
            }
        };
        let pence = 50_000 + rng.below(5_000_000);
        out.push_str(&format!(
            "{},{},{:02}/{:02}/2025,{},\"{}.{:02}\",\"{}\"\r\n",
            rng.pick(&["Housing", "Environment", "Resources"]),
            rng.pick(&categories),
            1 + rng.below(28),
            1 + rng.below(12),
            100_000 + i,
            pence / 100,
            pence % 100,
            payee.replace('"', "\"\"")
        ));
    }
    out.into_bytes()
}

/// Runs the whole pipeline on generated data and reports the times.
///
/// # Errors
/// [`ReadError`] if the generated file cannot be read (a bug).
pub fn run(supplier_count: usize, row_count: usize, seed: u64) -> Result<BenchReport, ReadError> {
    let registry = suppliers(supplier_count, seed);
    let file = payments_csv(&registry, row_count, seed);
    let started = Instant::now();
    let matcher = Matcher::new(&registry, &[]);
    let area = Area {
        outcodes: ["PR1", "PR2", "PR3"]
            .iter()
            .filter_map(|o| Outcode::parse(o).ok())
            .collect(),
        ..Area::default()
    };
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default();
    let facts = facts_by_id(&registry, &area, &Area::default(), today);
    let build_index = started.elapsed();

    let analyse_started = Instant::now();
    let mut matching = Duration::ZERO;
    let mut cache = MatchCache::new(&matcher);
    let mut rows = CsvRows::new(&file[..])?;
    let mut tally = SpendTally::new();
    let mut reconciliation = Reconciliation::default();
    let (mut attached, mut review, mut unmatched) = (0u64, 0u64, 0u64);
    let mut layout = None;
    loop {
        let batch = rows.next_batch(5_000)?;
        if batch.is_empty() {
            break;
        }
        let layout = match &layout {
            Some(l) => l,
            None => layout
                .insert(detect_layout(&batch, None).map_err(|e| ReadError::Xlsx(e.to_string()))?),
        };
        for row in batch.iter().filter(|r| layout.is_data(r)) {
            let outcome = classify(&layout.columns, row);
            reconciliation.add(&outcome);
            if let RowOutcome::Accepted(payment) = outcome {
                let t = Instant::now();
                let matched = cache.match_payee(&payment.payee, &payment.ids);
                matching += t.elapsed();
                match &matched {
                    MatchOutcome::Attached { .. } => attached += 1,
                    MatchOutcome::Review { .. } => review += 1,
                    MatchOutcome::Unmatched { .. } => unmatched += 1,
                }
                let supplier_facts = matched.attached().and_then(|id| facts.get(&id));
                tally.add(&payment, &matched, supplier_facts);
            }
        }
    }
    let analyse = analyse_started.elapsed();
    let figures_started = Instant::now();
    let figures = tally.finish(&Lm3Assumptions::default());
    let figures_time = figures_started.elapsed();
    debug_assert_eq!(figures.overall.amounts.total, reconciliation.accepted_total);
    Ok(BenchReport {
        suppliers: supplier_count,
        rows: row_count,
        file_bytes: file.len(),
        build_index_s: build_index.as_secs_f64(),
        analyse_s: analyse.as_secs_f64(),
        matching_s: matching.as_secs_f64(),
        figures_s: figures_time.as_secs_f64(),
        total_s: started.elapsed().as_secs_f64(),
        attached_rows: attached,
        review_rows: review,
        unmatched_rows: unmatched,
        refused_rows: reconciliation.refused_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_accounts_for_every_row() {
        let report = run(2_000, 3_000, 7).expect("generated data reads");
        assert_eq!(report.refused_rows, 0);
        assert_eq!(
            report.attached_rows + report.review_rows + report.unmatched_rows,
            3_000
        );
        // Most payees printed from the registry attach; the made-up PLCs never do.
        assert!(report.attached_rows > 1_000, "{report:?}");
    }

    /// `cargo test -p domain --all-features --release -- --ignored --nocapture bench`
    #[test]
    #[ignore = "timing run for make bench; prints figures, asserts none"]
    fn bench_100k_rows_against_100k_suppliers() {
        let report = run(100_000, 100_000, 42).expect("generated data reads");
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    }
}
