//! Search benchmark: synthetic suppliers, index build, and a fixed query mix.
//!
//! `search-bench [N=100000] [INDEX_DIR]` — prints build time, index size, peak
//! RSS, then p50/p95/p99 latency and throughput with 1 and 2 threads.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anchorlink_search::{
    cpv_pad, cpv_significant, days_from_civil, IndexOptions, IndexQuery, SortOrder, SupplierDoc,
    SupplierIndex,
};

const CPV_JSON: &str = include_str!("../../../data/cpv-2008-en.json");
const OUTCODES_CSV: &str = include_str!("../../../data/uk-outcodes.csv");

/// SplitMix64: small, deterministic, good enough for synthetic data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    /// Zipf-like skew over 0..n: index ~ n * u^s.
    fn skewed(&mut self, n: usize, s: f64) -> usize {
        ((self.f().powf(s)) * n as f64) as usize % n.max(1)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

struct Trade {
    cpv: &'static [&'static str],
    name_word: &'static str,
    words: &'static [&'static str],
}

const TRADES: &[Trade] = &[
    Trade {
        cpv: &["90910000", "90911200"],
        name_word: "Cleaning",
        words: &[
            "office cleaning",
            "deep cleaning",
            "window cleaning",
            "janitorial services",
            "hygiene",
            "washroom services",
        ],
    },
    Trade {
        cpv: &["77314000", "77310000"],
        name_word: "Grounds",
        words: &[
            "grounds maintenance",
            "grass mowing",
            "hedge cutting",
            "tree surgery",
            "landscaping",
            "parks and green spaces",
        ],
    },
    Trade {
        cpv: &["55524000", "55520000"],
        name_word: "Catering",
        words: &[
            "school meals",
            "school catering",
            "hot lunches",
            "breakfast clubs",
            "healthy eating",
            "local food sourcing",
        ],
    },
    Trade {
        cpv: &["72000000", "72500000"],
        name_word: "Digital",
        words: &[
            "software development",
            "web applications",
            "IT support",
            "cloud hosting",
            "cyber security",
            "data migration",
        ],
    },
    Trade {
        cpv: &["80533100", "80500000"],
        name_word: "Training",
        words: &[
            "computer training",
            "digital skills",
            "cyber security training",
            "apprenticeships",
            "adult learning",
            "e-learning courses",
        ],
    },
    Trade {
        cpv: &["85310000", "85311000"],
        name_word: "Care",
        words: &[
            "social work",
            "domiciliary care",
            "supported living",
            "youth work",
            "family support",
            "mental health services",
        ],
    },
    Trade {
        cpv: &["45000000", "45421000"],
        name_word: "Build",
        words: &[
            "construction",
            "joinery",
            "refurbishment",
            "roofing",
            "building maintenance",
            "carpentry",
        ],
    },
    Trade {
        cpv: &["50700000", "45330000"],
        name_word: "Heating",
        words: &[
            "plumbing",
            "heating engineers",
            "boiler servicing",
            "gas safety",
            "ventilation",
        ],
    },
    Trade {
        cpv: &["90500000", "90510000"],
        name_word: "Recycling",
        words: &[
            "waste collection",
            "recycling",
            "reuse",
            "furniture recycling",
            "composting",
        ],
    },
    Trade {
        cpv: &["79340000", "79822500"],
        name_word: "Media",
        words: &[
            "marketing",
            "graphic design",
            "printing",
            "communications",
            "video production",
        ],
    },
    Trade {
        cpv: &["60100000", "60130000"],
        name_word: "Transport",
        words: &[
            "community transport",
            "minibus hire",
            "school transport",
            "patient transport",
            "courier",
        ],
    },
    Trade {
        cpv: &["15800000", "15810000"],
        name_word: "Bakery",
        words: &["bakery", "bread", "cakes", "wholesale food", "sandwiches"],
    },
    Trade {
        cpv: &["71000000", "71220000"],
        name_word: "Design",
        words: &[
            "architecture",
            "surveying",
            "engineering design",
            "planning consultancy",
            "energy assessments",
        ],
    },
    Trade {
        cpv: &["98341000", "55110000"],
        name_word: "Stay",
        words: &[
            "accommodation",
            "hostel",
            "conference venue",
            "event spaces",
        ],
    },
    Trade {
        cpv: &["79710000", "79713000"],
        name_word: "Security",
        words: &[
            "security guarding",
            "CCTV monitoring",
            "event stewarding",
            "key holding",
        ],
    },
    Trade {
        cpv: &["85320000", "85312000"],
        name_word: "Community",
        words: &[
            "community development",
            "day care",
            "advice services",
            "befriending",
            "volunteering",
        ],
    },
];

