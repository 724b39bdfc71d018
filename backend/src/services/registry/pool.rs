//! The suppliers that market depth, the lot planner, opportunity matching and spend
//! matching read: every searchable supplier as a slim [`SupplierSnapshot`] (the long
//! texts that only search and profile pages need dropped), held in memory and kept in
//! step with the registry as one of its projections ([`crate::services::registry::views`]).
//!
//! Built lazily: the first question that needs it registers the pool with the views and
//! waits for it to be built from the read model; afterwards each question only asks the
//! views to catch up with this process's own writes (other processes' writes arrive
//! through the background follower). So a plan or a spend analysis over 100,000 suppliers
//! never loads them from the database per request or per job.

use crate::services::registry::views::{Projection, RegistryViews};
use domain::registry::SupplierSnapshot;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

/// The searchable suppliers, by id.
#[derive(Default)]
pub struct SupplierPool {
    suppliers: RwLock<HashMap<i64, SupplierSnapshot>>,
    /// The last change applied; -1 while empty (asks the views for a build).
    position: AtomicI64,
    registered: tokio::sync::OnceCell<()>,
}

impl std::fmt::Debug for SupplierPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupplierPool")
            .field("position", &self.position.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

/// What its readers need of a snapshot: names (legal and trading), kind, place and
/// postcode, service area, CPV codes, capacity, accreditations and identifiers (spend
/// matching attaches payees by company number or VAT number and credits Real Living Wage
/// employers). Capability statements, keywords, past contracts, the website and the
/// e-mail address are dropped, which keeps 100,000 suppliers in tens of megabytes.
fn slim(mut s: SupplierSnapshot) -> SupplierSnapshot {
    s.capability_statement = String::new();
    s.keywords = Vec::new();
    s.contracts = Vec::new();
    s.website = String::new();
    s.email = String::new();
    s
}

impl SupplierPool {
    /// An empty pool, not yet registered with any views.
    #[must_use]
    pub fn new() -> Self {
        Self {
            suppliers: RwLock::new(HashMap::new()),
            position: AtomicI64::new(-1),
            registered: tokio::sync::OnceCell::new(),
        }
    }

    /// The pool, up to date with this process's writes: registered and built on first
    /// use.
    ///
    /// # Errors
    /// Database or projection failures while building or catching up.
    pub async fn ready(
        self: &Arc<Self>,
        views: &RegistryViews,
        db: &impl ConnectionTrait,
    ) -> anyhow::Result<()> {
        if self.registered.initialized() {
            views.fresh(db).await?;
            return Ok(());
        }
        self.registered
            .get_or_try_init(|| async {
                views.register(self.clone());
                views.catch_up(db).await
            })
            .await?;
        Ok(())
    }

    /// Read access to the suppliers (hold it briefly, off the async runtime for big work).
    pub fn read(&self) -> RwLockReadGuard<'_, HashMap<i64, SupplierSnapshot>> {
        self.suppliers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<i64, SupplierSnapshot>> {
        self.suppliers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of every supplier held, by id: for long work on a blocking thread, which
    /// must not hold the lock the follower writes through.
    #[must_use]
    pub fn sorted_copy(&self) -> Vec<SupplierSnapshot> {
        let mut all: Vec<SupplierSnapshot> = self.read().values().cloned().collect();
        all.sort_unstable_by_key(|s| s.id);
        all
    }

    /// How many suppliers it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// True when it holds no supplier.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Projection for SupplierPool {
    fn name(&self) -> &'static str {
        "tendering supplier pool"
    }

    fn position(&self) -> i64 {
        self.position.load(Ordering::SeqCst)
    }

    fn size(&self) -> Option<u64> {
        u64::try_from(self.len()).ok()
    }

    fn apply(&self, changed: &[i64], snapshots: &[SupplierSnapshot]) -> anyhow::Result<()> {
        let mut map = self.write();
        for id in changed {
            map.remove(id);
        }
        for s in snapshots.iter().filter(|s| s.is_searchable()) {
            map.insert(s.id, slim(s.clone()));
        }
        Ok(())
    }

    fn commit(&self, position: i64) -> anyhow::Result<()> {
        self.position.store(position, Ordering::SeqCst);
        Ok(())
    }

    fn begin_rebuild(&self, expected: u64) -> anyhow::Result<()> {
        let mut map = self.write();
        map.clear();
        map.reserve(usize::try_from(expected).unwrap_or(0));
        Ok(())
    }

    fn rebuild_batch(&self, snapshots: &[SupplierSnapshot]) -> anyhow::Result<()> {
        let mut map = self.write();
        for s in snapshots.iter().filter(|s| s.is_searchable()) {
            map.insert(s.id, slim(s.clone()));
        }
        Ok(())
    }

    fn end_rebuild(&self, position: i64) -> anyhow::Result<()> {
        self.position.store(position, Ordering::SeqCst);
        Ok(())
    }
}
