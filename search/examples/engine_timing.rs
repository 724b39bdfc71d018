//! The search engine alone, timed: no database, no page fill. For work on the engine
//! between full `make bench` runs, and to compare two versions of the engine on the same
//! data (build each version's example, point them at their own index directory, run them
//! in turns).
//!
//! ```text
//! cargo run --release -p anchorlink-search --example engine_timing -- build DIR N
//! cargo run --release -p anchorlink-search --example engine_timing -- query DIR [ROUNDS]
//! cargo run --release -p anchorlink-search --example engine_timing -- slowest DIR [N]
//! ```
//!
//! `build` indexes N suppliers drawn as `anchorlink seed --random-seed 42` draws them (the
//! seeder's trades, names, places and codes), in one equal segment per search thread as the
//! app's rebuild does. `query` runs `make bench`'s query mix (the same texts, and filters
//! drawn by the same seeded generator: ~40% within 5–50 km of a real outcode, ~20% a CPV
//! code, ~25% a legal form, ~25% a size; top 20 with total and facets): one warm-up pass,
//! then ROUNDS measured passes with one worker and with two, and prints p50/p95/p99.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchorlink_search::{
    IndexOptions, IndexQuery, SupplierDoc, SupplierIndex, Thesaurus, Vocabulary,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 42;
const TOP_K: usize = 20;

const TEXTS: &[&str] = &[
    "grounds maintenance",
    "school meals",
    "cyber security training",
    "cleaning",
    "office cleaning",
    "window cleaning",
    "tree surgery",
    "landscaping",
    "catering",
    "hospital food",
    "boiler servicing",
    "plumbing and heating",
    "electrical installation",
    "it support",
    "managed services",
    "penetration testing",
    "cyber essentials",
    "home care",
    "supported living",
    "community transport",
    "minibus",
    "patient transport",
    "printing",
    "graphic design",
    "signage",
    "recycling",
    "waste collection",
    "furniture reuse",
    "apprenticeships",
    "vocational training",
    "management consultancy",
    "community engagement",
    "manned guarding",
    "event security",
    "bakery",
    "fresh vegetables",
    "architects",
    "retrofit",
    "laundry",
    "linen services",
    "festivals",
    "joinery",
    "building repairs",
    "social housing repairs",
    "hedge trimming",
    "deep cleaning schools",
    "Leeds cleaning",
    "Manchester catering",
    "Bristol landscaping",
    "Sheffield security",
    "mow",
    "mowing",
    "cleaner",
    "printers",
    "caterers",
    "electrician",
    "trees",
    "boilers",
    "grouns maintenance",
    "claening",
    "cyber securty",
    "plumbnig",
    "catring",
    "recyclng",
    "laundary",
    "landscapeing",
    "electrcal",
    "furnture",
];

const CITIES: &[&str] = &[
    "LS1", "M1", "B1", "BS1", "NE1", "L1", "S1", "NG1", "CF10", "EH1", "G1", "SW1A", "EC1A", "BN1",
    "OX1", "CB1", "YO1", "PR1", "BD1", "HU1", "LE1", "PL1", "SO14", "NR1", "DE1", "CV1", "ST1",
    "WV1", "SR1", "DH1", "LA1", "EX1",
];

const CPVS: &[&str] = &[
    "77310000", "77314000", "90910000", "90911200", "72000000", "80500000", "55520000", "45000000",
    "85310000", "79710000", "90500000", "60130000", "79810000",
];

const FORMS: &[&str] = &[
    "worker_coop",
    "cic,charity",
    "private_limited_company",
    "sole_trader",
    "worker_coop,consumer_coop,cooperative_society",
    "company_limited_by_guarantee",
];

const SIZES: &[&str] = &["micro", "small,medium", "large", "micro,small"];

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::to_owned).collect()
}

/// `make bench`'s mix, drawn the same way (`bench/src/main.rs`, `query_mix`).
fn query_mix(n: usize) -> Vec<IndexQuery> {
    let mut rng = StdRng::seed_from_u64(2026);
    let places: Vec<(f64, f64)> = CITIES
        .iter()
        .map(|c| {
            let info = support::place(c);
            (info.lat, info.lon)
        })
        .collect();
    (0..n)
        .map(|i| {
            let mut q = IndexQuery {
                text: Some(TEXTS[i % TEXTS.len()].to_owned()),
                limit: TOP_K,
                ..IndexQuery::default()
            };
            if rng.gen_bool(0.4) {
                q.near = Some(places[rng.gen_range(0..places.len())]);
                q.within_km = Some([5.0, 10.0, 25.0, 50.0][rng.gen_range(0..4)]);
            }
            if rng.gen_bool(0.2) {
                q.cpv = Some(CPVS[rng.gen_range(0..CPVS.len())].to_owned());
            }
            if rng.gen_bool(0.25) {
                q.legal_forms = list(FORMS[rng.gen_range(0..FORMS.len())]);
            }
            if rng.gen_bool(0.25) {
                q.sizes = list(SIZES[rng.gen_range(0..SIZES.len())]);
            }
            q
        })
        .collect()
}

