//! Authoring: templates and their drafts, versions through their lifecycle, compatibility and
//! impact, presets, overrides, experiments, and viewing a dashboard as another member. Every
//! change asks the policy, checks the writer's revision (a stale write is a conflict), lands
//! with its audit entry, and moves the generation the resolution cache keys on.

mod experiments;
mod overrides;
mod presets;
mod templates;
mod versions;
mod view_as;

pub use experiments::{ExperimentInput, ExperimentView};
pub use overrides::{OverrideInput, OverrideView};
pub use presets::{PresetInput, PresetView};
pub use templates::{NewTemplate, TemplateDetail, TemplatePatch, TemplateSummary, TemplateView};
pub use versions::{
    AffectedMember, Impact, NewVersion, NewVersionAnswer, TransitionInput, VersionSummary,
    VersionView,
};

use crate::appliance::resolution::expand_presets;
use crate::appliance::{Appliance, ServiceError};
use crate::dashboards::DashboardConfig;
use crate::identity::policy::{Action, Grant, Resource};
use crate::store::records::Revision;
use crate::store::{TemplateRecord, VersionRecord};
use crate::versioning::VersionState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use ts_rs::TS;

/// A past state of an override, preset or experiment, from `at` on, with who made it and why.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RevisionView<T> {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: Option<String>,
    pub state: T,
}

/// A stored history as the API shows it, oldest first.
pub(super) fn revisions<S, T: From<S>>(history: Vec<Revision<S>>) -> Vec<RevisionView<T>> {
    history
        .into_iter()
        .map(|r| RevisionView {
            at: r.at,
            by: r.by,
            reason: r.reason,
            state: r.state.into(),
        })
        .collect()
}

/// Presets by id, as expansion takes them.
pub(super) type Presets = BTreeMap<String, Value>;

pub(super) fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(message.into())
}

pub(super) fn need_reason(reason: &str) -> Result<(), ServiceError> {
    if reason.trim().is_empty() {
        Err(invalid("this change needs a `reason`"))
    } else {
        Ok(())
    }
}

pub(super) fn check_id(id: &str, what: &str) -> Result<(), ServiceError> {
    let valid = (1..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} id `{id}` must be 1 to 64 lowercase letters, digits, `-` or `_`"
        )))
    }
}

pub(super) fn no_template(id: &str) -> ServiceError {
    ServiceError::NotFound {
        kind: "template",
        id: id.to_owned(),
    }
}

pub(super) fn stale(what: &str, sent: u64, current: u64) -> ServiceError {
    ServiceError::Conflict(format!(
        "{what} changed since you loaded it (you edited revision {sent}, it is at {current}); reload and apply your change again"
    ))
}

pub(super) fn published(versions: &[VersionRecord]) -> Option<&VersionRecord> {
    versions
        .iter()
        .rev()
        .find(|v| v.state == VersionState::Published)
}

impl Appliance {
    pub(super) fn author(&self, grant: &Grant, target: &str) -> Result<(), ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Update, target)
    }

    /// The template, or not found: looked up before anything else is checked.
    pub(super) fn require_template(
        &self,
        grant: &Grant,
        id: &str,
    ) -> Result<TemplateRecord, ServiceError> {
        self.store
            .template(&grant.tenant, id)?
            .ok_or_else(|| no_template(id))
    }

    pub(super) fn preset_map(&self, tenant: &str) -> Result<BTreeMap<String, Value>, ServiceError> {
        Ok(self
            .store
            .presets(tenant)?
            .into_iter()
            .map(|p| (p.id, p.content))
            .collect())
    }

    /// A configuration with presets expanded, checked as a dashboard of this tenant and
    /// within the plan's panel limit.
    pub(super) fn check_config(
        &self,
        grant: &Grant,
        config: &Value,
    ) -> Result<Value, ServiceError> {
        let mut expanded = config.clone();
        expand_presets(&mut expanded, &self.preset_map(&grant.tenant)?).map_err(invalid)?;
        let mut typed: DashboardConfig = serde_json::from_value(expanded.clone())
            .map_err(|e| invalid(format!("not a dashboard configuration: {e}")))?;
        let datasets: Vec<_> = self
            .store
            .datasets(&grant.tenant)?
            .into_iter()
            .map(|d| d.definition)
            .collect();
        typed
            .validate(&datasets)
            .map_err(|e| invalid(e.to_string()))?;
        typed
            .check_filters(&datasets)
            .map_err(|e| invalid(e.to_string()))?;
        let tenant = self
            .store
            .tenant(&grant.tenant)?
            .ok_or_else(|| invalid("no such tenant"))?;
        let limits = tenant.plan.limits();
        if typed.panels.len() > limits.max_widgets_per_dashboard {
            return Err(ServiceError::LimitExceeded(format!(
                "the {:?} plan allows {} panels per dashboard and this one has {}",
                tenant.plan,
                limits.max_widgets_per_dashboard,
                typed.panels.len()
            )));
        }
        Ok(expanded)
    }
}