const LEGAL_FORMS: &[(&str, f64)] = &[
    ("private_limited_company", 0.40),
    ("sole_trader", 0.15),
    ("cic", 0.10),
    ("charity", 0.10),
    ("company_limited_by_guarantee", 0.07),
    ("worker_coop", 0.05),
    ("community_benefit_society", 0.04),
    ("cooperative_society", 0.03),
    ("partnership", 0.02),
    ("llp", 0.02),
    ("consumer_coop", 0.01),
    ("public_body", 0.01),
];
const ACCREDITATIONS: &[&str] = &[
    "real_living_wage",
    "social_enterprise_mark",
    "b_corp",
    "fair_tax_mark",
    "iso_9001",
    "iso_14001",
    "iso_45001",
    "cyber_essentials",
    "chas",
    "constructionline",
];
const PREFIXES: &[&str] = &[
    "Green",
    "Northern",
    "Riverside",
    "Hill",
    "Oak",
    "Pennine",
    "Valley",
    "City",
    "Harbour",
    "Meadow",
    "Bright",
    "Unity",
    "Forge",
    "Beacon",
    "Heritage",
    "Thistle",
    "Summit",
    "Moor",
    "Castle",
    "Willow",
    "Phoenix",
    "Compass",
    "Anchor",
    "Brook",
    "Ember",
];
const SUFFIXES: &[&str] = &[
    "Co-operative",
    "CIC",
    "Ltd",
    "Services",
    "Collective",
    "Partnership",
    "Trust",
    "Group",
];
const BUYERS: &[&str] = &[
    "Leeds City Council",
    "Manchester City Council",
    "NHS Greater Glasgow",
    "Bristol City Council",
    "Kent County Council",
    "Transport for London",
    "University of Sheffield",
    "Cardiff Council",
    "Birmingham City Council",
    "Northumbria Police",
    "Cornwall Council",
    "Belfast City Council",
];
const FILLER: &[&str] = &[
    "We are a local, employee-owned business with twenty years of experience.",
    "Our team is fully trained, DBS checked and paid the Real Living Wage.",
    "We reinvest our surplus in the communities we serve.",
    "We work with councils, schools, housing associations and the NHS.",
    "Flexible contracts, quick response times and transparent pricing.",
    "Social value is at the heart of everything we do.",
];

struct Place {
    outcode: String,
    lat: f64,
    lon: f64,
    town: String,
}

fn load_places() -> Vec<Place> {
    OUTCODES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            Some(Place {
                outcode: c.first()?.to_string(),
                lat: c.get(1)?.parse().ok()?,
                lon: c.get(2)?.parse().ok()?,
                town: c
                    .get(3)
                    .filter(|t| !t.is_empty())
                    .or(c.get(4))
                    .map_or(String::new(), |s| (*s).to_string()),
            })
        })
        .collect()
}

fn load_cpv() -> HashMap<String, String> {
    let raw: HashMap<String, String> = serde_json::from_str(CPV_JSON).unwrap_or_default();
    raw.into_iter()
        .map(|(k, v)| (k.chars().take(8).collect(), v))
        .collect()
}

fn labels_for(codes: &[String], cpv: &HashMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for code in codes {
        if let Some(sig) = cpv_significant(code) {
            for len in 2..=sig.len() {
                if let Some(l) = cpv.get(&cpv_pad(&sig[..len])) {
                    if !out.contains(l) {
                        out.push(l.clone());
                    }
                }
            }
        }
    }
    out
}

