//! Analytics: each tenant's DuckDB file, its connections, and the panel queries run on it.
//!
//! Only this module opens DuckDB. Every database is opened with external access disabled
//! (no files, URLs or extensions beyond the statically built ones), extension autoloading off
//! and the configuration locked, so no statement can reach outside the tenant's own file or
//! loosen those settings. DuckDB is synchronous: the `TenantDb` methods block and are called
//! from `spawn_blocking` at the service boundary, never from an async task directly.

pub mod panels;
pub mod sql;

use std::path::Path;
use std::time::Duration;

use duckdb::{Config, Connection, DuckdbConnectionManager};

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
}

/// Limits for each tenant database.
#[derive(Debug, Clone)]
pub struct DuckdbLimits {
    pub threads: u16,
    /// DuckDB's memory limit, e.g. `2GB`.
    pub memory: String,
    /// Connections kept per tenant.
    pub connections: u32,
}

impl Default for DuckdbLimits {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism()
                .map(|n| u16::try_from(n.get()).unwrap_or(u16::MAX))
                .unwrap_or(2),
            memory: "2GB".into(),
            connections: 4,
        }
    }
}

/// One tenant's database: a pool of connections to one DuckDB instance.
pub struct TenantDb {
    pool: r2d2::Pool<DuckdbConnectionManager>,
}

impl TenantDb {
    /// Opens (creating when absent) the tenant's DuckDB file with the hardened configuration.
    pub fn open(path: &Path, limits: &DuckdbLimits) -> Result<Self, AnalyticsError> {
        let config = Config::default()
            .enable_external_access(false)?
            .enable_autoload_extension(false)?
            .threads(i64::from(limits.threads))?
            .max_memory(&limits.memory)?
            .with("autoinstall_known_extensions", "false")?
            .with("lock_configuration", "true")?;
        let manager = DuckdbConnectionManager::file_with_flags(path, config)?;
        let pool = r2d2::Pool::builder()
            .max_size(limits.connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(manager)?;
        Ok(Self { pool })
    }

    /// Runs `work` on a pooled connection. Blocks: call from a blocking thread.
    pub fn with_connection<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, AnalyticsError>,
    ) -> Result<T, AnalyticsError> {
        let connection = self.pool.get()?;
        work(&connection)
    }
}
