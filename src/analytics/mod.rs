//! Analytics: each tenant's DuckDB file, its connections, and the panel queries run on it.
//!
//! Only this module opens DuckDB. Every tenant database runs with external access disabled
//! (no files but the tenant's own `imports/` folder, no URLs, no extensions beyond the
//! statically built ones), extension autoloading off and the configuration locked, so no
//! statement can reach outside the tenant's own data or loosen those settings. DuckDB is synchronous: the `TenantDb` methods block and are called
//! from `spawn_blocking` at the service boundary, never from an async task directly.

pub mod drill;
pub mod ingest;
pub mod options;
pub mod panels;
pub mod periods;
pub mod query;
pub mod rollups;
pub mod sql;
mod watchdog;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use duckdb::{Config, Connection, DuckdbConnectionManager};

use crate::catalog::{DatasetDef, RollupDef};

pub use panels::{PanelData, PanelRequest};

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("DuckDB: {0}")]
    Duckdb(#[from] duckdb::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(transparent)]
    Build(#[from] sql::BuildError),
    #[error("the query ran longer than {} s and was stopped", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("dataset `{dataset}` answers only from rollups, and none fits this query: {reasons}")]
    RollupRequired { dataset: String, reasons: String },
    #[error(transparent)]
    Import(#[from] ingest::ImportError),
}

/// Limits for each tenant database.
#[derive(Debug, Clone)]
pub struct DuckdbLimits {
    pub threads: u16,
    /// DuckDB's memory limit, e.g. `2GB`.
    pub memory: String,
    /// Connections kept per tenant.
    pub connections: u32,
    /// A query running longer is interrupted.
    pub query_timeout: Duration,
}

impl Default for DuckdbLimits {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism()
                .map(|n| u16::try_from(n.get()).unwrap_or(u16::MAX))
                .unwrap_or(2),
            memory: "2GB".into(),
            connections: 4,
            query_timeout: Duration::from_secs(30),
        }
    }
}

/// The folder next to a tenant's database that imports are staged in (created when absent),
/// as an absolute path: the only place its database may read files from.
pub fn imports_dir(db_path: &Path) -> Result<std::path::PathBuf, AnalyticsError> {
    let folder = db_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("imports");
    std::fs::create_dir_all(&folder)
        .and_then(|()| std::fs::canonicalize(&folder))
        .map_err(|e| AnalyticsError::Invalid(format!("cannot create {}: {e}", folder.display())))
}

/// One tenant's database: a pool of connections to one DuckDB instance, which of its rollups
/// are built, and the generation of its data (moved by every import).
pub struct TenantDb {
    pool: r2d2::Pool<DuckdbConnectionManager>,
    built: RwLock<rollups::Built>,
    generation: AtomicU64,
    /// Imports and rollup builds run one at a time.
    writer: Mutex<()>,
    query_timeout: Duration,
}

impl TenantDb {
    /// Opens (creating when absent) the tenant's DuckDB file with the hardened configuration:
    /// external access off except for reading the tenant's own `imports/` folder (which holds
    /// only files being imported, under names Flexboard chose), extensions neither loaded nor
    /// installed on demand, bounded threads and memory, and the configuration locked before any
    /// connection is handed out.
    pub fn open(path: &Path, limits: &DuckdbLimits) -> Result<Self, AnalyticsError> {
        let imports = imports_dir(path)?;
        let config = Config::default()
            .enable_autoload_extension(false)?
            .threads(i64::from(limits.threads))?
            .max_memory(&limits.memory)?
            .with("autoinstall_known_extensions", "false")?;
        let manager = DuckdbConnectionManager::file_with_flags(path, config)?;
        let pool = r2d2::Pool::builder()
            .max_size(limits.connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(manager)?;
        let built = {
            let conn = pool.get()?;
            // Global settings of the one database instance every pooled connection shares.
            conn.execute_batch(&format!(
                "SET GLOBAL allowed_directories = [{}]; SET GLOBAL enable_external_access = false; SET GLOBAL lock_configuration = true;",
                sql::literal(&format!("{}/", imports.display()))
            ))?;
            ingest::create_import_log(&conn)?;
            rollups::load(&conn)?
        };
        Ok(Self {
            pool,
            built: RwLock::new(built),
            generation: AtomicU64::new(0),
            writer: Mutex::new(()),
            query_timeout: limits.query_timeout,
        })
    }

    /// Runs `work` on a pooled connection, interrupting it when it outlasts the query timeout.
    /// Blocks: call from a blocking thread.
    pub fn with_connection<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, AnalyticsError>,
    ) -> Result<T, AnalyticsError> {
        let connection = self.pool.get()?;
        let armed = watchdog::arm(
            Instant::now() + self.query_timeout,
            connection.interrupt_handle(),
        );
        let result = work(&connection);
        if armed.fired() {
            return Err(AnalyticsError::Timeout(self.query_timeout));
        }
        result
    }

