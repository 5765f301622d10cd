//! The `bar` panel: measures by one dimension, largest first.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::Filter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BarSource {
    pub dataset: String,
    pub dimension: String,
    pub measures: Vec<Measure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (6, 2);

impl BarSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        check
            .dataset
            .column(&self.dimension)
            .map_err(|e| check.catalog(e))?;
        if self.measures.is_empty() {
            return Err(check.fail("a bar chart needs at least one measure".into()));
        }
        self.measures.iter().try_for_each(|m| check.measure(m))?;
        Ok(())
    }
}
