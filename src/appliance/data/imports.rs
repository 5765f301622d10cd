//! Imports: through the API (one at a time per workspace, bounded in size, rows, time and disk)
//! and offline from the command line, each recorded in the ledger with the tenant database's
//! own record, reconciled at start.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::analytics::TenantDb;
use crate::analytics::ingest::{self, Format, ImportSummary, Progress};
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::catalog::DatasetDef;
use crate::identity::policy::{Action, Grant, Resource};

impl Appliance {
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
        let slot = ImportSlot::take(&self.data.import_slots, &grant.tenant).ok_or_else(|| {
            ServiceError::Busy(
                "an import into this workspace is already running; try again when it has finished"
                    .into(),
            )
        })?;
        let used = disk_usage(&self.data_dir.tenant_dir(&grant.tenant));
        let quota = self.data.imports.tenant_quota;
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
            max_bytes: self.data.imports.max_size,
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
            max_rows: Some(self.data.imports.max_rows),
            timeout: Some(self.data.imports.timeout),
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
pub(super) fn record_import(
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
pub(in crate::appliance) fn reconcile_imports(
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
pub(super) struct ImportSlot {
    slots: Arc<Mutex<HashSet<String>>>,
    tenant: String,
}

impl ImportSlot {
    pub(super) fn take(slots: &Arc<Mutex<HashSet<String>>>, tenant: &str) -> Option<Self> {
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
