//! The appliance: an opened data directory with its store and tenant databases, and the
//! operations the HTTP layer calls.
//!
//! Every operation that touches tenant data takes the caller's [`Grant`] (resolved by
//! [`Appliance::grant`] from a session or an API key, see `auth.rs`) and asks the policy before
//! reading or writing; objects are looked up inside the grant's tenant only, so another
//! tenant's ids are simply not found.
//!
//! Threading rule: every method here blocks (redb and DuckDB are synchronous). The HTTP layer
//! calls them through `tokio::task::spawn_blocking`; no transaction or connection is ever held
//! across an `.await`.

mod admin;
mod auth;
mod authoring;
pub mod branding;
mod cache;
mod data;
mod refusals;
mod resolution;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

pub use admin::{
    ApiKeyView, MemberView, NewApiKey, NewUser, RoleView, TenantPatch, TenantView, UserPatch,
    UserView,
};
pub use auth::{Account, Caller, Credential, FirstStart, LoginOutcome, Me, MeUser, TenantAccess};
pub use authoring::{
    AffectedMember, ExperimentInput, ExperimentView, Impact, NewTemplate, NewVersion,
    NewVersionAnswer, OverrideInput, OverrideView, PresetInput, PresetView, TemplateDetail,
    TemplatePatch, TemplateSummary, TemplateView, TransitionInput, VersionSummary, VersionView,
};
pub use data::{
    DEMO_ACTOR, DashboardData, DatasetView, DemoStep, DrillAnswer, ExportFormat, ImportBounds,
    OfflineError, OfflineProgress, PanelAnswer, RollupState, StagedImport, import_offline,
};
pub use resolution::{ResolveOptions, Resolved, ResolvedDashboard, ResolvedMeta};

use crate::analytics::ingest::ImportError;
use crate::analytics::{AnalyticsError, DuckdbLimits, TenantDb};
use crate::config::Config;
use crate::datadir::{DataDir, DataDirError};
use crate::demo::{self, DemoError, DemoSpec};
use crate::identity::policy::{Action, Denied, Grant, Resource};
use crate::store::{Store, StoreError};

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
    #[error("first-start setup: {0}")]
    Setup(String),
}

/// Why a request could not be answered; `http/error.rs` maps each to a status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{kind} `{id}` does not exist")]
    NotFound { kind: &'static str, id: String },
    #[error(
        "you have no workspace yet: this Flexboard was started with --no-demo or your workspaces are deactivated; a super-admin can create one (Admin → Tenants)"
    )]
    NoTenant,
    #[error("{0}")]
    Invalid(String),
    #[error("panel `{panel}` is on several dashboards ({dashboards}); name one with `dashboard=`")]
    AmbiguousPanel { panel: String, dashboards: String },
    /// No valid session or key: sign in.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but the policy says no.
    #[error("{0}")]
    Forbidden(String),
    /// Unknown email and wrong password give this same answer.
    #[error("the email or the password is wrong")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {} s", whole_seconds(*retry_after))]
    Throttled { retry_after: Duration },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    PremiumRequired(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An import's file does not fit its dataset.
    #[error(transparent)]
    Import(ImportError),
    /// A rollup-only dataset has no rollup for the query.
    #[error("{0}")]
    RollupRequired(String),
    #[error("{0}")]
    QueryTimeout(String),
    #[error(transparent)]
    Analytics(AnalyticsError),
    /// A size or count past a configured limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The workspace's disk quota would be passed.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The work is refused for now because the same work is already running.
    #[error("{0}")]
    Busy(String),
    /// A file of a kind that is not accepted here.
    #[error("{0}")]
    UnsupportedMedia(String),
}

/// A wait in whole seconds, rounded up, at least one.
pub fn whole_seconds(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}

impl From<Denied> for ServiceError {
    fn from(denied: Denied) -> Self {
        Self::Forbidden(denied.0)
    }
}

