//! The data part's caches and how they are invalidated, in one place.
//!
//! As with resolution (`resolution/cache.rs`), nothing is removed on a change: keys hold what
//! their entries depend on, so a change moves a counter and older entries are never asked for
//! again.
//!
//! - Catalogs: each tenant's dataset definitions, under the tenant generation they were read
//!   at ([`Appliance::bump`] with no template moves it on every dataset change). One entry per
//!   tenant, replaced when the generation moves.
//! - Panel results, by [`PanelKey`]: the tenant database's data generation (moved by every
//!   import, read before the query runs), the catalog generation, the panel's source and
//!   display as the caller sees them (pre-filters and row filters included) and the request.
//!   At most 100,000 entries and `--result-cache-size` bytes.
//!
//! [`Appliance::bump`]: crate::appliance::Appliance

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::NaiveDateTime;

use super::{CachedPanel, Catalog};
use crate::appliance::cache::{WeightedLru, json_size};
use crate::vocabulary::SortOrder;

const RESULT_ENTRIES: usize = 100_000;

/// What a panel's result depends on. The panel's source and display are serialized: filter
/// values are JSON, which has no hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(in crate::appliance) struct PanelKey {
    pub tenant: String,
    /// The tenant database's data generation.
    pub generation: u64,
    /// The tenant's catalog generation.
    pub catalog: u64,
    pub dataset: String,
    pub panel: String,
    pub range: (Option<NaiveDateTime>, Option<NaiveDateTime>),
    pub sort: Option<String>,
    pub order: Option<SortOrder>,
    pub page: u32,
    pub page_size: Option<u32>,
    pub raw: bool,
    pub raw_limit: Option<usize>,
}

impl PanelKey {
    /// Roughly what the key holds, for the cache's weight.
    fn bytes(&self) -> usize {
        128 + self.tenant.len()
            + self.dataset.len()
            + self.panel.len()
            + self.sort.as_ref().map_or(0, String::len)
    }
}

pub(in crate::appliance) struct DataCache {
    catalogs: Mutex<HashMap<String, (u64, Catalog)>>,
    results: Mutex<WeightedLru<PanelKey, CachedPanel>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl DataCache {
    /// Caches holding at most `result_bytes` of panel results.
    pub fn new(result_bytes: usize) -> Self {
        Self {
            catalogs: Mutex::new(HashMap::new()),
            results: Mutex::new(WeightedLru::new(
                NonZeroUsize::new(RESULT_ENTRIES).unwrap_or(NonZeroUsize::MIN),
                result_bytes,
            )),
        }
    }

    /// The tenant's catalog if it was read at `generation`.
    pub fn catalog(&self, tenant: &str, generation: u64) -> Option<Catalog> {
        lock(&self.catalogs)
            .get(tenant)
            .filter(|(seen, _)| *seen == generation)
            .map(|(_, catalog)| Arc::clone(catalog))
    }

    pub fn keep_catalog(&self, tenant: &str, generation: u64, catalog: Catalog) {
        lock(&self.catalogs).insert(tenant.to_owned(), (generation, catalog));
    }

    pub fn result(&self, key: &PanelKey) -> Option<CachedPanel> {
        lock(&self.results).get(key)
    }

    pub fn keep_result(&self, key: PanelKey, value: CachedPanel) {
        // In memory a value takes about twice its JSON form (a point's time is a string, its
        // value an option, each with its own header).
        let bytes = key.bytes() + 2 * json_size(&*value.0) + json_size(&value.1) + 512;
        lock(&self.results).put(key, value, bytes);
    }
}
