//! `make bench` (through `scripts/bench.sh`): seeds N suppliers with the real seeder, builds
//! the real search index from the database, builds two ranked SQL full-text baselines over
//! the same data (SQLite FTS5 ordered by bm25; PostgreSQL tsvector + GIN ordered by
//! ts_rank), then runs one fixed mix of realistic queries (words + facets + radius) through
//! the app's real search path and through each baseline, with 1 and 2 concurrent workers,
//! and prints the latencies side by side, and how much the engines' top 20 agree.
//!
//! The peers are set up as their own experts would, and do the app's work, no more:
//! - every engine gets the same warm-up (the whole mix once, under the same time cap);
//! - SQLite: `mmap_size` and `cache_size` sized to the database file, on every pooled
//!   connection; one FTS5 table carrying the facet and display columns `UNINDEXED` (and the
//!   CPV prefixes as an indexed column with no weight in bm25), so nothing is joined;
//! - PostgreSQL: one table with the facet and display columns, a GIN index on the tsvector
//!   and one on the CPV prefixes; `jit = off`, `work_mem` and `effective_cache_size` set for
//!   the benchmark database (`ALTER DATABASE`, so every pooled session has them); the
//!   `shared_buffers` in force is reported against the data size (it needs a server restart,
//!   which is the script's to do);
//! - each baseline answers a search with two statements: all the app's facet counts (legal
//!   form, size, verified and social economy each with its own filter left out; CPV
//!   divisions and the level under a CPV filter; accreditations) with the total, and the
//!   page of 20 with the fields the app shows.
//!
//! Usage: `anchorlink-bench N` (one size per process, so peak memory is per size).
//! Environment:
//! - `BENCH_PG_URL`: an admin URL of a PostgreSQL server; empty skips the PostgreSQL baseline.
//! - `BENCH_PG_MAX`: largest N loaded into PostgreSQL (default 1000000).
//! - `BENCH_QUERIES`: size of the query mix (default 240, at least 200 recommended).
//! - `BENCH_PASS_SECS`: time cap of one pass of a baseline (default 150); a pass that hits
//!   it reports the queries it ran.
//! - `BENCH_DIR`: where the temporary database and index go (default the system temp dir).
//! - `BENCH_KEEP`: a directory to keep the seeded database, index and FTS5 table in and
//!   reuse when run again with the same N (for working on the engine; loading figures are
//!   then not reported).
//! - `BENCH_ENGINES`: which engines to run, comma-separated among `app,fts5,pg` (default all).

mod tendering;
// opportunities and alert matching (issue 12)
mod matching;
mod opportunities;

