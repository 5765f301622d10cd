//! What a resolution reads: a template's stored inputs decoded once per change, and the choice
//! of version (published, live at a past moment, or an experiment's arm) for a caller.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::cache::InputsKey;
use super::merge::Expanded;
use super::presets::{expanded, preset_contents};
use crate::appliance::{Appliance, ServiceError};
use crate::identity::policy::Grant;
use crate::store::records::state_at;
use crate::store::{ExperimentRecord, PresetRecord, TemplateRecord, VersionRecord};
use crate::versioning::{Context, VersionState, arm_for, bucket};

/// The version normally served at `at` (now when `None`): the published one, or the one most
/// recently published among those published then.
pub(super) fn published_version(
    versions: &[VersionRecord],
    at: Option<DateTime<Utc>>,
) -> Option<&VersionRecord> {
    match at {
        None => versions
            .iter()
            .rev()
            .find(|v| v.state == VersionState::Published),
        Some(at) => versions
            .iter()
            .filter(|v| v.state_at(at) == Some(VersionState::Published))
            .max_by_key(|v| v.published_since(at)),
    }
}

/// The experiment arm this caller is in, if any.
pub(super) fn experiment_arm<'a>(
    experiments: &'a [ExperimentRecord],
    template: &str,
    context: &Context,
    at: Option<DateTime<Utc>>,
) -> Option<(&'a ExperimentRecord, crate::store::records::Arm)> {
    experiments
        .iter()
        .filter(|e| e.template == template)
        .find_map(|e| {
            let state = match at {
                Some(at) => state_at(&e.history, at)?,
                None => &e.current,
            };
            if !state.running || state.audience.as_ref().is_some_and(|a| !a.matches(context)) {
                return None;
            }
            let weights: Vec<f64> = state.arms.iter().map(|a| a.weight).collect();
            let index = arm_for(bucket(&e.seed, &context.user), &weights)?;
            Some((e, state.arms[index].clone()))
        })
}

pub(super) fn version_matches(requirement: &str, number: &str) -> bool {
    if requirement.trim() == "*" || number == "draft" {
        return true;
    }
    match (
        semver::VersionReq::parse(requirement),
        semver::Version::parse(number),
    ) {
        (Ok(req), Ok(version)) => req.matches(&version),
        _ => false,
    }
}

/// Everything stored that a template's resolution reads, decoded once per change.
#[derive(Debug)]
pub(in crate::appliance) struct Inputs {
    pub(super) template: TemplateRecord,
    pub(super) versions: Vec<VersionRecord>,
    pub(super) experiments: Vec<ExperimentRecord>,
    pub(super) presets: Vec<PresetRecord>,
    pub(super) overrides: Vec<crate::store::OverrideRecord>,
    pub(super) datasets: crate::appliance::data::Catalog,
    /// The current presets by id, gathered on first use.
    pub(super) current_presets: OnceLock<BTreeMap<String, Value>>,
    /// Base configurations (by version number, `draft` for the draft) with the current
    /// presets expanded, made on first use.
    pub(super) bases: Mutex<HashMap<String, Arc<Expanded>>>,
    /// Current override patches (by override id) with the current presets expanded.
    pub(super) patches: Mutex<HashMap<String, Arc<Expanded>>>,
    /// The largest response body resolved from these inputs, to size the next one.
    pub(super) body_size: AtomicUsize,
}

/// The caller's context for override matching.
pub(super) fn context(grant: &Grant) -> Context {
    Context {
        tenant: grant.tenant.clone(),
        user: grant.actor.clone(),
        email: grant.email.clone(),
        role: grant.role.clone(),
        attributes: grant.attributes.clone(),
    }
}

impl Inputs {
    pub(super) fn current_presets(&self) -> &BTreeMap<String, Value> {
        self.current_presets
            .get_or_init(|| preset_contents(&self.presets, None))
    }

    /// `value` with its presets expanded: with those live at a past moment when `past` gives
    /// them, else with the current ones, once, kept in `done` under `key`.
    pub(super) fn expand(
        &self,
        done: &Mutex<HashMap<String, Arc<Expanded>>>,
        key: &str,
        value: &Value,
        past: Option<&BTreeMap<String, Value>>,
    ) -> Result<Arc<Expanded>, ServiceError> {
        if let Some(presets) = past {
            return Ok(Arc::new(Expanded::new(expanded(value, presets)?)));
        }
        let lock = || done.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(done) = lock().get(key) {
            return Ok(Arc::clone(done));
        }
        let made = Arc::new(Expanded::new(expanded(value, self.current_presets())?));
        lock().insert(key.to_owned(), Arc::clone(&made));
        Ok(made)
    }
}

impl Appliance {
    /// A template's stored inputs, from memory while their generations have not moved.
    pub(in crate::appliance) fn inputs(
        &self,
        tenant: &str,
        template_id: &str,
    ) -> Result<Arc<Inputs>, ServiceError> {
        let key = InputsKey {
            tenant: tenant.to_owned(),
            template: template_id.to_owned(),
            template_generation: self.generation(tenant, Some(template_id)),
            tenant_generation: self.generation(tenant, None),
        };
        if let Some(hit) = self.resolution.inputs(&key) {
            return Ok(hit);
        }
        let template =
            self.store
                .template(tenant, template_id)?
                .ok_or_else(|| ServiceError::NotFound {
                    kind: "dashboard",
                    id: template_id.to_owned(),
                })?;
        let inputs = Arc::new(Inputs {
            template,
            versions: self.store.versions(tenant, template_id)?,
            experiments: self
                .store
                .experiments(tenant)?
                .into_iter()
                .filter(|e| e.template == template_id)
                .collect(),
            presets: self.store.presets(tenant)?,
            overrides: self
                .store
                .overrides(tenant)?
                .into_iter()
                .filter(|o| o.template == template_id)
                .collect(),
            datasets: self.catalog(tenant)?.1,
            current_presets: OnceLock::new(),
            bases: Mutex::new(HashMap::new()),
            patches: Mutex::new(HashMap::new()),
            body_size: AtomicUsize::new(0),
        });
        self.resolution.keep_inputs(key, Arc::clone(&inputs));
        Ok(inputs)
    }
}
