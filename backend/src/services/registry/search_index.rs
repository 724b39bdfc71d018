//! Keeps this process's search index in step with the database. Writers note each changed
//! supplier in `registry_changes` inside their transaction; every process follows that log
//! before answering a search (and in the background), so an edit is searchable at once in
//! the process that made it and within a second everywhere else. A missing or stale index
//! is rebuilt from the database at start.

use crate::entities::{
    organisation, registry_change, supplier_accreditation, supplier_contract, supplier_cpv,
    supplier_identifier, supplier_profile,
};
use anchorlink_search::{days_from_civil, IndexOptions, SearchError, SupplierDoc, SupplierIndex};
use chrono::Datelike;
use domain::cpv::{CpvCatalogue, CpvCode};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const BATCH: u64 = 2_000;
const SYNC_FILE: &str = "anchorlink-sync";
/// Registries at least this large are indexed in one segment per search thread.
const PARTITION_FROM: u64 = 50_000;

/// The index plus how far along the change log it is.
pub struct SearchIndex {
    engine: SupplierIndex,
    dir: Option<PathBuf>,
    applied: AtomicI64,
    sync: tokio::sync::Mutex<()>,
}

impl SearchIndex {
    /// Opens the index in `dir` (created if missing), or keeps it in RAM when `None`.
    ///
    /// # Errors
    /// The directory cannot be used (for example another process holds its lock).
    pub fn open(dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let engine = match &dir {
            Some(d) => match SupplierIndex::open_or_create(d) {
                Err(SearchError::SchemaMismatch(why)) => {
                    // Built by another version: it is derived data, so start it afresh
                    // (and `prepare` rebuilds it from the database).
                    tracing::warn!(dir = %d.display(), %why, "search index has another schema: recreating it");
                    let _ = std::fs::remove_file(d.join(SYNC_FILE));
                    SupplierIndex::recreate(d, IndexOptions::default())
                }
                other => other,
            }
            .map_err(|e| anyhow::anyhow!("search index in {}: {e} (each process needs its own ANCHORLINK_INDEX_DIR)", d.display()))?,
            None => SupplierIndex::in_memory_with(IndexOptions { writer_heap_bytes: 20_000_000, writer_threads: 1, search_threads: 1 })
                .map_err(|e| anyhow::anyhow!("in-memory search index: {e}"))?,
        };
        let applied = dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join(SYNC_FILE)).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(-1);
        Ok(Self {
            engine,
            dir,
            applied: AtomicI64::new(applied),
            sync: tokio::sync::Mutex::new(()),
        })
    }

    /// The search engine, for queries.
    pub fn engine(&self) -> &SupplierIndex {
        &self.engine
    }

    fn remember(&self, change: i64) {
        self.applied.store(change, Ordering::SeqCst);
        if let Some(d) = &self.dir {
            if let Err(e) = std::fs::write(d.join(SYNC_FILE), change.to_string()) {
                tracing::warn!(error = %e, "could not record the search index position");
            }
        }
    }

    /// Brings the index up to date with the change log; rebuilds it when it has never
    /// been built, when a bulk load asked for it, or when its size disagrees with the
    /// database (stale).
    ///
    /// # Errors
    /// Database or index failures.
    pub async fn catch_up(
        &self,
        db: &DatabaseConnection,
        cpv: &CpvCatalogue,
    ) -> anyhow::Result<()> {
        let latest = latest_change(db).await?;
        if latest <= self.applied.load(Ordering::SeqCst) {
            return Ok(());
        }
        let _guard = self.sync.lock().await;
        let applied = self.applied.load(Ordering::SeqCst);
        if latest <= applied {
            return Ok(());
        }
        if applied < 0 {
            return self.rebuild_locked(db, cpv, latest).await;
        }
        let changes = registry_change::Entity::find()
            .filter(registry_change::Column::Id.gt(applied))
            .filter(registry_change::Column::Id.lte(latest))
            .all(db)
            .await?;
        if changes
            .iter()
            .any(|c| c.organisation_id == super::changes::EVERYTHING)
            || changes.len() > 50_000
        {
            return self.rebuild_locked(db, cpv, latest).await;
        }
        let ids: Vec<i64> = changes
            .iter()
            .map(|c| c.organisation_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for chunk in ids.chunks(BATCH as usize) {
            let docs = documents(db, cpv, chunk).await?;
            for id in chunk {
                if !docs.iter().any(|d| d.id == *id) {
                    self.engine.delete(*id)?;
                }
            }
            self.engine.upsert(&docs)?;
        }
        self.engine.commit()?;
        self.remember(latest);
        Ok(())
    }

    /// Rebuilds the index if it is missing or its size disagrees with the database, then
    /// follows the log. Called at start.
    ///
    /// # Errors
    /// Database or index failures.
    pub async fn prepare(&self, db: &DatabaseConnection, cpv: &CpvCatalogue) -> anyhow::Result<()> {
        let searchable = searchable_count(db).await?;
        if self.engine.len() != searchable {
            tracing::info!(
                index = self.engine.len(),
                database = searchable,
                "search index missing or stale: rebuilding"
            );
            let _guard = self.sync.lock().await;
            let latest = latest_change(db).await?;
            self.rebuild_locked(db, cpv, latest).await?;
        }
        self.catch_up(db, cpv).await
    }

    async fn rebuild_locked(
        &self,
        db: &DatabaseConnection,
        cpv: &CpvCatalogue,
        latest: i64,
    ) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        self.engine.clear()?;
        // Equal parts, one segment each, so a search can use every core (large registries).
        let expected = searchable_count(db).await?;
        let parts = if expected >= PARTITION_FROM {
            self.engine.search_threads() as u64
        } else {
            1
        };
        let per_part = expected.div_ceil(parts.max(1)).max(1);
        self.engine.begin_bulk()?;
        let loaded = self.load_all(db, cpv, per_part).await;
        self.engine.end_bulk()?;
        let total = loaded?;
        self.remember(latest);
        tracing::info!(
            suppliers = total,
            seconds = started.elapsed().as_secs_f32(),
            "search index rebuilt"
        );
        Ok(())
    }

    /// Every published supplier into the (cleared) index, committed every `per_part`.
    async fn load_all(
        &self,
        db: &DatabaseConnection,
        cpv: &CpvCatalogue,
        per_part: u64,
    ) -> anyhow::Result<u64> {
        let mut after = 0_i64;
        let mut total = 0_u64;
        let mut in_part = 0_u64;
        loop {
            let ids: Vec<i64> = supplier_profile::Entity::find()
                .select_only()
                .column(supplier_profile::Column::OrganisationId)
                .filter(supplier_profile::Column::OrganisationId.gt(after))
                .filter(supplier_profile::Column::Published.eq(true))
                .order_by_asc(supplier_profile::Column::OrganisationId)
                .limit(BATCH)
                .into_tuple()
                .all(db)
                .await?;
            let Some(last) = ids.last() else { break };
            after = *last;
            let docs = documents(db, cpv, &ids).await?;
            total += docs.len() as u64;
            in_part += docs.len() as u64;
            self.engine.upsert(&docs)?;
            if in_part >= per_part {
                self.engine.commit_part()?;
                in_part = 0;
            }
        }
        self.engine.commit_part()?;
        Ok(total)
    }
}

