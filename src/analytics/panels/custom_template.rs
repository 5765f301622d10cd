//! Text cards: the card's values over the panel's rows (and per row of one dimension when it
//! loops), filled into its template by [`crate::text_card`].

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{PanelRequest, Runner, Tabular, json_number, number, query_measure};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::analytics::sql::{self, Sql};
use crate::dashboards::CustomTemplateSource;
use crate::text_card::{self, CardData, CardRow, TextBlock};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CustomTemplateData {
    /// The filled card.
    pub blocks: Vec<TextBlock>,
    /// Each value over every row of the panel, in the order of the source's `values`.
    pub totals: Vec<Option<f64>>,
    /// The values' names, in the same order.
    pub names: Vec<String>,
    /// The loop's dimension, when the card loops.
    pub rows_by: Option<String>,
    /// The loop's rows (empty without `rows_by`).
    pub rows: Vec<CardRow>,
}

impl CustomTemplateData {
    /// The loop's rows with a column per value, or the totals as one row without a loop.
    pub fn tabular(&self) -> Tabular {
        let names = self.names.iter().cloned();
        if let Some(by) = &self.rows_by {
            let mut columns = vec![by.clone()];
            columns.extend(names);
            let rows = self
                .rows
                .iter()
                .map(|row| {
                    let mut cells = vec![Json::String(row.label.clone())];
                    cells.extend(row.values.iter().map(|v| json_number(*v)));
                    cells
                })
                .collect();
            Tabular { columns, rows }
        } else {
            Tabular {
                columns: names.collect(),
                rows: vec![self.totals.iter().map(|v| json_number(*v)).collect()],
            }
        }
    }
}

pub(super) fn custom_template(
    run: &mut Runner<'_>,
    source: &CustomTemplateSource,
    request: &PanelRequest,
) -> Result<CustomTemplateData, AnalyticsError> {
    let measures: Vec<_> = source
        .values
        .iter()
        .map(|v| query_measure(&v.measure))
        .collect();
    let totals = {
        let query = Query {
            measures: measures.clone(),
            filters: source.filters.clone(),
            range: request.range,
            ..Query::default()
        };
        let (inner, rollup, notes) = run.plan(&query)?;
        let columns: Vec<String> = (0..measures.len()).map(|i| format!("\"__m{i}\"")).collect();
        let sql = Sql {
            text: format!("SELECT {} FROM ({})", columns.join(", "), inner.text),
            params: inner.params,
        };
        run.one(&sql, (rollup, notes), |row| {
            (0..measures.len())
                .map(|i| number(row, i))
                .collect::<Result<Vec<_>, _>>()
        })?
    };
    let mut rows = Vec::new();
    if let Some(by) = &source.rows_by {
        let dimension = run.dataset.column(by)?;
        let query = Query {
            measures: measures.clone(),
            dimensions: vec![by.clone()],
            filters: source.filters.clone(),
            range: request.range,
            ..Query::default()
        };
        let (inner, rollup, notes) = run.plan(&query)?;
        let values: Vec<String> = (0..measures.len()).map(|i| format!("\"__m{i}\"")).collect();
        let sql = Sql {
            text: format!(
                "SELECT CAST({} AS VARCHAR), {} FROM ({}) \
                 ORDER BY \"__m0\" DESC NULLS LAST, \"__d0\" NULLS LAST LIMIT {}",
                sql::display_text("\"__d0\"", dimension.column_type),
                values.join(", "),
                inner.text,
                source.row_limit()
            ),
            params: inner.params,
        };
        run.each(&sql, (rollup, notes), |row| {
            rows.push(CardRow {
                label: row
                    .get::<_, Option<String>>(0)?
                    .unwrap_or_else(|| "(none)".into()),
                values: (0..measures.len())
                    .map(|i| number(row, i + 1))
                    .collect::<Result<_, _>>()?,
            });
            Ok(())
        })?;
    }
    let names: Vec<&str> = source.values.iter().map(|v| v.name.as_str()).collect();
    let blocks = text_card::render(
        &source.template,
        &CardData {
            names: &names,
            totals: &totals,
            rows: source.rows_by.as_deref().map(|by| (by, &rows[..])),
        },
    )
    .map_err(|e| AnalyticsError::Invalid(e.to_string()))?;
    Ok(CustomTemplateData {
        blocks,
        totals,
        names: names.into_iter().map(str::to_owned).collect(),
        rows_by: source.rows_by.clone(),
        rows,
    })
}