use anchorlink_search::{IndexQuery, Thesaurus, Vocabulary};
use backend::services::registry::search::{parse_query, search};
use backend::state::AppState;
use domain::accounts::{Actor, Role, UserStatus};
use domain::cpv::CpvCode;
use domain::place::parse_place;
use domain::registry::dto::SearchQuery;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Results per page: the app's default page, and the baselines' LIMIT.
const TOP_K: usize = 20;
const SEED: u64 = 42;
/// The engine's stop words (search/src/engine.rs), so every engine sees the same words.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of",
    "on", "or", "the", "to", "with",
];
/// bm25 column weights of the FTS5 table: name, trading name, statement, keywords, CPV
/// labels as the engine weighs them; the CPV prefix column (a filter) counts nothing.
const FTS5_WEIGHTS: &str = "4.0, 3.0, 1.0, 2.5, 2.0, 0.0";
/// The texts of the mix that carry typos: left out of the top-20 agreement (the SQL
/// baselines have no typo tolerance, so they find nothing or something else).
const TYPOS: &[&str] = &[
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

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let base = std::env::var("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    std::fs::create_dir_all(&base)?;
    let temp = tempfile::Builder::new()
        .prefix("anchorlink-bench-")
        .tempdir_in(&base)?;
    let kept = std::env::var("BENCH_KEEP")
        .ok()
        .filter(|k| !k.trim().is_empty())
        .map(|k| Path::new(&k).join(format!("n{n}")));
    if let Some(k) = &kept {
        // A kept directory whose load did not finish is started again.
        if !k.join("complete").exists() && k.exists() {
            std::fs::remove_dir_all(k)?;
        }
        std::fs::create_dir_all(k)?;
    }
    let dir_path = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let pg_url = std::env::var("BENCH_PG_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    let pg_max: u64 = env_or("BENCH_PG_MAX", 1_000_000);
    let mut report = Report::default();
    let mut pg_db_name = None;
    let result = run(
        n,
        &dir_path,
        pg_url.as_deref().filter(|_| n <= pg_max),
        &mut report,
        &mut pg_db_name,
    )
    .await;
    if pg_url.is_some() && n > pg_max {
        report.notes.push(format!(
            "PostgreSQL baseline skipped at N = {n} (BENCH_PG_MAX = {pg_max})"
        ));
    }
    // Clean up: the PostgreSQL database (the temp dir goes when `dir` drops).
    if let (Some(url), Some(name)) = (&pg_url, &pg_db_name) {
        if let Err(e) = drop_pg_database(url, name).await {
            eprintln!("could not drop PostgreSQL database {name}: {e:#}");
        }
    }
    result?;
    println!("{}", report.render(n));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Loading

async fn run(
    n: u64,
    dir: &Path,
    pg_url: Option<&str>,
    report: &mut Report,
    pg_db_name: &mut Option<String>,
) -> anyhow::Result<()> {
    let index_dir = dir.join("index");
    let settings = server::config::Settings {
        addr: "127.0.0.1:0".parse()?,
        database_url: format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
        base_url: "http://localhost".into(),
        smtp_url: None,
        mail_from: "Anchorlink <no-reply@anchorlink.invalid>".into(),
        outbox_dir: dir.join("outbox"),
        site_root: Some(dir.join("site").display().to_string()),
        index_dir: Some(index_dir.clone()),
        ocid_prefix: domain::ocds::OcidPrefix::parse(server::config::DEFAULT_OCID_PREFIX)
            .expect("the default ocid prefix is valid"),
    };
    // The real start-up: migrations, reference data, the index in its own directory.
    let state = server::build_state(&settings).await?;
    // The engine reads queries with the shipped thesaurus and the CPV labels (as the app
    // does from start-up; setting it again here is harmless).
    let vocabulary = Vocabulary::new(&state.env.cpv, &Thesaurus::builtin()?)?;
    state
        .views
        .index()
        .engine()
        .set_vocabulary(Arc::new(vocabulary));
    let reuse = dir.join("complete").exists() && state.views.index().engine().len() == n;
    if reuse {
        eprintln!(
            "==> reusing the database and index kept in {}",
            dir.display()
        );
        report
            .notes
            .push("loading figures not measured: database and index reused (BENCH_KEEP)".into());
    } else {
        load(n, dir, &state, report).await?;
        std::fs::write(dir.join("complete"), b"")?;
    }
    // Tendering (issue 8): on the same registry, before the search baselines are built.
    if !reuse {
        eprintln!("==> tendering: market depth and lot plans");
        report.tendering = tendering::run(&state).await?;
        // opportunities (issue 12): 10,000 open lots on the same registry
        eprintln!("==> opportunities: one supplier's page among 10,000 open lots");
        report
            .tendering
            .push_str(&opportunities::run(&state).await?);
        eprintln!("==> alert matching: one tender of 10 lots against the registry");
        report.tendering.push_str(&matching::run(&state).await?);
    }
    run_queries(n, state, &settings.database_url, pg_url, report, pg_db_name).await
}

async fn load(n: u64, dir: &Path, state: &AppState, report: &mut Report) -> anyhow::Result<()> {
    let index_dir = dir.join("index");
    eprintln!("==> seeding {n} suppliers into SQLite");
    let t = Instant::now();
    server::seed::seed(state, n, SEED).await?;
    report.load.push((
        "SQLite: seed (server::seed::seed)".into(),
        secs(t.elapsed()),
    ));

    eprintln!("==> building the search index from the database");
    reset_peak_rss();
    let rss_before = rss_kib("VmRSS");
    let t = Instant::now();
    state.views.catch_up(&state.db).await?;
    let build = t.elapsed();
    anyhow::ensure!(
        state.views.index().engine().len() == n,
        "index holds {} of {n} suppliers",
        state.views.index().engine().len()
    );
    report.load.push((
        "tantivy index: build from the database (SearchIndex)".into(),
        secs(build),
    ));
    report.load.push((
        "tantivy index: size on disk".into(),
        mib(dir_size(&index_dir)),
    ));
    report.load.push((
        "process peak RSS during index build (VmHWM)".into(),
        format!(
            "{} (RSS before build {})",
            kib_str(rss_kib("VmHWM")),
            kib_str(rss_before)
        ),
    ));
    report.load.push((
        "tantivy index: segments".into(),
        state.views.index().engine().num_segments().to_string(),
    ));

    eprintln!("==> building the SQLite FTS5 baseline");
    let t = Instant::now();
    build_fts5(state).await?;
    report.load.push((
        "SQLite FTS5 baseline: build (virtual table with UNINDEXED facet columns + optimize)"
            .into(),
        secs(t.elapsed()),
    ));
    report.load.push((
        "SQLite FTS5 baseline: size".into(),
        mib(fts5_size(&state.db).await?),
    ));
    report.load.push((
        "SQLite database file (incl. FTS5)".into(),
        mib(file_size(&dir.join("bench.db"))),
    ));
    Ok(())
}

async fn run_queries(
    n: u64,
    state: AppState,
    sqlite_url: &str,
    pg_url: Option<&str>,
    report: &mut Report,
    pg_db_name: &mut Option<String>,
) -> anyhow::Result<()> {
    let wanted = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "app,fts5,pg".into());
    let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
    let pg_url = pg_url.filter(|_| wanted.contains(&"pg"));
    let pg = match pg_url {
        Some(url) => {
            let name = format!("anchorlink_bench_{}", std::process::id());
            let db_url = create_pg_database(url, &name).await?;
            *pg_db_name = Some(name.clone());
            let db = server::connect(&db_url).await?;
            let pg_state = AppState {
                db: db.clone(),
                ..state.clone()
            };
            eprintln!("==> seeding {n} suppliers into PostgreSQL");
            let t = Instant::now();
            server::seed::seed(&pg_state, n, SEED).await?;
            report.load.push((
                "PostgreSQL: seed (server::seed::seed)".into(),
                secs(t.elapsed()),
            ));
            eprintln!("==> building the PostgreSQL tsvector + GIN baseline");
            let t = Instant::now();
            build_pg(&pg_state).await?;
            report.load.push((
                "PostgreSQL baseline: build (search table + GIN on tsvector and CPV prefixes)"
                    .into(),
                secs(t.elapsed()),
            ));
            let size = pg_size(&db).await?;
            report.load.push((
                "PostgreSQL baseline: table + indexes size".into(),
                mib(size),
            ));
            db.close().await?;
            Some(tune_pg(&db_url, &name, size, report).await?)
        }
        None => None,
    };

    let mix = query_mix(&state, env_or("BENCH_QUERIES", 240))?;
    let fts5 = fts5_connection(&state, sqlite_url, report).await?;
    let ctx = Arc::new(Ctx {
        state,
        fts5,
        pg,
        mix,
    });
    let cap = Duration::from_secs(env_or("BENCH_PASS_SECS", 150));
    let mut engines = Vec::new();
    for (name, engine) in [("app", Engine::App), ("fts5", Engine::Fts5)] {
        if wanted.contains(&name) {
            engines.push(engine);
        }
    }
    if ctx.pg.is_some() {
        engines.push(Engine::Pg);
    }
    for engine in engines {
        eprintln!("==> queries: {}", engine.label());
        // Warm-up, the same for every engine: the whole mix once (caches, connection pool,
        // mmap'd files), under the same time cap as a measured pass.
        measure(ctx.clone(), engine, 1, ctx.mix.len(), cap).await?;
        for workers in [1, 2] {
            let stats = measure(ctx.clone(), engine, workers, ctx.mix.len(), cap).await?;
            let slowest: usize = env_or("BENCH_SLOWEST", 0);
            for (lat, i, total) in
                stats
                    .by_query
                    .iter()
                    .take(if workers == 1 { slowest } else { 0 })
            {
                eprintln!(
                    "{:>8.2} ms  total {total:>7}  {:?}",
                    lat.as_secs_f64() * 1000.0,
                    ctx.mix[*i].app
                );
            }
            report.runs.push((engine, workers, stats));
        }
    }
    report.queries = ctx.mix.len();
    report.agreement = agreement(&ctx.mix, &report.runs);
    Ok(())
}

/// How much two engines' top 20 agree on each query without typos where either finds
/// something: the share of the shorter list found in the other, averaged.
fn agreement(mix: &[Q], runs: &[(Engine, usize, Stats)]) -> Vec<(Engine, Engine, f64, usize)> {
    let tops = |e: Engine| {
        runs.iter()
            .find(|(en, w, _)| *en == e && *w == 1)
            .map(|(_, _, s)| &s.tops)
    };
    let mut out = Vec::new();
    for (a, b) in [
        (Engine::App, Engine::Fts5),
        (Engine::App, Engine::Pg),
        (Engine::Fts5, Engine::Pg),
    ] {
        let (Some(ta), Some(tb)) = (tops(a), tops(b)) else {
            continue;
        };
        let mut shares = Vec::new();
        for (i, q) in mix.iter().enumerate() {
            let text = q.app.q.as_deref().unwrap_or("");
            if TYPOS.contains(&text) {
                continue;
            }
            let (Some(x), Some(y)) = (ta.get(&i), tb.get(&i)) else {
                continue;
            };
            let shorter = x.len().min(y.len());
            if x.len().max(y.len()) == 0 {
                continue;
            }
            let common = x.intersection(y).count();
            shares.push(if shorter == 0 {
                0.0
            } else {
                common as f64 / shorter as f64
            });
        }
        if !shares.is_empty() {
            out.push((
                a,
                b,
                shares.iter().sum::<f64>() / shares.len() as f64,
                shares.len(),
            ));
        }
    }
    out
}

/// The head of the tendering, opportunities and matching sections' tables.
pub(crate) const TIMING_HEAD: &str = "| measure | p50 ms | p95 ms | target |\n|---|---:|---:|---|";

/// One row of those tables: the p50 and p95 of `sorted` in milliseconds, and the target
/// (empty for a baseline).
pub(crate) fn timing_row(measure: &str, sorted: &[Duration], target: &str) -> String {
    format!(
        "| {measure} | {:.1} | {:.1} | {target} |",
        pct(sorted, 0.5),
        pct(sorted, 0.95)
    )
}

/// The `p` quantile (0 to 1) of sorted durations, in milliseconds (NaN when empty).
pub(crate) fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn kib_str(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// A field of /proc/self/status, in KiB.
fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak is the index build's.
fn reset_peak_rss() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("(could not reset the peak RSS: VmHWM includes seeding)");
    }
}

fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

/// Labels of a CPV code and all its ancestors, as the index's `cpv_labels` holds them.
async fn cpv_label_rows(state: &AppState) -> anyhow::Result<Vec<(String, String)>> {
    let backend = state.db.get_database_backend();
    let rows = state
        .db
        .query_all_raw(stmt(
            backend,
            "SELECT DISTINCT cpv_code FROM supplier_cpv",
            vec![],
        ))
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let code: String = r.try_get_by_index(0)?;
        let Ok(c) = CpvCode::parse(&code) else {
            continue;
        };
        let mut labels: Vec<String> = state
            .env
            .cpv
            .ancestors(&c)
            .into_iter()
            .map(|a| a.label)
            .collect();
        labels.extend(state.env.cpv.get(&c).map(|e| e.label));
        out.push((code, labels.join(". ")));
    }
    Ok(out)
}

