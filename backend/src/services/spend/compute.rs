//! The analysis itself, on a blocking thread: read the file a batch at a time, find the
//! columns, classify each row, match payees, add up, and work out leakage. Everything
//! here is synchronous and bounded by one batch of rows plus the sums it keeps (per
//! supplier, year, category and distinct payee).

use super::categories::{category_cpv, CpvSource};
use domain::cpv::CpvCode;
use domain::registry::SupplierSnapshot;
use domain::spend::columns::{detect_layout, ColumnSpec, ColumnsError, Layout};
use domain::spend::dto::{pounds, LeakageLine, LocalSupplier};
use domain::spend::figures::{
    category_key, Area, Breakdown, CategoryFigures, Figures, SpendTally, SupplierFacts, YearFigures,
};
use domain::spend::lm3::{Lm3, Lm3Assumptions};
use domain::spend::matching::{
    Alias, Candidate, MatchCache, MatchOutcome, Matcher, UnmatchedReason,
};
use domain::spend::names::alias_key;
use domain::spend::parse::{classify, Reconciliation, Refusal, RowOutcome};
use domain::spend::read::{ReadError, RowSource};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

/// Rows read and classified per batch: the most of the file held in memory at once.
pub const BATCH_ROWS: usize = 2_000;

/// Rows read before the header is searched for: enough for any preamble.
const FIRST_ROWS: usize = 64;

/// Why a file could not be analysed at all.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    #[error(transparent)]
    Columns(#[from] ColumnsError),
    #[error("the file cannot be read: {0}")]
    Read(#[from] ReadError),
    #[error("stopped: the job is no longer this worker's")]
    Cancelled,
}

/// What the analysis needs besides the file.
pub struct Inputs<'a> {
    pub suppliers: &'a [SupplierSnapshot],
    pub aliases: &'a [Alias],
    pub spec: Option<&'a ColumnSpec>,
    pub area: &'a Area,
    pub region: &'a Area,
    pub today: chrono::NaiveDate,
    pub assumptions: &'a Lm3Assumptions,
    /// The search engine's vocabulary: suggests the CPV codes of a category by its words.
    pub vocabulary: &'a anchorlink_search::Vocabulary,
    /// Query string of the supplier search for "local": `area=PR1,PR2` or
    /// `near=PR1&within_km=20`.
    pub local_query: &'a str,
}

/// The headline figures as stored in `spend_analyses.figures`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredFigures {
    pub overall: Breakdown,
    pub by_year: Vec<YearFigures>,
    pub by_category: Vec<CategoryFigures>,
    pub lm3: Lm3,
    pub assumptions: Lm3Assumptions,
    pub leakage: Vec<LeakageLine>,
    pub reconciliation: Reconciliation,
}

/// A payee not attached, with what the review screen needs.
#[derive(Debug, Clone)]
pub struct PayeeRow {
    pub key: String,
    pub name: String,
    pub reason: Option<UnmatchedReason>,
    pub amount: i64,
    pub rows: u64,
    pub first_row: u64,
    pub candidates: Vec<Candidate>,
}

/// Everything the job stores.
pub struct Computed {
    pub layout: Layout,
    pub figures: StoredFigures,
    pub suppliers: Vec<domain::spend::figures::SupplierSpend>,
    pub payees: Vec<PayeeRow>,
    pub refusals: Vec<Refusal>,
}

/// The key [`domain::spend::matching::UnmatchedGroups`] groups a payee under.
fn group_key(payee: &str, outcome: &MatchOutcome) -> String {
    if payee.trim().is_empty() {
        String::new()
    } else if matches!(
        outcome,
        MatchOutcome::Unmatched {
            reason: UnmatchedReason::Redacted
        }
    ) {
        "(redacted)".to_owned()
    } else {
        alias_key(payee)
    }
}

