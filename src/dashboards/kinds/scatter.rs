//! The `scatter` panel: one point per value of a dimension, placed by two measures, sized by an
//! optional third and coloured by an optional second dimension.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::Filter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ScatterSource {
    pub dataset: String,
    /// One point per value of this column.
    pub dimension: String,
    pub x: Measure,
    pub y: Measure,
    /// Sizes the points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Measure>,
    /// A column whose values colour the points (one legend entry each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_by: Option<String>,
    /// Points at most (default [`DEFAULT_POINTS`], at most [`MAX_POINTS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (6, 2);
/// Points when the panel sets no limit.
pub const DEFAULT_POINTS: u32 = 500;
/// More points than this are a table's job, not a chart's.
pub const MAX_POINTS: u32 = 5_000;

impl ScatterSource {
    /// Points the chart shows at most.
    pub fn points(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_POINTS)
    }

    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        check
            .dataset
            .column(&self.dimension)
            .map_err(|e| check.catalog(e))?;
        if let Some(color) = &self.color_by {
            check.dataset.column(color).map_err(|e| check.catalog(e))?;
            if color == &self.dimension {
                return Err(check.fail(
                    "color_by must be another column than the dimension that makes the points"
                        .into(),
                ));
            }
        }
        check.measure(&self.x)?;
        check.measure(&self.y)?;
        if let Some(size) = &self.size {
            check.measure(size)?;
        }
        if !(1..=MAX_POINTS).contains(&self.points()) {
            return Err(check.fail(format!("limit must be between 1 and {MAX_POINTS} points")));
        }
        Ok(())
    }
}
