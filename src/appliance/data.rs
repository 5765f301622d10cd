//! Data operations: panel data (one panel or a whole dashboard at once), the result cache,
//! dataset definitions and imports.
//!
//! Every panel query is built from the resolved dashboard as the caller sees it, with the
//! dashboard's pre-filters and the caller's row filters added to the panel's own; the cached
//! result's key holds all of them together with the tenant, the catalog generation (moved by
//! every change of a dataset definition) and the data generation, so an import, a policy change
//! or another caller never meets a stale or foreign result.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;
use serde::Serialize;

use super::{Appliance, Resolved, ServiceError};
use crate::analytics::ingest::{self, Format, ImportSummary, Progress};
use crate::analytics::panels::{QueryExplain, panel_data};
use crate::analytics::{PanelData, PanelRequest, TenantDb, periods, sql};
use crate::audit::AuditEvent;
use crate::catalog::DatasetDef;
use crate::identity::policy::{Action, Denied, Grant, Resource, Scope};
use crate::store::DatasetRecord;

/// A panel's answer: its data and the statements behind it (for `?debug=true`).
#[derive(Debug, Clone)]
pub struct PanelAnswer {
    pub data: Arc<PanelData>,
    pub explain: Vec<QueryExplain>,
}

/// A cached panel result with the statements that computed it.
pub(super) type CachedPanel = (Arc<PanelData>, Vec<QueryExplain>);

/// A tenant's dataset definitions as read at one generation.
pub(super) type Catalog = Arc<Vec<DatasetDef>>;

/// Every panel of a dashboard: each panel's answer or its own error.
pub struct DashboardData {
    pub dashboard: Arc<Resolved>,
    pub panels: Vec<(String, Result<PanelAnswer, ServiceError>)>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetView {
    #[serde(flatten)]
    pub definition: DatasetDef,
    /// The table's rows; left out for readers limited to their own rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    pub rollup_state: Vec<RollupState>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupState {
    pub name: String,
    pub built: bool,
}

impl Appliance {
    /// A panel's data, resolved in the context of its dashboard (named, or the only one that
    /// holds a panel with that id).
    pub fn panel_data(
        &self,
        grant: &Grant,
        dashboard: Option<&str>,
        panel_id: &str,
        request: &PanelRequest,
    ) -> Result<PanelAnswer, ServiceError> {
        let resolved = self.dashboard_with_panel(grant, dashboard, panel_id)?;
        self.panel_in(grant, &resolved, panel_id, request)
    }

    /// Every panel of a dashboard, queried concurrently on the tenant's connections. A panel
    /// that fails carries its own error; the others still answer.
    pub fn dashboard_data(
        &self,
        grant: &Grant,
        dashboard: &str,
        request: &PanelRequest,
    ) -> Result<DashboardData, ServiceError> {
        let resolved = self.resolve(grant, dashboard, &super::ResolveOptions::default())?;
        let ids: Vec<String> = resolved
            .config
            .panels
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let next = AtomicUsize::new(0);
        let workers = ids.len().min(self.limits.connections.max(1) as usize);
        let mut answers: Vec<(usize, Result<PanelAnswer, ServiceError>)> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut mine = Vec::new();
                            let mut index = next.fetch_add(1, Ordering::Relaxed);
                            while let Some(id) = ids.get(index) {
                                // A panel's own request: table sorting and paging are per panel.
                                mine.push((index, self.panel_in(grant, &resolved, id, request)));
                                index = next.fetch_add(1, Ordering::Relaxed);
                            }
                            mine
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
        answers.sort_by_key(|(index, _)| *index);
        let panels = ids
            .into_iter()
            .zip(answers.into_iter().map(|(_, answer)| answer))
            .collect();
        Ok(DashboardData {
            dashboard: resolved,
            panels,
        })
    }

