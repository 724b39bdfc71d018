//! This process's in-memory (and on-disk) views of the registry, kept in step with the
//! database by one follower of the `registry_changes` log.
//!
//! Writers note each changed supplier in the log inside their transaction
//! ([`super::changes::changed`]). The follower reads the log, loads the changed suppliers'
//! snapshots once per batch and feeds every registered [`Projection`]: the search index is
//! the first; market depth and the lot planner will register theirs. Projections apply
//! changes on a blocking thread, never on the async runtime.
//!
//! When does a process catch up?
//! * after its own writes: [`crate::state::Write::commit`] bumps a counter in memory and
//!   [`RegistryViews::fresh`] catches up before the next read here, so an edit is
//!   searchable at once in the process that made it — without a query per search;
//! * in the background every half second ([`spawn_follower`]), for other processes' writes;
//! * at start ([`RegistryViews::prepare`]), rebuilding any projection that is missing or
//!   stale.

use super::changes::EVERYTHING;
use super::snapshots::{self, SearchableSuppliers};
use crate::entities::registry_change;
use domain::registry::SupplierSnapshot;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Suppliers per load when following the log or rebuilding.
const BATCH: u64 = 2_000;
/// More changes than this since the last catch-up: rebuilding is cheaper than replaying.
const REBUILD_OVER: usize = 50_000;

/// A view of the registry kept by this process. Every method runs on a blocking thread and
/// must be idempotent: the follower may hand the same change over again (after a restart,
/// or when projections stand at different positions).
pub trait Projection: Send + Sync + 'static {
    /// For logs.
    fn name(&self) -> &'static str;

    /// The last change this projection has applied; `-1` when it holds nothing (a fresh
    /// in-memory projection), which asks for a rebuild.
    fn position(&self) -> i64;

    /// How many suppliers it holds, to spot a stale copy at start; `None` when it cannot
    /// tell (then only `position` decides).
    fn size(&self) -> Option<u64>;

    /// Some suppliers changed. `snapshots` holds those of `changed` that still have a
    /// profile (ask [`SupplierSnapshot::is_searchable`]); the others are gone.
    ///
    /// # Errors
    /// The projection could not be updated; the follower retries from its last position.
    fn apply(&self, changed: &[i64], snapshots: &[SupplierSnapshot]) -> anyhow::Result<()>;

    /// Makes the changes applied so far durable (where that means anything) and records
    /// `position`.
    ///
    /// # Errors
    /// As `apply`.
    fn commit(&self, position: i64) -> anyhow::Result<()>;

    /// Starts over: drop everything; about `expected` searchable suppliers will follow.
    ///
    /// # Errors
    /// As `apply`.
    fn begin_rebuild(&self, expected: u64) -> anyhow::Result<()>;

    /// One batch of searchable suppliers during a rebuild.
    ///
    /// # Errors
    /// As `apply`.
    fn rebuild_batch(&self, snapshots: &[SupplierSnapshot]) -> anyhow::Result<()>;

    /// The rebuild is complete up to `position`.
    ///
    /// # Errors
    /// As `apply`.
    fn end_rebuild(&self, position: i64) -> anyhow::Result<()>;
}

/// The projections of this process and how far along the change log they are.
pub struct RegistryViews {
    index: Arc<super::search_index::SearchIndex>,
    projections: RwLock<Vec<Arc<dyn Projection>>>,
    /// Every projection has applied the log up to here.
    applied: AtomicI64,
    /// Commits of this process (see [`crate::state::Write`]) and how many were caught up.
    local_writes: AtomicU64,
    local_seen: AtomicU64,
    sync: tokio::sync::Mutex<()>,
}

impl RegistryViews {
    /// Views with the search index as the first projection.
    pub fn new(index: Arc<super::search_index::SearchIndex>) -> Self {
        let applied = index.position();
        Self {
            projections: RwLock::new(vec![index.clone() as Arc<dyn Projection>]),
            index,
            applied: AtomicI64::new(applied),
            local_writes: AtomicU64::new(0),
            local_seen: AtomicU64::new(0),
            sync: tokio::sync::Mutex::new(()),
        }
    }

    /// The supplier search index.
    pub fn index(&self) -> &Arc<super::search_index::SearchIndex> {
        &self.index
    }

    /// Adds a projection (before [`RegistryViews::prepare`], which builds it).
    pub fn register(&self, projection: Arc<dyn Projection>) {
        let position = projection.position();
        self.applied.fetch_min(position, Ordering::SeqCst);
        self.list().push(projection);
    }

