//! Resolving a dashboard for one caller: choose the version (published, experiment arm,
//! `asOf` snapshot, or the draft for its editors), expand presets, layer the matching
//! overrides by priority, drop what the caller's roles may not see, and describe how — with a
//! cache keyed by everything the answer depends on.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Appliance, ServiceError};
use crate::dashboards::DashboardConfig;
use crate::identity::policy::{Action, Grant, Resource};
use crate::identity::token::sha256_hex;
use crate::store::records::{OverrideState, state_at};
use crate::store::{ExperimentRecord, PresetRecord, TemplateRecord, VersionRecord};
use crate::versioning::merge::merge;
use crate::versioning::{Context, VersionState, arm_for, bucket};

/// What the request asked for besides the template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Serve what was live at this moment.
    pub as_of: Option<DateTime<Utc>>,
    /// The draft instead of the published version (its editors only).
    pub preview: bool,
    /// Add `_debug` provenance (editors and admins only).
    pub debug: bool,
}

/// Which configuration to start from.
#[derive(Debug, Clone)]
pub(super) enum Base {
    /// The normal choice: published, or an experiment's arm, or the version live at `asOf`.
    Chosen,
    Draft,
    /// A given version (impact analysis).
    Version(String),
}

/// A resolved dashboard: the typed configuration for queries, the response body and its ETag.
#[derive(Debug)]
pub struct Resolved {
    pub config: DashboardConfig,
    pub body: Value,
    pub etag: String,
}

/// Presets as of a moment.
fn preset_contents(presets: &[PresetRecord], at: Option<DateTime<Utc>>) -> BTreeMap<String, Value> {
    presets
        .iter()
        .filter_map(|p| {
            let content = match at {
                Some(at) => state_at(&p.history, at)?.clone(),
                None => p.content.clone(),
            };
            Some((p.id.clone(), content))
        })
        .collect()
}

