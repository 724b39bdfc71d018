//! The `spend_analysis` job: reads an upload and replaces the analysis's results.
//!
//! All or nothing, and idempotent: the results are written in one transaction that first
//! deletes whatever an earlier run of the same analysis left, so a run that dies half-way
//! leaves nothing and a re-run after a lease expiry gives the same result. A file whose
//! columns cannot be found (or that cannot be read) marks the analysis failed with the
//! reason — a retry would fail the same way.

use super::analyses::{alias_of, Places, DONE, FAILED};
use super::compute::{self, columns_error_fields, mapping_json, ComputeError, Computed, Inputs};
use super::uploads::ChunkReader;
use crate::entities::{
    spend_alias, spend_analysis, spend_analysis_payee, spend_analysis_supplier, spend_refused_row,
    upload,
};
use crate::jobs::{Job, JobContext};
use crate::services::registry::pool::SupplierPool;
use domain::registry::SupplierSnapshot;
use domain::spend::columns::ColumnSpec;
use domain::spend::dto::ReviewCandidate;
use domain::spend::lm3::Lm3Assumptions;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Works out one revision of an analysis (a review decision makes a new revision).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpendAnalysisJob {
    pub analysis_id: i64,
    pub revision: i32,
}

/// Rows inserted per statement: well under SQLite's limit of bound values.
const INSERT_BATCH: usize = 500;

