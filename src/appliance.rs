//! The appliance: an opened data directory with its store and tenant databases, and the
//! operations the HTTP layer calls.
//!
//! Threading rule: every method here blocks (redb and DuckDB are synchronous). The HTTP layer
//! calls them through `tokio::task::spawn_blocking`; no transaction or connection is ever held
//! across an `.await`.

use std::collections::BTreeMap;

use crate::analytics::panels::panel_data;
use crate::analytics::{AnalyticsError, DuckdbLimits, PanelData, PanelRequest, TenantDb};
use crate::config::Config;
use crate::dashboards::DashboardConfig;
use crate::datadir::{DataDir, DataDirError};
use crate::demo::{self, DemoError, DemoSpec};
use crate::store::{Store, StoreError, TemplateRecord, TenantRecord};

/// Why the appliance could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not create the demo: {0}")]
    Demo(#[from] DemoError),
    #[error("could not open the database of tenant {tenant}: {source}")]
    Tenant {
        tenant: String,
        source: AnalyticsError,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the startup task failed: {0}")]
    Join(String),
}

/// Why a request could not be answered; `http/error.rs` maps each to a status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{kind} `{id}` does not exist")]
    NotFound { kind: &'static str, id: String },
    #[error(
        "this Flexboard has no workspace yet: its data directory was empty and it was started with --no-demo"
    )]
    NoTenant,
    #[error("{0}")]
    Invalid(String),
    #[error("panel `{panel}` is on several dashboards ({dashboards}); name one with `dashboard=`")]
    AmbiguousPanel { panel: String, dashboards: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Analytics(AnalyticsError),
}

impl From<AnalyticsError> for ServiceError {
    fn from(error: AnalyticsError) -> Self {
        match error {
            AnalyticsError::Invalid(message) => Self::Invalid(message),
            AnalyticsError::Catalog(error) => Self::Invalid(error.to_string()),
            AnalyticsError::Build(error) => Self::Invalid(error.to_string()),
            other => Self::Analytics(other),
        }
    }
}

pub struct Appliance {
    store: Store,
    tenants: BTreeMap<String, TenantDb>,
    default_tenant: Option<String>,
    /// Held for its lock. Fields drop in order, so the directory is unlocked only after the
    /// store and every database above are closed.
    _data_dir: DataDir,
}

/// One dashboard in a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub panel_count: usize,
}

impl Appliance {
    /// Opens the data directory, the store and every tenant database, creating the demo when
    /// the directory holds no tenant yet.
    pub fn open(config: &Config) -> Result<Self, StartError> {
        let data_dir = DataDir::open(&config.data_dir)?;
        let store = Store::open(&data_dir.config_db())?;
        let limits = DuckdbLimits {
            threads: config
                .duckdb_threads
                .unwrap_or(DuckdbLimits::default().threads),
            memory: config.duckdb_memory.clone(),
            ..DuckdbLimits::default()
        };
        let mut tenants = store.tenants()?;
        if tenants.is_empty() && !config.no_demo {
            let spec = DemoSpec {
                seed: config.demo_seed,
                sales_rows: config.demo_rows,
            };
            tenants.push(demo::install(&store, &data_dir, &limits, spec)?);
        } else if let Some(demo) = tenants.iter().find_map(|t| t.demo.as_ref()) {
            tracing::info!(
                generated_at = %demo.generated_at,
                rows = demo.sales_rows,
                "using the existing data directory (the demo is not regenerated)"
            );
        }
        let mut databases = BTreeMap::new();
        for tenant in &tenants {
            let db =
                TenantDb::open(&data_dir.tenant_db(&tenant.id), &limits).map_err(|source| {
                    StartError::Tenant {
                        tenant: tenant.id.clone(),
                        source,
                    }
                })?;
            databases.insert(tenant.id.clone(), db);
        }
        Ok(Self {
            store,
            tenants: databases,
            default_tenant: tenants.first().map(|t| t.id.clone()),
            _data_dir: data_dir,
        })
    }

    /// Until identity arrives, requests that name no tenant use the first one (the demo).
    pub fn tenant(&self, requested: Option<&str>) -> Result<TenantRecord, ServiceError> {
        let id = requested
            .or(self.default_tenant.as_deref())
            .ok_or(ServiceError::NoTenant)?;
        self.store
            .tenant(id)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "tenant",
                id: id.to_owned(),
            })
    }

    pub fn dashboards(&self, tenant: &TenantRecord) -> Result<Vec<DashboardSummary>, ServiceError> {
        let mut list: Vec<DashboardSummary> = self
            .store
            .templates(&tenant.id)?
            .into_iter()
            .map(|t| DashboardSummary {
                id: t.id,
                name: t.config.name,
                description: t.config.description,
                panel_count: t.config.panels.len(),
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    pub fn dashboard(
        &self,
        tenant: &TenantRecord,
        id: &str,
    ) -> Result<TemplateRecord, ServiceError> {
        self.store
            .template(&tenant.id, id)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "dashboard",
                id: id.to_owned(),
            })
    }

    /// A panel's data, resolved in the context of its dashboard (named, or the only one that
    /// holds a panel with that id).
    pub fn panel_data(
        &self,
        tenant: &TenantRecord,
        dashboard: Option<&str>,
        panel_id: &str,
        request: &PanelRequest,
    ) -> Result<PanelData, ServiceError> {
        let config = self.dashboard_with_panel(tenant, dashboard, panel_id)?;
        let panel = config
            .panel(panel_id)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "panel",
                id: panel_id.to_owned(),
            })?;
        let datasets = self.store.datasets(&tenant.id)?;
        let dataset = datasets
            .iter()
            .map(|d| &d.definition)
            .find(|d| d.name == panel.source.dataset())
            .ok_or_else(|| ServiceError::NotFound {
                kind: "dataset",
                id: panel.source.dataset().to_owned(),
            })?;
        let db = self
            .tenants
            .get(&tenant.id)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "tenant database",
                id: tenant.id.clone(),
            })?;
        Ok(db.with_connection(|conn| panel_data(conn, dataset, panel, request))?)
    }

    fn dashboard_with_panel(
        &self,
        tenant: &TenantRecord,
        dashboard: Option<&str>,
        panel_id: &str,
    ) -> Result<DashboardConfig, ServiceError> {
        if let Some(id) = dashboard {
            return Ok(self.dashboard(tenant, id)?.config);
        }
        let mut holding: Vec<DashboardConfig> = self
            .store
            .templates(&tenant.id)?
            .into_iter()
            .map(|t| t.config)
            .filter(|c| c.panel(panel_id).is_some())
            .collect();
        match holding.len() {
            0 => Err(ServiceError::NotFound {
                kind: "panel",
                id: panel_id.to_owned(),
            }),
            1 => Ok(holding.remove(0)),
            _ => Err(ServiceError::AmbiguousPanel {
                panel: panel_id.to_owned(),
                dashboards: holding
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Ready when the store answers and every tenant database runs a query.
    pub fn check_ready(&self) -> Result<(), ServiceError> {
        self.store.tenants()?;
        for db in self.tenants.values() {
            db.with_connection(|conn| {
                conn.query_row("SELECT 1", [], |row| row.get::<_, i32>(0))?;
                Ok(())
            })?;
        }
        Ok(())
    }
}