    /// One panel of an already resolved dashboard.
    fn panel_in(
        &self,
        grant: &Grant,
        resolved: &Resolved,
        panel_id: &str,
        request: &PanelRequest,
    ) -> Result<PanelAnswer, ServiceError> {
        let config = &resolved.config;
        let mut panel = config
            .panel(panel_id)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "panel",
                id: panel_id.to_owned(),
            })?
            .clone();
        let (catalog_generation, catalog) = self.catalog(&grant.tenant)?;
        let dataset = find_dataset(&catalog, panel.source.dataset())?;
        // Reading data is decided with the rows: `row_filters` refuses callers without data
        // access and narrows `own` access to the caller's rows.
        let row_filters = grant
            .row_filters(dataset)
            .map_err(|denied| self.deny(grant, panel_id, denied))?;
        // The dashboard's pre-filters apply to panels whose dataset has their column.
        if let Some(filters) = panel.source.filters_mut() {
            filters.extend(
                config
                    .filters
                    .iter()
                    .filter(|f| dataset.column(&f.filter.column).is_ok())
                    .map(|f| f.filter.clone()),
            );
        }
        if !row_filters.is_empty() {
            // A panel kind that cannot carry filters cannot be narrowed to the caller's rows.
            let filters = panel.source.filters_mut().ok_or_else(|| {
                self.deny(
                    grant,
                    panel_id,
                    Denied("this panel cannot be limited to your rows".into()),
                )
            })?;
            filters.extend(row_filters);
        }
        let mut request = request.clone();
        if request.disable_aggregation
            && grant
                .require(Resource::Dashboards, Action::Update, None)
                .is_err()
        {
            request.raw_point_limit = Some(self.reader_raw_points);
        }
        if let Some(window) = request.window.take() {
            request.range =
                periods::resolve(window, Utc::now().naive_utc(), dataset.fiscal_year_start);
        }
        let db = self.database(&grant.tenant)?;
        // Read before the query runs: an import committing meanwhile moves it, so this result
        // is filed under the older generation nobody asks for any more.
        let generation = db.generation();
        let key = super::cache::PanelKey {
            tenant: grant.tenant.clone(),
            generation,
            // The definition (columns, policies, rollups) is named by the catalog generation.
            catalog: catalog_generation,
            dataset: dataset.name.clone(),
            // Serializing our own types cannot fail; filter values are JSON, which has no hash.
            panel: serde_json::to_string(&(&panel.source, &panel.display)).unwrap_or_default(),
            range: (request.range.start, request.range.end),
            sort: request.sort.clone(),
            order: request.order,
            page: request.page,
            page_size: request.page_size,
            raw: request.disable_aggregation,
            raw_limit: request.raw_point_limit,
        };
        let cached = self
            .results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key);
        if let Some((data, explain)) = cached {
            let explain = explain
                .into_iter()
                .map(|q| QueryExplain {
                    cache_hit: true,
                    ..q
                })
                .collect();
            return Ok(PanelAnswer { data, explain });
        }
        let (data, explain) = db.with_connection(|conn| {
            panel_data(conn, dataset, &panel, &request, &|rollup| {
                db.is_built(dataset, rollup)
            })
        })?;
        let data = Arc::new(data);
        // In memory a value takes about twice its JSON form (a point's time is a string, its
        // value an option, each with its own header).
        let bytes = key.bytes()
            + 2 * super::cache::json_size(&*data)
            + super::cache::json_size(&explain)
            + 512;
        self.results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .put(key, (Arc::clone(&data), explain.clone()), bytes);
        Ok(PanelAnswer { data, explain })
    }

    /// The tenant's dataset definitions and the generation they belong to, from memory while
    /// that generation has not moved (it is read before the store, so definitions read after
    /// a change are never filed under the generation before it).
    pub(super) fn catalog(&self, tenant: &str) -> Result<(u64, Catalog), ServiceError> {
        let generation = self.generation(tenant, None);
        let lock = || self.catalogs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((seen, catalog)) = lock().get(tenant)
            && *seen == generation
        {
            return Ok((generation, Arc::clone(catalog)));
        }
        let catalog: Catalog = Arc::new(
            self.store
                .datasets(tenant)?
                .into_iter()
                .map(|d| d.definition)
                .collect(),
        );
        lock().insert(tenant.to_owned(), (generation, Arc::clone(&catalog)));
        Ok((generation, catalog))
    }

    fn dataset_def(&self, tenant: &str, name: &str) -> Result<DatasetDef, ServiceError> {
        find_dataset(&self.catalog(tenant)?.1, name).cloned()
    }

    /// The tenant's datasets with their row counts and rollup states.
    /// Anyone who reads data, even only their own rows, sees the catalog (a reader limited to
    /// their rows sees it without row counts and row policies).
    pub fn datasets(&self, grant: &Grant) -> Result<Vec<DatasetView>, ServiceError> {
        if grant.scope(Resource::Data, Action::Read).is_none() {
            return Err(self.deny(
                grant,
                "datasets",
                Denied("your role does not allow reading data".into()),
            ));
        }
        self.dataset_views(grant, None)
    }

    /// The catalog as the caller may see it: a reader limited to their own rows sees neither
    /// the table's total row count nor the row policies that limit them.
    fn dataset_views(
        &self,
        grant: &Grant,
        only: Option<&str>,
    ) -> Result<Vec<DatasetView>, ServiceError> {
        let whole = matches!(
            grant.scope(Resource::Data, Action::Read),
            Some(Scope::Tenant | Scope::All)
        ) || grant.require(Resource::Data, Action::Update, None).is_ok();
        let db = self.database(&grant.tenant)?;
        let mut views = Vec::new();
        for record in self.store.datasets(&grant.tenant)? {
            if only.is_some_and(|name| name != record.definition.name) {
                continue;
            }
            let mut definition = record.definition;
            if !whole {
                definition.row_policies.clear();
                views.push(DatasetView {
                    rollup_state: Vec::new(),
                    rows: None,
                    definition,
                });
                continue;
            }
            let rows = db.with_connection(|conn| {
                Ok(conn.query_row(
                    &format!("SELECT count(*) FROM {}", sql::ident(&definition.name)),
                    [],
                    |row| row.get::<_, i64>(0),
                )?)
            })?;
            let rollup_state = definition
                .rollups
                .iter()
                .map(|r| RollupState {
                    name: r.name.clone(),
                    built: db.is_built(&definition, r),
                })
                .collect();
            views.push(DatasetView {
                definition,
                rows: Some(u64::try_from(rows).unwrap_or_default()),
                rollup_state,
            });
        }
        Ok(views)
    }

    /// Creates or changes a dataset's definition: its table gains new columns, its rollups are
    /// (re)built. Existing columns keep their names and types; rows are never dropped here.
    pub fn put_dataset(
        &self,
        grant: &Grant,
        definition: DatasetDef,
    ) -> Result<DatasetView, ServiceError> {
        self.require(grant, Resource::Data, Action::Update, &definition.name)?;
        definition
            .validate()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let existing = self
            .store
            .datasets(&grant.tenant)?
            .into_iter()
            .find(|d| d.definition.name == definition.name);
        let mut added = Vec::new();
        if let Some(old) = &existing {
            for column in &old.definition.columns {
                match definition.columns.iter().find(|c| c.name == column.name) {
                    None => {
                        return Err(ServiceError::Conflict(format!(
                            "column `{}` holds data and cannot be removed",
                            column.name
                        )));
                    }
                    Some(new) if new.column_type != column.column_type => {
                        return Err(ServiceError::Conflict(format!(
                            "column `{}` is {:?} and cannot become {:?}",
                            column.name, column.column_type, new.column_type
                        )));
                    }
                    Some(_) => {}
                }
            }
            added = definition
                .columns
                .iter()
                .filter(|c| !old.definition.columns.iter().any(|o| o.name == c.name))
                .cloned()
                .collect();
        }
        let db = self.database(&grant.tenant)?;
        db.write(|conn| {
            conn.execute_batch(&sql::create_table(&definition))?;
            // The table change and the store record are two commits: `IF NOT EXISTS` lets a
            // retry after a failure between them reuse what the first attempt added.
            for column in &added {
                conn.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
                    sql::ident(&definition.name),
                    sql::column(column),
                    column.column_type.sql_type()
                ))?;
            }
            Ok(())
        })?;
        let all: Vec<DatasetDef> = self
            .store
            .datasets(&grant.tenant)?
            .into_iter()
            .map(|d| d.definition)
            .filter(|d| d.name != definition.name)
            .chain(std::iter::once(definition.clone()))
            .collect();
        db.ensure_rollups(&all)?;
        let record = DatasetRecord {
            definition: definition.clone(),
            updated_at: Utc::now(),
        };
        let tenant = grant.tenant.clone();
        let action = if existing.is_some() {
            "dataset.update"
        } else {
            "dataset.create"
        };
        self.write_checked(grant, &definition.name, |tx| {
            tx.put_dataset(&tenant, &record)?;
            let mut event = AuditEvent::new(&grant.actor, Some(&tenant), action, &definition.name)
                .after(&record.definition);
            if let Some(old) = &existing {
                event = event.before(&old.definition);
            }
            tx.audit(event);
            Ok(())
        })?;
        // Resolutions validate against the catalog, and cached panel results name it by this
        // generation: both are recomputed from the new definition.
        self.bump(&grant.tenant, None);
        // The change is made: answer with it even when the caller (a `data:write` key, say)
        // may not read the catalog.
        self.dataset_views(grant, Some(&definition.name))?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::NotFound {
                kind: "dataset",
                id: definition.name,
            })
    }

    /// Starts an import through the API, before a byte of the file is read: the caller may
    /// import into this dataset, the dataset exists, no other import of the workspace runs
    /// (one at a time: a second gets `Busy`), and the workspace is under its disk quota. The
    /// answer names the staging file and how many bytes it may take; its slot is held until it
    /// is dropped.
    pub fn begin_import(
        &self,
        grant: &Grant,
        dataset: &str,
        format: Format,
    ) -> Result<StagedImport, ServiceError> {
        self.require(grant, Resource::Data, Action::Create, dataset)?;
        self.dataset_def(&grant.tenant, dataset)?;
        let slot = ImportSlot::take(&self.import_slots, &grant.tenant).ok_or_else(|| {
            ServiceError::Busy(
                "an import into this workspace is already running; try again when it has finished"
                    .into(),
            )
        })?;
        let used = disk_usage(&self.data_dir.tenant_dir(&grant.tenant));
        let quota = self.imports.tenant_quota;
        if used >= quota {
            return Err(ServiceError::QuotaExceeded(format!(
                "this workspace uses {} MiB of its {} MiB disk quota (--tenant-disk-quota); nothing more can be imported",
                used >> 20,
                quota >> 20
            )));
        }
        let path = ingest::staged_path(&self.data_dir.tenant_db(&grant.tenant), format)?;
        Ok(StagedImport {
            path,
            format,
            max_bytes: self.imports.max_size,
            quota_left: quota - used,
            _slot: slot,
        })
    }

    /// Imports a staged file into a dataset (see [`ingest::import`]) within the configured
    /// bounds and records it in the audit ledger. The staged file is removed afterwards,
    /// whatever the outcome.
    pub fn import_staged(
        &self,
        grant: &Grant,
        dataset: &str,
        staged: StagedImport,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportSummary, ServiceError> {
        let limits = ingest::ImportLimits {
            threads: self.limits.threads,
            max_rows: Some(self.imports.max_rows),
            timeout: Some(self.imports.timeout),
            // Reading the file may spill to disk, within what the quota leaves.
            scratch_disk: Some(staged.quota_left.max(64 << 20)),
        };
        let result = self.import_inner(
            grant,
            dataset,
            &staged.path,
            staged.format,
            &limits,
            progress,
        );
        if let Err(error) = std::fs::remove_file(&staged.path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %staged.path.display(), %error, "could not remove a staged import");
        }
        result
    }

    fn import_inner(
        &self,
        grant: &Grant,
        dataset: &str,
        staged: &Path,
        format: Format,
        limits: &ingest::ImportLimits,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportSummary, ServiceError> {
        self.require(grant, Resource::Data, Action::Create, dataset)?;
        let definition = self.dataset_def(&grant.tenant, dataset)?;
        let db: Arc<TenantDb> = self.database(&grant.tenant)?;
        let summary = ingest::import(&db, &definition, staged, format, limits, progress)?;
        record_import(
            &self.store,
            AuditEvent::new(&grant.actor, Some(&grant.tenant), "data.import", dataset)
                .after(&summary),
            &grant.tenant,
            &summary.id,
        )?;
        tracing::info!(
            tenant = %grant.tenant,
            dataset,
            rows = summary.rows,
            read_ms = summary.read_ms,
            write_ms = summary.write_ms,
            "imported rows"
        );
        Ok(summary)
    }
}

