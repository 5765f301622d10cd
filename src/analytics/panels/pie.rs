//! Pie and donut charts: one additive measure by the values of a dimension, the largest
//! slices first and the rest summed into one "Other" slice.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{PanelRequest, Runner, Tabular, json_number, number, query_measure};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::analytics::sql::{self, Sql};
use crate::dashboards::PieSource;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PieData {
    /// Largest first; an "Other" slice, when there is one, comes last.
    pub slices: Vec<PieSlice>,
    /// The sum of every slice.
    pub total: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PieSlice {
    pub name: String,
    pub value: Option<f64>,
    /// True for the slice that sums the values beyond the panel's limit.
    pub other: bool,
    /// How many values of the dimension the slice holds (1 unless `other`).
    pub members: u64,
}

/// The name of the slice that holds the rest.
pub const OTHER: &str = "Other";

impl PieData {
    /// A row per slice.
    pub fn tabular(&self) -> Tabular {
        Tabular {
            columns: vec!["slice".into(), "value".into()],
            rows: self
                .slices
                .iter()
                .map(|s| vec![Json::String(s.name.clone()), json_number(s.value)])
                .collect(),
        }
    }
}

pub(super) fn pie(
    run: &mut Runner<'_>,
    source: &PieSource,
    request: &PanelRequest,
) -> Result<PieData, AnalyticsError> {
    let dimension = run.dataset.column(&source.dimension)?;
    let query = Query {
        measures: vec![query_measure(&source.measure)],
        dimensions: vec![source.dimension.clone()],
        filters: source.filters.clone(),
        range: request.range,
        ..Query::default()
    };
    let (inner, rollup, notes) = run.plan(&query)?;
    // Rank the groups by value; those past the limit fall into one group of their own. A
    // lone value past the limit keeps its name (`min` of one is itself).
    let sql = Sql {
        text: format!(
            "SELECT \"__other\", CAST({} AS VARCHAR), sum(\"__m0\"), count(*) FROM (\
             SELECT \"__d0\", \"__m0\", row_number() OVER (ORDER BY \"__m0\" DESC NULLS LAST, \"__d0\" NULLS LAST) > {} AS \"__other\" FROM ({})\
             ) GROUP BY \"__other\", CASE WHEN \"__other\" THEN NULL ELSE \"__d0\" END \
             ORDER BY \"__other\", 3 DESC NULLS LAST, 2 NULLS LAST",
            sql::display_text("min(\"__d0\")", dimension.column_type),
            source.slices(),
            inner.text,
        ),
        params: inner.params,
    };
    let mut slices = Vec::new();
    run.each(&sql, (rollup, notes), |row| {
        let grouped: bool = row.get(0)?;
        let members = row.get::<_, i64>(3)?.max(0) as u64;
        let other = grouped && members > 1;
        let name = if other {
            OTHER.to_owned()
        } else {
            row.get::<_, Option<String>>(1)?
                .unwrap_or_else(|| "(none)".into())
        };
        slices.push(PieSlice {
            name,
            value: number(row, 2)?,
            other,
            members,
        });
        Ok(())
    })?;
    let total = slices
        .iter()
        .filter_map(|s| s.value)
        .fold(None, |sum: Option<f64>, v| Some(sum.unwrap_or(0.0) + v));
    Ok(PieData { slices, total })
}