impl From<AnalyticsError> for ServiceError {
    fn from(error: AnalyticsError) -> Self {
        match error {
            AnalyticsError::Invalid(message) => Self::Invalid(message),
            AnalyticsError::Catalog(error) => Self::Invalid(error.to_string()),
            AnalyticsError::Build(error) => Self::Invalid(error.to_string()),
            AnalyticsError::Import(error @ ImportError::TooManyRows { .. }) => {
                Self::PayloadTooLarge(error.to_string())
            }
            AnalyticsError::Import(error @ ImportError::TimedOut(_)) => {
                Self::QueryTimeout(error.to_string())
            }
            AnalyticsError::Import(error) => Self::Import(error),
            error @ AnalyticsError::RollupRequired { .. } => {
                Self::RollupRequired(error.to_string())
            }
            error @ AnalyticsError::Timeout(_) => Self::QueryTimeout(error.to_string()),
            other => Self::Analytics(other),
        }
    }
}

pub struct Appliance {
    store: Store,
    tenants: RwLock<BTreeMap<String, Arc<TenantDb>>>,
    limits: DuckdbLimits,
    /// Sessions, throttling, password hashing and remembered credentials; see `auth/`.
    auth: auth::Auth,
    secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the client.
    trusted_proxies: Vec<ipnet::IpNet>,
    /// How the HTTP server bounds its connections.
    server: ServerLimits,
    /// Change counters, resolved dashboards and decoded inputs; see `resolution/cache.rs`.
    resolution: resolution::cache::ResolutionCache,
    /// Catalogs, panel results and import bounds; see `data/`.
    data: data::Data,
    /// Refusals and failed sign-ins counted between their ledger entries.
    refusals: Mutex<refusals::Refusals>,
    /// Whether the demo receives new data while the appliance runs (`data/live_demo.rs`).
    live_demo: bool,
    /// Held for its lock. Fields drop in order, so the directory is unlocked only after the
    /// store and every database above are closed.
    data_dir: DataDir,
}

impl Drop for Appliance {
    /// Repeated refusals still only counted reach the ledger before the store closes.
    fn drop(&mut self) {
        let pending = self
            .refusals
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain();
        if let Err(error) = self.store.audit(pending) {
            tracing::error!(%error, "could not record the last refusals in the audit ledger");
        }
    }
}

/// How the HTTP server bounds what clients hold: time to send headers (and to stay idle
/// between requests), time between body chunks, connections at once.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
    /// The largest logo upload (`--max-logo-size`).
    pub max_logo_bytes: usize,
}

