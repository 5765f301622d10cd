//! The `timeseries` panel: measures over time, bucketed by the range or a fixed grain.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::{Filter, Grain};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TimeseriesSource {
    pub dataset: String,
    pub measures: Vec<Measure>,
    /// A column whose values split the data into one line each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_label: Option<String>,
    /// A fixed bucket; without it the bucket follows the time range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grain: Option<Grain>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (8, 2);

impl TimeseriesSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        if check.dataset.time_column().is_none() {
            return Err(check.fail(format!(
                "a time series needs a time column, and dataset `{}` has none",
                check.dataset.name
            )));
        }
        if self.measures.is_empty() {
            return Err(check.fail("a time series needs at least one measure".into()));
        }
        self.measures.iter().try_for_each(|m| check.measure(m))?;
        if let Some(label) = &self.series_label {
            check.dataset.column(label).map_err(|e| check.catalog(e))?;
            if self.measures.len() > 1 {
                return Err(check.fail(
                    "series_label splits one measure into lines; give exactly one measure".into(),
                ));
            }
        }
        Ok(())
    }
}
