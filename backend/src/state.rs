//! The one `AppState` built at start-up and shared by pages, server functions, the REST API
//! and the job runner; the `Env` every service reads; and `Write`, the unit of work.

use crate::jobs::Jobs;
use crate::mail::Mailer;
use crate::services::registry::views::RegistryViews;
use domain::cpv::CpvCatalogue;
use domain::place::OutcodeTable;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use std::sync::Arc;

/// What the application needs to know about where it runs.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Public base URL used in links sent by e-mail, e.g. `http://127.0.0.1:3000`.
    pub base_url: String,
    /// Mark cookies `Secure` (the site is served over TLS).
    pub secure_cookies: bool,
    /// Tendering: the publisher's ocid prefix for OCDS exports (`ANCHORLINK_OCID_PREFIX`).
    pub ocid_prefix: domain::ocds::OcidPrefix,
    /// Upload size limit and how long a spend upload's request waits for its job.
    pub spend: crate::services::spend::SpendLimits,
    /// A session unused this long ends (`ANCHORLINK_SESSION_IDLE_MINUTES`).
    pub session_idle: chrono::Duration,
}

/// What services read besides the database: the reference data (the CPV vocabulary and
/// the outcode table, parsed once at start) and the settings that shape their answers.
/// Cheap to clone.
#[derive(Clone)]
pub struct Env {
    pub cpv: Arc<CpvCatalogue>,
    pub outcodes: Arc<OutcodeTable>,
    pub config: Arc<AppConfig>,
}

impl Env {
    /// The shipped reference data with the given settings.
    ///
    /// # Errors
    /// The shipped files are corrupt (see [`load_reference_data`]).
    pub fn load(config: AppConfig) -> anyhow::Result<Self> {
        let (cpv, outcodes) = load_reference_data()?;
        Ok(Self {
            cpv: Arc::new(cpv),
            outcodes: Arc::new(outcodes),
            config: Arc::new(config),
        })
    }
}

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub env: Env,
    pub mailer: Mailer,
    /// This process's projections of the registry (the search index first) and the
    /// follower that keeps them in step with the database.
    pub views: Arc<RegistryViews>,
    /// The durable job queue: enqueue inside a transaction, run by the worker.
    pub jobs: Jobs,
    /// The searchable suppliers in memory, without their long texts: what market depth,
    /// the lot planner, opportunity matching and spend matching read (a registry
    /// projection, built on first use).
    pub suppliers: Arc<crate::services::registry::pool::SupplierPool>,
    /// Opportunities (issue 12): the open lots compiled in memory, rebuilt when the
    /// published tenders change.
    pub opportunities: Arc<crate::services::tendering::opportunities::OpenLots>,
}

impl AppState {
    /// Opens a transaction for one unit of work. Pass it to as many services as the work
    /// needs, then [`Write::commit`]: they all take effect together or not at all.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// read-then-write never fails because another connection wrote in between; on
    /// PostgreSQL it is an ordinary transaction.
    ///
    /// # Errors
    /// The database refused to begin.
    pub async fn write(&self) -> Result<Write<'_>, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.db.get_database_backend() == DbBackend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(Write {
            txn: self.db.begin_with_options(options).await?,
            state: self,
        })
    }
}

/// A transaction that, once committed, tells this process what it wrote: the registry's
/// projections catch up before the next search here (so an edit is searchable at once in
/// the process that made it, without a query per search), and the job worker wakes for
/// jobs the work enqueued. Dropped without `commit`, it rolls back.
pub struct Write<'a> {
    txn: DatabaseTransaction,
    state: &'a AppState,
}

impl Write<'_> {
    /// Commits, then tells the registry views and the job worker.
    ///
    /// # Errors
    /// The commit failed; nothing was written.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await?;
        self.state.views.note_local_write();
        self.state.jobs.wake();
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Write<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }

    fn is_mock_connection(&self) -> bool {
        self.txn.is_mock_connection()
    }
}

/// The CPV vocabulary and outcode table shipped in `data/`, parsed once.
///
/// # Errors
/// Fails if the shipped files are corrupt, which is a build defect worth stopping for.
pub fn load_reference_data() -> anyhow::Result<(CpvCatalogue, OutcodeTable)> {
    let cpv = CpvCatalogue::from_json(include_str!("../../data/cpv-2008-en.json"))
        .map_err(|e| anyhow::anyhow!("data/cpv-2008-en.json: {e}"))?;
    let outcodes = OutcodeTable::from_csv(include_str!("../../data/uk-outcodes.csv"))
        .map_err(|e| anyhow::anyhow!("data/uk-outcodes.csv: {e}"))?;
    Ok((cpv, outcodes))
}
