//! The `gauge` panel: one measure on a dial from `min` to `max`, with an optional target and
//! the panel's thresholds drawn as coloured bands.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::Filter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GaugeSource {
    pub dataset: String,
    pub value: Measure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Measure>,
    /// The dial's start (default 0, or the value when it is below 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The dial's end; without it a round number above the target (or the value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (4, 2);

impl GaugeSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        check.measure(&self.value)?;
        if let Some(target) = &self.target {
            check.measure(target)?;
        }
        for (name, bound) in [("min", self.min), ("max", self.max)] {
            if bound.is_some_and(|b| !b.is_finite()) {
                return Err(check.fail(format!("{name} must be a finite number")));
            }
        }
        if let (Some(min), Some(max)) = (self.min, self.max)
            && min >= max
        {
            return Err(check.fail(format!("min ({min}) must be below max ({max})")));
        }
        check.attainment_target(self.target.as_ref())
    }
}