fn gen_doc(id: i64, rng: &mut Rng, places: &[Place], cpv: &HashMap<String, String>) -> SupplierDoc {
    let trade = &TRADES[rng.skewed(TRADES.len(), 1.8)];
    let second = if rng.chance(0.3) {
        Some(&TRADES[rng.below(TRADES.len())])
    } else {
        None
    };
    // Places are skewed: the first outcodes in a shuffled order act as big cities.
    let place = &places[rng.skewed(places.len(), 2.5)];
    let mut codes: Vec<String> = trade.cpv.iter().map(|s| (*s).to_string()).collect();
    if let Some(s) = second {
        codes.push(s.cpv[0].to_string());
    }
    let name = format!(
        "{} {} {}",
        rng.pick(PREFIXES),
        if rng.chance(0.6) {
            trade.name_word
        } else {
            rng.pick(PREFIXES)
        },
        rng.pick(SUFFIXES)
    );
    let mut statement = format!(
        "{} provides {} and {} across {}. ",
        name,
        rng.pick(trade.words),
        rng.pick(trade.words),
        place.town
    );
    if let Some(s) = second {
        statement.push_str(&format!("We also offer {}. ", rng.pick(s.words)));
    }
    statement.push_str(rng.pick::<&str>(FILLER));
    statement.push(' ');
    statement.push_str(rng.pick::<&str>(FILLER));
    let keywords: Vec<String> = (0..3)
        .map(|_| (*rng.pick(trade.words)).to_string())
        .collect();
    let contracts_text = (0..rng.below(3))
        .map(|_| format!("{}: {}", rng.pick(BUYERS), rng.pick(trade.words)))
        .collect::<Vec<_>>()
        .join(". ");
    let r = rng.f();
    let mut acc = 0.0;
    let mut legal_form = LEGAL_FORMS[0].0;
    for (lf, p) in LEGAL_FORMS {
        acc += p;
        if r < acc {
            legal_form = lf;
            break;
        }
    }
    let size = [
        "micro", "micro", "micro", "small", "small", "medium", "large",
    ][rng.below(7)];
    let today = days_from_civil(2025, 1, 1);
    let accreditations = (0..rng.skewed(4, 2.0))
        .map(|_| {
            let kind = ACCREDITATIONS[rng.skewed(ACCREDITATIONS.len(), 1.5)].to_string();
            let exp = if rng.chance(0.2) {
                None
            } else {
                Some(today - 365 + rng.below(3 * 365) as i32)
            };
            (kind, exp)
        })
        .collect();
    SupplierDoc {
        id,
        name: name.clone(),
        trading_name: if rng.chance(0.1) {
            format!("{} {}", rng.pick(PREFIXES), trade.name_word)
        } else {
            String::new()
        },
        capability_statement: statement,
        keywords,
        contracts_text,
        cpv_labels: labels_for(&codes, cpv),
        cpv: codes,
        legal_form: legal_form.to_string(),
        size: Some(size.to_string()),
        social_economy: matches!(
            legal_form,
            "cic"
                | "charity"
                | "worker_coop"
                | "community_benefit_society"
                | "cooperative_society"
                | "consumer_coop"
        ) || rng.chance(0.05),
        verified: rng.chance(0.6),
        accreditations,
        lat: Some(place.lat + (rng.f() - 0.5) * 0.04),
        lon: Some(place.lon + (rng.f() - 0.5) * 0.06),
        outcode: Some(place.outcode.clone()),
        max_contract_value_gbp: Some(10_000 * (1 + rng.skewed(500, 3.0)) as i64),
        updated_at: 1_600_000_000 + rng.below(150_000_000) as i64,
        postcode: format!("{} {}AB", place.outcode, rng.below(9) + 1),
        town: place.town.clone(),
    }
}