async fn load_labels(state: &AppState) -> anyhow::Result<()> {
    let backend = state.db.get_database_backend();
    state
        .db
        .execute_unprepared(
            "CREATE TABLE bench_cpv_labels (code VARCHAR(8) PRIMARY KEY, labels TEXT NOT NULL)",
        )
        .await?;
    let insert = match backend {
        DbBackend::Postgres => "INSERT INTO bench_cpv_labels (code, labels) VALUES ($1, $2)",
        _ => "INSERT INTO bench_cpv_labels (code, labels) VALUES (?, ?)",
    };
    for (code, labels) in cpv_label_rows(state).await? {
        state
            .db
            .execute_raw(stmt(backend, insert, vec![code.into(), labels.into()]))
            .await?;
    }
    Ok(())
}

/// The SQLite baseline: one FTS5 table (porter stemming) over name, trading name, capability
/// statement, keywords and CPV labels (with ancestors), keyed by the organisation id, with
/// the CPV prefixes of every declared code as an indexed column (a filter, weightless in
/// bm25) and the facet and display columns `UNINDEXED`: a search never joins.
async fn build_fts5(state: &AppState) -> anyhow::Result<()> {
    load_labels(state).await?;
    let db = &state.db;
    // Every prefix of every declared code, from the division to the significant digits.
    db.execute_unprepared(
        "CREATE TABLE bench_prefixes AS
         WITH RECURSIVE p(org, code, len) AS (
           SELECT organisation_id, cpv_code, 2 FROM supplier_cpv
           UNION ALL SELECT org, code, len + 1 FROM p WHERE len < length(rtrim(code, '0')))
         SELECT org, group_concat(DISTINCT substr(code, 1, len)) AS words,
                json_group_array(DISTINCT substr(code, 1, len)) AS json
         FROM p GROUP BY org",
    )
    .await?;
    db.execute_unprepared(
        "CREATE VIRTUAL TABLE bench_fts USING fts5(
           name, trading_name, capability, keywords, cpv_labels, cpv_prefixes,
           legal_form UNINDEXED, size_class UNINDEXED, verified UNINDEXED, social_economy UNINDEXED,
           latitude UNINDEXED, longitude UNINDEXED, prefix_json UNINDEXED, accreditations UNINDEXED,
           postcode UNINDEXED, town UNINDEXED, cpv_codes UNINDEXED,
           tokenize = 'porter unicode61')",
    )
    .await?;
    db.execute_unprepared(
        "INSERT INTO bench_fts (rowid, name, trading_name, capability, keywords, cpv_labels, cpv_prefixes,
                                legal_form, size_class, verified, social_economy, latitude, longitude,
                                prefix_json, accreditations, postcode, town, cpv_codes)
         SELECT p.organisation_id, p.legal_name, p.trading_name, p.capability_statement, p.keywords,
                COALESCE((SELECT group_concat(b.labels, '. ') FROM supplier_cpv c JOIN bench_cpv_labels b ON b.code = c.cpv_code
                          WHERE c.organisation_id = p.organisation_id), ''),
                COALESCE(x.words, ''), p.legal_form, p.size_class,
                EXISTS (SELECT 1 FROM supplier_identifiers i WHERE i.organisation_id = p.organisation_id AND i.verified_at IS NOT NULL),
                p.social_economy, p.latitude, p.longitude, COALESCE(x.json, '[]'),
                COALESCE((SELECT json_group_array(DISTINCT a.kind) FROM supplier_accreditations a WHERE a.organisation_id = p.organisation_id), '[]'),
                p.postcode, p.town,
                COALESCE((SELECT group_concat(c.cpv_code, ' ') FROM supplier_cpv c WHERE c.organisation_id = p.organisation_id), '')
         FROM supplier_profiles p JOIN organisations o ON o.id = p.organisation_id
         LEFT JOIN bench_prefixes x ON x.org = p.organisation_id
         WHERE p.published AND o.status = 'active'",
    )
    .await?;
    db.execute_unprepared("DROP TABLE bench_prefixes").await?;
    db.execute_unprepared("INSERT INTO bench_fts (bench_fts) VALUES ('optimize')")
        .await?;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

