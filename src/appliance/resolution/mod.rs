//! Resolving a dashboard for one caller: choose the version (published, experiment arm,
//! `asOf` snapshot, or the draft for its editors), expand presets, layer the matching
//! overrides by priority, drop what the caller's roles may not see, and describe how — with a
//! cache keyed by everything the answer depends on.

mod audience;
pub(super) mod cache;
mod inputs;
mod merge;
mod presets;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use self::cache::ResolveKey;
use self::inputs::{context, experiment_arm, published_version, version_matches};
use self::merge::{Merged, merge_by_panel, merge_whole};
use self::presets::preset_contents;
use super::{Appliance, ServiceError};
use crate::dashboards::DashboardConfig;
use crate::identity::policy::{Action, Grant, Resource};
use crate::store::records::{OverrideState, state_at};
use crate::versioning::OverrideScope;
use crate::versioning::merge::Change;

pub(super) use self::presets::{expand_presets, expanded};

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

impl Base {
    /// The base a request's options ask for: the draft when previewing, else the normal choice.
    pub(super) fn of(options: &ResolveOptions) -> Self {
        if options.preview {
            Self::Draft
        } else {
            Self::Chosen
        }
    }
}

/// What resolving with `options` needs: reading the dashboard and, to preview its draft or see
/// the provenance, editing it.
fn needed_actions(options: &ResolveOptions) -> &'static [Action] {
    if options.preview || options.debug {
        &[Action::Read, Action::Update]
    } else {
        &[Action::Read]
    }
}

/// A resolved dashboard: the typed configuration for queries, the response body and its ETag.
#[derive(Debug)]
pub struct Resolved {
    pub config: DashboardConfig,
    pub meta: ResolvedMeta,
    /// The response body `{config, meta[, _debug]}`, serialized once and served as is.
    pub bytes: Vec<u8>,
    pub etag: String,
}

/// What `meta` says of a resolution: which template, version and layers made the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedMeta {
    pub template_id: String,
    pub version: String,
    pub tenant_id: String,
    /// The overrides applied, lowest priority first.
    pub applied_overrides: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ExperimentPick>,
    pub resolved_at: DateTime<Utc>,
    /// Set when the dashboard was resolved as it was at a past moment (`?asOf=`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<Utc>>,
}

/// The experiment arm the caller was placed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ExperimentPick {
    pub id: String,
    pub arm: String,
}

/// `GET /api/v1/dashboards/{id}`. The server writes this body as bytes (the configuration
/// serialized once, straight into it); the type states its shape for clients.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ResolvedDashboard {
    pub config: DashboardConfig,
    pub meta: ResolvedMeta,
    /// With `?debug=true`, for editors.
    #[serde(rename = "_debug", default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<ResolutionDebug>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ResolutionDebug {
    pub resolution: ResolutionTrace,
}

/// How a resolution went: the base, every layer with its changes, which layer set each
/// changed path, and what the permission filter removed.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionTrace {
    pub base_template: String,
    pub base_version: String,
    pub applied_overrides: Vec<AppliedLayer>,
    /// Changed path → the override that set it.
    pub provenance: BTreeMap<String, String>,
    pub permission_filters: Vec<String>,
    pub experiment: Option<ExperimentPick>,
    pub resolution_time_ms: f64,
}

/// One override as applied, with what it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AppliedLayer {
    pub id: String,
    pub scope: OverrideScope,
    pub priority: i32,
    pub changes: Vec<Change>,
}

