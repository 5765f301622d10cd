//! Maps: one measure per region, largest first.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{PanelRequest, Runner, Tabular, json_number, number, query_measure};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::analytics::sql::Sql;
use crate::dashboards::{MapName, MapSource};

/// Regions a map answers at most (the world has fewer than 200 countries).
pub const MAX_MAP_REGIONS: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MapData {
    pub map: MapName,
    pub regions: Vec<MapRegion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MapRegion {
    pub name: String,
    pub value: Option<f64>,
}

impl MapData {
    /// A row per region.
    pub fn tabular(&self) -> Tabular {
        Tabular {
            columns: ["region", "value"].map(str::to_owned).to_vec(),
            rows: self
                .regions
                .iter()
                .map(|r| vec![Json::String(r.name.clone()), json_number(r.value)])
                .collect(),
        }
    }
}

pub(super) fn map(
    run: &mut Runner<'_>,
    source: &MapSource,
    request: &PanelRequest,
) -> Result<MapData, AnalyticsError> {
    let query = Query {
        measures: vec![query_measure(&source.value)],
        dimensions: vec![source.region.clone()],
        filters: source.filters.clone(),
        range: request.range,
        ..Query::default()
    };
    let (inner, rollup, notes) = run.plan(&query)?;
    let sql = Sql {
        text: format!(
            "SELECT \"__d0\", \"__m0\" FROM ({}) WHERE \"__d0\" IS NOT NULL \
             ORDER BY \"__m0\" DESC NULLS LAST, \"__d0\" LIMIT {MAX_MAP_REGIONS}",
            inner.text
        ),
        params: inner.params,
    };
    let mut regions = Vec::new();
    run.each(&sql, (rollup, notes), |row| {
        regions.push(MapRegion {
            name: row.get(0)?,
            value: number(row, 1)?,
        });
        Ok(())
    })?;
    Ok(MapData {
        map: source.map,
        regions,
    })
}
