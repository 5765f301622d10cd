//! Resolution's caches and how they are invalidated, in one place.
//!
//! Nothing is removed when something changes. Every change of what a resolution reads calls
//! [`Appliance::bump`], which moves a generation; every cache key holds the generations its
//! entry was computed under, so an entry made before the change is never asked for again and
//! ages out of its LRU. Generations are read before the store, so an answer computed from
//! older data is filed under an older key.
//!
//! - [`Generation::Template`] moves with a template's draft, versions, overrides and
//!   experiments; [`Generation::Tenant`] with the tenant's presets and dataset catalog (which
//!   also key the catalogs and panel results of `data.rs`).
//! - Resolved dashboards, by [`ResolveKey`]: at most 10,000 entries and
//!   `--resolve-cache-size` bytes.
//! - A template's decoded inputs, by [`InputsKey`]: at most 1,000 entries.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use super::Resolved;
use super::inputs::Inputs;
use crate::appliance::Appliance;
use crate::appliance::cache::WeightedLru;

const RESOLVED_ENTRIES: usize = 10_000;
const INPUTS_ENTRIES: usize = 1_000;

/// What a change counter counts the changes of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(in crate::appliance) enum Generation {
    /// A tenant's presets and dataset catalog.
    Tenant(String),
    /// One template's draft, versions, overrides and experiments.
    Template { tenant: String, template: String },
}

impl Generation {
    fn of(tenant: &str, template: Option<&str>) -> Self {
        match template {
            Some(template) => Self::Template {
                tenant: tenant.to_owned(),
                template: template.to_owned(),
            },
            None => Self::Tenant(tenant.to_owned()),
        }
    }
}

/// What a resolved dashboard depends on: the template's and the tenant's generations, who asks
/// with which role and attributes (the actor's email never changes), and the request's options.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(in crate::appliance) struct ResolveKey {
    pub tenant: String,
    pub template: String,
    pub template_generation: u64,
    pub tenant_generation: u64,
    pub actor: String,
    pub role: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub super_admin: bool,
    pub as_of: Option<DateTime<Utc>>,
    pub preview: bool,
    pub debug: bool,
}

impl ResolveKey {
    /// Roughly what the key holds, for the cache's weight.
    fn bytes(&self) -> usize {
        let attributes: usize = self
            .attributes
            .iter()
            .map(|(k, v)| k.len() + v.len() + 48)
            .sum();
        128 + self.tenant.len()
            + self.template.len()
            + self.actor.len()
            + self.role.as_ref().map_or(0, String::len)
            + attributes
    }
}

/// What a template's decoded inputs depend on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(in crate::appliance) struct InputsKey {
    pub tenant: String,
    pub template: String,
    pub template_generation: u64,
    pub tenant_generation: u64,
}

/// The change counters and the two caches keyed by them.
pub(in crate::appliance) struct ResolutionCache {
    generations: Mutex<HashMap<Generation, u64>>,
    resolved: Mutex<WeightedLru<ResolveKey, Arc<Resolved>>>,
    inputs: Mutex<lru::LruCache<InputsKey, Arc<Inputs>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ResolutionCache {
    /// Caches holding at most `resolved_bytes` of resolved dashboards.
    pub fn new(resolved_bytes: usize) -> Self {
        let entries = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Self {
            generations: Mutex::new(HashMap::new()),
            resolved: Mutex::new(WeightedLru::new(entries(RESOLVED_ENTRIES), resolved_bytes)),
            inputs: Mutex::new(lru::LruCache::new(entries(INPUTS_ENTRIES))),
        }
    }

    pub fn generation(&self, tenant: &str, template: Option<&str>) -> u64 {
        lock(&self.generations)
            .get(&Generation::of(tenant, template))
            .copied()
            .unwrap_or(0)
    }

    fn bump(&self, tenant: &str, template: Option<&str>) {
        *lock(&self.generations)
            .entry(Generation::of(tenant, template))
            .or_insert(0) += 1;
    }

    pub fn resolved(&self, key: &ResolveKey) -> Option<Arc<Resolved>> {
        lock(&self.resolved).get(key)
    }

    pub fn keep_resolved(&self, key: ResolveKey, value: Arc<Resolved>) {
        // The body and the typed configuration it was read from hold about the same.
        let bytes = key.bytes() + 2 * value.bytes.len() + 1_024;
        lock(&self.resolved).put(key, value, bytes);
    }

    pub fn inputs(&self, key: &InputsKey) -> Option<Arc<Inputs>> {
        lock(&self.inputs).get(key).cloned()
    }

    pub fn keep_inputs(&self, key: InputsKey, value: Arc<Inputs>) {
        lock(&self.inputs).put(key, value);
    }
}

impl Appliance {
    /// The change counter of a template (or, with `None`, of the tenant's presets and catalog).
    pub(crate) fn generation(&self, tenant: &str, template: Option<&str>) -> u64 {
        self.resolution.generation(tenant, template)
    }

    /// Marks a template's inputs (or, with `None`, a tenant's presets and catalog) as changed:
    /// resolutions, decoded inputs, catalogs and panel results computed before no longer match
    /// any cache key. Every write of something a resolution reads calls this after committing.
    pub(crate) fn bump(&self, tenant: &str, template: Option<&str>) {
        self.resolution.bump(tenant, template);
    }
}
