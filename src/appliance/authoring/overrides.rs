//! Overrides of a template for a tenant, role, zone, user or attribute: checked as a patch
//! over every version they apply to, with priority, version range and reason.

use super::{RevisionView, check_id, invalid, need_reason, no_template, revisions, stale};
use crate::appliance::resolution::expand_presets;
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::identity::policy::Grant;
use crate::store::OverrideRecord;
use crate::store::records::{OverrideState, Revision};
use crate::versioning::OverrideScope;
use crate::versioning::merge::merge;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// An override with every state it had.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OverrideView {
    pub id: String,
    pub template: String,
    pub current: OverrideStateView,
    /// Sent back with the next change; a newer one on the server is a conflict.
    pub revision: u64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Oldest first, each with who made it, when and why.
    pub history: Vec<RevisionView<OverrideStateView>>,
}

/// What an override says at one moment.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OverrideStateView {
    pub scope: OverrideScope,
    /// `null`: the scope's default priority.
    pub priority: Option<i32>,
    pub active: bool,
    /// Semver requirement of the versions it was written for (`*` for any).
    pub versions: String,
    pub patch: Value,
    pub reason: String,
    pub deleted: bool,
}

impl From<OverrideState> for OverrideStateView {
    fn from(s: OverrideState) -> Self {
        Self {
            scope: s.scope,
            priority: s.priority,
            active: s.active,
            versions: s.versions,
            patch: s.patch,
            reason: s.reason,
            deleted: s.deleted,
        }
    }
}

impl From<OverrideRecord> for OverrideView {
    fn from(o: OverrideRecord) -> Self {
        Self {
            id: o.id,
            template: o.template,
            current: o.current.into(),
            revision: o.revision,
            created_by: o.created_by,
            created_at: o.created_at,
            history: revisions(o.history),
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
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

impl Appliance {
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
}
