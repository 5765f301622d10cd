//! The `pie` panel (a donut with `display.donut`): one additive measure split by a dimension,
//! the largest slices named and the rest summed into "Other".

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::{Aggregation, Filter};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PieSource {
    pub dataset: String,
    pub dimension: String,
    pub measure: Measure,
    /// Named slices at most; the rest become one "Other" slice (default
    /// [`DEFAULT_SLICES`], at most [`MAX_SLICES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (4, 2);
/// Named slices when the panel sets no limit.
pub const DEFAULT_SLICES: u32 = 8;
/// More slices than this cannot be told apart.
pub const MAX_SLICES: u32 = 20;

impl PieSource {
    /// Named slices the chart shows before "Other".
    pub fn slices(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_SLICES)
    }

    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        check
            .dataset
            .column(&self.dimension)
            .map_err(|e| check.catalog(e))?;
        check.measure(&self.measure)?;
        // Slices are parts of a whole: only an aggregation whose parts add up to it will do.
        if !matches!(self.measure.agg, Aggregation::Sum | Aggregation::Count) {
            return Err(check.fail(format!(
                "a pie shows parts of a whole, so its measure must be `sum` or `count`, not `{:?}`",
                self.measure.agg
            )));
        }
        if !(1..=MAX_SLICES).contains(&self.slices()) {
            return Err(check.fail(format!("limit must be between 1 and {MAX_SLICES} slices")));
        }
        Ok(())
    }
}