impl Appliance {
    /// The dashboard `template_id` as `grant` should see it, from the cache when nothing it
    /// depends on has changed.
    pub fn resolve(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> Result<Arc<Resolved>, ServiceError> {
        for action in needed_actions(options) {
            self.require(grant, Resource::Dashboards, *action, template_id)?;
        }
        // Generations are read before the store, so an answer computed from older data is
        // filed under an older key and never served after a change.
        let key = self.resolve_key(grant, template_id, options);
        if let Some(hit) = self.resolution.resolved(&key) {
            return Ok(hit);
        }
        let resolved =
            Arc::new(self.resolve_uncached(grant, template_id, &Base::of(options), options)?);
        self.resolution.keep_resolved(key, Arc::clone(&resolved));
        Ok(resolved)
    }

    /// [`resolve`](Self::resolve) when the answer is in the cache and the grant allows it:
    /// memory only, so a request can be answered without the blocking pool. `None` sends the
    /// caller to `resolve` (which also records refusals).
    pub fn resolve_remembered(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> Option<Arc<Resolved>> {
        let allowed = needed_actions(options)
            .iter()
            .all(|action| grant.require(Resource::Dashboards, *action, None).is_ok());
        if !allowed {
            return None;
        }
        self.resolution
            .resolved(&self.resolve_key(grant, template_id, options))
    }

    /// Everything a resolution depends on: the tenant's and template's generations, who is
    /// asking (role and attributes included; the actor's email never changes) and the options.
    fn resolve_key(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> ResolveKey {
        ResolveKey {
            tenant: grant.tenant.clone(),
            template: template_id.to_owned(),
            template_generation: self.generation(&grant.tenant, Some(template_id)),
            tenant_generation: self.generation(&grant.tenant, None),
            actor: grant.actor.clone(),
            role: grant.role.clone(),
            attributes: grant.attributes.clone(),
            super_admin: grant.super_admin,
            as_of: options.as_of,
            preview: options.preview,
            debug: options.debug,
        }
    }

    /// [`resolve`](Self::resolve) without the cache (benchmarks measure the miss with it).
    pub fn resolve_without_cache(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> Result<Resolved, ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Read, template_id)?;
        self.resolve_uncached(grant, template_id, &Base::of(options), options)
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
        let inputs = self.inputs(&grant.tenant, template_id)?;
        let template = &inputs.template;
        let context = context(grant);
        let at = options.as_of;
        let versions = &inputs.versions;
        let experiments = &inputs.experiments;
        let mut arm = None;
        let (number, source) = match base {
            Base::Draft => ("draft".to_owned(), &template.draft),
            Base::Version(number) => {
                let version = versions
                    .iter()
                    .find(|v| &v.number == number)
                    .ok_or_else(|| ServiceError::NotFound {
                        kind: "version",
                        id: format!("{template_id}@{number}"),
                    })?;
                (version.number.clone(), &version.config)
            }
            Base::Chosen => {
                let mut chosen = published_version(versions, at);
                if let Some((experiment, a)) =
                    experiment_arm(experiments, template_id, &context, at)
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
                (version.number.clone(), &version.config)
            }
        };
        // A past moment's configuration takes that moment's presets; the current one's
        // expansion is kept with the inputs.
        let past_presets = at.map(|at| preset_contents(&inputs.presets, Some(at)));
        let start = inputs.expand(&inputs.bases, &number, source, past_presets.as_ref())?;

        // Overrides in force for this caller, lowest priority first.
        let arm_override = arm.as_ref().and_then(|(_, a)| a.override_id.clone());
        let mut applying: Vec<(&str, &OverrideState)> = inputs
            .overrides
            .iter()
            .filter_map(|o| {
                let state = match at {
                    Some(at) => state_at(&o.history, at)?,
                    None => &o.current,
                };
                let switched_on = arm_override.as_deref() == Some(o.id.as_str());
                let applies = !state.deleted
                    && (state.active || switched_on)
                    && state.scope.matches(&context)
                    && version_matches(&state.versions, &number);
                applies.then_some((o.id.as_str(), state))
            })
            .collect();
        applying.sort_by(|(a_id, a), (b_id, b)| {
            let rank = |s: &OverrideState| s.priority.unwrap_or_else(|| s.scope.default_priority());
            rank(a).cmp(&rank(b)).then_with(|| a_id.cmp(b_id))
        });
        let layers = applying
            .into_iter()
            .map(|(id, state)| {
                let patch =
                    inputs.expand(&inputs.patches, id, &state.patch, past_presets.as_ref())?;
                Ok((id, state, patch))
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;

        // The typed configuration is serialized once, straight into the body (sized like the
        // last body of this template); those bytes also make the ETag. The base kept with the
        // inputs is merged panel by panel when the layers allow it.
        const PREFIX: &[u8] = b"{\"config\":";
        let mut bytes = Vec::with_capacity(inputs.body_size.load(Ordering::Relaxed) + 1024);
        bytes.extend_from_slice(PREFIX);
        let datasets = &inputs.datasets;
        let by_panel = past_presets
            .is_none()
            .then(|| start.prepared(datasets))
            .flatten()
            .and_then(|prepared| {
                merge_by_panel(
                    &start,
                    prepared,
                    &layers,
                    grant,
                    datasets,
                    options.debug,
                    &mut bytes,
                )
            });
        let Merged {
            typed,
            filtered,
            trail,
        } = match by_panel {
            Some(merged) => merged,
            None => {
                bytes.truncate(PREFIX.len());
                merge_whole(
                    template_id,
                    &start,
                    &layers,
                    grant,
                    datasets,
                    options.debug,
                    &mut bytes,
                )?
            }
        };
        let applied_ids: Vec<&str> = layers.iter().map(|(id, _, _)| *id).collect();
        let experiment = arm.as_ref().map(|(id, a)| ExperimentPick {
            id: (*id).to_owned(),
            arm: a.name.clone(),
        });
        // 128 bits of XXH3 over the body's configuration and what `meta` says besides the time:
        // the tag only tells a client its copy is current, and hashing 20 KB with SHA-256 took
        // a tenth of a resolution.
        let mut fingerprint = xxhash_rust::xxh3::Xxh3::new();
        fingerprint.update(&bytes[PREFIX.len()..]);
        fingerprint.update(
            serde_json::json!([number, applied_ids, experiment])
                .to_string()
                .as_bytes(),
        );
        let etag = format!("\"{:032x}\"", fingerprint.digest128());
        let meta = ResolvedMeta {
            template_id: template_id.to_owned(),
            version: number.to_string(),
            tenant_id: grant.tenant.clone(),
            applied_overrides: applied_ids.iter().map(|id| (*id).to_owned()).collect(),
            experiment: experiment.clone(),
            resolved_at: Utc::now(),
            as_of: at,
        };
        let unwritable = |e: serde_json::Error| ServiceError::Invalid(e.to_string());
        bytes.extend_from_slice(b",\"meta\":");
        serde_json::to_writer(&mut bytes, &meta).map_err(unwritable)?;
        if options.debug {
            let debug = ResolutionDebug {
                resolution: ResolutionTrace {
                    base_template: template_id.to_owned(),
                    base_version: number.to_string(),
                    applied_overrides: trail.applied,
                    provenance: trail.provenance,
                    permission_filters: filtered,
                    experiment,
                    resolution_time_ms: started.elapsed().as_secs_f64() * 1000.0,
                },
            };
            bytes.extend_from_slice(b",\"_debug\":");
            serde_json::to_writer(&mut bytes, &debug).map_err(unwritable)?;
        }
        bytes.push(b'}');
        inputs.body_size.fetch_max(bytes.len(), Ordering::Relaxed);
        Ok(Resolved {
            config: typed,
            meta,
            bytes,
            etag,
        })
    }
}