fn open(dir: &str) -> SupplierIndex {
    let index = SupplierIndex::open_or_create_with(dir, IndexOptions::default()).expect("index");
    let thesaurus = Thesaurus::builtin().expect("thesaurus");
    let vocabulary = Vocabulary::new(support::catalogue(), &thesaurus).expect("vocabulary");
    index.set_vocabulary(Arc::new(vocabulary));
    index
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn build(dir: &str, n: usize) {
    let index = open(dir);
    index.clear().expect("clear");
    let started = Instant::now();
    index.begin_bulk().expect("bulk");
    let parts = index.search_threads().max(1);
    let per_part = n.div_ceil(parts);
    let mut batch = Vec::with_capacity(2000);
    let mut in_part = 0;
    support::seeded_each(n, SEED, |s| {
        batch.push(SupplierDoc::from_snapshot(&s, support::catalogue()));
        in_part += 1;
        if batch.len() == 2000 || in_part == per_part {
            index.upsert(&batch).expect("upsert");
            batch.clear();
        }
        if in_part == per_part {
            index.commit_part().expect("commit part");
            in_part = 0;
        }
    });
    index.upsert(&batch).expect("upsert");
    index.commit_part().expect("commit part");
    index.end_bulk().expect("end bulk");
    println!(
        "built {} suppliers in {:.1} s: {} segments, {:.0} MiB on disk",
        index.len(),
        started.elapsed().as_secs_f64(),
        index.num_segments(),
        dir_size(std::path::Path::new(dir)) as f64 / 1048576.0
    );
}

/// CPU time this process has used (user + system, all threads), from `/proc/self/stat`: a
/// measure of the engine's work that other processes on a busy machine do not inflate.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

/// Runs the mix `rounds` times with `workers` threads taking the next query in turn.
fn measure(
    index: &Arc<SupplierIndex>,
    mix: &Arc<Vec<IndexQuery>>,
    workers: usize,
    rounds: usize,
) -> (Vec<Duration>, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let total = mix.len() * rounds;
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (index, mix, next) = (Arc::clone(index), Arc::clone(mix), Arc::clone(&next));
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= total {
                        break;
                    }
                    let t = Instant::now();
                    let r = index.search(&mix[i % mix.len()]).expect("search");
                    std::hint::black_box(r);
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("worker"))
        .collect();
    let wall = started.elapsed();
    all.sort();
    (all, wall)
}

/// The slowest queries of the mix, one worker: where the time goes.
fn slowest(dir: &str, n: usize) {
    let index = open(dir);
    let mix = query_mix(240);
    let mut timed: Vec<(Duration, u64, &IndexQuery)> = mix
        .iter()
        .map(|q| {
            let _ = index.search(q).expect("search");
            let t = Instant::now();
            let r = index.search(q).expect("search");
            (t.elapsed(), r.total, q)
        })
        .collect();
    timed.sort_by_key(|t| std::cmp::Reverse(t.0));
    for (d, total, q) in timed.into_iter().take(n) {
        println!(
            "{:8.2} ms  total {total:>7}  {:?} near={} cpv={:?} forms={:?} sizes={:?}",
            d.as_secs_f64() * 1000.0,
            q.text.as_deref().unwrap_or(""),
            q.within_km.map_or(String::new(), |k| format!("{k} km")),
            q.cpv,
            q.legal_forms,
            q.sizes
        );
    }
}

/// One query, repeated: for a profiler.
fn one(dir: &str, text: &str, cpv: Option<&str>, times: usize) {
    let index = open(dir);
    let q = IndexQuery {
        text: Some(text.to_owned()),
        cpv: cpv.filter(|c| !c.is_empty()).map(str::to_owned),
        limit: TOP_K,
        ..IndexQuery::default()
    };
    let started = Instant::now();
    let mut total = 0;
    for _ in 0..times {
        total = index.search(&q).expect("search").total;
    }
    println!(
        "{text:?} cpv={cpv:?}: total {total}, {:.2} ms each",
        started.elapsed().as_secs_f64() * 1000.0 / times as f64
    );
}

fn query(dir: &str, rounds: usize) {
    let index = Arc::new(open(dir));
    let mix = Arc::new(query_mix(240));
    measure(&index, &mix, 1, 1);
    println!(
        "{} suppliers, {} queries x {rounds} rounds",
        index.len(),
        mix.len()
    );
    println!("| workers | p50 ms | p95 ms | p99 ms | mean ms | queries/s | CPU ms/query |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for workers in [1, 2] {
        let cpu_before = cpu_time();
        let (lat, wall) = measure(&index, &mix, workers, rounds);
        let cpu = cpu_time()
            .zip(cpu_before)
            .map_or(f64::NAN, |(after, before)| {
                (after - before).as_secs_f64() * 1000.0 / lat.len() as f64
            });
        let mean = lat.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / lat.len() as f64;
        println!(
            "| {workers} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {cpu:.2} |",
            pct(&lat, 0.5),
            pct(&lat, 0.95),
            pct(&lat, 0.99),
            mean,
            lat.len() as f64 / wall.as_secs_f64()
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("build") => build(
            &args[2],
            args.get(3)
                .and_then(|n| n.replace('_', "").parse().ok())
                .unwrap_or(100_000),
        ),
        Some("query") => query(
            &args[2],
            args.get(3).and_then(|n| n.parse().ok()).unwrap_or(3),
        ),
        Some("one") => one(
            &args[2],
            &args[3],
            args.get(4).map(String::as_str),
            args.get(5).and_then(|n| n.parse().ok()).unwrap_or(50),
        ),
        Some("slowest") => slowest(
            &args[2],
            args.get(3).and_then(|n| n.parse().ok()).unwrap_or(20),
        ),
        _ => eprintln!("usage: engine_timing build DIR N | engine_timing query DIR [ROUNDS]"),
    }
}
