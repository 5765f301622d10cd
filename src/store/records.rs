//! Stored records: what the configuration database keeps, apart from wire and domain types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::DatasetDef;
use crate::dashboards::DashboardConfig;
use crate::identity::policy::{Permission, Plan};

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

/// A dashboard template with its current published configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    pub id: String,
    pub status: TemplateStatus,
    pub schema_version: String,
    /// The published version's number (semver).
    pub version: String,
    pub config: DashboardConfig,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateStatus {
    Active,
    Deprecated,
    Archived,
}
