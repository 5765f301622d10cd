//! The `health_status` panel: red/amber/green rows from a numeric status column.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HealthSource {
    pub dataset: String,
    pub columns: HealthColumns,
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HealthColumns {
    pub name: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (4, 1);

impl HealthSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        let columns = &self.columns;
        check
            .dataset
            .column(&columns.name)
            .map_err(|e| check.catalog(e))?;
        let status = check
            .dataset
            .column(&columns.status)
            .map_err(|e| check.catalog(e))?;
        if !status.column_type.is_numeric() {
            return Err(check.fail(format!("status column `{}` must be numeric", status.name)));
        }
        for optional in [&columns.timestamp, &columns.message].into_iter().flatten() {
            check
                .dataset
                .column(optional)
                .map_err(|e| check.catalog(e))?;
        }
        Ok(())
    }
}