async fn fts5_size(db: &DatabaseConnection) -> anyhow::Result<u64> {
    let r = db
        .query_one_raw(stmt(
            DbBackend::Sqlite,
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'bench_fts%'",
            vec![],
        ))
        .await?;
    Ok(r.map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0)
        .try_into()
        .unwrap_or(0))
}

/// The SQLite baseline's own connections: `mmap_size` covering the whole database file and
/// a page cache of the same size, set on every connection of the pool (both are
/// per-connection settings).
async fn fts5_connection(
    state: &AppState,
    url: &str,
    report: &mut Report,
) -> anyhow::Result<DatabaseConnection> {
    let db = &state.db;
    let pages = |sql: &str| {
        let sql = sql.to_owned();
        async move {
            let r = db
                .query_one_raw(stmt(DbBackend::Sqlite, &sql, vec![]))
                .await?;
            anyhow::Ok(
                r.map(|r| r.try_get_by_index::<i64>(0))
                    .transpose()?
                    .unwrap_or(0),
            )
        }
    };
    let bytes = pages("PRAGMA page_count").await? * pages("PRAGMA page_size").await?;
    let mmap = (bytes + (bytes >> 3)).max(256 << 20);
    let cache_kib = (mmap >> 10).to_string();
    let mut opts = sea_orm::ConnectOptions::new(url);
    opts.max_connections(2).sqlx_logging(false);
    let (mmap_s, cache_s) = (mmap.to_string(), format!("-{cache_kib}"));
    opts.map_sqlx_sqlite_opts(move |o| {
        o.pragma("mmap_size", mmap_s.clone())
            .pragma("cache_size", cache_s.clone())
    });
    let conn = sea_orm::Database::connect(opts).await?;
    report.notes.push(format!(
        "SQLite baseline: PRAGMA mmap_size = {} and cache_size = {} (the {} database file) on each connection",
        mib(u64::try_from(mmap).unwrap_or(0)),
        mib(u64::try_from(mmap).unwrap_or(0)),
        mib(u64::try_from(bytes).unwrap_or(0))
    ));
    Ok(conn)
}

/// The PostgreSQL baseline: one search table with the facet and display columns, a weighted
/// tsvector (name A, keywords and CPV labels B, capability statement C) under GIN, and the
/// CPV prefixes of every declared code as an array under GIN (for the CPV filter).
async fn build_pg(state: &AppState) -> anyhow::Result<()> {
    load_labels(state).await?;
    let db = &state.db;
    // Freshly seeded tables have no statistics: without them the planner joins 1M profiles
    // to their CPV rows by nested loops (the build ran for many minutes at 100k).
    db.execute_unprepared("ANALYZE").await?;
    db.execute_unprepared(
        "CREATE TABLE bench_search AS
         SELECT p.organisation_id, p.legal_name, p.trading_name, p.legal_form, p.size_class, p.latitude, p.longitude,
                p.postcode, p.town, p.capability_statement, p.social_economy,
                EXISTS (SELECT 1 FROM supplier_identifiers i WHERE i.organisation_id = p.organisation_id AND i.verified_at IS NOT NULL) AS verified,
                COALESCE(x.prefixes, '{}') AS cpv_prefixes,
                COALESCE(k.codes, '{}') AS cpv_codes,
                COALESCE(a.kinds, '{}') AS accreditations,
                setweight(to_tsvector('english', p.legal_name), 'A')
                || setweight(to_tsvector('english', p.trading_name), 'A')
                || setweight(to_tsvector('english', p.keywords), 'B')
                || setweight(to_tsvector('english', COALESCE(l.labels, '')), 'B')
                || setweight(to_tsvector('english', p.capability_statement), 'C') AS tsv
         FROM supplier_profiles p
         JOIN organisations o ON o.id = p.organisation_id AND o.status = 'active'
         LEFT JOIN (SELECT c.organisation_id, string_agg(b.labels, '. ') AS labels FROM supplier_cpv c
                    JOIN bench_cpv_labels b ON b.code = c.cpv_code
                    GROUP BY 1) l ON l.organisation_id = p.organisation_id
         LEFT JOIN (SELECT c.organisation_id, array_agg(DISTINCT substr(c.cpv_code, 1, g)) AS prefixes
                    FROM supplier_cpv c, generate_series(2, greatest(2, length(rtrim(c.cpv_code, '0')))) g
                    GROUP BY 1) x ON x.organisation_id = p.organisation_id
         LEFT JOIN (SELECT organisation_id, array_agg(cpv_code ORDER BY cpv_code) AS codes FROM supplier_cpv GROUP BY 1) k
                ON k.organisation_id = p.organisation_id
         LEFT JOIN (SELECT organisation_id, array_agg(DISTINCT kind) AS kinds FROM supplier_accreditations GROUP BY 1) a
                ON a.organisation_id = p.organisation_id
         WHERE p.published",
    )
    .await?;
    db.execute_unprepared("ALTER TABLE bench_search ADD PRIMARY KEY (organisation_id)")
        .await?;
    db.execute_unprepared("CREATE INDEX bench_search_tsv ON bench_search USING gin (tsv)")
        .await?;
    db.execute_unprepared("CREATE INDEX bench_search_cpv ON bench_search USING gin (cpv_prefixes)")
        .await?;
    db.execute_unprepared("CREATE INDEX bench_search_geo ON bench_search (latitude, longitude)")
        .await?;
    db.execute_unprepared("VACUUM ANALYZE bench_search").await?;
    Ok(())
}

