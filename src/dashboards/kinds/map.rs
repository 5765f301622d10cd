//! The `map` panel: a measure by region, coloured on a map whose boundaries ship inside the
//! binary (India's states and union territories, or the world's countries). The region column
//! holds the regions' names as the map spells them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::Measure;
use crate::vocabulary::Filter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MapSource {
    pub dataset: String,
    pub map: MapName,
    /// The column naming each row's region.
    pub region: String,
    pub value: Measure,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// The maps Flexboard ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MapName {
    /// India's states and union territories, by name ("Tamil Nadu", "Delhi").
    IndiaStates,
    /// The world's countries, by their English short name ("India", "Germany").
    WorldCountries,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (6, 3);

impl MapSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        let column = check
            .dataset
            .column(&self.region)
            .map_err(|e| check.catalog(e))?;
        if column.column_type != crate::catalog::ColumnType::Varchar {
            return Err(check.fail(format!(
                "a map's region column holds the regions' names: `{}` is {:?}, not text",
                column.name, column.column_type
            )));
        }
        check.measure(&self.value)
    }
}