/// Writes an import's audit entry with its record in the store's import table, in one
/// transaction: the table then says exactly which imports the ledger holds.
fn record_import(
    store: &crate::store::Store,
    event: AuditEvent,
    tenant: &str,
    id: &str,
) -> Result<(), crate::store::StoreError> {
    let summary = event.after.clone();
    store.write(|tx| {
        tx.put_import(tenant, id, &summary)?;
        tx.audit(event);
        Ok(())
    })
}

/// Records in the ledger every import `db` committed that the ledger lacks: the process
/// stopped between the tenant database's commit and the ledger's. Run at start, before any
/// request; each recovered import is logged.
pub(super) fn reconcile_imports(
    store: &crate::store::Store,
    tenant: &str,
    db: &TenantDb,
) -> Result<(), ServiceError> {
    let committed = db.with_connection(ingest::recorded_imports)?;
    for import in committed {
        if store.import_recorded(tenant, &import.id)? {
            continue;
        }
        tracing::warn!(tenant, id = %import.id, dataset = %import.dataset, "an import was committed without its ledger entry; recording it now");
        record_import(
            store,
            AuditEvent::new("system:recovery", Some(tenant), "data.import", &import.dataset)
                .reason(format!(
                    "committed at {} but not recorded (the process stopped in between); recorded at start",
                    import.imported_at
                ))
                .after(&import),
            tenant,
            &import.id,
        )?;
    }
    Ok(())
}

