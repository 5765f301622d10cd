//! Bar charts: measures by the values of one dimension.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{PanelRequest, Runner, Tabular, json_number, measure_name, number, query_measure};
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

impl BarData {
    /// A row per category, a column per series.
    pub fn tabular(&self) -> Tabular {
        let mut columns = vec!["category".to_owned()];
        columns.extend(self.series.iter().map(|s| s.name.clone()));
        let rows = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, category)| {
                let mut row = vec![Json::String(category.clone())];
                row.extend(
                    self.series
                        .iter()
                        .map(|s| json_number(s.values.get(i).copied().flatten())),
                );
                row
            })
            .collect();
        Tabular { columns, rows }
    }
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
