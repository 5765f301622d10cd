//! Data operations: panel data (one panel or a whole dashboard at once), the result cache,
//! dataset definitions and imports, each in its own file.
//!
//! Every panel query is built from the resolved dashboard as the caller sees it, with the
//! dashboard's pre-filters and the caller's row filters added to the panel's own; the cached
//! result's key holds all of them together with the tenant, the catalog generation (moved by
//! every change of a dataset definition) and the data generation, so an import, a policy change
//! or another caller never meets a stale or foreign result.

pub(super) mod cache;
mod datasets;
mod export;
mod imports;
mod live_demo;
mod panels;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

pub use datasets::{DatasetView, RollupState};
pub use export::ExportFormat;
pub(super) use imports::reconcile_imports;
pub use imports::{ImportBounds, OfflineError, OfflineProgress, StagedImport, import_offline};
pub use live_demo::{DEMO_ACTOR, DemoStep};
pub use panels::{DashboardData, DrillAnswer, PanelAnswer};

use super::ServiceError;
use crate::analytics::PanelData;
use crate::analytics::panels::QueryExplain;
use crate::catalog::DatasetDef;

/// A cached panel result with the statements that computed it and when they ran.
pub(super) type CachedPanel = (Arc<PanelData>, Vec<QueryExplain>, DateTime<Utc>);

/// A tenant's dataset definitions as read at one generation.
pub(super) type Catalog = Arc<Vec<DatasetDef>>;

/// The appliance's data part: its caches, the raw-point limit of readers and what imports may
/// take, with the workspaces importing now.
pub(super) struct Data {
    pub cache: cache::DataCache,
    /// Raw points of a time series for callers who only read dashboards.
    pub reader_raw_points: usize,
    /// Rows one export may hold.
    pub export_max_rows: u64,
    pub imports: ImportBounds,
    /// One import at a time per workspace.
    pub import_slots: Arc<Mutex<HashSet<String>>>,
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