    /// Runs `work` on a pooled connection with no query timeout, for maintenance that takes as
    /// long as the data needs (generating the demo). Never for request work.
    pub fn maintain<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, AnalyticsError>,
    ) -> Result<T, AnalyticsError> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let connection = self.pool.get()?;
        work(&connection)
    }

    /// Runs `work` as the only writer, inside one transaction that commits when it succeeds
    /// and rolls back otherwise; then moves the data generation. No timeout: imports and
    /// rollup builds take as long as the data needs.
    pub fn write<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, AnalyticsError>,
    ) -> Result<T, AnalyticsError> {
        self.write_until(None, work)
    }

    /// [`write`](Self::write), interrupted (and rolled back) when it is still running at
    /// `deadline`.
    pub fn write_until<T>(
        &self,
        deadline: Option<Instant>,
        work: impl FnOnce(&Connection) -> Result<T, AnalyticsError>,
    ) -> Result<T, AnalyticsError> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let connection = self.pool.get()?;
        let _armed = deadline.map(|d| watchdog::arm(d, connection.interrupt_handle()));
        connection.execute_batch("BEGIN TRANSACTION")?;
        match work(&connection) {
            Ok(value) => {
                connection.execute_batch("COMMIT")?;
                let built = rollups::load(&connection)?;
                *self.built.write().unwrap_or_else(PoisonError::into_inner) = built;
                self.generation.fetch_add(1, Ordering::SeqCst);
                Ok(value)
            }
            Err(error) => {
                if let Err(rollback) = connection.execute_batch("ROLLBACK") {
                    tracing::error!(%rollback, "rolling back a failed write");
                }
                Err(error)
            }
        }
    }

    /// The data generation: every committed import moves it, so cached results keyed by it
    /// can never outlive the data they were computed from.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Whether `rollup` of `dataset` is materialized from its current definition.
    pub fn is_built(&self, dataset: &DatasetDef, rollup: &RollupDef) -> bool {
        self.built
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(dataset.name.clone(), rollup.name.clone()))
            .is_some_and(|f| *f == rollups::fingerprint(dataset, rollup))
    }

    /// Builds every declared rollup that is missing or was built from another definition, and
    /// drops the tables of rollups no longer declared.
    pub fn ensure_rollups(&self, datasets: &[DatasetDef]) -> Result<(), AnalyticsError> {
        let stale: Vec<(&DatasetDef, &RollupDef)> = datasets
            .iter()
            .flat_map(|d| d.rollups.iter().map(move |r| (d, r)))
            .filter(|(d, r)| !self.is_built(d, r))
            .collect();
        let orphaned = {
            let built = self.built.read().unwrap_or_else(PoisonError::into_inner);
            built.keys().any(|(d, r)| {
                !datasets
                    .iter()
                    .any(|ds| &ds.name == d && ds.rollups.iter().any(|x| &x.name == r))
            })
        };
        if stale.is_empty() && !orphaned {
            return Ok(());
        }
        self.write(|conn| {
            let built = rollups::load(conn)?;
            rollups::drop_stale(conn, datasets, &built)?;
            for (dataset, rollup) in stale {
                let started = Instant::now();
                let rows = rollups::build(conn, dataset, rollup)?;
                tracing::info!(
                    dataset = %dataset.name,
                    rollup = %rollup.name,
                    rows,
                    ms = started.elapsed().as_millis(),
                    "built a rollup"
                );
            }
            Ok(())
        })
    }
}
