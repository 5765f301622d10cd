//! The `timeseries` panel: measures over time, bucketed by the range or a fixed grain.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::{Aggregation, Filter, Grain};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TimeseriesSource {
    pub dataset: String,
    pub measures: Vec<Measure>,
    /// A column whose values split the data into one line each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_label: Option<String>,
    /// With `series_label`: the lines of the largest values on their own, the rest summed into
    /// one "Other" line (at most [`MAX_SERIES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<u32>,
    /// A fixed bucket; without it the bucket follows the time range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grain: Option<Grain>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (8, 2);
/// Lines a chart draws at most; a label column with more values shows the largest.
pub const MAX_SERIES: u32 = 30;

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
        if let Some(top) = self.top {
            if self.series_label.is_none() {
                return Err(check.fail("top needs a series_label to pick lines from".into()));
            }
            if !(1..=MAX_SERIES).contains(&top) {
                return Err(check.fail(format!("top must be between 1 and {MAX_SERIES} lines")));
            }
            if !matches!(self.measures[0].agg, Aggregation::Sum | Aggregation::Count) {
                return Err(check.fail(format!(
                    "top sums the other lines into one, so the measure must be `sum` or `count`, not `{:?}`",
                    self.measures[0].agg
                )));
            }
        }
        // Without a label column the lines are the measures: styles must name one of them.
        if self.series_label.is_none() {
            let names: Vec<&str> = self
                .measures
                .iter()
                .map(|m| m.label.as_deref().unwrap_or(&m.column))
                .collect();
            let display = check.display;
            for (what, list) in [
                ("dashed", &display.dashed),
                ("right_axis", &display.right_axis),
            ] {
                if let Some(unknown) = list.iter().find(|n| !names.contains(&n.as_str())) {
                    return Err(check.fail(format!(
                        "{what} names `{unknown}`, which is none of the lines ({})",
                        names.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }
}
