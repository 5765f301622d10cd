//! Versions through their lifecycle: snapshots of the draft numbered by the compatibility
//! check, transitions with review by someone other than the author, restore of a version that
//! was once published, comparison and impact.

use std::collections::BTreeMap;

use super::{invalid, need_reason, no_template, published, stale};
use crate::appliance::resolution::{Base, ResolveOptions, expand_presets, expanded};
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::identity::policy::{Action, Grant, Resource};
use crate::store::records::StateChange;
use crate::store::{StoreError, Tx, VersionRecord};
use crate::versioning::compat::{Bump, Compatibility, bumped, compare};
use crate::versioning::merge::merge;
use crate::versioning::{OverrideScope, VersionState};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
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

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: VersionState,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
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

/// A version whole: its configuration, how it was numbered, and every state it was in.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VersionView {
    pub template: String,
    /// Semver `MAJOR.MINOR.PATCH`.
    pub number: String,
    /// Creation order within the template.
    pub seq: u64,
    pub state: VersionState,
    pub config: Value,
    pub changelog: String,
    pub author: String,
    pub reviewer: Option<String>,
    pub parent: Option<String>,
    pub restored_from: Option<String>,
    /// The bump the compatibility check required against the parent.
    pub required_bump: Option<Bump>,
    /// Why a smaller bump than required was made.
    pub forced_reason: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    /// Oldest first; the first is its creation.
    pub history: Vec<StateChangeView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StateChangeView {
    pub state: VersionState,
    pub by: String,
    pub at: chrono::DateTime<Utc>,
    pub reason: Option<String>,
}

impl From<VersionRecord> for VersionView {
    fn from(v: VersionRecord) -> Self {
        Self {
            template: v.template,
            number: v.number,
            seq: v.seq,
            state: v.state,
            config: v.config,
            changelog: v.changelog,
            author: v.author,
            reviewer: v.reviewer,
            parent: v.parent,
            restored_from: v.restored_from,
            required_bump: v.required_bump,
            forced_reason: v.forced_reason,
            created_at: v.created_at,
            history: v
                .history
                .into_iter()
                .map(|c| StateChangeView {
                    state: c.state,
                    by: c.by,
                    at: c.at,
                    reason: c.reason,
                })
                .collect(),
        }
    }
}

/// A new version, with the compatibility check that numbered it (none for the first).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct NewVersionAnswer {
    pub version: VersionSummary,
    pub compatibility: Option<Compatibility>,
}

/// What publishing a version would do.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    /// Against the published version.
    pub compatibility: Compatibility,
    pub overrides_touching_removed_paths: Vec<TouchingOverride>,
    /// The members who would see a different dashboard.
    pub affected_members: Vec<AffectedMember>,
}

/// An override that changes something the version removes.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TouchingOverride {
    pub id: String,
    pub scope: OverrideScope,
    pub paths: Vec<String>,
}

/// A member who would see a change: named to those who may read people, else only the role.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum AffectedMember {
    Person {
        user: String,
        email: String,
        role: String,
        attributes: BTreeMap<String, String>,
    },
    Role {
        role: String,
    },
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

impl Appliance {
    /// Snapshots the draft as a new version (state `draft`), numbered by the compatibility
    /// check against the published version (or the latest one).
    pub fn create_version(
        &self,
        grant: &Grant,
        id: &str,
        new: NewVersion,
    ) -> Result<NewVersionAnswer, ServiceError> {
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
            Ok(NewVersionAnswer {
                version: VersionSummary::from(&version),
                compatibility,
            })
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
    pub(super) fn named_config(
        &self,
        grant: &Grant,
        id: &str,
        name: &str,
    ) -> Result<Value, ServiceError> {
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
    pub fn impact(&self, grant: &Grant, id: &str, number: &str) -> Result<Impact, ServiceError> {
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
            let hit: Vec<String> = paths
                .into_iter()
                .filter(|p| removed.iter().any(|r| p.starts_with(r)))
                .collect();
            if !hit.is_empty() {
                touching.push(TouchingOverride {
                    id: o.id,
                    scope: o.current.scope,
                    paths: hit,
                });
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
                affected.push(AffectedMember::Role { role: member.role });
            } else if differs {
                let email = self
                    .store
                    .user(&member.user)?
                    .map(|u| u.email)
                    .unwrap_or_default();
                affected.push(AffectedMember::Person {
                    user: member.user,
                    email,
                    role: member.role,
                    attributes: member.attributes,
                });
            }
        }
        Ok(Impact {
            compatibility,
            overrides_touching_removed_paths: touching,
            affected_members: affected,
        })
    }
}
