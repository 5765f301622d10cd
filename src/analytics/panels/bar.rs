//! Bar charts: measures by the values of one dimension.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{PanelRequest, Runner, measure_name, number, query_measure};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::analytics::sql::{self, Sql};
use crate::dashboards::BarSource;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BarData {
    pub categories: Vec<String>,
    pub series: Vec<BarSeries>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BarSeries {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

pub(super) fn bar(
    run: &mut Runner<'_>,
    source: &BarSource,
    request: &PanelRequest,
) -> Result<BarData, AnalyticsError> {
    let dimension = run.dataset.column(&source.dimension)?;
    let query = Query {
        measures: source.measures.iter().map(query_measure).collect(),
        dimensions: vec![source.dimension.clone()],
        filters: source.filters.clone(),
        range: request.range,
        ..Query::default()
    };
    let (inner, rollup, notes) = run.plan(&query)?;
    let values: Vec<String> = (0..source.measures.len())
        .map(|i| format!("\"__m{i}\""))
        .collect();
    let sql = Sql {
        text: format!(
            "SELECT CAST({} AS VARCHAR), {} FROM ({}) ORDER BY \"__d0\" NULLS LAST LIMIT {}",
            sql::display_text("\"__d0\"", dimension.column_type),
            values.join(", "),
            inner.text,
            source.limit.unwrap_or(50).min(1000)
        ),
        params: inner.params,
    };
    let mut categories = Vec::new();
    let mut series: Vec<BarSeries> = source
        .measures
        .iter()
        .map(|m| BarSeries {
            name: measure_name(m),
            values: Vec::new(),
        })
        .collect();
    run.each(&sql, (rollup, notes), |row| {
        categories.push(
            row.get::<_, Option<String>>(0)?
                .unwrap_or_else(|| "(none)".into()),
        );
        for (index, s) in series.iter_mut().enumerate() {
            s.values.push(number(row, index + 1)?);
        }
        Ok(())
    })?;
    Ok(BarData { categories, series })
}
