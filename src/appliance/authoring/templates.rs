//! Templates and their drafts: listing, creating, renaming and retiring, and saving a draft
//! (checked against the catalog and the plan, with the writer's revision).

use super::{VersionSummary, check_id, invalid, need_reason, no_template, published, stale};
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::identity::policy::{Action, Grant, Resource};
use crate::store::TemplateRecord;
use crate::store::records::TemplateStatus;
use crate::versioning::compat::compare;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    pub config: Value,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
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

/// A template in the list: what it is and where its versions stand.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TemplateSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: TemplateStatus,
    #[serde(rename = "draftRevision")]
    pub draft_revision: u64,
    /// The published version's number.
    pub published: Option<String>,
    /// How many versions it has.
    pub versions: usize,
}

/// A template with its draft working copy.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TemplateView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: TemplateStatus,
    pub schema_version: String,
    /// A dashboard configuration, possibly with `$preset` references.
    pub draft: Value,
    /// Sent back with the next draft save; a newer one on the server is a conflict.
    pub draft_revision: u64,
    pub draft_updated_by: String,
    pub draft_updated_at: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TemplateRecord> for TemplateView {
    fn from(t: TemplateRecord) -> Self {
        Self {
            id: t.id,
            name: t.name,
            description: t.description,
            status: t.status,
            schema_version: t.schema_version,
            draft: t.draft,
            draft_revision: t.draft_revision,
            draft_updated_by: t.draft_updated_by,
            draft_updated_at: t.draft_updated_at,
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// `GET /api/v1/templates/{id}`: the template and its versions, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TemplateDetail {
    pub template: TemplateView,
    pub versions: Vec<VersionSummary>,
}

impl Appliance {
    pub fn templates(&self, grant: &Grant) -> Result<Vec<TemplateSummary>, ServiceError> {
        self.author(grant, "templates")?;
        let mut out = Vec::new();
        for t in self.store.templates(&grant.tenant)? {
            let versions = self.store.versions(&grant.tenant, &t.id)?;
            out.push(TemplateSummary {
                published: published(&versions).map(|v| v.number.clone()),
                versions: versions.len(),
                id: t.id,
                name: t.name,
                description: t.description,
                status: t.status,
                draft_revision: t.draft_revision,
            });
        }
        Ok(out)
    }

    pub fn template(&self, grant: &Grant, id: &str) -> Result<TemplateDetail, ServiceError> {
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
        Ok(TemplateDetail {
            template: template.into(),
            versions,
        })
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
}
