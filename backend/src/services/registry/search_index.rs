//! The supplier search index (the `search` crate's tantivy engine) as a projection of the
//! registry: documents are built from [`SupplierSnapshot`]s, kept in step by
//! [`super::views::RegistryViews`], and the index remembers how far along the change log it
//! is in a file beside it, so a restart does not rebuild a current index.

use super::views::Projection;
use anchorlink_search::{
    IndexOptions, SearchError, SupplierDoc, SupplierIndex, Thesaurus, Vocabulary,
};
use domain::cpv::CpvCatalogue;
use domain::registry::SupplierSnapshot;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

const SYNC_FILE: &str = "anchorlink-sync";
/// Registries at least this large are indexed in one segment per search thread.
const PARTITION_FROM: u64 = 50_000;

/// The index plus how far along the change log it is.
pub struct SearchIndex {
    engine: SupplierIndex,
    cpv: Arc<CpvCatalogue>,
    dir: Option<PathBuf>,
    applied: AtomicI64,
    /// During a rebuild: documents per segment, and how many the current one holds.
    part: AtomicU64,
    in_part: AtomicU64,
}

impl SearchIndex {
    /// Opens the index in `dir` (created if missing), or keeps it in RAM when `None`.
    ///
    /// # Errors
    /// The directory cannot be used (for example another process holds its lock).
    pub fn open(dir: Option<PathBuf>, cpv: Arc<CpvCatalogue>) -> anyhow::Result<Self> {
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
            .map_err(|e| {
                anyhow::anyhow!(
                    "search index in {}: {e} (each process needs its own ANCHORLINK_INDEX_DIR)",
                    d.display()
                )
            })?,
            None => SupplierIndex::in_memory_with(IndexOptions {
                writer_heap_bytes: 20_000_000,
                writer_threads: 1,
                search_threads: 1,
            })
            .map_err(|e| anyhow::anyhow!("in-memory search index: {e}"))?,
        };
        // Queries are read with the shipped thesaurus and the CPV labels (synonyms, trade
        // names, the codes a buyer's words name).
        let vocabulary = Vocabulary::new(&cpv, &Thesaurus::builtin()?)?;
        engine.set_vocabulary(Arc::new(vocabulary));
        let applied = dir
            .as_ref()
            .and_then(|d| std::fs::read_to_string(d.join(SYNC_FILE)).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(-1);
        Ok(Self {
            engine,
            cpv,
            dir,
            applied: AtomicI64::new(applied),
            part: AtomicU64::new(u64::MAX),
            in_part: AtomicU64::new(0),
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

    /// The index document of a searchable supplier.
    pub fn document(&self, s: &SupplierSnapshot) -> SupplierDoc {
        SupplierDoc::from_snapshot(s, &self.cpv)
    }
}

impl Projection for SearchIndex {
    fn name(&self) -> &'static str {
        "search index"
    }

    fn position(&self) -> i64 {
        self.applied.load(Ordering::SeqCst)
    }

    fn size(&self) -> Option<u64> {
        Some(self.engine.len())
    }

    fn apply(&self, changed: &[i64], snapshots: &[SupplierSnapshot]) -> anyhow::Result<()> {
        let docs: Vec<SupplierDoc> = snapshots
            .iter()
            .filter(|s| s.is_searchable())
            .map(|s| self.document(s))
            .collect();
        for id in changed {
            if !docs.iter().any(|d| d.id == *id) {
                self.engine.delete(*id)?;
            }
        }
        self.engine.upsert(&docs)?;
        Ok(())
    }

    fn commit(&self, position: i64) -> anyhow::Result<()> {
        self.engine.commit()?;
        self.remember(position);
        Ok(())
    }

    fn begin_rebuild(&self, expected: u64) -> anyhow::Result<()> {
        self.engine.clear()?;
        // Equal parts, one segment each, so a search can use every core (large registries).
        let parts = if expected >= PARTITION_FROM {
            self.engine.search_threads() as u64
        } else {
            1
        };
        self.part
            .store(expected.div_ceil(parts.max(1)).max(1), Ordering::SeqCst);
        self.in_part.store(0, Ordering::SeqCst);
        self.engine.begin_bulk()?;
        Ok(())
    }

    fn rebuild_batch(&self, snapshots: &[SupplierSnapshot]) -> anyhow::Result<()> {
        let docs: Vec<SupplierDoc> = snapshots
            .iter()
            .filter(|s| s.is_searchable())
            .map(|s| self.document(s))
            .collect();
        self.engine.upsert(&docs)?;
        let in_part =
            self.in_part.fetch_add(docs.len() as u64, Ordering::SeqCst) + docs.len() as u64;
        if in_part >= self.part.load(Ordering::SeqCst) {
            self.engine.commit_part()?;
            self.in_part.store(0, Ordering::SeqCst);
        }
        Ok(())
    }

    fn end_rebuild(&self, position: i64) -> anyhow::Result<()> {
        let committed = self.engine.commit_part();
        let ended = self.engine.end_bulk();
        committed?;
        ended?;
        self.remember(position);
        Ok(())
    }
}
