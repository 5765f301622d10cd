//! Presets: reusable pieces of configuration, checked at write time by expanding everything
//! that uses them.

use super::{Presets, RevisionView, check_id, invalid, need_reason, revisions, stale};
use crate::appliance::resolution::expanded;
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::dashboards::DashboardConfig;
use crate::identity::policy::Grant;
use crate::store::PresetRecord;
use crate::store::records::Revision;
use crate::versioning::VersionState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

/// A preset with its earlier contents.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PresetView {
    pub id: String,
    /// `filter`, `kpi`, `table`, `format` or `drilldown`.
    pub kind: String,
    pub description: String,
    pub content: Value,
    pub revision: u64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    /// Oldest first, each with the time it took effect.
    pub history: Vec<RevisionView<Value>>,
}

impl From<PresetRecord> for PresetView {
    fn from(p: PresetRecord) -> Self {
        Self {
            id: p.id,
            kind: p.kind,
            description: p.description,
            content: p.content,
            revision: p.revision,
            updated_by: p.updated_by,
            updated_at: p.updated_at,
            history: revisions(p.history),
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
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

impl Appliance {
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
}
