//! Stored records: what the configuration database keeps, apart from wire and domain types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::DatasetDef;
use crate::dashboards::DashboardConfig;

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
