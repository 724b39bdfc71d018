//! Seeded synthetic tenders and registries, for the planner's tests and for `make bench`
//! (exactness against brute force, heuristic quality, speed).
//!
//! The shape imitates a county registry: suppliers clustered in Lancashire with a few in
//! Manchester and Sheffield, a realistic mix of sizes, legal forms, service areas and
//! stated capacities, and CPV codes from a handful of trades in which some suppliers
//! declare a broad code and most a specific one. The same seed gives the same instance on
//! every platform (a SplitMix64 stream, so the domain crate needs no `rand`).

use super::model::{DeliveryPlace, LocalArea, PlanConstraints, TenderLine};
use crate::cpv::CpvCode;
use crate::place::{Outcode, Place};
use crate::registry::{LegalForm, SizeClass, SupplierSnapshot};
use crate::text::Gbp;

/// How big a random instance is and how hard its constraints are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceShape {
    pub lines: usize,
    pub suppliers: usize,
    /// Tight random constraints (few lots, a minimum lot value, several bidders), so the
    /// planner has to trade reach away; otherwise the defaults.
    pub tight: bool,
}

impl InstanceShape {
    /// A small instance with tight constraints (exactness and quality checks).
    #[must_use]
    pub const fn small(lines: usize, suppliers: usize) -> Self {
        Self {
            lines,
            suppliers,
            tight: true,
        }
    }

    /// A large instance with the default constraints (speed checks).
    #[must_use]
    pub const fn large(lines: usize, suppliers: usize) -> Self {
        Self {
            lines,
            suppliers,
            tight: false,
        }
    }
}

/// A generated tender with its registry.
#[derive(Debug, Clone)]
pub struct Instance {
    pub lines: Vec<TenderLine>,
    pub suppliers: Vec<SupplierSnapshot>,
    pub area: LocalArea,
    pub constraints: PlanConstraints,
}