/// Follows the change log every second, so edits made by other processes show up here
/// even when nobody searches. Stops when the index is dropped (it holds only a weak
/// reference, so the index's directory lock is released with the state).
pub fn spawn_follower(index: &Arc<SearchIndex>, db: DatabaseConnection, cpv: Arc<CpvCatalogue>) {
    let index = Arc::downgrade(index);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        loop {
            tick.tick().await;
            let Some(index) = index.upgrade() else { break };
            if let Err(e) = index.catch_up(&db, &cpv).await {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "following registry changes failed"
                );
            }
        }
    });
}

async fn latest_change(db: &impl ConnectionTrait) -> anyhow::Result<i64> {
    Ok(registry_change::Entity::find()
        .select_only()
        .column_as(registry_change::Column::Id.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Published profiles of active organisations: what the index should hold.
async fn searchable_count(db: &impl ConnectionTrait) -> anyhow::Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(supplier_profile::Entity::find()
        .filter(supplier_profile::Column::Published.eq(true))
        .filter(
            supplier_profile::Column::OrganisationId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(organisation::Column::Id)
                    .from(organisation::Entity)
                    .and_where(organisation::Column::Status.eq("active"))
                    .to_owned(),
            ),
        )
        .count(db)
        .await?)
}

fn epoch_days(d: chrono::NaiveDate) -> i32 {
    days_from_civil(d.year(), d.month(), d.day())
}

/// Index documents for the given organisations; those not searchable (draft, suspended,
/// gone) are simply absent from the result.
///
/// # Errors
/// Database failures.
pub async fn documents(
    db: &impl ConnectionTrait,
    cpv: &CpvCatalogue,
    ids: &[i64],
) -> anyhow::Result<Vec<SupplierDoc>> {
    let profiles = supplier_profile::Entity::find()
        .filter(supplier_profile::Column::OrganisationId.is_in(ids.to_vec()))
        .filter(supplier_profile::Column::Published.eq(true))
        .all(db)
        .await?;
    let active: BTreeSet<i64> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .filter(organisation::Column::Id.is_in(ids.to_vec()))
        .filter(organisation::Column::Status.eq("active"))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut codes: HashMap<i64, Vec<String>> = HashMap::new();
    for row in supplier_cpv::Entity::find()
        .filter(supplier_cpv::Column::OrganisationId.is_in(ids.to_vec()))
        .all(db)
        .await?
    {
        codes
            .entry(row.organisation_id)
            .or_default()
            .push(row.cpv_code);
    }
    let verified: BTreeSet<i64> = supplier_identifier::Entity::find()
        .select_only()
        .column(supplier_identifier::Column::OrganisationId)
        .filter(supplier_identifier::Column::OrganisationId.is_in(ids.to_vec()))
        .filter(supplier_identifier::Column::VerifiedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut accreditations: HashMap<i64, Vec<(String, Option<i32>)>> = HashMap::new();
    for a in supplier_accreditation::Entity::find()
        .filter(supplier_accreditation::Column::OrganisationId.is_in(ids.to_vec()))
        .all(db)
        .await?
    {
        accreditations
            .entry(a.organisation_id)
            .or_default()
            .push((a.kind, a.expires_on.map(epoch_days)));
    }
    let mut contracts: HashMap<i64, String> = HashMap::new();
    for c in supplier_contract::Entity::find()
        .filter(supplier_contract::Column::OrganisationId.is_in(ids.to_vec()))
        .all(db)
        .await?
    {
        let text = contracts.entry(c.organisation_id).or_default();
        text.push_str(&c.buyer_name);
        text.push_str(". ");
        text.push_str(&c.description);
        text.push('\n');
    }
    let mut labels_cache: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut out = Vec::with_capacity(profiles.len());
    for p in profiles {
        if !active.contains(&p.organisation_id) {
            continue;
        }
        let id = p.organisation_id;
        let cpv_codes = codes.remove(&id).unwrap_or_default();
        let mut labels = BTreeSet::new();
        for code in &cpv_codes {
            let entry = labels_cache.entry(code.clone()).or_insert_with(|| {
                CpvCode::parse(code)
                    .ok()
                    .map(|c| {
                        let mut l: Vec<String> =
                            cpv.ancestors(&c).into_iter().map(|a| a.label).collect();
                        l.extend(cpv.get(&c).map(|e| e.label));
                        l
                    })
                    .unwrap_or_default()
            });
            labels.extend(entry.iter().cloned());
        }
        out.push(SupplierDoc {
            id,
            name: p.legal_name,
            trading_name: p.trading_name,
            capability_statement: p.capability_statement,
            keywords: p
                .keywords
                .split(',')
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect(),
            contracts_text: contracts.remove(&id).unwrap_or_default(),
            cpv: cpv_codes,
            cpv_labels: labels.into_iter().collect(),
            legal_form: p.legal_form,
            size: p.size_class,
            social_economy: p.social_economy,
            verified: verified.contains(&id),
            accreditations: accreditations.remove(&id).unwrap_or_default(),
            lat: p.latitude,
            lon: p.longitude,
            outcode: p.outcode,
            max_contract_value_gbp: p.max_contract_value_gbp,
            updated_at: p.updated_at.timestamp(),
            postcode: p.postcode.unwrap_or_default(),
            town: p.town,
        });
    }
    Ok(out)
}
