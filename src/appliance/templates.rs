//! Authoring: templates and their drafts, versions through their lifecycle, compatibility and
//! impact, presets, overrides, experiments, and viewing a dashboard as another member. Every
//! change asks the policy, checks the writer's revision (a stale write is a conflict), lands
//! with its audit entry, and moves the generation the resolution cache keys on.

use std::collections::BTreeMap;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::resolve::{Base, ResolveOptions, expand_presets, expanded};
use super::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::dashboards::DashboardConfig;
use crate::identity::policy::{Action, Grant, Resource};
use crate::store::records::{
    Arm, ExperimentState, OverrideState, Revision, StateChange, TemplateStatus,
};
use crate::store::{
    ExperimentRecord, OverrideRecord, PresetRecord, StoreError, TemplateRecord, Tx, VersionRecord,
};
use crate::versioning::compat::{Bump, Compatibility, bumped, compare};
use crate::versioning::merge::merge;
use crate::versioning::{OverrideScope, VersionState};

/// Presets by id, as expansion takes them.
type Presets = BTreeMap<String, Value>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    pub config: Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<TemplateStatus>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    pub changelog: String,
    /// The bump to make; the compatibility check's proposal when absent.
    #[serde(default)]
    pub bump: Option<Bump>,
    /// Needed to make a smaller bump than the changes require.
    #[serde(default)]
    pub force_reason: Option<String>,
    /// The draft revision the author reviewed; a newer draft is a conflict.
    #[serde(default)]
    pub draft_revision: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: VersionState,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    /// For a new override; ids are unique in the tenant.
    #[serde(default)]
    pub id: Option<String>,
    pub scope: OverrideScope,
    #[serde(default)]
    pub priority: Option<i32>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "any_version")]
    pub versions: String,
    pub patch: Value,
    pub reason: String,
    /// The revision edited (updates only).
    #[serde(default)]
    pub revision: Option<u64>,
}

fn yes() -> bool {
    true
}