/// Settings for the benchmark database, as a PostgreSQL expert would size them for this data:
/// no JIT (it costs tens of milliseconds per query here and saves nothing), `work_mem` for
/// the facet aggregates, `effective_cache_size` for the machine. `ALTER DATABASE` applies
/// them to every new session of the pool, opened afterwards.
async fn tune_pg(
    db_url: &str,
    name: &str,
    data_bytes: u64,
    report: &mut Report,
) -> anyhow::Result<DatabaseConnection> {
    let admin = sea_orm::Database::connect(db_url).await?;
    let mem_kib = rss_total_kib().unwrap_or(4 << 20);
    let effective = (mem_kib / 2).max(1 << 20);
    for setting in [
        "jit = off".to_owned(),
        "work_mem = '64MB'".to_owned(),
        format!("effective_cache_size = '{effective}kB'"),
    ] {
        admin
            .execute_unprepared(&format!("ALTER DATABASE {name} SET {setting}"))
            .await?;
    }
    let shared = admin
        .query_one_raw(stmt(
            DbBackend::Postgres,
            "SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'",
            vec![],
        ))
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    admin.close().await?;
    let shared = u64::try_from(shared).unwrap_or(0);
    report.notes.push(format!(
        "PostgreSQL baseline: jit = off, work_mem = 64MB, effective_cache_size = {} (ALTER DATABASE); shared_buffers = {} for {} of search data{}",
        kib_str(Some(effective)),
        mib(shared),
        mib(data_bytes),
        if shared >= data_bytes { "" } else { " — below the data size: restart PostgreSQL with a larger shared_buffers (scripts/bench.sh)" }
    ));
    server::connect(db_url).await
}

/// Total memory of the machine, in KiB.
fn rss_total_kib() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn pg_size(db: &DatabaseConnection) -> anyhow::Result<u64> {
    let r = db
        .query_one_raw(stmt(
            DbBackend::Postgres,
            "SELECT pg_total_relation_size('bench_search')",
            vec![],
        ))
        .await?;
    Ok(r.map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0)
        .try_into()
        .unwrap_or(0))
}

fn pg_base(admin_url: &str) -> anyhow::Result<String> {
    admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .ok_or_else(|| anyhow::anyhow!("BENCH_PG_URL has no database path"))
}

async fn create_pg_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let admin = sea_orm::Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    Ok(format!("{}/{name}", pg_base(admin_url)?))
}

async fn drop_pg_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let admin = sea_orm::Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin.close().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The query mix

/// One query: the app's parameters and the validated index query the baselines translate.
struct Q {
    app: SearchQuery,
    index: IndexQuery,
}

const TEXTS: &[&str] = &[
    // what buyers type
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
    // word forms
    "mow",
    "mowing",
    "cleaner",
    "printers",
    "caterers",
    "electrician",
    "trees",
    "boilers",
    // typos
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

/// The fixed mix: every text in turn, with filters drawn from a seeded generator: about 40%
/// within a radius of a real outcode, 20% a CPV code (matching descendants), 25% a legal
/// form, 25% a size class.
fn query_mix(state: &AppState, n: usize) -> anyhow::Result<Vec<Q>> {
    let mut rng = StdRng::seed_from_u64(2026);
    let places: Vec<&str> = CITIES
        .iter()
        .copied()
        .filter(|c| {
            parse_place(c)
                .ok()
                .is_some_and(|p| state.env.outcodes.resolve(&p).is_ok())
        })
        .collect();
    anyhow::ensure!(
        !places.is_empty(),
        "none of the benchmark outcodes is in the outcode table"
    );
    let cpvs: Vec<&str> = CPVS
        .iter()
        .copied()
        .filter(|c| state.env.cpv.validate(c).is_ok())
        .collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut q = SearchQuery {
            q: Some(TEXTS[i % TEXTS.len()].to_owned()),
            ..SearchQuery::default()
        };
        if rng.gen_bool(0.4) {
            q.near = Some(places[rng.gen_range(0..places.len())].to_owned());
            q.within_km = Some(["5", "10", "25", "50"][rng.gen_range(0..4)].to_owned());
        }
        if rng.gen_bool(0.2) && !cpvs.is_empty() {
            q.cpv = Some(cpvs[rng.gen_range(0..cpvs.len())].to_owned());
        }
        if rng.gen_bool(0.25) {
            q.legal_form = Some(FORMS[rng.gen_range(0..FORMS.len())].to_owned());
        }
        if rng.gen_bool(0.25) {
            q.size = Some(SIZES[rng.gen_range(0..SIZES.len())].to_owned());
        }
        let index = parse_query(&state.env, &q)
            .map_err(|e| anyhow::anyhow!("query {q:?} is invalid: {e:?}"))?
            .index;
        out.push(Q { app: q, index });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Running

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    App,
    Fts5,
    Pg,
}

impl Engine {
    fn label(self) -> &'static str {
        match self {
            Engine::App => "Anchorlink search (tantivy + DB page fill)",
            Engine::Fts5 => "SQLite FTS5, ORDER BY bm25",
            Engine::Pg => "PostgreSQL tsvector+GIN, ORDER BY ts_rank",
        }
    }
}

struct Ctx {
    state: AppState,
    /// The SQLite baseline's tuned connections (the app keeps its own).
    fts5: DatabaseConnection,
    pg: Option<DatabaseConnection>,
    mix: Vec<Q>,
}

#[derive(Debug, Default)]
struct Stats {
    latencies: Vec<Duration>,
    /// (latency, index in the mix, total found), for `BENCH_SLOWEST`.
    by_query: Vec<(Duration, usize, u64)>,
    /// The ids of the page for each query of the mix that ran (for the top-20 agreement).
    tops: BTreeMap<usize, BTreeSet<i64>>,
    wall: Duration,
    with_hits: usize,
    capped: bool,
}

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank =
            ((p * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1].as_secs_f64() * 1000.0
    }
    fn qps(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// Runs the first `count` queries of the mix with `workers` concurrent workers taking the
/// next query in turn; stops early (and says so) after `cap`.
async fn measure(
    ctx: Arc<Ctx>,
    engine: Engine,
    workers: usize,
    count: usize,
    cap: Duration,
) -> anyhow::Result<Stats> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let ctx = ctx.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut tops = Vec::new();
            let mut hits = 0;
            let mut capped = false;
            loop {
                if started.elapsed() > cap {
                    capped = true;
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= count {
                    break;
                }
                let t = Instant::now();
                let (found, top) = run_one(&ctx, engine, &ctx.mix[i]).await?;
                lat.push((t.elapsed(), i, found));
                tops.push((i, top));
                hits += usize::from(found > 0);
            }
            anyhow::Ok((lat, tops, hits, capped))
        }));
    }
    let mut stats = Stats::default();
    for t in tasks {
        let (lat, tops, hits, capped) = t.await??;
        stats.tops.extend(tops);
        stats.latencies.extend(lat.iter().map(|l| l.0));
        stats.by_query.extend(lat);
        stats.with_hits += hits;
        stats.capped |= capped;
    }
    stats.wall = started.elapsed();
    stats.latencies.sort();
    stats.by_query.sort_by_key(|q| std::cmp::Reverse(q.0));
    Ok(stats)
}

