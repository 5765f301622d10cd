//! The `kpi` panel: one measure, optionally against a target, with thresholds.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::Filter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KpiSource {
    pub dataset: String,
    pub value: Measure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Measure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (4, 1);

impl KpiSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        check.measure(&self.value)?;
        if let Some(target) = &self.target {
            check.measure(target)?;
        }
        check.attainment_target(self.target.as_ref())
    }
}
