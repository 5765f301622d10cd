//! Stored records: what the configuration database keeps, apart from wire and domain types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::DatasetDef;
use crate::dashboards::DashboardConfig;
use crate::identity::policy::{Permission, Plan};
use crate::versioning::compat::Bump;
use crate::versioning::{OverrideScope, VersionState};
use serde_json::Value;
use ts_rs::TS;

/// A workspace: an isolated organisation with its own DuckDB file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantRecord {
    /// `WK-` followed by nine characters of Crockford base 32.
    pub id: String,
    pub name: String,
    pub slug: String,
    pub created_at: DateTime<Utc>,
    /// Set for the demo tenant: how its data was generated.
    #[serde(default)]
    pub demo: Option<DemoInfo>,
    #[serde(default)]
    pub plan: Plan,
    /// A deactivated tenant keeps its data, but nobody can select it or reach it.
    #[serde(default = "yes")]
    pub active: bool,
    /// The workspace's look on every dashboard, under what a dashboard's own branding sets.
    #[serde(default)]
    pub branding: WorkspaceBranding,
}

/// A workspace's colours, font, default theme and logo.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct WorkspaceBranding {
    /// `#RRGGBB`: headings, links, buttons and the first chart colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    /// `#RRGGBB`: the second chart colour and highlights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    /// One of the fonts the binary embeds ([`crate::dashboards::FONTS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<crate::dashboards::Theme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<LogoInfo>,
}

/// The uploaded logo: its bytes are kept apart, under the tenant's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LogoInfo {
    /// `image/png`, `image/jpeg`, `image/webp`, `image/gif` or `image/svg+xml`.
    pub content_type: String,
    pub bytes: u64,
    /// SHA-256 of the stored bytes: the logo's URL changes with it.
    pub digest: String,
    pub updated_at: DateTime<Utc>,
}

fn yes() -> bool {
    true
}

/// A person who signs in. Memberships say which tenants they reach and as what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// `US-` and ten Crockford base-32 characters.
    pub id: String,
    /// Lowercase; unique.
    pub email: String,
    pub name: String,
    /// argon2id, PHC string form.
    pub password_hash: String,
    /// Reaches every tenant with every permission.
    pub super_admin: bool,
    pub disabled: bool,
    /// Raised whenever the user's access changes (disabled, roles, password); sessions made
    /// under an older epoch are no longer valid.
    pub epoch: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user's place in a tenant: a role and the attributes attribute rules read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipRecord {
    pub tenant: String,
    pub user: String,
    pub role: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub updated_at: DateTime<Utc>,
}

/// A business role a tenant defines, with its permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleRecord {
    pub tenant: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub permissions: Vec<Permission>,
    pub updated_at: DateTime<Utc>,
}

/// A signed-in browser. Stored under the SHA-256 of its token; the token itself exists only
/// in the cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub user: String,
    /// The tenant the session works in.
    pub tenant: Option<String>,
    /// Sent back in `X-CSRF-Token` on every state-changing request.
    pub csrf: String,
    /// The user's epoch when the session was made.
    pub epoch: u64,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// A tenant-scoped secret for agents and automation, stored hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// `AK-` and ten Crockford base-32 characters; also the key's public prefix.
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// SHA-256 of the secret part.
    pub secret_hash: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoInfo {
    pub seed: u64,
    pub sales_rows: u64,
    pub generated_at: DateTime<Utc>,
    pub generation_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    pub definition: DatasetDef,
    pub updated_at: DateTime<Utc>,
}

/// A dashboard template: the canonical dashboard, with its draft working copy. Its published
/// snapshots are [`VersionRecord`]s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub status: TemplateStatus,
    pub schema_version: String,
    /// The working copy editors change (a dashboard configuration, possibly with `$preset`
    /// references).
    pub draft: Value,
    /// Raised at every draft change; a writer sends the revision it edited (else 409).
    pub draft_revision: u64,
    pub draft_updated_by: String,
    pub draft_updated_at: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The shape templates had in store schema 1 (one published configuration, no versions);