fn any_version() -> String {
    "*".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetInput {
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub content: Value,
    pub reason: String,
    /// The revision edited (updates only).
    #[serde(default)]
    pub revision: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentInput {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub arms: Option<Vec<Arm>>,
    #[serde(default)]
    pub audience: Option<OverrideScope>,
    #[serde(default)]
    pub running: Option<bool>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    pub number: String,
    pub state: VersionState,
    pub changelog: String,
    pub author: String,
    pub reviewer: Option<String>,
    pub parent: Option<String>,
    pub restored_from: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
}

impl From<&VersionRecord> for VersionSummary {
    fn from(v: &VersionRecord) -> Self {
        Self {
            number: v.number.clone(),
            state: v.state,
            changelog: v.changelog.clone(),
            author: v.author.clone(),
            reviewer: v.reviewer.clone(),
            parent: v.parent.clone(),
            restored_from: v.restored_from.clone(),
            created_at: v.created_at,
        }
    }
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(message.into())
}

fn need_reason(reason: &str) -> Result<(), ServiceError> {
    if reason.trim().is_empty() {
        Err(invalid("this change needs a `reason`"))
    } else {
        Ok(())
    }
}

fn check_id(id: &str, what: &str) -> Result<(), ServiceError> {
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

fn no_template(id: &str) -> ServiceError {
    ServiceError::NotFound {
        kind: "template",
        id: id.to_owned(),
    }
}

fn stale(what: &str, sent: u64, current: u64) -> ServiceError {
    ServiceError::Conflict(format!(
        "{what} changed since you loaded it (you edited revision {sent}, it is at {current}); reload and apply your change again"
    ))
}

fn published(versions: &[VersionRecord]) -> Option<&VersionRecord> {
    versions
        .iter()
        .rev()
        .find(|v| v.state == VersionState::Published)
}

impl Appliance {
    fn author(&self, grant: &Grant, target: &str) -> Result<(), ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Update, target)
    }

    /// The template, or not found: looked up before anything else is checked.
    fn require_template(&self, grant: &Grant, id: &str) -> Result<TemplateRecord, ServiceError> {
        self.store
            .template(&grant.tenant, id)?
            .ok_or_else(|| no_template(id))
    }

    fn preset_map(&self, tenant: &str) -> Result<BTreeMap<String, Value>, ServiceError> {
        Ok(self
            .store
            .presets(tenant)?
            .into_iter()
            .map(|p| (p.id, p.content))
            .collect())
    }

    /// A configuration with presets expanded, checked as a dashboard of this tenant and
    /// within the plan's panel limit.
    fn check_config(&self, grant: &Grant, config: &Value) -> Result<Value, ServiceError> {
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

    pub fn templates(&self, grant: &Grant) -> Result<Vec<Value>, ServiceError> {
        self.author(grant, "templates")?;
        let mut out = Vec::new();
        for t in self.store.templates(&grant.tenant)? {
            let versions = self.store.versions(&grant.tenant, &t.id)?;
            out.push(json!({
                "id": t.id, "name": t.name, "description": t.description, "status": t.status,
                "draftRevision": t.draft_revision,
                "published": published(&versions).map(|v| v.number.clone()),
                "versions": versions.len(),
            }));
        }
        Ok(out)
    }

    pub fn template(&self, grant: &Grant, id: &str) -> Result<Value, ServiceError> {
        self.author(grant, id)?;
        let template = self
            .store
            .template(&grant.tenant, id)?
            .ok_or_else(|| no_template(id))?;
        let versions: Vec<VersionSummary> = self
            .store
            .versions(&grant.tenant, id)?
            .iter()
            .map(VersionSummary::from)
            .collect();
        Ok(json!({"template": template, "versions": versions}))
    }

    /// A new template with its draft; no version is published yet.
    pub fn create_template(
        &self,
        grant: &Grant,
        new: NewTemplate,
    ) -> Result<TemplateRecord, ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Create, "template")?;
        let expanded = self.check_config(grant, &new.config)?;
        let id = expanded["id"].as_str().unwrap_or_default().to_owned();
        check_id(&id, "template")?;
        let now = Utc::now();
        let template = TemplateRecord {
            id: id.clone(),
            name: expanded["name"].as_str().unwrap_or_default().to_owned(),
            description: expanded["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            status: TemplateStatus::Active,
            schema_version: "1".into(),
            draft: new.config,
            draft_revision: 1,
            draft_updated_by: grant.actor.clone(),
            draft_updated_at: now,
            created_by: grant.actor.clone(),
            created_at: now,
            updated_at: now,
        };
        self.store.write(|tx| {
            let tenant = tx
                .tenant(&grant.tenant)?
                .ok_or_else(|| invalid("no such tenant"))?;
            let existing = tx.templates(&grant.tenant)?;
            if existing.iter().any(|t| t.id == id) {
                return Err(ServiceError::Conflict(format!(
                    "template `{id}` already exists"
                )));
            }
            let limits = tenant.plan.limits();
            if existing.len() >= limits.max_dashboards {
                return Err(ServiceError::LimitExceeded(format!(
                    "the {:?} plan allows {} dashboards and this workspace has {}",
                    tenant.plan,
                    limits.max_dashboards,
                    existing.len()
                )));
            }
            tx.put_template(&grant.tenant, &template)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "template.create", &id)
                    .after(&template),
            );
            Ok(())
        })?;
        self.bump(&grant.tenant, Some(&id));
        Ok(template)
    }

    pub fn update_template(
        &self,
        grant: &Grant,
        id: &str,
        patch: TemplatePatch,
    ) -> Result<TemplateRecord, ServiceError> {
        self.author(grant, id)?;
        need_reason(&patch.reason)?;
        let template = self.store.write(|tx| {
            let before = tx
                .template(&grant.tenant, id)?
                .ok_or_else(|| no_template(id))?;
            if before.status == TemplateStatus::Archived {
                return Err(ServiceError::Conflict(format!("template `{id}` is archived, which is final")));
            }
            let mut after = before.clone();
            if let Some(name) = &patch.name {
                after.name = name.trim().to_owned();
            }
            if let Some(description) = &patch.description {
                after.description = description.trim().to_owned();
            }
            if let Some(status) = patch.status {
                after.status = status;
            }
            after.updated_at = Utc::now();
            tx.put_template(&grant.tenant, &after)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "template.update", id)
                    .reason(patch.reason.clone())
                    .before(&json!({"name": before.name, "description": before.description, "status": before.status}))
                    .after(&json!({"name": after.name, "description": after.description, "status": after.status})),
            );
            Ok(after)
        })?;
        self.bump(&grant.tenant, Some(id));
        Ok(template)
    }

    /// Replaces the draft; `revision` is the one the writer edited.
    pub fn put_draft(
        &self,
        grant: &Grant,
        id: &str,
        config: Value,
        revision: u64,
    ) -> Result<TemplateRecord, ServiceError> {
        self.author(grant, id)?;
        self.require_template(grant, id)?;
        let expanded = self.check_config(grant, &config)?;
        if expanded["id"].as_str() != Some(id) {
            return Err(invalid(format!("the draft's `id` must stay `{id}`")));
        }
        let template = self.store.write(|tx| {
            let mut template = tx
                .template(&grant.tenant, id)?
                .ok_or_else(|| no_template(id))?;
            if template.draft_revision != revision {
                return Err(stale("the draft", revision, template.draft_revision));
            }
            let changes = compare(&template.draft, &config);
            template.draft = config;
            template.draft_revision += 1;
            template.draft_updated_by = grant.actor.clone();
            template.draft_updated_at = Utc::now();
            template.updated_at = template.draft_updated_at;
            tx.put_template(&grant.tenant, &template)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "template.draft", id).after(
                    &json!({"revision": template.draft_revision, "changes": changes.changes}),
                ),
            );
            Ok(template)
        })?;
        self.bump(&grant.tenant, Some(id));
        Ok(template)
    }

    /// Snapshots the draft as a new version (state `draft`), numbered by the compatibility
    /// check against the published version (or the latest one).
    pub fn create_version(
        &self,
        grant: &Grant,
        id: &str,
        new: NewVersion,
    ) -> Result<Value, ServiceError> {
        self.author(grant, id)?;
        need_reason(&new.changelog).map_err(|_| invalid("a version needs a `changelog`"))?;
        let presets = self.preset_map(&grant.tenant)?;
        let template = self
            .store
            .template(&grant.tenant, id)?
            .ok_or_else(|| no_template(id))?;
        self.check_config(grant, &template.draft)?;
        let result = self.store.write(|tx| {
            let current = tx
                .template(&grant.tenant, id)?
                .ok_or_else(|| no_template(id))?;
            if let Some(sent) = new.draft_revision
                && sent != current.draft_revision
            {
                return Err(stale("the draft", sent, current.draft_revision));
            }
            let versions = tx.versions(&grant.tenant, id)?;
            let parent = published(&versions).or(versions.last());
            let expand = |v: &Value| expanded(v, &presets);
            let (number, compatibility) = match parent {
                None => (semver::Version::new(1, 0, 0), None),
                Some(parent) => {
                    let check = compare(&expand(&parent.config)?, &expand(&current.draft)?);
                    let Some(required) = check.required else {
                        return Err(ServiceError::Conflict(format!(
                            "the draft is the same as version {}; nothing to version",
                            parent.number
                        )));
                    };
                    let requested = new.bump.unwrap_or(required);
                    if requested < required && new.force_reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                        return Err(ServiceError::Conflict(format!(
                            "these changes need a {required:?} bump ({}); a {requested:?} bump needs a `force_reason`",
                            check.changes.iter().filter(|c| c.bump == required).map(|c| c.path.as_str()).collect::<Vec<_>>().join(", ")
                        )));
                    }
                    let base = semver::Version::parse(&parent.number).map_err(|e| invalid(e.to_string()))?;
                    (bumped(&base, requested), Some(check))
                }
            };
            let number = number.to_string();
            if versions.iter().any(|v| v.number == number) {
                return Err(ServiceError::Conflict(format!("version {number} already exists")));
            }
            let now = Utc::now();
            let version = VersionRecord {
                template: id.to_owned(),
                number: number.clone(),
                seq: versions.last().map_or(1, |v| v.seq + 1),
                state: VersionState::Draft,
                config: current.draft.clone(),
                changelog: new.changelog.trim().to_owned(),
                author: grant.actor.clone(),
                reviewer: None,
                parent: parent.map(|p| p.number.clone()),
                restored_from: None,
                required_bump: compatibility.as_ref().and_then(|c| c.required),
                forced_reason: new.force_reason.clone(),
                created_at: now,
                history: vec![StateChange {
                    state: VersionState::Draft,
                    by: grant.actor.clone(),
                    at: now,
                    reason: Some(new.changelog.clone()),
                }],
            };
            tx.put_version(&grant.tenant, &version)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "version.create", &format!("{id}@{number}"))
                    .reason(new.changelog.clone())
                    .after(&VersionSummary::from(&version)),
            );
            Ok(json!({"version": VersionSummary::from(&version), "compatibility": compatibility}))
        })?;
        self.bump(&grant.tenant, Some(id));
        Ok(result)
    }

    pub fn versions(&self, grant: &Grant, id: &str) -> Result<Vec<VersionSummary>, ServiceError> {
        self.author(grant, id)?;
        self.require_template(grant, id)?;
        Ok(self
            .store
            .versions(&grant.tenant, id)?
            .iter()
            .map(VersionSummary::from)
            .collect())
    }

    pub fn version(
        &self,
        grant: &Grant,
        id: &str,
        number: &str,
    ) -> Result<VersionRecord, ServiceError> {
        self.author(grant, id)?;
        self.store
            .versions(&grant.tenant, id)?
            .into_iter()
            .find(|v| v.number == number)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "version",
                id: format!("{id}@{number}"),
            })
    }

    /// Moves a version through its lifecycle. Approving (review → published) needs a reviewer
    /// other than the author; publishing deprecates the version published before.
    pub fn transition(
        &self,
        grant: &Grant,
        id: &str,
        number: &str,
        input: TransitionInput,
    ) -> Result<VersionSummary, ServiceError> {
        self.author(grant, id)?;
        need_reason(&input.reason)?;
        let target = format!("{id}@{number}");
        let result = self.write_checked(grant, &format!("{id}@{number}"), |tx| {
            let versions = tx.versions(&grant.tenant, id)?;
            let mut version = versions
                .iter()
                .find(|v| v.number == number)
                .cloned()
                .ok_or_else(|| ServiceError::NotFound { kind: "version", id: target.clone() })?;
            if !version.state.can_become(input.to) {
                return Err(ServiceError::Conflict(format!(
                    "version {number} is {:?} and cannot become {:?}: the lifecycle is draft → review → published → deprecated → archived, deprecated may return to published, archived is final",
                    version.state, input.to
                )));
            }
            if version.state == VersionState::Review && input.to == VersionState::Published {
                if version.author == grant.actor {
                    return Err(ServiceError::Forbidden("a version is approved by a reviewer other than its author".into()));
                }
                version.reviewer = Some(grant.actor.clone());
            }
            let now = Utc::now();
            if input.to == VersionState::Published {
                self.retire_published(tx, grant, &versions, number, now)?;
            }
            let before = version.state;
            version.state = input.to;
            version.history.push(StateChange { state: input.to, by: grant.actor.clone(), at: now, reason: Some(input.reason.clone()) });
            tx.put_version(&grant.tenant, &version)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "version.transition", &target)
                    .reason(input.reason.clone())
                    .before(&before)
                    .after(&input.to),
            );
            Ok::<_, ServiceError>(VersionSummary::from(&version))
        })?;
        self.bump(&grant.tenant, Some(id));
        Ok(result)
    }

    /// Deprecates whatever is published (except `keep`), inside the caller's transaction.
    fn retire_published(
        &self,
        tx: &mut Tx<'_>,
        grant: &Grant,
        versions: &[VersionRecord],
        keep: &str,
        now: chrono::DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for other in versions
            .iter()
            .filter(|v| v.state == VersionState::Published && v.number != keep)
        {
            let mut other = other.clone();
            other.state = VersionState::Deprecated;
            other.history.push(StateChange {
                state: VersionState::Deprecated,
                by: grant.actor.clone(),
                at: now,
                reason: Some(format!("superseded by {keep}")),
            });
            tx.put_version(&grant.tenant, &other)?;
            tx.audit(
                AuditEvent::new(
                    &grant.actor,
                    Some(&grant.tenant),
                    "version.transition",
                    &format!("{}@{}", other.template, other.number),
                )
                .reason(format!("superseded by {keep}"))
                .after(&VersionState::Deprecated),
            );
        }
        Ok(())
    }

    /// Rollback: publishes a new version whose configuration is version `number`'s.
    pub fn restore(
        &self,
        grant: &Grant,
        id: &str,
        number: &str,
        reason: &str,
    ) -> Result<VersionSummary, ServiceError> {
        self.author(grant, id)?;
        need_reason(reason)?;
        let presets = self.preset_map(&grant.tenant)?;
        let result = self.store.write(|tx| {
            let versions = tx.versions(&grant.tenant, id)?;
            let source = versions
                .iter()
                .find(|v| v.number == number)
                .ok_or_else(|| ServiceError::NotFound {
                    kind: "version",
                    id: format!("{id}@{number}"),
                })?;
            // A restore publishes at once, so it may only bring back what once passed review.
            if !source.was_published() {
                return Err(invalid(format!(
                    "version {number} was never published ({:?}); only a version that passed review can be restored",
                    source.state
                )));
            }
            let parent = published(&versions)
                .or(versions.last())
                .ok_or_else(|| invalid("nothing to restore"))?;
            let expand = |v: &Value| expanded(v, &presets);
            let required = compare(&expand(&parent.config)?, &expand(&source.config)?)
                .required
                .unwrap_or(Bump::Patch);
            let latest = versions
                .iter()
                .filter_map(|v| semver::Version::parse(&v.number).ok())
                .max()
                .unwrap_or_else(|| semver::Version::new(1, 0, 0));
            let new_number = bumped(&latest, required).to_string();
            let now = Utc::now();
            self.retire_published(tx, grant, &versions, &new_number, now)?;
            let version = VersionRecord {
                template: id.to_owned(),
                number: new_number.clone(),
                seq: versions.last().map_or(1, |v| v.seq + 1),
                state: VersionState::Published,
                config: source.config.clone(),
                changelog: format!("Restored from {number}: {reason}"),
                author: grant.actor.clone(),
                reviewer: Some(grant.actor.clone()),
                parent: Some(parent.number.clone()),
                restored_from: Some(number.to_owned()),
                required_bump: Some(required),
                forced_reason: None,
                created_at: now,
                history: vec![StateChange {
                    state: VersionState::Published,
                    by: grant.actor.clone(),
                    at: now,
                    reason: Some(reason.to_owned()),
                }],
            };
            tx.put_version(&grant.tenant, &version)?;
            tx.audit(
                AuditEvent::new(
                    &grant.actor,
                    Some(&grant.tenant),
                    "version.restore",
                    &format!("{id}@{new_number}"),
                )
                .reason(reason.to_owned())
                .after(&VersionSummary::from(&version)),
            );
            Ok::<_, ServiceError>(VersionSummary::from(&version))
        })?;
        self.bump(&grant.tenant, Some(id));
        Ok(result)
    }

    /// A configuration by name: a version number, `published` or `draft`, presets expanded.
    fn named_config(&self, grant: &Grant, id: &str, name: &str) -> Result<Value, ServiceError> {
        let mut config = match name {
            "draft" => {
                self.store
                    .template(&grant.tenant, id)?
                    .ok_or_else(|| no_template(id))?
                    .draft
            }
            "published" => published(&self.store.versions(&grant.tenant, id)?)
                .map(|v| v.config.clone())
                .ok_or_else(|| ServiceError::NotFound {
                    kind: "published version of template",
                    id: id.to_owned(),
                })?,
            number => self.version(grant, id, number)?.config,
        };
        expand_presets(&mut config, &self.preset_map(&grant.tenant)?).map_err(invalid)?;
        Ok(config)
    }

    /// A structured diff between two configurations of a template, with the bump it needs.
    pub fn compare_versions(
        &self,
        grant: &Grant,
        id: &str,
        from: &str,
        to: &str,
    ) -> Result<Compatibility, ServiceError> {
        self.author(grant, id)?;
        Ok(compare(
            &self.named_config(grant, id, from)?,
            &self.named_config(grant, id, to)?,
        ))
    }

    /// What publishing version `number` would do: the compatibility against the published
    /// version, the overrides that touch what it removes, and the members who would see a
    /// different dashboard.
    pub fn impact(&self, grant: &Grant, id: &str, number: &str) -> Result<Value, ServiceError> {
        self.author(grant, id)?;
        let current = self.named_config(grant, id, "published")?;
        let candidate = self.named_config(grant, id, number)?;
        let compatibility = compare(&current, &candidate);
        let removed: Vec<&str> = compatibility
            .changes
            .iter()
            .filter(|c| c.kind == crate::versioning::compat::DiffKind::Removed)
            .map(|c| c.path.as_str())
            .collect();
        let mut touching = Vec::new();
        for o in self
            .store
            .overrides(&grant.tenant)?
            .into_iter()
            .filter(|o| o.template == id && !o.current.deleted)
        {
            let mut probe = current.clone();
            let paths: Vec<String> = merge(&mut probe, &o.current.patch)
                .into_iter()
                .map(|c| c.path)
                .collect();
            let hit: Vec<&String> = paths
                .iter()
                .filter(|p| removed.iter().any(|r| p.starts_with(r)))
                .collect();
            if !hit.is_empty() {
                touching.push(json!({"id": o.id, "scope": o.current.scope, "paths": hit}));
            }
        }
        let published_number = published(&self.store.versions(&grant.tenant, id)?)
            .map(|v| v.number.clone())
            .unwrap_or_default();
        // Who would see a change is people data: named only to those who may read people;
        // others learn how many, and of which roles.
        let names_people = grant.require(Resource::Users, Action::Read, None).is_ok();
        let mut affected = Vec::new();
        for member in self.store.members(&grant.tenant)? {
            let member_grant = self.member_grant(&grant.tenant, &member.user)?;
            let options = ResolveOptions::default();
            let before = self.resolve_uncached(
                &member_grant,
                id,
                &Base::Version(published_number.clone()),
                &options,
            );
            let after = self.resolve_uncached(
                &member_grant,
                id,
                &Base::Version(number.to_owned()),
                &options,
            );
            let differs = match (&before, &after) {
                (Ok(a), Ok(b)) => a.config != b.config,
                (Err(_), Err(_)) => false,
                _ => true,
            };
            if differs && !names_people {
                affected.push(json!({"role": member.role}));
            } else if differs {
                let email = self
                    .store
                    .user(&member.user)?
                    .map(|u| u.email)
                    .unwrap_or_default();
                affected.push(json!({"user": member.user, "email": email, "role": member.role, "attributes": member.attributes}));
            }
        }
        Ok(
            json!({"compatibility": compatibility, "overridesTouchingRemovedPaths": touching, "affectedMembers": affected}),
        )
    }

    /// The grant a member of `tenant` would have.
    pub(super) fn member_grant(&self, tenant: &str, user_id: &str) -> Result<Grant, ServiceError> {
        let user = self
            .store
            .user(user_id)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "user",
                id: user_id.to_owned(),
            })?;
        self.user_grant(tenant, &user)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "member",
                id: user_id.to_owned(),
            })
    }

    /// The dashboard as another member would be served it (admins of people only).
    pub fn resolve_as(
        &self,
        grant: &Grant,
        id: &str,
        user_id: &str,
        options: &ResolveOptions,
    ) -> Result<std::sync::Arc<super::Resolved>, ServiceError> {
        self.require(grant, Resource::Users, Action::Read, user_id)?;
        self.author(grant, id)?;
        let member = self.member_grant(&grant.tenant, user_id)?;
        Ok(std::sync::Arc::new(self.resolve_uncached(
            &member,
            id,
            &Base::of(options),
            options,
        )?))
    }

    pub fn overrides(
        &self,
        grant: &Grant,
        template: &str,
    ) -> Result<Vec<OverrideRecord>, ServiceError> {
        self.author(grant, template)?;
        self.require_template(grant, template)?;
        Ok(self
            .store
            .overrides(&grant.tenant)?
            .into_iter()
            .filter(|o| o.template == template)
            .collect())
    }

    pub fn override_record(&self, grant: &Grant, id: &str) -> Result<OverrideRecord, ServiceError> {
        self.author(grant, id)?;
        self.store
            .overrides(&grant.tenant)?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "override",
                id: id.to_owned(),
            })
    }

    /// Checks an override: scope, reason, version range, and that it leaves the published
    /// version a valid dashboard.
    fn check_override(
        &self,
        grant: &Grant,
        template: &str,
        input: &OverrideInput,
    ) -> Result<(), ServiceError> {
        input.scope.check().map_err(invalid)?;
        need_reason(&input.reason)?;
        if input.versions.trim() != "*" {
            semver::VersionReq::parse(&input.versions)
                .map_err(|e| invalid(format!("`versions` `{}`: {e}", input.versions)))?;
        }
        if !input.patch.is_object() {
            return Err(invalid(
                "an override's `patch` is a JSON object (a merge patch)",
            ));
        }
        if let Ok(mut config) = self.named_config(grant, template, "published") {
            let mut patch = input.patch.clone();
            expand_presets(&mut patch, &self.preset_map(&grant.tenant)?).map_err(invalid)?;
            merge(&mut config, &patch);
            self.check_config(grant, &config).map_err(|e| {
                invalid(format!(
                    "with this override the published version is no longer valid: {e}"
                ))
            })?;
        }
        Ok(())
    }

    pub fn create_override(
        &self,
        grant: &Grant,
        template: &str,
        input: OverrideInput,
    ) -> Result<OverrideRecord, ServiceError> {
        self.author(grant, template)?;
        self.require_template(grant, template)?;
        let id = input
            .id
            .clone()
            .ok_or_else(|| invalid("a new override needs an `id`"))?;
        check_id(&id, "override")?;
        self.check_override(grant, template, &input)?;
        let now = Utc::now();
        let state = OverrideState {
            scope: input.scope,
            priority: input.priority,
            active: input.active,
            versions: input.versions,
            patch: input.patch,
            reason: input.reason.clone(),
            deleted: false,
        };
        let record = OverrideRecord {
            id: id.clone(),
            template: template.to_owned(),
            current: state.clone(),
            revision: 1,
            created_by: grant.actor.clone(),
            created_at: now,
            history: vec![Revision {
                at: now,
                by: grant.actor.clone(),
                reason: Some(input.reason),
                state,
            }],
        };
        self.store.write(|tx| {
            if tx.template(&grant.tenant, template)?.is_none() {
                return Err(no_template(template));
            }
            if tx.override_record(&grant.tenant, &id)?.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "override `{id}` already exists"
                )));
            }
            tx.put_override(&grant.tenant, &record)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "override.create", &id)
                    .reason(record.current.reason.clone())
                    .after(&record.current),
            );
            Ok(())
        })?;
        self.bump(&grant.tenant, Some(template));
        Ok(record)
    }

    /// Changes an override (the earlier state stays in its history), or with `delete`
    /// retires it.
    pub fn update_override(
        &self,
        grant: &Grant,
        id: &str,
        input: OverrideInput,
        delete: bool,
    ) -> Result<OverrideRecord, ServiceError> {
        let existing = self.override_record(grant, id)?;
        if !delete {
            self.check_override(grant, &existing.template, &input)?;
        }
        need_reason(&input.reason)?;
        let record = self.store.write(|tx| {
            let mut record =
                tx.override_record(&grant.tenant, id)?
                    .ok_or_else(|| ServiceError::NotFound {
                        kind: "override",
                        id: id.to_owned(),
                    })?;
            let sent = input
                .revision
                .ok_or_else(|| invalid("send the `revision` you edited"))?;
            if sent != record.revision {
                return Err(stale("the override", sent, record.revision));
            }
            let before = record.current.clone();
            let mut state = if delete {
                OverrideState {
                    active: false,
                    deleted: true,
                    ..before.clone()
                }
            } else {
                OverrideState {
                    scope: input.scope.clone(),
                    priority: input.priority,
                    active: input.active,
                    versions: input.versions.clone(),
                    patch: input.patch.clone(),
                    reason: input.reason.clone(),
                    deleted: false,
                }
            };
            state.reason = input.reason.clone();
            let now = Utc::now();
            record.current = state.clone();
            record.revision += 1;
            record.history.push(Revision {
                at: now,
                by: grant.actor.clone(),
                reason: Some(input.reason.clone()),
                state,
            });
            tx.put_override(&grant.tenant, &record)?;
            tx.audit(
                AuditEvent::new(
                    &grant.actor,
                    Some(&grant.tenant),
                    if delete {
                        "override.delete"
                    } else {
                        "override.update"
                    },
                    id,
                )
                .reason(input.reason.clone())
                .before(&before)
                .after(&record.current),
            );
            Ok(record)
        })?;
        self.bump(&grant.tenant, Some(&record.template));
        Ok(record)
    }

    pub fn presets(&self, grant: &Grant) -> Result<Vec<PresetRecord>, ServiceError> {
        self.author(grant, "presets")?;
        Ok(self.store.presets(&grant.tenant)?)
    }

    /// Checks that with preset `id` holding `content` every preset still expands (no cycle,
    /// depth or size past the limits) and so does everything that may use it: each template's
    /// draft and live versions (which must stay valid dashboards) and each override's patch.
    /// A preset is refused at write time rather than found broken at the next resolution.
    fn check_presets_in_use(
        &self,
        grant: &Grant,
        id: &str,
        content: &Value,
    ) -> Result<(), ServiceError> {
        let before = self.preset_map(&grant.tenant)?;
        let mut after = before.clone();
        after.insert(id.to_owned(), content.clone());
        expanded(&json!({ "$preset": id }), &after)
            .map_err(|e| invalid(format!("preset `{id}`: {e}")))?;
        let (_, datasets) = self.catalog(&grant.tenant)?;
        let expands = |config: &Value, presets: &Presets| {
            expanded(config, presets).map_err(|e| e.to_string())
        };
        let dashboard = |config: &Value, presets: &Presets| {
            let mut typed: DashboardConfig =
                serde_json::from_value(expands(config, presets)?).map_err(|e| e.to_string())?;
            typed.validate(&datasets).map_err(|e| e.to_string())
        };
        // Only what this change breaks is refused: something already broken before it (say,
        // by a dataset change) does not block fixing an unrelated preset.
        let unbroken = |what: String,
                        check: &dyn Fn(&Presets) -> Result<(), String>|
         -> Result<(), ServiceError> {
            match check(&after) {
                Err(message) if check(&before).is_ok() => Err(invalid(format!(
                    "with this preset {what} would break: {message}"
                ))),
                _ => Ok(()),
            }
        };
        for name in before.keys().filter(|name| *name != id) {
            let reference = json!({ "$preset": name });
            unbroken(format!("preset `{name}`"), &|p| {
                expands(&reference, p).map(|_| ())
            })?;
        }
        for template in self.store.templates(&grant.tenant)? {
            unbroken(format!("the draft of `{}`", template.id), &|p| {
                dashboard(&template.draft, p)
            })?;
            for version in self.store.versions(&grant.tenant, &template.id)? {
                if matches!(
                    version.state,
                    VersionState::Review | VersionState::Published | VersionState::Deprecated
                ) {
                    unbroken(
                        format!("version {} of `{}`", version.number, template.id),
                        &|p| dashboard(&version.config, p),
                    )?;
                }
            }
        }
        for record in self.store.overrides(&grant.tenant)? {
            if !record.current.deleted {
                unbroken(format!("override `{}`", record.id), &|p| {
                    expands(&record.current.patch, p).map(|_| ())
                })?;
            }
        }
        Ok(())
    }

    /// Creates (no `revision`) or changes (the `revision` edited) a preset.
    pub fn put_preset(
        &self,
        grant: &Grant,
        id: &str,
        input: PresetInput,
    ) -> Result<PresetRecord, ServiceError> {
        self.author(grant, id)?;
        check_id(id, "preset")?;
        need_reason(&input.reason)?;
        if !["filter", "kpi", "table", "format", "drilldown"].contains(&input.kind.as_str()) {
            return Err(invalid(format!(
                "preset kind `{}` is not one of filter, kpi, table, format, drilldown",
                input.kind
            )));
        }
        self.check_presets_in_use(grant, id, &input.content)?;
        let record = self.store.write(|tx| {
            let now = Utc::now();
            let existing = tx.preset(&grant.tenant, id)?;
            let record = match (existing, input.revision) {
                (None, None) => PresetRecord {
                    id: id.to_owned(),
                    kind: input.kind.clone(),
                    description: input.description.clone(),
                    content: input.content.clone(),
                    revision: 1,
                    updated_by: grant.actor.clone(),
                    updated_at: now,
                    history: vec![Revision {
                        at: now,
                        by: grant.actor.clone(),
                        reason: Some(input.reason.clone()),
                        state: input.content.clone(),
                    }],
                },
                (Some(existing), Some(sent)) if sent == existing.revision => {
                    let mut record = existing;
                    record.kind = input.kind.clone();
                    record.description = input.description.clone();
                    record.content = input.content.clone();
                    record.revision += 1;
                    record.updated_by = grant.actor.clone();
                    record.updated_at = now;
                    record.history.push(Revision {
                        at: now,
                        by: grant.actor.clone(),
                        reason: Some(input.reason.clone()),
                        state: input.content.clone(),
                    });
                    record
                }
                (Some(existing), Some(sent)) => {
                    return Err(stale("the preset", sent, existing.revision));
                }
                (Some(_), None) => {
                    return Err(ServiceError::Conflict(format!(
                        "preset `{id}` exists; send the `revision` you edited"
                    )));
                }
                (None, Some(_)) => {
                    return Err(ServiceError::NotFound {
                        kind: "preset",
                        id: id.to_owned(),
                    });
                }
            };
            tx.put_preset(&grant.tenant, &record)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "preset.put", id)
                    .reason(input.reason.clone())
                    .after(&record.content),
            );
            Ok(record)
        })?;
        self.bump(&grant.tenant, None);
        Ok(record)
    }

    pub fn experiments(
        &self,
        grant: &Grant,
        template: &str,
    ) -> Result<Vec<ExperimentRecord>, ServiceError> {
        self.author(grant, template)?;
        self.require_template(grant, template)?;
        Ok(self
            .store
            .experiments(&grant.tenant)?
            .into_iter()
            .filter(|e| e.template == template)
            .collect())
    }

    fn check_arms(&self, grant: &Grant, template: &str, arms: &[Arm]) -> Result<(), ServiceError> {
        if arms.is_empty() {
            return Err(invalid("an experiment needs at least one arm"));
        }
        let total: f64 = arms.iter().map(|a| a.weight).sum();
        if arms.iter().any(|a| !(0.0..=100.0).contains(&a.weight)) || total > 100.0 + 1e-9 {
            return Err(invalid(
                "arm weights are percents that add up to at most 100",
            ));
        }
        let versions = self.store.versions(&grant.tenant, template)?;
        let overrides = self.store.overrides(&grant.tenant)?;
        for arm in arms {
            match (&arm.version, &arm.override_id) {
                (Some(number), None) => {
                    let version =
                        versions
                            .iter()
                            .find(|v| &v.number == number)
                            .ok_or_else(|| {
                                invalid(format!("arm `{}`: no version {number}", arm.name))
                            })?;
                    // An arm serves its version to real users, so it must have passed review.
                    if !matches!(
                        version.state,
                        VersionState::Published | VersionState::Deprecated
                    ) {
                        return Err(invalid(format!(
                            "arm `{}`: version {number} is {:?}; an arm serves only a published or deprecated version",
                            arm.name, version.state
                        )));
                    }
                }
                (None, Some(id)) => {
                    overrides
                        .iter()
                        .find(|o| &o.id == id && o.template == template && !o.current.deleted)
                        .ok_or_else(|| {
                            invalid(format!(
                                "arm `{}`: no override `{id}` on this template",
                                arm.name
                            ))
                        })?;
                }
                _ => {
                    return Err(invalid(format!(
                        "arm `{}` names either a `version` or an `override`",
                        arm.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Starts an experiment (or rollout) on a template. Arms take their weights in order, so
    /// raising the first arm's weight only adds users to it.
    pub fn create_experiment(
        &self,
        grant: &Grant,
        template: &str,
        input: ExperimentInput,
    ) -> Result<ExperimentRecord, ServiceError> {
        self.author(grant, template)?;
        self.require_template(grant, template)?;
        need_reason(&input.reason)?;
        let id = input
            .id
            .clone()
            .ok_or_else(|| invalid("a new experiment needs an `id`"))?;
        check_id(&id, "experiment")?;
        let arms = input
            .arms
            .clone()
            .ok_or_else(|| invalid("a new experiment needs `arms`"))?;
        self.check_arms(grant, template, &arms)?;
        if let Some(audience) = &input.audience {
            audience.check().map_err(invalid)?;
        }
        let now = Utc::now();
        let state = ExperimentState {
            arms,
            audience: input.audience.clone(),
            running: input.running.unwrap_or(true),
            winner: None,
        };
        let record = ExperimentRecord {
            id: id.clone(),
            template: template.to_owned(),
            seed: format!("{}/{id}", grant.tenant),
            current: state.clone(),
            created_by: grant.actor.clone(),
            created_at: now,
            history: vec![Revision {
                at: now,
                by: grant.actor.clone(),
                reason: Some(input.reason.clone()),
                state,
            }],
        };
        self.store.write(|tx| {
            if tx.experiment(&grant.tenant, &id)?.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "experiment `{id}` already exists"
                )));
            }
            if tx
                .experiments(&grant.tenant)?
                .iter()
                .any(|e| e.template == template && e.current.running)
                && record.current.running
            {
                return Err(ServiceError::Conflict(format!(
                    "template `{template}` already has a running experiment; stop it first"
                )));
            }
            tx.put_experiment(&grant.tenant, &record)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "experiment.create", &id)
                    .reason(input.reason.clone())
                    .after(&record.current),
            );
            Ok(())
        })?;
        self.bump(&grant.tenant, Some(template));
        Ok(record)
    }

    /// Changes weights, audience or running state; with `promote`, makes that arm everyone's
    /// (its version published, or its override switched on) and stops the experiment.
    pub fn update_experiment(
        &self,
        grant: &Grant,
        id: &str,
        input: ExperimentInput,
        promote: Option<&str>,
    ) -> Result<ExperimentRecord, ServiceError> {
        need_reason(&input.reason)?;
        let existing = self
            .store
            .experiments(&grant.tenant)?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "experiment",
                id: id.to_owned(),
            })?;
        self.author(grant, &existing.template)?;
        if let Some(arms) = &input.arms {
            self.check_arms(grant, &existing.template, arms)?;
        }
        let winner = promote
            .map(|name| {
                existing
                    .current
                    .arms
                    .iter()
                    .find(|a| a.name == name)
                    .cloned()
                    .ok_or_else(|| invalid(format!("no arm `{name}`")))
            })
            .transpose()?;
        if let Some(Arm {
            version: Some(number),
            ..
        }) = &winner
        {
            let version = self.version(grant, &existing.template, number)?;
            if version.state != VersionState::Published {
                let to = TransitionInput {
                    to: VersionState::Published,
                    reason: format!("promoted from experiment {id}: {}", input.reason),
                };
                self.transition(grant, &existing.template, number, to)?;
            }
        }
        let record = self.store.write(|tx| {
            let mut record =
                tx.experiment(&grant.tenant, id)?
                    .ok_or_else(|| ServiceError::NotFound {
                        kind: "experiment",
                        id: id.to_owned(),
                    })?;
            let before = record.current.clone();
            if let Some(arms) = &input.arms {
                record.current.arms = arms.clone();
            }
            if input.audience.is_some() {
                record.current.audience = input.audience.clone();
            }
            if let Some(running) = input.running {
                record.current.running = running;
            }
            if let Some(winner) = &winner {
                if let Some(override_id) = &winner.override_id
                    && let Some(mut o) = tx.override_record(&grant.tenant, override_id)?
                {
                    o.current.active = true;
                    o.current.reason = format!("promoted from experiment {id}: {}", input.reason);
                    o.revision += 1;
                    o.history.push(Revision {
                        at: Utc::now(),
                        by: grant.actor.clone(),
                        reason: Some(o.current.reason.clone()),
                        state: o.current.clone(),
                    });
                    tx.put_override(&grant.tenant, &o)?;
                    tx.audit(
                        AuditEvent::new(
                            &grant.actor,
                            Some(&grant.tenant),
                            "override.update",
                            override_id,
                        )
                        .reason(o.current.reason.clone())
                        .after(&o.current),
                    );
                }
                record.current.running = false;
                record.current.winner = Some(winner.name.clone());
            }
            record.history.push(Revision {
                at: Utc::now(),
                by: grant.actor.clone(),
                reason: Some(input.reason.clone()),
                state: record.current.clone(),
            });
            tx.put_experiment(&grant.tenant, &record)?;
            tx.audit(
                AuditEvent::new(
                    &grant.actor,
                    Some(&grant.tenant),
                    if winner.is_some() {
                        "experiment.promote"
                    } else {
                        "experiment.update"
                    },
                    id,
                )
                .reason(input.reason.clone())
                .before(&before)
                .after(&record.current),
            );
            Ok::<_, ServiceError>(record)
        })?;
        self.bump(&grant.tenant, Some(&record.template));
        Ok(record)
    }
}
