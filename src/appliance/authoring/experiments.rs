//! Experiments: arms of published or deprecated versions by weight, for an audience.

use super::{RevisionView, TransitionInput, check_id, invalid, need_reason, revisions};
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::identity::policy::Grant;
use crate::store::ExperimentRecord;
use crate::store::records::{Arm, ExperimentState, Revision};
use crate::versioning::{OverrideScope, VersionState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An experiment or rollout with every state it had.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ExperimentView {
    pub id: String,
    pub template: String,
    /// Mixed into each person's bucket, so experiments split people independently.
    pub seed: String,
    pub current: ExperimentStateView,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub history: Vec<RevisionView<ExperimentStateView>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ExperimentStateView {
    pub arms: Vec<ArmView>,
    /// Who takes part; everyone when `null`.
    pub audience: Option<OverrideScope>,
    pub running: bool,
    /// The promoted arm.
    pub winner: Option<String>,
}

/// One arm: a version, or an override switched on, for a share of the audience.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ArmView {
    pub name: String,
    pub version: Option<String>,
    #[serde(rename = "override")]
    pub override_id: Option<String>,
    /// Percent of the audience.
    pub weight: f64,
}

impl From<ExperimentState> for ExperimentStateView {
    fn from(s: ExperimentState) -> Self {
        Self {
            arms: s
                .arms
                .into_iter()
                .map(|a| ArmView {
                    name: a.name,
                    version: a.version,
                    override_id: a.override_id,
                    weight: a.weight,
                })
                .collect(),
            audience: s.audience,
            running: s.running,
            winner: s.winner,
        }
    }
}

impl From<ExperimentRecord> for ExperimentView {
    fn from(e: ExperimentRecord) -> Self {
        Self {
            id: e.id,
            template: e.template,
            seed: e.seed,
            current: e.current.into(),
            created_by: e.created_by,
            created_at: e.created_at,
            history: revisions(e.history),
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
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

impl Appliance {
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