/// Runs the analysis over `rows`. `progress(rows_done)` is called after each batch;
/// `cancel` stops the work between batches.
///
/// # Errors
/// [`ComputeError`]: the columns cannot be found, the file cannot be read, or the work
/// was cancelled.
pub fn analyse(
    mut rows: impl RowSource,
    inputs: &Inputs<'_>,
    cancel: &AtomicBool,
    mut progress: impl FnMut(u64),
) -> Result<Computed, ComputeError> {
    let first = rows.next_batch(FIRST_ROWS)?;
    let layout = detect_layout(&first, inputs.spec)?;
    let matcher = Matcher::new(inputs.suppliers, inputs.aliases);
    let mut cache = MatchCache::new(&matcher);
    let facts: HashMap<i64, SupplierFacts> = inputs
        .suppliers
        .iter()
        .map(|s| {
            (
                s.id,
                SupplierFacts::of(s, inputs.area, inputs.region, inputs.today),
            )
        })
        .collect();
    let mut tally = SpendTally::new();
    let mut reconciliation = Reconciliation::default();
    let mut refusals = Vec::new();
    let mut review: HashMap<String, (u64, Vec<Candidate>)> = HashMap::new();
    let mut paid_by_category: HashMap<String, HashSet<i64>> = HashMap::new();
    let mut done: u64 = 0;
    let mut batch = first;
    while !batch.is_empty() {
        if cancel.load(Ordering::Relaxed) {
            return Err(ComputeError::Cancelled);
        }
        for row in batch.iter().filter(|r| layout.is_data(r)) {
            let outcome = classify(&layout.columns, row);
            reconciliation.add(&outcome);
            match outcome {
                RowOutcome::Blank { .. } => {}
                RowOutcome::Refused(r) => refusals.push(r),
                RowOutcome::Accepted(p) => {
                    let matched = cache.match_payee(&p.payee, &p.ids);
                    let attached = matched.attached().and_then(|id| facts.get(&id));
                    if let Some(f) = attached {
                        paid_by_category
                            .entry(category_key(&p))
                            .or_default()
                            .insert(f.supplier_id);
                    } else {
                        let entry = review
                            .entry(group_key(&p.payee, &matched))
                            .or_insert_with(|| (p.row, Vec::new()));
                        if let MatchOutcome::Review { candidates } = &matched {
                            if entry.1.is_empty() {
                                entry.1.clone_from(candidates);
                            }
                        }
                    }
                    tally.add(&p, &matched, attached);
                }
            }
        }
        done += batch.len() as u64;
        progress(done);
        batch = rows.next_batch(BATCH_ROWS)?;
    }
    let figures = tally.finish(inputs.assumptions);
    let leakage = leakage(&figures, &paid_by_category, inputs);
    let Figures {
        overall,
        by_year,
        by_category,
        suppliers,
        unmatched,
        lm3,
        assumptions,
    } = figures;
    let payees = unmatched
        .into_iter()
        .map(|g| {
            let (first_row, candidates) = review.remove(&g.key).unwrap_or_default();
            PayeeRow {
                key: g.key,
                name: g.name,
                reason: g.reason,
                amount: g.amount,
                rows: g.rows,
                first_row,
                candidates: if g.reason.is_none() {
                    candidates
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    Ok(Computed {
        layout,
        figures: StoredFigures {
            overall,
            by_year,
            by_category,
            lm3,
            assumptions,
            leakage,
            reconciliation,
        },
        suppliers,
        payees,
        refusals,
    })
}

/// Most local suppliers named per leaking category (all are counted).
const NAMED_LOCAL_SUPPLIERS: usize = 20;

/// Leakage per category: the CPV codes a category needs (see [`category_cpv`]), the local
/// registered suppliers holding a code on the same branch, and the money leaving.
fn leakage(
    figures: &Figures,
    paid_by_category: &HashMap<String, HashSet<i64>>,
    inputs: &Inputs<'_>,
) -> Vec<LeakageLine> {
    let by_id: HashMap<i64, &SupplierSnapshot> =
        inputs.suppliers.iter().map(|s| (s.id, s)).collect();
    let local: Vec<&SupplierSnapshot> = inputs
        .suppliers
        .iter()
        .filter(|s| inputs.area.contains(s.outcode.as_deref(), s.location))
        .collect();
    let mut needs: HashMap<String, (Vec<CpvCode>, CpvSource)> = HashMap::new();
    let mut capable: HashMap<String, Vec<i64>> = HashMap::new();
    for c in &figures.by_category {
        let paid_codes: BTreeSet<CpvCode> = paid_by_category
            .get(&c.key)
            .into_iter()
            .flatten()
            .filter_map(|id| by_id.get(id))
            .flat_map(|s| s.cpv.iter().cloned())
            .collect();
        let (codes, source) = category_cpv(
            inputs.vocabulary,
            c.cpv_division.as_deref(),
            &c.label,
            paid_codes.into_iter().collect(),
        );
        let mut ids: Vec<i64> = local
            .iter()
            .filter(|s| {
                s.cpv
                    .iter()
                    .any(|have| codes.iter().any(|need| need.on_branch_of(have)))
            })
            .map(|s| s.id)
            .collect();
        ids.sort_unstable();
        capable.insert(c.key.clone(), ids);
        needs.insert(c.key.clone(), (codes, source));
    }
    figures
        .leakage(&capable)
        .into_iter()
        .map(|l| {
            let (codes, source) = needs.remove(&l.key).unwrap_or_default();
            let mut named: Vec<LocalSupplier> = l
                .local_suppliers
                .iter()
                .filter_map(|id| by_id.get(id))
                .map(|s| LocalSupplier {
                    supplier_id: s.id,
                    name: s.display_name().to_owned(),
                })
                .collect();
            named.sort_by(|a, b| a.name.cmp(&b.name).then(a.supplier_id.cmp(&b.supplier_id)));
            named.truncate(NAMED_LOCAL_SUPPLIERS);
            let search_url = match codes.first() {
                Some(code) => format!("/suppliers?cpv={}&{}", code.as_str(), inputs.local_query),
                None => format!("/suppliers?{}", inputs.local_query),
            };
            LeakageLine {
                key: l.key,
                label: l.label,
                cpv: codes.iter().map(|c| c.as_str().to_owned()).collect(),
                cpv_source: source.slug().to_owned(),
                total: pounds(l.total),
                outside_area: pounds(l.outside_area),
                unmatched: pounds(l.unmatched),
                leaving: pounds(l.leaving),
                local_supplier_count: l.local_suppliers.len() as u64,
                local_suppliers: named,
                search_url,
            }
        })
        .collect()
}

/// The mapping used, as `field slug → header text or "column N"`.
#[must_use]
pub fn mapping_json(layout: &Layout) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = layout
        .columns
        .iter()
        .filter_map(|(f, _)| {
            layout
                .column_name(f)
                .map(|name| (f.slug().to_owned(), serde_json::Value::String(name)))
        })
        .collect();
    serde_json::Value::Object(map)
}

/// The field errors of a [`ColumnsError`] (for the 422 body).
#[must_use]
pub fn columns_error_fields(e: &ColumnsError) -> serde_json::Value {
    serde_json::json!({ e.field(): e.to_string() })
}