/// How long a session lives: since its last request, and at most since sign-in.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
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
    /// the directory holds no tenant yet, and the first accounts when it holds no user.
    pub fn open(config: &Config) -> Result<Self, StartError> {
        let data_dir = DataDir::open(&config.data_dir)?;
        let store = Store::open(&data_dir.config_db())?;
        let limits = DuckdbLimits {
            threads: config
                .duckdb_threads
                .unwrap_or(DuckdbLimits::default().threads),
            memory: config.duckdb_memory.clone(),
            query_timeout: config.query_timeout,
            ..DuckdbLimits::default()
        };
        let mut tenants = store.tenants()?;
        if tenants.is_empty() && !config.no_demo {
            let spec = DemoSpec {
                seed: config.demo_seed,
                sales_rows: config.demo_rows,
                now: config.demo_now.unwrap_or_else(chrono::Utc::now),
            };
            tenants.push(demo::install(&store, &data_dir, &limits, spec)?);
        } else if let Some(demo) = tenants.iter().find_map(|t| t.demo.as_ref()) {
            tracing::info!(
                generated_at = %demo.generated_at,
                rows = demo.sales_rows,
                "using the existing data directory (the demo is not regenerated)"
            );
        }
        let first_start = auth::bootstrap(&store, config, &tenants)?;
        let sessions = SessionLimits {
            idle: config.session_idle,
            absolute: config.session_lifetime,
        };
        auth::sweep_sessions(&store, sessions)?;
        let mut databases = BTreeMap::new();
        for tenant in &tenants {
            let db =
                TenantDb::open(&data_dir.tenant_db(&tenant.id), &limits).map_err(|source| {
                    StartError::Tenant {
                        tenant: tenant.id.clone(),
                        source,
                    }
                })?;
            let datasets: Vec<_> = store
                .datasets(&tenant.id)?
                .into_iter()
                .map(|d| d.definition)
                .collect();
            db.ensure_rollups(&datasets)
                .map_err(|source| StartError::Tenant {
                    tenant: tenant.id.clone(),
                    source,
                })?;
            data::reconcile_imports(&store, &tenant.id, &db)
                .map_err(|error| StartError::Setup(error.to_string()))?;
            databases.insert(tenant.id.clone(), Arc::new(db));
        }
        Ok(Self {
            store,
            tenants: RwLock::new(databases),
            limits,
            auth: auth::Auth::new(sessions, first_start),
            secure_cookies: config.secure_cookies,
            trusted_proxies: config.trusted_proxies.clone(),
            server: ServerLimits {
                header_timeout: config.header_timeout,
                body_timeout: config.body_timeout,
                max_connections: config.max_connections as usize,
                max_logo_bytes: config.max_logo_size,
            },
            resolution: resolution::cache::ResolutionCache::new(config.resolve_cache_size),
            refusals: Mutex::new(refusals::Refusals::new(config.audit_refusals_per_minute)),
            live_demo: !config.demo_static && config.demo_now.is_none(),
            data: data::Data {
                cache: data::cache::DataCache::new(config.result_cache_size),
                reader_raw_points: config.reader_raw_points as usize,
                export_max_rows: config.export_max_rows,
                imports: data::ImportBounds {
                    max_size: config.import_max_size as u64,
                    max_rows: config.import_max_rows,
                    timeout: config.import_timeout,
                    tenant_quota: config.tenant_disk_quota as u64,
                },
                import_slots: Arc::new(Mutex::new(std::collections::HashSet::new())),
            },
            data_dir,
        })
    }

    /// The credentials made on this first start, once: whoever takes them prints them.
    pub fn take_first_start(&self) -> Option<FirstStart> {
        self.auth
            .first_start
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Whether cookies are marked `Secure` (Flexboard is reached over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// The HTTP server's timeouts and connection cap.
    pub fn server_limits(&self) -> ServerLimits {
        self.server
    }

    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub fn trusted_proxies(&self) -> &[ipnet::IpNet] {
        &self.trusted_proxies
    }

    /// How long sessions last.
    pub fn session_limits(&self) -> SessionLimits {
        self.auth.sessions
    }

    /// Runs `work` with a password-hashing buffer from the pool (made on first use).
    pub(crate) fn with_hash_memory<R>(
        &self,
        work: impl FnOnce(&mut crate::identity::password::Memory) -> R,
    ) -> R {
        let pool = || {
            self.auth
                .hash_memory
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let mut memory = pool().pop().unwrap_or_default();
        let result = work(&mut memory);
        pool().push(memory);
        result
    }

    /// Permits for password hashing; hold one while calling an operation that hashes.
    pub fn hashing_permits(&self) -> &tokio::sync::Semaphore {
        &self.auth.hashing
    }

    fn database(&self, tenant: &str) -> Result<Arc<TenantDb>, ServiceError> {
        self.tenants
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(tenant)
            .cloned()
            .ok_or_else(|| ServiceError::NotFound {
                kind: "tenant database",
                id: tenant.to_owned(),
            })
    }

    /// Records a refusal or a failed sign-in in the audit ledger, coalesced with its repeats
    /// (see `refusals.rs`).
    pub(crate) fn record_refusal(&self, event: crate::audit::AuditEvent) {
        let entries = self
            .refusals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .record(event, std::time::Instant::now());
        if let Err(error) = self.store.audit(entries) {
            tracing::error!(%error, "could not record a refusal in the audit ledger");
        }
    }

    /// Records a refusal in the audit ledger and returns it as the answer.
    fn deny(&self, grant: &Grant, target: &str, denied: Denied) -> ServiceError {
        self.record_refusal(
            crate::audit::AuditEvent::new(&grant.actor, Some(&grant.tenant), "access.deny", target)
                .reason(denied.0.clone()),
        );
        denied.into()
    }

    /// A write transaction whose closure may refuse (`ServiceError::Forbidden`): the refusal is
    /// recorded after the transaction has been abandoned (a refusal cannot be audited inside
    /// it, since the transaction does not commit).
    fn write_checked<R>(
        &self,
        grant: &Grant,
        target: &str,
        work: impl FnOnce(&mut crate::store::Tx<'_>) -> Result<R, ServiceError>,
    ) -> Result<R, ServiceError> {
        let result = self.store.write(work);
        if let Err(ServiceError::Forbidden(message)) = &result {
            let _ = self.deny(grant, target, Denied(message.clone()));
        }
        result
    }

    /// [`require`](Self::require) for the HTTP layer's own checks (e.g. who may see the SQL
    /// behind a panel).
    pub fn require_action(
        &self,
        grant: &Grant,
        resource: Resource,
        action: Action,
        target: &str,
    ) -> Result<(), ServiceError> {
        self.require(grant, resource, action, target)
    }

    /// Asks the policy, recording a refusal.
    fn require(
        &self,
        grant: &Grant,
        resource: Resource,
        action: Action,
        target: &str,
    ) -> Result<(), ServiceError> {
        grant
            .require(resource, action, None)
            .map(|_| ())
            .map_err(|denied| self.deny(grant, target, denied))
    }

    /// The dashboards of the grant's tenant meant for the caller, as resolved for them.
    /// Templates without a published version, or that do not resolve, are left out.
    pub fn dashboards(&self, grant: &Grant) -> Result<Vec<DashboardSummary>, ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Read, "dashboards")?;
        let mut list = Vec::new();
        for template in self.store.templates(&grant.tenant)? {
            if template.status == crate::store::records::TemplateStatus::Archived {
                continue;
            }
            match self.resolve(grant, &template.id, &ResolveOptions::default()) {
                Ok(resolved) => list.push(DashboardSummary {
                    id: template.id,
                    name: resolved.config.name.clone(),
                    description: resolved.config.description.clone(),
                    panel_count: resolved.config.panels.len(),
                }),
                Err(ServiceError::NotFound { .. }) => {}
                Err(ServiceError::Invalid(message)) => {
                    tracing::warn!(template = %template.id, %message, "a dashboard does not resolve");
                }
                Err(other) => return Err(other),
            }
        }
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// The dashboard (as the caller sees it) holding a panel.
    fn dashboard_with_panel(
        &self,
        grant: &Grant,
        dashboard: Option<&str>,
        panel_id: &str,
    ) -> Result<Arc<Resolved>, ServiceError> {
        let options = ResolveOptions::default();
        if let Some(id) = dashboard {
            return self.resolve(grant, id, &options);
        }
        self.require(grant, Resource::Dashboards, Action::Read, panel_id)?;
        let mut holding = Vec::new();
        for template in self.store.templates(&grant.tenant)? {
            match self.resolve(grant, &template.id, &options) {
                Ok(resolved) if resolved.config.panel(panel_id).is_some() => holding.push(resolved),
                Ok(_) | Err(ServiceError::NotFound { .. } | ServiceError::Invalid(_)) => {}
                Err(other) => return Err(other),
            }
        }
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
                    .map(|r| r.config.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Ready when the store answers and every tenant database runs a query.
    pub fn check_ready(&self) -> Result<(), ServiceError> {
        self.store.tenants()?;
        let databases: Vec<Arc<TenantDb>> = self
            .tenants
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for db in databases {
            db.with_connection(|conn| {
                conn.query_row("SELECT 1", [], |row| row.get::<_, i32>(0))?;
                Ok(())
            })?;
        }
        Ok(())
    }
}