/// Searches run as an active admin: the bench measures the engine, not authorisation.
const BENCH_ACTOR: Actor = Actor {
    user_id: 0,
    role: Role::Admin,
    status: UserStatus::Active,
    organisation: None,
};

/// One search; returns the total found and the ids on the page.
async fn run_one(ctx: &Ctx, engine: Engine, q: &Q) -> anyhow::Result<(u64, BTreeSet<i64>)> {
    match engine {
        Engine::App => {
            let s = &ctx.state;
            let r = search(&s.db, &s.env, &s.views, &BENCH_ACTOR, &q.app)
                .await
                .map_err(|e| anyhow::anyhow!("search failed: {e:?}"))?;
            Ok((r.total, r.results.iter().map(|h| h.id).collect()))
        }
        Engine::Fts5 => {
            let r = sql_search(&ctx.fts5, &q.index).await?;
            Ok((r.total, r.hits.iter().map(|h| h.id).collect()))
        }
        Engine::Pg => {
            let r = sql_search(
                ctx.pg
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("no PostgreSQL"))?,
                &q.index,
            )
            .await?;
            Ok((r.total, r.hits.iter().map(|h| h.id).collect()))
        }
    }
}

/// One row of a baseline's page: what the app shows for a hit.
#[derive(Debug, Default)]
#[expect(
    dead_code,
    reason = "read back as the app reads its page, then dropped"
)]
struct SqlHit {
    id: i64,
    name: String,
    trading_name: String,
    legal_form: String,
    size: Option<String>,
    postcode: Option<String>,
    town: String,
    capability_statement: String,
    social_economy: bool,
    verified: bool,
    cpv: String,
    score: f64,
}

/// What a baseline returns: the app's page (top-k with display fields and CPV codes), the
/// total, and the app's facet counts.
#[derive(Debug, Default)]
struct SqlResults {
    total: u64,
    hits: Vec<SqlHit>,
    legal_form: BTreeMap<String, u64>,
    size: BTreeMap<String, u64>,
    verified: u64,
    social_economy: u64,
    accreditation: BTreeMap<String, u64>,
    cpv_division: BTreeMap<String, u64>,
    cpv_children: BTreeMap<String, u64>,
}

/// The words as the engine sees them: lower case, letters and digits, no stop words.
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w = w.to_lowercase();
        if !STOP_WORDS.contains(&w.as_str()) && !out.contains(&w) {
            out.push(w);
        }
        if out.len() >= 12 {
            break;
        }
    }
    out
}

/// Builds SQL with placeholders in the backend's style.
struct Sql {
    pg: bool,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(pg: bool) -> Self {
        Self {
            pg,
            text: String::new(),
            values: Vec::new(),
        }
    }
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.values.push(v.into());
        let n = self.values.len();
        if self.pg {
            let _ = write!(self.text, "${n}");
        } else {
            let _ = write!(self.text, "?{n}");
        }
        self
    }
    fn statement(&self) -> Statement {
        stmt(
            if self.pg {
                DbBackend::Postgres
            } else {
                DbBackend::Sqlite
            },
            &self.text,
            self.values.clone(),
        )
    }
}

/// The filters that are not facets and not in the text match: the radius (bounding box +
/// distance) on the table's own coordinates. The CPV filter is part of the match (FTS5) or an
/// indexed array test (PostgreSQL).
fn common_filters(sql: &mut Sql, a: &str, q: &IndexQuery) -> anyhow::Result<()> {
    anyhow::ensure!(
        q.accreditations.is_empty()
            && q.accreditations_valid_on.is_none()
            && !q.verified_only
            && !q.social_economy_only
            && q.min_capacity_gbp.is_none()
            && q.outcodes.is_empty()
            && q.cpv_branch.is_none()
            && q.serves.is_none()
            && q.can_take_gbp.is_none(),
        "the baselines support the benchmark's filters only"
    );
    if sql.pg {
        if let Some(prefix) = cpv_prefix(q)? {
            sql.push(&format!(" AND {a}.cpv_prefixes @> ARRAY["))
                .bind(prefix)
                .push("]::text[]");
        }
    }
    if let (Some((lat, lon)), Some(r)) = (q.near, q.within_km) {
        // The same bounding box the engine uses, then the distance.
        let dlat = r / 110.574 + 1e-6;
        let cos = lat.to_radians().cos().abs().max(1e-6);
        let dlon = (r / (111.320 * cos) + 1e-6).min(360.0);
        sql.push(&format!(" AND {a}.latitude BETWEEN "))
            .bind(lat - dlat)
            .push(" AND ")
            .bind(lat + dlat);
        sql.push(&format!(" AND {a}.longitude BETWEEN "))
            .bind(lon - dlon)
            .push(" AND ")
            .bind(lon + dlon);
        if sql.pg {
            // Haversine, as the engine computes it.
            sql.push(&format!(
                " AND 2 * 6371.0088 * asin(least(1.0, sqrt(power(sin(radians({a}.latitude - "
            ))
            .bind(lat)
            .push(") / 2), 2) + cos(radians(")
            .bind(lat)
            .push(&format!(
                ")) * cos(radians({a}.latitude)) * power(sin(radians({a}.longitude - "
            ))
            .bind(lon)
            .push(") / 2), 2)))) <= ")
            .bind(r);
        } else {
            // The bundled SQLite has no math functions: an equirectangular distance (within
            // 0.1% of the great-circle distance at these radii), with cos(lat) bound.
            let k = 111.195_f64;
            sql.push(&format!(" AND (({a}.latitude - "))
                .bind(lat)
                .push(&format!(") * ({a}.latitude - "))
                .bind(lat)
                .push(&format!(") + ({a}.longitude - "))
                .bind(lon)
                .push(&format!(") * ({a}.longitude - "))
                .bind(lon)
                .push(") * ")
                .bind(cos * cos)
                .push(") <= ")
                .bind((r / k) * (r / k));
        }
    }
    Ok(())
}