/// What imports through the API may take (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct ImportBounds {
    pub max_size: u64,
    pub max_rows: u64,
    pub timeout: std::time::Duration,
    pub tenant_quota: u64,
}

/// A workspace's one import slot, given back when dropped.
struct ImportSlot {
    slots: Arc<Mutex<HashSet<String>>>,
    tenant: String,
}

impl ImportSlot {
    fn take(slots: &Arc<Mutex<HashSet<String>>>, tenant: &str) -> Option<Self> {
        let taken = slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(tenant.to_owned());
        taken.then(|| Self {
            slots: Arc::clone(slots),
            tenant: tenant.to_owned(),
        })
    }
}

impl Drop for ImportSlot {
    fn drop(&mut self) {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.tenant);
    }
}

/// An import under way: where its file is staged and what it may take.
pub struct StagedImport {
    pub path: PathBuf,
    pub format: Format,
    /// The file may hold at most this many bytes (`--import-max-size`)...
    pub max_bytes: u64,
    /// ...and at most what the workspace's disk quota leaves.
    pub quota_left: u64,
    _slot: ImportSlot,
}

/// Bytes of the files under `dir` (a workspace's database, its write-ahead log, staged
/// imports); unreadable entries count as nothing.
fn disk_usage(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => disk_usage(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// What the command-line import reports, on top of the import's own stages.
#[derive(Debug, Clone, PartialEq)]
pub enum OfflineProgress {
    /// Bytes of the file copied into the imports folder so far, of `total`.
    Copying {
        done: u64,
        total: u64,
    },
    Import(Progress),
}

/// Why a command-line import could not run.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    DataDir(#[from] crate::datadir::DataDirError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Analytics(#[from] crate::analytics::AnalyticsError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// `flexboard import`: imports a file into a dataset of a stopped appliance's data directory
/// (the directory lock keeps a running one out). `tenant` is an id or a slug, and may be left
/// out when the directory holds one tenant. The file is copied into the tenant's imports
/// folder first, so the reader only ever sees a name Flexboard chose.
pub fn import_offline(
    data_dir: &Path,
    limits: &crate::analytics::DuckdbLimits,
    tenant: Option<&str>,
    dataset: &str,
    file: &Path,
    format: Format,
    progress: &mut dyn FnMut(OfflineProgress),
) -> Result<ImportSummary, OfflineError> {
    let size = std::fs::metadata(file).map_err(io_error(file))?.len();
    if !data_dir.join("config.redb").exists() {
        return Err(OfflineError::Usage(format!(
            "{} is not a Flexboard data directory (no config.redb); start Flexboard once with --data-dir {0}",
            data_dir.display()
        )));
    }
    let dir = crate::datadir::DataDir::open(data_dir)?;
    let store = crate::store::Store::open(&dir.config_db())?;
    let tenants = store.tenants()?;
    let chosen = match tenant {
        Some(wanted) => tenants
            .iter()
            .find(|t| t.id == wanted || t.slug == wanted)
            .ok_or_else(|| {
                OfflineError::Usage(format!(
                    "no tenant `{wanted}`; the tenants are {}",
                    tenants
                        .iter()
                        .map(|t| format!("{} ({})", t.id, t.slug))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
        None if tenants.len() == 1 => &tenants[0],
        None => {
            return Err(OfflineError::Usage(format!(
                "the data directory holds {} tenants; name one with --tenant (id or slug): {}",
                tenants.len(),
                tenants
                    .iter()
                    .map(|t| format!("{} ({})", t.id, t.slug))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let datasets: Vec<DatasetDef> = store
        .datasets(&chosen.id)?
        .into_iter()
        .map(|d| d.definition)
        .collect();
    let definition = datasets.iter().find(|d| d.name == dataset).ok_or_else(|| {
        OfflineError::Usage(format!(
            "tenant {} has no dataset `{dataset}`; its datasets are {}",
            chosen.id,
            datasets
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let db = TenantDb::open(&dir.tenant_db(&chosen.id), limits)?;
    db.ensure_rollups(&datasets)?;

    let staged = ingest::staged_path(&dir.tenant_db(&chosen.id), format)?;
    let result = (|| {
        copy_with_progress(file, &staged, size, progress)?;
        let bounds = ingest::ImportLimits::unbounded(limits.threads);
        let summary = ingest::import(&db, definition, &staged, format, &bounds, &mut |p| {
            progress(OfflineProgress::Import(p))
        })?;
        let actor = format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "operator".into())
        );
        record_import(
            &store,
            AuditEvent::new(&actor, Some(&chosen.id), "data.import", dataset)
                .reason(format!("flexboard import {}", file.display()))
                .after(&summary),
            &chosen.id,
            &summary.id,
        )?;
        Ok(summary)
    })();
    if let Err(error) = std::fs::remove_file(&staged)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %staged.display(), %error, "could not remove a staged import");
    }
    result
}

/// Names the file an I/O error happened on.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> OfflineError {
    let path = path.display().to_string();
    move |source| OfflineError::Io { path, source }
}

fn copy_with_progress(
    from: &Path,
    to: &Path,
    total: u64,
    progress: &mut dyn FnMut(OfflineProgress),
) -> Result<(), OfflineError> {
    use std::io::{Read, Write};
    let mut reader = std::fs::File::open(from).map_err(io_error(from))?;
    let mut writer = std::fs::File::create(to).map_err(io_error(to))?;
    let mut buffer = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let read = reader.read(&mut buffer).map_err(io_error(from))?;
        if read == 0 {
            break;
        }
        writer.write_all(&buffer[..read]).map_err(io_error(to))?;
        done += read as u64;
        progress(OfflineProgress::Copying { done, total });
    }
    writer.flush().map_err(io_error(to))?;
    Ok(())
}

/// The dataset `name` of a catalog.
fn find_dataset<'a>(catalog: &'a [DatasetDef], name: &str) -> Result<&'a DatasetDef, ServiceError> {
    catalog
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| ServiceError::NotFound {
            kind: "dataset",
            id: name.to_owned(),
        })
}