/// read only by the migration to schema 2.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateRecordV1 {
    pub id: String,
    pub status: TemplateStatus,
    pub schema_version: String,
    pub version: String,
    pub config: DashboardConfig,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An immutable snapshot of a template, with its lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
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
    /// The bump the compatibility check required against the parent, and the reason given
    /// when a smaller one was forced.
    pub required_bump: Option<Bump>,
    pub forced_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Every state the version has been in, oldest first (the first is its creation).
    pub history: Vec<StateChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    pub state: VersionState,
    pub by: String,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl VersionRecord {
    /// A template's first version, published at creation (installed templates, migration).
    pub fn first(template: &str, number: &str, config: Value, by: &str, at: DateTime<Utc>) -> Self {
        Self {
            template: template.to_owned(),
            number: number.to_owned(),
            seq: 1,
            state: VersionState::Published,
            config,
            changelog: "First version.".into(),
            author: by.to_owned(),
            reviewer: None,
            parent: None,
            restored_from: None,
            required_bump: None,
            forced_reason: None,
            created_at: at,
            history: vec![StateChange {
                state: VersionState::Published,
                by: by.to_owned(),
                at,
                reason: Some("installed".into()),
            }],
        }
    }

    /// The state the version was in at `at`, if it existed then.
    pub fn state_at(&self, at: DateTime<Utc>) -> Option<VersionState> {
        self.history
            .iter()
            .take_while(|c| c.at <= at)
            .last()
            .map(|c| c.state)
    }

    /// Whether it was ever published: only such a version passed review, so only it may be
    /// restored.
    pub fn was_published(&self) -> bool {
        self.history
            .iter()
            .any(|c| c.state == VersionState::Published)
    }

    /// When it last became published, at or before `at`.
    pub fn published_since(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .take_while(|c| c.at <= at)
            .filter(|c| c.state == VersionState::Published)
            .map(|c| c.at)
            .last()
    }
}

/// A reusable piece of configuration, referenced from templates as `{"$preset": "<id>"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresetRecord {
    pub id: String,
    /// `filter`, `kpi`, `table`, `format` or `drilldown`.
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub content: Value,
    pub revision: u64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    /// Earlier contents, oldest first, each with the time it took effect.
    pub history: Vec<Revision<Value>>,
}

/// A past state of something, from `at` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision<T> {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: Option<String>,
    pub state: T,
}

/// What an override says at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverrideState {
    pub scope: OverrideScope,
    pub priority: Option<i32>,
    pub active: bool,
    /// Semver requirement of the versions it was written for (`*` for any).
    pub versions: String,
    pub patch: Value,
    pub reason: String,
    #[serde(default)]
    pub deleted: bool,
}

/// A partial configuration layered on a template for a scope. Every state it had is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverrideRecord {
    pub id: String,
    pub template: String,
    pub current: OverrideState,
    pub revision: u64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub history: Vec<Revision<OverrideState>>,
}

/// One arm of an experiment: a version, or an override switched on, for a share of users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, rename = "override")]
    pub override_id: Option<String>,
    /// Percent of the audience.
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentState {
    pub arms: Vec<Arm>,
    pub audience: Option<OverrideScope>,
    pub running: bool,
    pub winner: Option<String>,
}

/// An A/B test or progressive rollout on a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRecord {
    pub id: String,
    pub template: String,
    pub seed: String,
    pub current: ExperimentState,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub history: Vec<Revision<ExperimentState>>,
}

/// The state of something with a history at `at`: the last revision at or before it.
pub fn state_at<T>(history: &[Revision<T>], at: DateTime<Utc>) -> Option<&T> {
    history
        .iter()
        .take_while(|r| r.at <= at)
        .last()
        .map(|r| &r.state)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TemplateStatus {
    Active,
    Deprecated,
    Archived,
}

/// Everything a new tenant starts with (the demo's folder).
#[derive(Debug, Clone)]
pub struct TenantInstall {
    pub tenant: TenantRecord,
    pub datasets: Vec<DatasetRecord>,
    pub templates: Vec<(TemplateRecord, VersionRecord)>,
    pub presets: Vec<PresetRecord>,
    pub overrides: Vec<OverrideRecord>,
}