/// The CPV filter's significant digits.
fn cpv_prefix(q: &IndexQuery) -> anyhow::Result<Option<String>> {
    q.cpv
        .as_deref()
        .map(|code| {
            CpvCode::parse(code)
                .map(|c| c.significant_prefix().to_owned())
                .map_err(|e| anyhow::anyhow!("bad CPV {code}: {e}"))
        })
        .transpose()
}

fn in_list(sql: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    sql.push(&format!(" AND {column} IN ("));
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(v.clone());
    }
    sql.push(")");
}

/// The disjunctive facet filters (legal form, size), as the page and the multi-valued
/// facets apply them.
fn facet_filters(sql: &mut Sql, a: &str, q: &IndexQuery) {
    in_list(sql, &format!("{a}.legal_form"), &q.legal_forms);
    in_list(sql, &format!("{a}.size_class"), &q.sizes);
}

/// The text match: FTS5 query syntax (with the CPV filter as a column filter) or a tsquery.
fn match_text(words: &[String], any: bool, pg: bool, cpv: Option<&str>) -> String {
    if pg {
        return words.join(if any { " | " } else { " & " });
    }
    let text = words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(if any { " OR " } else { " " });
    match cpv {
        Some(p) => format!("({text}) AND cpv_prefixes : \"{p}\""),
        None => text,
    }
}