    fn list(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<dyn Projection>>> {
        // A panic while holding the lock leaves the list itself intact.
        self.projections
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn all(&self) -> Vec<Arc<dyn Projection>> {
        self.projections
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// A transaction of this process committed: catch up before the next read.
    pub fn note_local_write(&self) {
        self.local_writes.fetch_add(1, Ordering::SeqCst);
    }

    /// Catches up if this process has written since the last catch-up; otherwise costs
    /// nothing (no query). Other processes' writes arrive through the background follower.
    ///
    /// # Errors
    /// Database or projection failures.
    pub async fn fresh(&self, db: &impl ConnectionTrait) -> anyhow::Result<()> {
        let writes = self.local_writes.load(Ordering::SeqCst);
        if writes == self.local_seen.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.catch_up(db).await?;
        self.local_seen.fetch_max(writes, Ordering::SeqCst);
        Ok(())
    }

    /// Rebuilds projections that are missing or stale (their size disagrees with the
    /// database), then follows the log. Called at start.
    ///
    /// # Errors
    /// Database or projection failures.
    pub async fn prepare(&self, db: &impl ConnectionTrait) -> anyhow::Result<()> {
        let guard = self.sync.lock().await;
        let searchable = snapshots::searchable_count(db).await?;
        let stale: Vec<_> = self
            .all()
            .into_iter()
            .filter(|p| p.position() < 0 || p.size().is_some_and(|n| n != searchable))
            .collect();
        if !stale.is_empty() {
            for p in &stale {
                tracing::info!(projection = p.name(), held = ?p.size(), database = searchable, "registry view missing or stale: rebuilding");
            }
            let latest = latest_change(db).await?;
            rebuild(db, &stale, latest).await?;
        }
        let applied = self.all().iter().map(|p| p.position()).min().unwrap_or(-1);
        self.applied.store(applied, Ordering::SeqCst);
        drop(guard);
        self.catch_up(db).await
    }

    /// Applies the change log to every projection from where it stands: a projection that
    /// holds nothing yet (registered late, built on first use) is built from the read model
    /// alone; the others replay the changes since the furthest behind of them, or are
    /// rebuilt when a bulk load asked for it or more changed than is worth replaying.
    ///
    /// # Errors
    /// Database or projection failures; the next catch-up tries again from the same place.
    pub async fn catch_up(&self, db: &impl ConnectionTrait) -> anyhow::Result<()> {
        let latest = latest_change(db).await?;
        if latest <= self.applied.load(Ordering::SeqCst) {
            return Ok(());
        }
        let _guard = self.sync.lock().await;
        if latest <= self.applied.load(Ordering::SeqCst) {
            return Ok(());
        }
        let (empty, following): (Vec<_>, Vec<_>) =
            self.all().into_iter().partition(|p| p.position() < 0);
        if !empty.is_empty() {
            rebuild(db, &empty, latest).await?;
        }
        let from = following.iter().map(|p| p.position()).min();
        if let Some(from) = from.filter(|from| *from < latest) {
            self.replay(db, &following, from, latest).await?;
        }
        // Not simply `latest`: a projection registered while this ran (not in the list
        // taken above, still empty) lowered `applied` to ask for its build, and storing
        // `latest` over that would leave it empty until the registry next changes.
        let applied = self
            .all()
            .iter()
            .map(|p| p.position())
            .min()
            .map_or(latest, |lowest| lowest.min(latest));
        self.applied.store(applied, Ordering::SeqCst);
        Ok(())
    }

    /// Brings `projections` from change `from` to `latest`.
    async fn replay(
        &self,
        db: &impl ConnectionTrait,
        projections: &[Arc<dyn Projection>],
        from: i64,
        latest: i64,
    ) -> anyhow::Result<()> {
        let changes: Vec<i64> = registry_change::Entity::find()
            .select_only()
            .column(registry_change::Column::OrganisationId)
            .filter(registry_change::Column::Id.gt(from))
            .filter(registry_change::Column::Id.lte(latest))
            .into_tuple()
            .all(db)
            .await?;
        if changes.contains(&EVERYTHING) || changes.len() > REBUILD_OVER {
            return rebuild(db, projections, latest).await;
        }
        let ids: Vec<i64> = changes
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for chunk in ids.chunks(BATCH as usize) {
            let loaded = Arc::new(snapshots::snapshots(db, chunk).await?);
            let chunk = Arc::new(chunk.to_vec());
            blocking(projections, move |p| p.apply(&chunk, &loaded)).await?;
        }
        blocking(projections, move |p| p.commit(latest)).await
    }
}

/// Runs `f` on every projection on a blocking thread (index writes are CPU and disk work).
async fn blocking<F>(projections: &[Arc<dyn Projection>], f: F) -> anyhow::Result<()>
where
    F: Fn(&dyn Projection) -> anyhow::Result<()> + Send + 'static,
{
    let projections = projections.to_vec();
    tokio::task::spawn_blocking(move || {
        projections
            .iter()
            .try_for_each(|p| f(p.as_ref()).map_err(|e| e.context(p.name())))
    })
    .await?
}

/// Rebuilds `projections` from every searchable supplier, streamed in batches.
async fn rebuild(
    db: &impl ConnectionTrait,
    projections: &[Arc<dyn Projection>],
    latest: i64,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let expected = snapshots::searchable_count(db).await?;
    blocking(projections, move |p| p.begin_rebuild(expected)).await?;
    let loaded = load_into(db, projections).await;
    // Ended either way (bulk settings off); a failed rebuild ends at position -1, which
    // asks for another.
    let end_at = if loaded.is_ok() { latest } else { -1 };
    let ended = blocking(projections, move |p| p.end_rebuild(end_at)).await;
    let total = loaded?;
    ended?;
    tracing::info!(
        suppliers = total,
        seconds = started.elapsed().as_secs_f32(),
        "registry views rebuilt"
    );
    Ok(())
}

/// Streams every searchable supplier into the rebuilding projections.
async fn load_into(
    db: &impl ConnectionTrait,
    projections: &[Arc<dyn Projection>],
) -> anyhow::Result<usize> {
    let mut walk = SearchableSuppliers::new(db, BATCH);
    let mut total = 0_usize;
    while let Some(batch) = walk.next_batch().await? {
        total += batch.len();
        let batch = Arc::new(batch);
        blocking(projections, move |p| p.rebuild_batch(&batch)).await?;
    }
    Ok(total)
}

/// Follows the change log every half second, so edits made by other processes show up
/// here even when nobody reads. Stops when the views are dropped (it holds only a weak
/// reference, so the search index's directory lock is released with the state).
pub fn spawn_follower(views: &Arc<RegistryViews>, db: DatabaseConnection) {
    let views = Arc::downgrade(views);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        loop {
            tick.tick().await;
            let Some(views) = views.upgrade() else { break };
            if let Err(e) = views.catch_up(&db).await {
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
