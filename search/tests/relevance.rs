//! Relevance of the engine alone (no database): the judged queries of
//! `tests/relevance/queries.json` over the judged profiles of `tests/relevance/suppliers.json`
//! mixed into 2,000 background suppliers drawn as `anchorlink seed --random-seed 7` draws
//! them (as `tests/tests/relevance.rs` does through the app). Prints nDCG@10 and recall@5 per
//! query and on average, and fails below what a buyer needs: a mean nDCG@10 of 0.93, and no
//! query under 0.5 (the right supplier at least third, or most of the right ones on the page).
//!
//! A query judged with no relevant supplier (`"relevant": {}`) asks for an empty answer: it
//! scores 1 when the engine returns nothing and 0 otherwise.

mod support;

use std::collections::BTreeMap;

use std::sync::Arc;

use anchorlink_search::{IndexQuery, SupplierDoc, SupplierIndex, Thesaurus, Vocabulary};
use serde_json::Value;

const MIN_MEAN_NDCG_AT_10: f64 = 0.93;
const MIN_QUERY_NDCG_AT_10: f64 = 0.5;
const BACKGROUND_SUPPLIERS: usize = 2000;
const BACKGROUND_SEED: u64 = 7;

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn list(v: &Value, key: &str) -> Vec<String> {
    text(v, key)
        .map(|s| {
            s.split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Discounted cumulative gain of graded results (gain 2^g − 1, log2 discount).
fn dcg(grades: &[f64]) -> f64 {
    grades
        .iter()
        .enumerate()
        .map(|(i, g)| (2f64.powf(*g) - 1.0) / ((i + 2) as f64).log2())
        .sum()
}

/// The query as the app builds it from the same parameters (`near` without a distance
/// means 25 km; CPV codes are validated to their 8 digits).
fn index_query(q: &Value) -> IndexQuery {
    let mut iq = IndexQuery {
        text: text(q, "q"),
        legal_forms: list(q, "legal_form"),
        sizes: list(q, "size"),
        limit: 10,
        ..IndexQuery::default()
    };
    if let Some(near) = text(q, "near") {
        let info = support::place(&near);
        iq.near = Some((info.lat, info.lon));
        iq.within_km = Some(text(q, "within_km").map_or(25.0, |k| k.parse().expect("within_km")));
    }
    if let Some(code) = text(q, "cpv") {
        iq.cpv = Some(support::catalogue().validate(&code).expect("cpv").code);
    }
    iq
}

struct Figures {
    query: String,
    ndcg10: f64,
    recall5: f64,
    top: Vec<String>,
}

#[test]
fn judged_queries_rank_the_right_suppliers_first() {
    let index = SupplierIndex::in_memory().expect("index");
    let thesaurus = Thesaurus::builtin().expect("the shipped thesaurus parses");
    index.set_vocabulary(Arc::new(
        Vocabulary::new(support::catalogue(), &thesaurus).expect("vocabulary"),
    ));
    let mut snapshots = support::seeded(BACKGROUND_SUPPLIERS, BACKGROUND_SEED);
    let curated = support::curated(BACKGROUND_SUPPLIERS as i64 + 1);
    let names: Vec<String> = curated.iter().map(|s| s.name.clone()).collect();
    snapshots.extend(curated);
    let docs: Vec<SupplierDoc> = snapshots
        .iter()
        .map(|s| SupplierDoc::from_snapshot(s, support::catalogue()))
        .collect();
    index.upsert(&docs).expect("upsert");
    index.commit().expect("commit");
    let by_id: BTreeMap<i64, &str> = snapshots.iter().map(|s| (s.id, s.name.as_str())).collect();

    let queries: Vec<Value> = serde_json::from_str(support::QUERIES_JSON).expect("queries.json");
    assert!(
        queries.len() >= 60,
        "the judged set has {} queries",
        queries.len()
    );
    assert!(
        names.len() >= 150,
        "the judged set has {} profiles",
        names.len()
    );
    let mut figures = Vec::new();
    for q in &queries {
        let words = text(q, "q").expect("query words");
        let judged: BTreeMap<String, f64> = q["relevant"]
            .as_object()
            .expect("relevant: {name: grade}")
            .iter()
            .map(|(name, g)| (name.clone(), g.as_f64().unwrap_or(1.0)))
            .collect();
        for name in judged.keys() {
            assert!(
                names.contains(name),
                "queries.json judges {name:?}, which suppliers.json does not have"
            );
        }
        let found = index
            .search(&index_query(q))
            .unwrap_or_else(|e| panic!("search {words:?}: {e}"));
        if std::env::var("RELEVANCE_EXPLAIN").is_ok_and(|w| w == words) {
            // `RELEVANCE_EXPLAIN="tree surgeon"` shows why each hit ranks where it does.
            for h in &found.hits {
                println!("{:8.3}  {:<45} {:?}", h.score, by_id[&h.id], h.reasons);
            }
        }
        let top: Vec<String> = found
            .hits
            .iter()
            .take(10)
            .map(|h| by_id[&h.id].to_owned())
            .collect();
        let relevant = judged.values().filter(|g| **g > 0.0).count();
        let (ndcg10, recall5) = if relevant == 0 {
            let empty = if top.is_empty() { 1.0 } else { 0.0 };
            (empty, empty)
        } else {
            let gains: Vec<f64> = top
                .iter()
                .map(|n| judged.get(n).copied().unwrap_or(0.0))
                .collect();
            let mut ideal: Vec<f64> = judged.values().copied().collect();
            ideal.sort_by(|a, b| b.total_cmp(a));
            ideal.truncate(10);
            let hits5 = top
                .iter()
                .take(5)
                .filter(|n| judged.get(*n).is_some_and(|g| *g > 0.0))
                .count();
            (
                dcg(&gains) / dcg(&ideal),
                hits5 as f64 / relevant.clamp(1, 5) as f64,
            )
        };
        let label: Vec<String> = [
            ("near", "near"),
            ("within_km", "km"),
            ("cpv", "cpv"),
            ("legal_form", "form"),
            ("size", "size"),
        ]
        .iter()
        .filter_map(|(k, l)| text(q, k).map(|v| format!("{l}={v}")))
        .collect();
        let query = if label.is_empty() {
            format!("{words:?}")
        } else {
            format!("{words:?} [{}]", label.join(" "))
        };
        figures.push(Figures {
            query,
            ndcg10,
            recall5,
            top,
        });
    }

    let n = figures.len() as f64;
    let mean_ndcg = figures.iter().map(|f| f.ndcg10).sum::<f64>() / n;
    let mean_recall = figures.iter().map(|f| f.recall5).sum::<f64>() / n;
    let table = figures
        .iter()
        .map(|f| {
            format!(
                "  nDCG@10 {:.3}  recall@5 {:.2}  {}",
                f.ndcg10, f.recall5, f.query
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    println!(
        "relevance over {} judged queries, {} judged profiles among {} suppliers:\n{table}",
        figures.len(),
        names.len(),
        docs.len()
    );
    println!("mean nDCG@10 = {mean_ndcg:.3}, mean recall@5 = {mean_recall:.3}");
    let weak: Vec<&Figures> = figures.iter().filter(|f| f.ndcg10 < 1.0).collect();
    let misses = weak
        .iter()
        .map(|f| {
            format!(
                "  {} → nDCG@10 {:.3}, recall@5 {:.2}; top 10: {:?}",
                f.query, f.ndcg10, f.recall5, f.top
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    println!("queries not ranked ideally:\n{misses}");
    let below: Vec<&str> = figures
        .iter()
        .filter(|f| f.ndcg10 < MIN_QUERY_NDCG_AT_10)
        .map(|f| f.query.as_str())
        .collect();
    assert!(
        mean_ndcg >= MIN_MEAN_NDCG_AT_10 && below.is_empty(),
        "relevance below what a buyer needs: mean nDCG@10 {mean_ndcg:.3} (floor {MIN_MEAN_NDCG_AT_10}); queries under {MIN_QUERY_NDCG_AT_10}: {below:?}"
    );
}