/// Replaces every `{"$preset": id}` by the preset's content; inside an array, a preset whose
/// content is an array is spliced in.
pub(super) fn expand_presets(
    value: &mut Value,
    presets: &BTreeMap<String, Value>,
) -> Result<(), String> {
    let lookup = |v: &Value| -> Option<Result<Value, String>> {
        let id = v
            .as_object()
            .filter(|o| o.len() == 1)?
            .get("$preset")?
            .as_str()?;
        Some(
            presets
                .get(id)
                .cloned()
                .ok_or_else(|| format!("preset `{id}` does not exist")),
        )
    };
    match value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                match lookup(&item) {
                    Some(content) => match content? {
                        Value::Array(spliced) => out.extend(spliced),
                        single => out.push(single),
                    },
                    None => out.push(item),
                }
            }
            for item in &mut out {
                expand_presets(item, presets)?;
            }
            *items = out;
        }
        Value::Object(map) => {
            for (_, child) in map.iter_mut() {
                if let Some(content) = lookup(child) {
                    *child = content?;
                }
                expand_presets(child, presets)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Removes every object whose `visible_to` does not include the caller, recording the paths.
fn permission_filter(value: &mut Value, grant: &Grant, path: &str, removed: &mut Vec<String>) {
    let allowed = |v: &Value| {
        let roles: Vec<String> = v
            .get("visible_to")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        grant.is_audience(&roles)
    };
    let label = |v: &Value, i: usize| {
        v.get("id")
            .or_else(|| v.get("key"))
            .and_then(Value::as_str)
            .map_or_else(|| format!("[{i}]"), |id| format!("[id={id}]"))
    };
    match value {
        Value::Array(items) => {
            let mut index = 0;
            items.retain(|item| {
                let keep = allowed(item);
                if !keep {
                    removed.push(format!("{path}{}", label(item, index)));
                }
                index += 1;
                keep
            });
            for (i, item) in items.iter_mut().enumerate() {
                let here = format!("{path}{}", label(item, i));
                permission_filter(item, grant, &here, removed);
            }
        }
        Value::Object(map) => {
            let doomed: Vec<String> = map
                .iter()
                .filter(|(_, v)| v.is_object() && !allowed(v))
                .map(|(k, _)| k.clone())
                .collect();
            for key in doomed {
                map.remove(&key);
                removed.push(if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                });
            }
            for (key, child) in map.iter_mut() {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                permission_filter(child, grant, &here, removed);
            }
        }
        _ => {}
    }
}

/// The version normally served at `at` (now when `None`): the published one, or the one most
/// recently published among those published then.
fn published_version(
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
fn experiment_arm<'a>(
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

fn version_matches(requirement: &str, number: &str) -> bool {
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

impl Appliance {
    /// The caller's context for override matching.
    pub(super) fn context(&self, grant: &Grant) -> Result<Context, ServiceError> {
        let email = self
            .store
            .user(&grant.actor)?
            .map(|u| u.email)
            .unwrap_or_default();
        Ok(Context {
            tenant: grant.tenant.clone(),
            user: grant.actor.clone(),
            email,
            role: grant.role.clone(),
            attributes: grant.attributes.clone(),
        })
    }

    /// The dashboard `template_id` as `grant` should see it, from the cache when nothing it
    /// depends on has changed.
    pub fn resolve(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> Result<Arc<Resolved>, ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Read, template_id)?;
        if options.preview || options.debug {
            self.require(grant, Resource::Dashboards, Action::Update, template_id)?;
        }
        let base = if options.preview {
            Base::Draft
        } else {
            Base::Chosen
        };
        // Generations are read before the store, so an answer computed from older data is
        // filed under an older key and never served after a change.
        let key = format!(
            "{}\u{0}{template_id}\u{0}{}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{:?}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{}",
            grant.tenant,
            self.generation(&grant.tenant, Some(template_id)),
            self.generation(&grant.tenant, None),
            grant.actor,
            grant.role,
            grant.attributes,
            grant.super_admin,
            options.as_of,
            options.preview,
            options.debug,
        );
        if let Some(hit) = self.cache_get(&key) {
            return Ok(hit);
        }
        let resolved = Arc::new(self.resolve_uncached(grant, template_id, &base, options)?);
        self.cache_put(key, Arc::clone(&resolved));
        Ok(resolved)
    }

    pub(super) fn resolve_uncached(
        &self,
        grant: &Grant,
        template_id: &str,
        base: &Base,
        options: &ResolveOptions,
    ) -> Result<Resolved, ServiceError> {
        let started = Instant::now();
        let not_found = |kind: &'static str| ServiceError::NotFound {
            kind,
            id: template_id.to_owned(),
        };
        let template: TemplateRecord = self
            .store
            .template(&grant.tenant, template_id)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "dashboard",
                id: template_id.to_owned(),
            })?;
        let context = self.context(grant)?;
        let at = options.as_of;
        let versions = self.store.versions(&grant.tenant, template_id)?;
        let experiments = self.store.experiments(&grant.tenant)?;
        let mut arm = None;
        let (number, mut config) = match base {
            Base::Draft => ("draft".to_owned(), template.draft.clone()),
            Base::Version(number) => {
                let version = versions
                    .iter()
                    .find(|v| &v.number == number)
                    .ok_or_else(|| ServiceError::NotFound {
                        kind: "version",
                        id: format!("{template_id}@{number}"),
                    })?;
                (version.number.clone(), version.config.clone())
            }
            Base::Chosen => {
                let mut chosen = published_version(&versions, at);
                if let Some((experiment, a)) =
                    experiment_arm(&experiments, template_id, &context, at)
                {
                    if let Some(number) = &a.version
                        && let Some(v) = versions.iter().find(|v| &v.number == number)
                    {
                        chosen = Some(v);
                    }
                    arm = Some((experiment.id.clone(), a));
                }
                let version = chosen.ok_or_else(|| {
                    not_found(match at {
                        Some(_) => "version live at that time of dashboard",
                        None => "published version of dashboard",
                    })
                })?;
                (version.number.clone(), version.config.clone())
            }
        };
        let presets = preset_contents(&self.store.presets(&grant.tenant)?, at);
        expand_presets(&mut config, &presets).map_err(ServiceError::Invalid)?;

        // Overrides in force for this caller, lowest priority first.
        let arm_override = arm.as_ref().and_then(|(_, a)| a.override_id.clone());
        let mut layers: Vec<(String, OverrideState)> = self
            .store
            .overrides(&grant.tenant)?
            .into_iter()
            .filter(|o| o.template == template_id)
            .filter_map(|o| {
                let state = match at {
                    Some(at) => state_at(&o.history, at)?.clone(),
                    None => o.current.clone(),
                };
                let switched_on = arm_override.as_deref() == Some(o.id.as_str());
                let applies = !state.deleted
                    && (state.active || switched_on)
                    && state.scope.matches(&context)
                    && version_matches(&state.versions, &number);
                applies.then_some((o.id, state))
            })
            .collect();
        layers.sort_by(|(a_id, a), (b_id, b)| {
            let rank = |s: &OverrideState| s.priority.unwrap_or_else(|| s.scope.default_priority());
            rank(a).cmp(&rank(b)).then_with(|| a_id.cmp(b_id))
        });
        let mut applied = Vec::new();
        let mut provenance = BTreeMap::new();
        for (id, state) in &layers {
            let mut patch = state.patch.clone();
            expand_presets(&mut patch, &presets).map_err(ServiceError::Invalid)?;
            let changes = merge(&mut config, &patch);
            for change in &changes {
                provenance.insert(change.path.clone(), id.clone());
            }
            applied.push(json!({
                "id": id,
                "scope": state.scope,
                "priority": state.priority.unwrap_or_else(|| state.scope.default_priority()),
                "changes": changes,
            }));
        }

        // What this caller may not see goes; a dashboard not meant for them is not found.
        let roles: Vec<String> = config
            .get("visible_to")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if !grant.is_audience(&roles) {
            return Err(ServiceError::NotFound {
                kind: "dashboard",
                id: template_id.to_owned(),
            });
        }
        let mut filtered = Vec::new();
        permission_filter(&mut config, grant, "", &mut filtered);

        let mut typed: DashboardConfig = serde_json::from_value(config).map_err(|e| {
            ServiceError::Invalid(format!(
                "dashboard `{template_id}` does not resolve to a valid configuration for you ({e}); check its overrides"
            ))
        })?;
        let datasets: Vec<_> = self
            .store
            .datasets(&grant.tenant)?
            .into_iter()
            .map(|d| d.definition)
            .collect();
        typed.validate(&datasets).map_err(|e| {
            ServiceError::Invalid(format!(
                "dashboard `{template_id}` does not resolve to a valid configuration for you ({e}); check its overrides"
            ))
        })?;
        let config =
            serde_json::to_value(&typed).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let applied_ids: Vec<&str> = layers.iter().map(|(id, _)| id.as_str()).collect();
        let experiment = arm.as_ref().map(|(id, a)| json!({"id": id, "arm": a.name}));
        let etag = format!(
            "\"{}\"",
            &sha256_hex(&json!([config, number, applied_ids, experiment]).to_string())[..32]
        );
        let mut meta = json!({
            "templateId": template_id,
            "version": number,
            "tenantId": grant.tenant,
            "appliedOverrides": applied_ids,
            "resolvedAt": Utc::now(),
        });
        if let Some(experiment) = &experiment {
            meta["experiment"] = experiment.clone();
        }
        if let Some(at) = at {
            meta["asOf"] = json!(at);
        }
        let mut body = json!({"config": config, "meta": meta});
        if options.debug {
            body["_debug"] = json!({"resolution": {
                "baseTemplate": template_id,
                "baseVersion": number,
                "appliedOverrides": applied,
                "provenance": provenance,
                "permissionFilters": filtered,
                "experiment": experiment,
                "resolutionTimeMs": started.elapsed().as_secs_f64() * 1000.0,
            }});
        }
        Ok(Resolved {
            config: typed,
            body,
            etag,
        })
    }
}