/// A ranked SQL search, doing the app's work in two statements: every facet count the app
/// shows, with the total (legal form, size, verified and social economy each counted with its
/// own filter left out, from one GROUP BY; the CPV divisions and the level under a CPV
/// filter, and accreditations, over the same matches), then the page of 20 ordered by the
/// text rank with the fields the app shows. All words must match; when none does and there
/// are two or more, any word may.
async fn sql_search(db: &DatabaseConnection, q: &IndexQuery) -> anyhow::Result<SqlResults> {
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let words = words(q.text.as_deref().unwrap_or(""));
    anyhow::ensure!(!words.is_empty(), "the baselines need words");
    let prefix = cpv_prefix(q)?;
    let a = if pg { "s" } else { "bench_fts" };
    let mut res = SqlResults::default();
    let mut text = String::new();
    for any in [false, true] {
        if any && words.len() < 2 {
            break;
        }
        text = match_text(&words, any, pg, prefix.as_deref());
        let mut sql = Sql::new(pg);
        let cast = |t: &str| if pg { format!("::{t}") } else { String::new() };
        sql.push(&format!("WITH m AS MATERIALIZED (SELECT {a}.legal_form, {a}.size_class, {a}.verified, {a}.social_economy, "));
        if pg {
            sql.push("s.cpv_prefixes AS prefixes, s.accreditations AS accreditations FROM bench_search s WHERE s.tsv @@ to_tsquery('english', ").bind(text.clone()).push(")");
        } else {
            sql.push("bench_fts.prefix_json AS prefixes, bench_fts.accreditations AS accreditations FROM bench_fts WHERE bench_fts MATCH ").bind(text.clone());
        }
        common_filters(&mut sql, a, q)?;
        sql.push(") SELECT 'g', m.legal_form, m.size_class, m.verified, m.social_economy, COUNT(*) FROM m GROUP BY 2, 3, 4, 5");
        let each = |col: &str| {
            if pg {
                format!("unnest(m.{col}) AS j(value)")
            } else {
                format!("json_each(m.{col}) AS j")
            }
        };
        sql.push(&format!(
            " UNION ALL SELECT 'p', j.value, NULL{}, NULL{}, NULL{}, COUNT(*) FROM m, {} WHERE (length(j.value) = 2",
            cast("text"), cast("boolean"), cast("boolean"), each("prefixes")
        ));
        if let Some(p) = &prefix {
            let int = cast("int");
            sql.push(" OR (length(j.value) = ")
                .bind(i64::try_from(p.len() + 1)?)
                .push(&int);
            sql.push(" AND substr(j.value, 1, ")
                .bind(i64::try_from(p.len())?)
                .push(&int)
                .push(") = ")
                .bind(p.clone())
                .push(")");
        }
        sql.push(")");
        facet_filters(&mut sql, "m", q);
        sql.push(" GROUP BY 2");
        sql.push(&format!(
            " UNION ALL SELECT 'a', j.value, NULL{}, NULL{}, NULL{}, COUNT(*) FROM m, {} WHERE 1 = 1",
            cast("text"), cast("boolean"), cast("boolean"), each("accreditations")
        ));
        facet_filters(&mut sql, "m", q);
        sql.push(" GROUP BY 2");
        res = SqlResults::default();
        for row in db.query_all_raw(sql.statement()).await? {
            let kind: String = row.try_get_by_index(0)?;
            let key: Option<String> = row.try_get_by_index(1)?;
            let n = u64::try_from(row.try_get_by_index::<i64>(5)?).unwrap_or(0);
            match kind.as_str() {
                "g" => {
                    let form = key.unwrap_or_default();
                    let size: Option<String> = row.try_get_by_index(2)?;
                    let verified: bool = row.try_get_by_index::<Option<bool>>(3)?.unwrap_or(false);
                    let social: bool = row.try_get_by_index::<Option<bool>>(4)?.unwrap_or(false);
                    let form_ok = q.legal_forms.is_empty() || q.legal_forms.contains(&form);
                    let size_ok =
                        q.sizes.is_empty() || size.as_ref().is_some_and(|s| q.sizes.contains(s));
                    let (ver_ok, soc_ok) = (
                        !q.verified_only || verified,
                        !q.social_economy_only || social,
                    );
                    if size_ok && ver_ok && soc_ok {
                        *res.legal_form.entry(form).or_default() += n;
                    }
                    if form_ok && ver_ok && soc_ok {
                        if let Some(s) = size {
                            *res.size.entry(s).or_default() += n;
                        }
                    }
                    if form_ok && size_ok && soc_ok && verified {
                        res.verified += n;
                    }
                    if form_ok && size_ok && ver_ok && social {
                        res.social_economy += n;
                    }
                    if form_ok && size_ok && ver_ok && soc_ok {
                        res.total += n;
                    }
                }
                "p" => {
                    let p = key.unwrap_or_default();
                    if p.len() == 2 {
                        res.cpv_division.insert(p.clone(), n);
                    }
                    if prefix.as_ref().is_some_and(|f| p.len() == f.len() + 1) {
                        res.cpv_children.insert(p, n);
                    }
                }
                _ => {
                    res.accreditation.insert(key.unwrap_or_default(), n);
                }
            }
        }
        if res.total > 0 {
            break;
        }
    }
    if res.total == 0 {
        return Ok(res);
    }
    let mut sql = Sql::new(pg);
    if pg {
        sql.push(
            "SELECT s.organisation_id, s.legal_name, s.trading_name, s.legal_form, s.size_class, s.postcode, s.town, \
             s.capability_statement, s.social_economy, s.verified, array_to_string(s.cpv_codes, ' '), ts_rank(s.tsv, tq)::float8 AS score \
             FROM bench_search s, to_tsquery('english', ",
        )
        .bind(text)
        .push(") tq WHERE s.tsv @@ tq");
        common_filters(&mut sql, "s", q)?;
        facet_filters(&mut sql, "s", q);
        sql.push(&format!(" ORDER BY score DESC LIMIT {TOP_K}"));
    } else {
        sql.push(&format!(
            "SELECT rowid, name, trading_name, legal_form, size_class, postcode, town, capability, social_economy, verified, cpv_codes, \
             bm25(bench_fts, {FTS5_WEIGHTS}) AS score FROM bench_fts WHERE bench_fts MATCH "
        ))
        .bind(text);
        common_filters(&mut sql, "bench_fts", q)?;
        facet_filters(&mut sql, "bench_fts", q);
        sql.push(&format!(" ORDER BY score LIMIT {TOP_K}"));
    }
    for row in db.query_all_raw(sql.statement()).await? {
        res.hits.push(SqlHit {
            id: row.try_get_by_index(0)?,
            name: row.try_get_by_index(1)?,
            trading_name: row.try_get_by_index(2)?,
            legal_form: row.try_get_by_index(3)?,
            size: row.try_get_by_index(4)?,
            postcode: row.try_get_by_index(5)?,
            town: row.try_get_by_index(6)?,
            capability_statement: row.try_get_by_index(7)?,
            social_economy: row.try_get_by_index(8)?,
            verified: row.try_get_by_index(9)?,
            cpv: row.try_get_by_index(10)?,
            score: row.try_get_by_index(11)?,
        });
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// The report

#[derive(Default)]
struct Report {
    /// Tendering figures (issue 8), a Markdown section.
    tendering: String,
    load: Vec<(String, String)>,
    runs: Vec<(Engine, usize, Stats)>,
    queries: usize,
    /// `(a, b, mean share of the shorter top 20 found in the other, queries compared)`.
    agreement: Vec<(Engine, Engine, f64, usize)>,
    notes: Vec<String>,
}

impl Report {
    fn find(&self, e: Engine, w: usize) -> Option<&Stats> {
        self.runs
            .iter()
            .find(|(en, wk, _)| *en == e && *wk == w)
            .map(|(_, _, s)| s)
    }

    fn render(&self, n: u64) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "\n## N = {n} suppliers\n");
        let _ = writeln!(o, "| loading | |\n|---|---|");
        for (k, v) in &self.load {
            let _ = writeln!(o, "| {k} | {v} |");
        }
        let _ = writeln!(
            o,
            "\nQuery mix: {} fixed queries (words, incl. typos and word forms; ~40% within 5–50 km of a real outcode, ~20% CPV code, ~25% legal form, ~25% size), top {TOP_K}, with total and facet counts. Latency in ms, server-side (no HTTP).\n",
            self.queries
        );
        let _ = writeln!(o, "| engine | workers | p50 | p95 | p99 | mean | queries/s | ran | with hits |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (e, w, s) in &self.runs {
            let mean = if s.latencies.is_empty() {
                f64::NAN
            } else {
                s.latencies.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0
                    / s.latencies.len() as f64
            };
            let _ = writeln!(
                o,
                "| {} | {w} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {}{} | {} |",
                e.label(),
                s.pct(0.50),
                s.pct(0.95),
                s.pct(0.99),
                mean,
                s.qps(),
                s.latencies.len(),
                if s.capped { " (time cap)" } else { "" },
                s.with_hits
            );
        }
        let _ = writeln!(o);
        for base in [Engine::Fts5, Engine::Pg] {
            let (Some(a1), Some(b1), Some(a2), Some(b2)) = (
                self.find(Engine::App, 1),
                self.find(base, 1),
                self.find(Engine::App, 2),
                self.find(base, 2),
            ) else {
                continue;
            };
            let _ = writeln!(
                o,
                "Speed-up vs {}: p50 ×{:.1}, p95 ×{:.1}, p99 ×{:.1}; throughput ×{:.1} (1 worker), ×{:.1} (2 workers){}",
                base.label(),
                b1.pct(0.5) / a1.pct(0.5),
                b1.pct(0.95) / a1.pct(0.95),
                b1.pct(0.99) / a1.pct(0.99),
                a1.qps() / b1.qps(),
                a2.qps() / b2.qps(),
                if b1.pct(0.95) / a1.pct(0.95) >= 10.0 { " — meets ≥10×" } else { " — BELOW the 10× target" }
            );
        }
        for (a, b, share, n) in &self.agreement {
            let _ = writeln!(
                o,
                "Top-20 agreement, {} vs {}: {:.0}% of the shorter list is in the other (mean over {n} queries without typos){}",
                a.label(),
                b.label(),
                share * 100.0,
                if *a == Engine::App { "; the engine also reads synonyms and CPV codes, so it finds suppliers the word-only baselines do not" } else { "" }
            );
        }
        if let Some(a) = self.find(Engine::App, 1) {
            let p95 = a.pct(0.95);
            let _ = writeln!(
                o,
                "Anchorlink p95 (1 worker) = {p95:.2} ms{}",
                if n >= 1_000_000 {
                    if p95 < 20.0 {
                        " — meets p95 < 20 ms at 1M"
                    } else {
                        " — ABOVE the 20 ms target at 1M"
                    }
                } else {
                    ""
                }
            );
        }
        for note in &self.notes {
            let _ = writeln!(o, "Note: {note}");
        }
        o.push_str(&self.tendering);
        o
    }
}
