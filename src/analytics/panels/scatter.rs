//! Scatter plots: a point per value of a dimension, placed by two measures, sized by a third
//! and coloured by a second dimension when the panel names them.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{PanelRequest, Runner, Tabular, json_number, measure_name, number, query_measure};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::analytics::sql::{self, Sql};
use crate::dashboards::ScatterSource;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ScatterData {
    /// The measures' names, for the axes and the tooltip.
    pub x: String,
    pub y: String,
    pub size: Option<String>,
    /// The label of the column that colours the points, when there is one.
    pub color_by: Option<String>,
    /// In the order of the dimension's values.
    pub points: Vec<ScatterPoint>,
    /// True when there were more points than the panel's limit.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ScatterPoint {
    pub label: String,
    pub group: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub size: Option<f64>,
}

impl ScatterData {
    /// A row per point: its label, its group when coloured, and each measure.
    pub fn tabular(&self) -> Tabular {
        let mut columns = vec!["label".to_owned()];
        columns.extend(self.color_by.clone());
        columns.push(self.x.clone());
        columns.push(self.y.clone());
        columns.extend(self.size.clone());
        let rows = self
            .points
            .iter()
            .map(|p| {
                let mut row = vec![Json::String(p.label.clone())];
                if self.color_by.is_some() {
                    row.push(p.group.clone().map_or(Json::Null, Json::String));
                }
                row.push(json_number(p.x));
                row.push(json_number(p.y));
                if self.size.is_some() {
                    row.push(json_number(p.size));
                }
                row
            })
            .collect();
        Tabular { columns, rows }
    }
}

pub(super) fn scatter(
    run: &mut Runner<'_>,
    source: &ScatterSource,
    request: &PanelRequest,
) -> Result<ScatterData, AnalyticsError> {
    let dimension = run.dataset.column(&source.dimension)?;
    let color = source
        .color_by
        .as_deref()
        .map(|name| run.dataset.column(name))
        .transpose()?;
    let mut measures = vec![query_measure(&source.x), query_measure(&source.y)];
    measures.extend(source.size.as_ref().map(query_measure));
    let mut dimensions = vec![source.dimension.clone()];
    dimensions.extend(source.color_by.clone());
    let query = Query {
        measures,
        dimensions,
        filters: source.filters.clone(),
        range: request.range,
        ..Query::default()
    };
    let (inner, rollup, notes) = run.plan(&query)?;
    let mut columns = vec![format!(
        "CAST({} AS VARCHAR)",
        sql::display_text("\"__d0\"", dimension.column_type)
    )];
    if let Some(color) = color {
        columns.push(format!(
            "CAST({} AS VARCHAR)",
            sql::display_text("\"__d1\"", color.column_type)
        ));
    }
    columns.extend((0..query.measures.len()).map(|i| format!("\"__m{i}\"")));
    let order = if color.is_some() {
        "\"__d0\" NULLS LAST, \"__d1\" NULLS LAST"
    } else {
        "\"__d0\" NULLS LAST"
    };
    let limit = source.points() as usize;
    let sql = Sql {
        text: format!(
            "SELECT {} FROM ({}) ORDER BY {order} LIMIT {}",
            columns.join(", "),
            inner.text,
            limit + 1
        ),
        params: inner.params,
    };
    let first = if color.is_some() { 2 } else { 1 };
    let has_size = source.size.is_some();
    let mut points = Vec::new();
    let mut truncated = false;
    run.each(&sql, (rollup, notes), |row| {
        if points.len() == limit {
            truncated = true;
            return Ok(());
        }
        points.push(ScatterPoint {
            label: row
                .get::<_, Option<String>>(0)?
                .unwrap_or_else(|| "(none)".into()),
            group: if color.is_some() {
                Some(
                    row.get::<_, Option<String>>(1)?
                        .unwrap_or_else(|| "(none)".into()),
                )
            } else {
                None
            },
            x: number(row, first)?,
            y: number(row, first + 1)?,
            size: if has_size {
                number(row, first + 2)?
            } else {
                None
            },
        });
        Ok(())
    })?;
    Ok(ScatterData {
        x: measure_name(&source.x),
        y: measure_name(&source.y),
        size: source.size.as_ref().map(measure_name),
        color_by: color.map(|c| {
            if c.label.is_empty() {
                c.name.clone()
            } else {
                c.label.clone()
            }
        }),
        points,
        truncated,
    })
}