/// Counts the bytes read, for the progress estimate.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Job for SpendAnalysisJob {
    const KIND: &'static str = "spend_analysis";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        let state = ctx.state().clone();
        let Some(analysis) = spend_analysis::Entity::find_by_id(self.analysis_id)
            .one(&state.db)
            .await?
        else {
            return Ok(serde_json::json!({ "summary": "The analysis was deleted" }));
        };
        if analysis.revision != self.revision {
            return Ok(serde_json::json!({ "summary": "A newer revision replaces this one" }));
        }
        let link = format!("/spend/{}", analysis.id);
        let Some(upload_id) = analysis.upload_id else {
            anyhow::bail!("analysis {} has no upload", analysis.id);
        };
        let size = upload::Entity::find_by_id(upload_id)
            .one(&state.db)
            .await?
            .map_or(0, |u| u.size_bytes);
        ctx.progress(0, None, "loading the registry").await?;
        // The registry as this process holds it in memory (built once, then followed),
        // caught up with this process's writes; other instances' arrive through the
        // follower.
        state.suppliers.ready(&state.views, &state.db).await?;
        let suppliers: Vec<SupplierSnapshot> = state.suppliers.sorted_copy();
        let aliases: Vec<_> = spend_alias::Entity::find()
            .filter(spend_alias::Column::OrganisationId.eq(analysis.organisation_id))
            .all(&state.db)
            .await?
            .iter()
            .filter_map(alias_of)
            .collect();
        let places: Places = serde_json::from_value(analysis.area.clone())?;
        let assumptions: Lm3Assumptions = serde_json::from_value(analysis.assumptions.clone())?;
        let spec = match analysis.columns_spec.as_deref() {
            Some(s) => Some(ColumnSpec::parse(s)?),
            None => None,
        };
        let vocabulary = state.views.index().engine().vocabulary();
        let db = state.db.clone();
        let handle = tokio::runtime::Handle::current();
        let cancel = Arc::new(AtomicBool::new(false));
        let bytes_read = Arc::new(AtomicU64::new(0));
        let rows_done = Arc::new(AtomicU64::new(0));
        let today = chrono::Utc::now().date_naive();
        let work = {
            let cancel = cancel.clone();
            let bytes_read = bytes_read.clone();
            let rows_done = rows_done.clone();
            tokio::task::spawn_blocking(
                move || -> anyhow::Result<Result<Computed, ComputeError>> {
                    let inputs = Inputs {
                        suppliers: &suppliers,
                        aliases: &aliases,
                        spec: spec.as_ref(),
                        area: &places.area,
                        region: &places.region,
                        today,
                        assumptions: &assumptions,
                        vocabulary: &vocabulary,
                        local_query: &places.local_query,
                    };
                    let mut reader = Counting {
                        inner: ChunkReader::new(db, handle, upload_id),
                        read: bytes_read,
                    };
                    let progress = |done: u64| rows_done.store(done, Ordering::Relaxed);
                    let outcome = super::uploads::with_rows(&mut reader, |rows| {
                        compute::analyse(rows, &inputs, &cancel, progress)
                    })?;
                    Ok(outcome.unwrap_or_else(|e| Err(e.into())))
                },
            )
        };
        tokio::pin!(work);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
        let outcome = loop {
            tokio::select! {
                done = &mut work => break done??,
                _ = tick.tick() => {
                    let rows = rows_done.load(Ordering::Relaxed);
                    let read = bytes_read.load(Ordering::Relaxed);
                    // Rows so far scaled by the share of the file read: an estimate.
                    let total = (read > 0 && rows > 0).then(|| {
                        let size = u64::try_from(size).unwrap_or(0);
                        (u128::from(rows) * u128::from(size) / u128::from(read)) as u64
                    }).map(|t| t.max(rows));
                    if let Err(e) = ctx.progress(rows, total, "reading rows").await {
                        cancel.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        };
        let w = state.write().await?;
        clear_results(&w, analysis.id).await?;
        let summary = match outcome {
            Ok(computed) => {
                let rows = computed.figures.reconciliation.accepted_rows;
                store(&w, &analysis, computed, &state.suppliers).await?;
                format!("{rows} payments analysed")
            }
            Err(ComputeError::Cancelled) => anyhow::bail!("cancelled"),
            Err(e) => {
                let fields = match &e {
                    ComputeError::Columns(c) => columns_error_fields(c),
                    other => serde_json::json!({ "file": other.to_string() }),
                };
                spend_analysis::ActiveModel {
                    id: Set(analysis.id),
                    status: Set(FAILED.to_owned()),
                    error: Set(Some(e.to_string())),
                    error_fields: Set(Some(fields)),
                    figures: Set(None),
                    finished_at: Set(Some(crate::services::now())),
                    ..Default::default()
                }
                .update(&w)
                .await?;
                format!("Not analysed: {e}")
            }
        };
        w.commit().await?;
        Ok(serde_json::json!({ "summary": summary, "link": link }))
    }
}

/// Deletes what an earlier run of this analysis stored.
async fn clear_results(db: &impl ConnectionTrait, id: i64) -> anyhow::Result<()> {
    spend_analysis_supplier::Entity::delete_many()
        .filter(spend_analysis_supplier::Column::AnalysisId.eq(id))
        .exec(db)
        .await?;
    spend_analysis_payee::Entity::delete_many()
        .filter(spend_analysis_payee::Column::AnalysisId.eq(id))
        .exec(db)
        .await?;
    spend_refused_row::Entity::delete_many()
        .filter(spend_refused_row::Column::AnalysisId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn store(
    db: &impl ConnectionTrait,
    analysis: &spend_analysis::Model,
    computed: Computed,
    pool: &SupplierPool,
) -> anyhow::Result<()> {
    let id = analysis.id;
    let Computed {
        layout,
        figures,
        suppliers,
        payees,
        refusals,
    } = computed;
    // The candidates' names from the pool they were matched against (the lock is held
    // only while copying them, never across a query).
    let names: HashMap<i64, String> = {
        let held = pool.read();
        payees
            .iter()
            .flat_map(|p| p.candidates.iter())
            .filter_map(|c| {
                held.get(&c.supplier_id)
                    .map(|s| (s.id, s.display_name().to_owned()))
            })
            .collect()
    };
    for chunk in suppliers.chunks(INSERT_BATCH) {
        let rows: Vec<spend_analysis_supplier::ActiveModel> = chunk
            .iter()
            .map(|s| spend_analysis_supplier::ActiveModel {
                analysis_id: Set(id),
                supplier_id: Set(s.supplier_id),
                name: Set(s.name.chars().take(500).collect()),
                amount: Set(s.amount),
                rows: Set(i64::try_from(s.rows).unwrap_or(i64::MAX)),
                confidence: Set(s.confidence),
                local: Set(s.local),
                region: Set(s.region),
                sme: Set(s.sme),
                social_economy: Set(s.social_economy),
                real_living_wage: Set(s.real_living_wage),
                lm3: Set(serde_json::to_value(s.lm3).unwrap_or_default()),
                ..Default::default()
            })
            .collect();
        spend_analysis_supplier::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    for chunk in payees.chunks(INSERT_BATCH) {
        let rows: Vec<spend_analysis_payee::ActiveModel> = chunk
            .iter()
            .map(|p| {
                let candidates: Vec<ReviewCandidate> = p
                    .candidates
                    .iter()
                    .map(|c| ReviewCandidate {
                        supplier_id: c.supplier_id,
                        name: names.get(&c.supplier_id).cloned().unwrap_or_default(),
                        confidence: c.confidence,
                        why: c.why.to_string(),
                    })
                    .collect();
                spend_analysis_payee::ActiveModel {
                    analysis_id: Set(id),
                    key: Set(p.key.chars().take(1000).collect()),
                    name: Set(p.name.chars().take(1000).collect()),
                    status: Set(if p.reason.is_none() {
                        "review"
                    } else {
                        "unmatched"
                    }
                    .to_owned()),
                    reason: Set(p.reason.map(|r| {
                        serde_json::to_value(r)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    })),
                    amount: Set(p.amount),
                    rows: Set(i64::try_from(p.rows).unwrap_or(i64::MAX)),
                    first_row: Set(i64::try_from(p.first_row).unwrap_or(i64::MAX)),
                    candidates: Set((!candidates.is_empty())
                        .then(|| serde_json::to_value(&candidates).unwrap_or_default())),
                    ..Default::default()
                }
            })
            .collect();
        spend_analysis_payee::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    for chunk in refusals.chunks(INSERT_BATCH) {
        let rows: Vec<spend_refused_row::ActiveModel> = chunk
            .iter()
            .map(|r| spend_refused_row::ActiveModel {
                analysis_id: Set(id),
                row: Set(i64::try_from(r.row).unwrap_or(i64::MAX)),
                reason: Set(r.reason.to_string()),
                amount: Set(r.amount),
                ..Default::default()
            })
            .collect();
        spend_refused_row::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    let o = figures.overall;
    let rec = figures.reconciliation;
    let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    spend_analysis::ActiveModel {
        id: Set(id),
        status: Set(DONE.to_owned()),
        layout: Set(Some(mapping_json(&layout))),
        figures: Set(Some(serde_json::to_value(&figures)?)),
        rows_accepted: Set(as_i64(rec.accepted_rows)),
        rows_refused: Set(as_i64(rec.refused_rows)),
        rows_blank: Set(as_i64(rec.blank_rows)),
        total: Set(o.amounts.total),
        matched_total: Set(o.amounts.matched),
        local_share: Set(Some(o.local_share)),
        sme_share: Set(Some(o.sme_share)),
        social_economy_share: Set(Some(o.social_economy_share)),
        error: Set(None),
        error_fields: Set(None),
        finished_at: Set(Some(crate::services::now())),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