const QUERY_WORDS: &[&str] = &[
    "grounds maintenance",
    "school meals",
    "cyber security training",
    "cleaning",
    "office cleaning",
    "mowing",
    "mowng",
    "hedge",
    "catering",
    "social work",
    "domiciliary care",
    "plumbing",
    "boiler servicing",
    "recycling",
    "furniture reuse",
    "joinery",
    "roofing",
    "web applications",
    "software development",
    "it support",
    "apprenticeships",
    "community transport",
    "bakery",
    "architecture",
    "security guarding",
    "cctv",
    "youth work",
    "landscaping",
    "cleanning",
    "maintenence",
    "printing",
    "graphic design",
    "supported living",
    "breakfast clubs",
];

fn gen_queries(places: &[Place], count: usize) -> Vec<IndexQuery> {
    let mut rng = Rng(42);
    let mut out = Vec::new();
    let divisions = [
        "77000000", "55000000", "90000000", "72000000", "80000000", "85000000", "45000000",
    ];
    for i in 0..count {
        let place = &places[rng.skewed(places.len(), 2.5)];
        let near = Some((place.lat, place.lon));
        let mut q = IndexQuery {
            limit: 20,
            ..IndexQuery::default()
        };
        match i % 8 {
            0 => q.text = Some((*rng.pick(QUERY_WORDS)).into()),
            1 => {
                q.text = Some((*rng.pick(QUERY_WORDS)).into());
                q.near = near;
                q.within_km = Some([5.0, 10.0, 25.0, 50.0][rng.below(4)]);
            }
            2 => {
                q.text = Some((*rng.pick(QUERY_WORDS)).into());
                q.legal_forms = vec!["cic".into(), "worker_coop".into(), "charity".into()];
                q.sizes = vec!["micro".into(), "small".into()];
            }
            3 => {
                q.cpv = Some((*rng.pick(&divisions)).into());
                q.near = near;
                q.within_km = Some(25.0);
                q.sort = SortOrder::Distance;
            }
            4 => {
                q.text = Some((*rng.pick(QUERY_WORDS)).into());
                q.near = near;
                q.within_km = Some(50.0);
                q.verified_only = true;
                q.social_economy_only = true;
                q.accreditations = vec!["real_living_wage".into()];
                q.accreditations_valid_on = Some(days_from_civil(2025, 6, 1));
            }
            5 => {
                q.text = Some((*rng.pick(QUERY_WORDS)).into());
                q.cpv = Some((*rng.pick(&divisions)).into());
                q.min_capacity_gbp = Some(250_000);
                q.offset = 20;
            }
            6 => {
                // Facet browsing without words: the expensive case.
                q.verified_only = true;
                q.sizes = vec!["micro".into()];
                q.cpv = Some((*rng.pick(&divisions)).into());
                q.sort = SortOrder::Updated;
            }
            _ => {
                q.text = Some(format!(
                    "{} {}",
                    rng.pick(QUERY_WORDS),
                    rng.pick(QUERY_WORDS)
                ));
                q.near = near;
                q.within_km = Some(100.0);
                q.sort = SortOrder::Relevance;
                q.outcodes = Vec::new();
            }
        }
        out.push(q);
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn vm_hwm_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(std::result::Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn run_mix(
    index: &SupplierIndex,
    queries: &[IndexQuery],
    threads: usize,
    passes: usize,
) -> (Vec<Duration>, f64, u64) {
    let start = Instant::now();
    let chunks: Vec<&[IndexQuery]> = queries.chunks(queries.len().div_ceil(threads)).collect();
    let results: Vec<(Vec<Duration>, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut lat = Vec::new();
                    let mut hits = 0u64;
                    for _ in 0..passes {
                        for q in *chunk {
                            let t = Instant::now();
                            match index.search(q) {
                                Ok(r) => hits += r.total,
                                Err(e) => eprintln!("query failed: {e}"),
                            }
                            lat.push(t.elapsed());
                        }
                    }
                    (lat, hits)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let wall = start.elapsed().as_secs_f64();
    let mut all = Vec::new();
    let mut hits = 0;
    for (l, h) in results {
        all.extend(l);
        hits += h;
    }
    all.sort();
    let qps = all.len() as f64 / wall;
    (all, qps, hits)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = args.get(2).map_or_else(
        || std::env::temp_dir().join(format!("anchorlink-search-bench-{n}")),
        Into::into,
    );
    // SEARCH_BENCH_REUSE=1 keeps an index already built for the same N.
    let reuse = std::env::var("SEARCH_BENCH_REUSE").is_ok_and(|v| v == "1");
    if !reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }

    let mut places = load_places();
    let cpv = load_cpv();
    // Shuffle so the "big cities" of the skew are spread over the UK.
    let mut rng = Rng(7);
    for i in (1..places.len()).rev() {
        let j = rng.below(i + 1);
        places.swap(i, j);
    }
    println!(
        "search-bench: N = {n}, {} outcodes, {} CPV codes, index at {}",
        places.len(),
        cpv.len(),
        dir.display()
    );

    let index = SupplierIndex::open_or_create_with(
        &dir,
        IndexOptions {
            writer_heap_bytes: 512 << 20,
            writer_threads: 2,
            ..IndexOptions::default()
        },
    )?;
    let reused = reuse && index.len() == n as u64;
    if !reused {
        index.clear()?;
    }
    let t0 = Instant::now();
    let mut gen_time = Duration::ZERO;
    let mut rng = Rng(1);
    let batch = 10_000;
    let mut id = 1i64;
    while !reused && (id as usize) <= n {
        let g = Instant::now();
        let end = (id as usize + batch).min(n + 1);
        let docs: Vec<SupplierDoc> = (id..end as i64)
            .map(|i| gen_doc(i, &mut rng, &places, &cpv))
            .collect();
        gen_time += g.elapsed();
        index.upsert(&docs)?;
        id = end as i64;
        if (id as usize - 1).is_multiple_of(100_000) {
            eprintln!("  {} docs, {:.1}s", id - 1, t0.elapsed().as_secs_f64());
        }
    }
    if !reused {
        index.commit()?;
    }
    let built = t0.elapsed();
    let segs_before = index.num_segments();
    let t1 = Instant::now();
    index.merge_segments()?;
    let merged = t1.elapsed();
    println!(
        "build: {:.1}s total ({:.1}s generating docs, {:.1}s indexing+commit), {} segments; merge to 1: {:.1}s",
        built.as_secs_f64(),
        gen_time.as_secs_f64(),
        (built - gen_time).as_secs_f64(),
        segs_before,
        merged.as_secs_f64()
    );
    println!(
        "index: {} docs, {:.1} MB on disk, peak RSS {:.0} MB",
        index.len(),
        dir_size(&dir) as f64 / 1e6,
        vm_hwm_mb()
    );

    println!(
        "facet cache: {:.1} MB",
        index.facet_cache_bytes() as f64 / 1e6
    );
    let queries = gen_queries(&places, 240);
    // Warm-up: page cache and first-use allocations.
    let _ = run_mix(&index, &queries, 1, 1);
    for threads in [1, 2] {
        let (lat, qps, hits) = run_mix(&index, &queries, threads, 3);
        println!(
            "{threads} thread(s): {} queries, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} queries/s (avg total {:.0})",
            lat.len(),
            percentile(&lat, 0.50),
            percentile(&lat, 0.95),
            percentile(&lat, 0.99),
            percentile(&lat, 1.0),
            qps,
            hits as f64 / lat.len() as f64
        );
    }
    // Per query kind, single-threaded, to see which shape is slowest.
    let kinds = [
        "words",
        "words+radius",
        "words+facets",
        "cpv+radius by distance",
        "words+radius+verified+social+accred valid",
        "words+cpv+capacity page 2",
        "facets only (cpv+verified+micro) by updated",
        "2 words+100km",
    ];
    for (k, name) in kinds.iter().enumerate() {
        let qs: Vec<IndexQuery> = queries.iter().skip(k).step_by(8).cloned().collect();
        let (lat, _, hits) = run_mix(&index, &qs, 1, 3);
        println!(
            "  {name:<48} p50 {:.2} ms p95 {:.2} ms (avg total {:.0})",
            percentile(&lat, 0.5),
            percentile(&lat, 0.95),
            hits as f64 / lat.len() as f64
        );
    }
    println!("peak RSS {:.0} MB", vm_hwm_mb());
    Ok(())
}