/// The SplitMix64 generator (Steele, Lea and Flood, 2014): tiny, fast and good enough for
/// test data; not for anything secret.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) const fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`); the modulo bias is irrelevant for test data.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n.max(1) as u64).unwrap_or(0)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-uniform between `lo` and `hi` pounds, rounded to £100.
    fn pounds(&mut self, lo: f64, hi: f64) -> u64 {
        let v = (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp();
        ((v / 100.0).round() as u64) * 100
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Trades: CPV codes (all in the CPV 2008 list) a tender line or supplier may use.
const TRADES: &[&[&str]] = &[
    &[
        "77310000", "77311000", "77312000", "77312100", "77313000", "77314000", "77314100",
        "77315000", "77320000", "77340000", "77341000",
    ],
    &[
        "90910000", "90911000", "90911100", "90911200", "90911300", "90919000", "90919200",
    ],
    &["90511000", "90512000", "90513000"],
    &[
        "45210000", "45260000", "45261000", "45262000", "45310000", "45330000", "45410000",
        "45420000", "45430000", "45440000", "45442100", "45450000",
    ],
    &[
        "55320000", "55321000", "55520000", "55521000", "55523000", "55524000",
    ],
    &["50110000", "50112000", "50710000", "50720000", "50730000"],
    &["85310000", "85311000", "85311200", "85312000", "85320000"],
    &["79810000", "79820000", "79341000", "79342000"],
];

/// Lancashire outcode areas with a rough centre; districts 1..=15 are scattered round it.
const REGION: &[(&str, f64, f64)] = &[
    ("PR", 53.76, -2.70),
    ("BB", 53.75, -2.48),
    ("BL", 53.58, -2.43),
    ("LA", 54.05, -2.80),
    ("FY", 53.82, -3.05),
    ("WN", 53.55, -2.63),
];
/// Further away: some suppliers are based here.
const ELSEWHERE: &[(&str, f64, f64)] = &[("M", 53.48, -2.24), ("S", 53.38, -1.47)];
const DISTRICTS: usize = 15;

// The tables above hold only valid outcode areas and CPV codes (a test checks the codes),
// so these cannot fail.
fn outcode(area: &str, district: usize) -> Outcode {
    Outcode::parse(&format!("{area}{district}"))
        .unwrap_or_else(|e| panic!("{area}{district} is not an outcode: {e}"))
}

fn code(s: &&str) -> CpvCode {
    CpvCode::parse(s).unwrap_or_else(|e| panic!("{s} is not a CPV code: {e}"))
}

/// A place: outcode and a centroid that is stable for the outcode within one instance.
struct Places {
    all: Vec<DeliveryPlace>,
    /// How many of `all` are in the region (the rest are elsewhere).
    region: usize,
}

impl Places {
    fn new(rng: &mut SplitMix64) -> Self {
        let mut all = Vec::new();
        for group in [REGION, ELSEWHERE] {
            for (area, lat, lon) in group {
                for d in 1..=DISTRICTS {
                    all.push(DeliveryPlace {
                        outcode: outcode(area, d),
                        lat: lat + (rng.unit() - 0.5) * 0.16,
                        lon: lon + (rng.unit() - 0.5) * 0.24,
                    });
                }
            }
        }
        Self {
            all,
            region: REGION.len() * DISTRICTS,
        }
    }

    fn in_region(&self, rng: &mut SplitMix64) -> &DeliveryPlace {
        &self.all[rng.below(self.region)]
    }

    fn anywhere(&self, rng: &mut SplitMix64) -> &DeliveryPlace {
        if rng.chance(0.9) {
            self.in_region(rng)
        } else {
            &self.all[self.region + rng.below(self.all.len() - self.region)]
        }
    }
}

/// A random tender, its registry and its constraints; deterministic in `seed`.
#[must_use]
pub fn random_instance(shape: &InstanceShape, seed: u64) -> Instance {
    let mut rng = SplitMix64::new(seed);
    let places = Places::new(&mut rng);
    let trades = tender_trades(&mut rng, shape.lines);
    let lines: Vec<TenderLine> = (0..shape.lines)
        .map(|i| TenderLine {
            id: i64::try_from(i).unwrap_or(i64::MAX) + 1,
            cpv: {
                let trade = TRADES[*rng.pick(&trades)];
                code(rng.pick(trade))
            },
            value_gbp: Gbp::new(rng.pounds(2_000.0, 300_000.0)),
            delivery: rng.chance(0.8).then(|| places.in_region(&mut rng).clone()),
        })
        .collect();
    let suppliers = (0..shape.suppliers)
        .map(|i| random_supplier(&mut rng, &places, i64::try_from(i).unwrap_or(i64::MAX) + 1))
        .collect();
    let area = if rng.chance(0.5) {
        LocalArea::Outcodes((1..=DISTRICTS).map(|d| outcode("PR", d)).collect())
    } else {
        let centre = &places.all[0];
        LocalArea::Near {
            near: Place::Outcode(centre.outcode.clone()),
            lat: centre.lat,
            lon: centre.lon,
            within_km: 10.0 + rng.unit() * 15.0,
        }
    };
    let constraints = if shape.tight {
        let total: u64 = lines.iter().map(|l| l.value_gbp.pounds()).sum();
        PlanConstraints {
            max_lots: [1, 2, 3, 3, 4, 4, 5, 6][rng.below(8)],
            min_lot_value_gbp: Gbp::new(total * [0, 0, 5, 10, 15][rng.below(5)] / 100),
            min_bidders_per_lot: [1, 2, 2, 3, 3, 4][rng.below(6)],
        }
    } else {
        PlanConstraints::default()
    };
    Instance {
        lines,
        suppliers,
        area,
        constraints,
    }
}

/// The trades a tender buys from: 2 to 4, more for long schedules.
fn tender_trades(rng: &mut SplitMix64, lines: usize) -> Vec<usize> {
    let count = if lines > 20 {
        4 + rng.below(3)
    } else {
        2 + rng.below(3)
    };
    let mut trades: Vec<usize> = Vec::new();
    while trades.len() < count.min(TRADES.len()) {
        let t = rng.below(TRADES.len());
        if !trades.contains(&t) {
            trades.push(t);
        }
    }
    trades
}

fn random_supplier(rng: &mut SplitMix64, places: &Places, id: i64) -> SupplierSnapshot {
    let trade = TRADES[rng.below(TRADES.len())];
    let mut cpv: Vec<CpvCode> = (0..1 + rng.below(4))
        .map(|_| {
            let c = code(rng.pick(trade));
            if rng.chance(0.2) {
                broaden(&c, rng)
            } else {
                c
            }
        })
        .collect();
    if rng.chance(0.15) {
        let other = TRADES[rng.below(TRADES.len())];
        cpv.push(code(rng.pick(other)));
    }
    cpv.sort();
    cpv.dedup();
    let home = rng.chance(0.97).then(|| places.anywhere(rng).clone());
    let (service_radius_km, service_outcodes) = match rng.below(10) {
        0..=2 => (None, Vec::new()),
        3..=6 => (
            Some(5 + i32::try_from(rng.below(36)).unwrap_or(0)),
            Vec::new(),
        ),
        7..=8 => (None, service_outcodes(rng, places)),
        _ => (
            Some(5 + i32::try_from(rng.below(20)).unwrap_or(0)),
            service_outcodes(rng, places),
        ),
    };
    let social_economy = rng.chance(0.2);
    let legal_form = if social_economy {
        *rng.pick(&[LegalForm::WorkerCoop, LegalForm::Cic, LegalForm::Charity])
    } else {
        *rng.pick(&[
            LegalForm::PrivateLimitedCompany,
            LegalForm::SoleTrader,
            LegalForm::Llp,
        ])
    };
    let size = *rng.pick(&[
        Some(SizeClass::Micro),
        Some(SizeClass::Micro),
        Some(SizeClass::Small),
        Some(SizeClass::Small),
        Some(SizeClass::Medium),
        Some(SizeClass::Large),
        None,
    ]);
    let (max_contract_value_gbp, turnover_gbp) = match rng.below(20) {
        0..=6 => (Some(rng.pounds(5_000.0, 1_000_000.0)), None),
        7..=12 => (None, Some(rng.pounds(20_000.0, 5_000_000.0))),
        _ => (None, None),
    };
    let signed = |v: Option<u64>| v.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    SupplierSnapshot {
        id,
        name: format!("Supplier {id}"),
        legal_form: Some(legal_form),
        size,
        social_economy,
        published: rng.chance(0.95),
        active: rng.chance(0.98),
        verified: rng.chance(0.3),
        outcode: home.as_ref().map(|p| p.outcode.to_string()),
        location: home.as_ref().map(|p| (p.lat, p.lon)),
        service_radius_km,
        service_outcodes,
        cpv,
        turnover_gbp: signed(turnover_gbp),
        max_contract_value_gbp: signed(max_contract_value_gbp),
        ..SupplierSnapshot::default()
    }
}

/// An ancestor of `code`: its division or the code with its last significant digit zeroed.
fn broaden(code: &CpvCode, rng: &mut SplitMix64) -> CpvCode {
    let prefix = code.significant_prefix();
    let keep = if rng.chance(0.5) {
        2
    } else {
        (prefix.len().max(3)) - 1
    };
    let mut digits = prefix[..keep.min(prefix.len())].to_owned();
    while digits.len() < 8 {
        digits.push('0');
    }
    CpvCode::parse(&digits).unwrap_or_else(|_| code.clone())
}

fn service_outcodes(rng: &mut SplitMix64, places: &Places) -> Vec<String> {
    (0..2 + rng.below(5))
        .map(|_| places.in_region(rng).outcode.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_instance() {
        let a = random_instance(&InstanceShape::small(10, 50), 7);
        let b = random_instance(&InstanceShape::small(10, 50), 7);
        assert_eq!(a.lines, b.lines);
        assert_eq!(a.suppliers, b.suppliers);
        assert_eq!(a.constraints, b.constraints);
        let c = random_instance(&InstanceShape::small(10, 50), 8);
        assert_ne!(a.lines, c.lines);
    }

    #[test]
    fn generated_codes_are_in_the_cpv_list() {
        let cat = crate::cpv::CpvCatalogue::from_json(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../data/cpv-2008-en.json"
        )))
        .expect("the shipped CPV list loads");
        for trade in TRADES {
            for c in *trade {
                assert!(cat.contains(&code(c)), "{c}");
            }
        }
        let mut rng = SplitMix64::new(1);
        for _ in 0..200 {
            let trade = TRADES[rng.below(TRADES.len())];
            let c = broaden(&code(rng.pick(trade)), &mut rng);
            assert!(cat.contains(&c), "{c}");
        }
    }

    #[test]
    fn split_mix_stays_in_range() {
        let mut rng = SplitMix64::new(3);
        for _ in 0..1000 {
            assert!(rng.below(7) < 7);
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
