//! What a dashboard's filter controls offer: the distinct values of a column, or its smallest
//! and largest value, read under the same filters the caller's panels get.

use duckdb::Connection;
use duckdb::types::ValueRef;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::AnalyticsError;
use super::sql::{self, Sql, TimeRange};
use crate::catalog::DatasetDef;
use crate::vocabulary::{Filter, FilterOp};

/// Options a control's list offers at most (`limit`).
pub const MAX_OPTIONS: u32 = 1_000;
/// Options when the request names no limit.
pub const DEFAULT_OPTIONS: u32 = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ControlOptions {
    /// Distinct values in order, as text (selects and searches).
    pub values: Vec<String>,
    /// True when there were more values than the limit: narrow them with `q`.
    pub truncated: bool,
    /// The column's smallest and largest value (ranges).
    pub min: Option<Json>,
    pub max: Option<Json>,
}

/// Distinct values of `column` under `filters`, those containing `search` when given, in
/// order, at most `limit`.
pub fn distinct_values(
    conn: &Connection,
    dataset: &DatasetDef,
    column: &str,
    filters: &[Filter],
    search: Option<&str>,
    limit: u32,
) -> Result<ControlOptions, AnalyticsError> {
    let def = dataset.column(column)?;
    let mut filters = filters.to_vec();
    if let Some(text) = search.filter(|t| !t.is_empty()) {
        filters.push(Filter {
            column: column.to_owned(),
            op: FilterOp::Contains,
            value: text.into(),
        });
    }
    filters.push(Filter {
        column: column.to_owned(),
        op: FilterOp::NotNull,
        value: Json::Null,
    });
    let quoted = sql::column(def);
    let mut statement = Sql::default();
    statement.push(&format!(
        "SELECT DISTINCT CAST({} AS VARCHAR) AS \"__v\", {quoted} AS \"__o\"",
        sql::display_text(&quoted, def.column_type)
    ));
    sql::push_from_where(&mut statement, dataset, &filters, TimeRange::default())?;
    statement.push(&format!(
        " ORDER BY \"__o\" LIMIT {}",
        limit.min(MAX_OPTIONS) + 1
    ));
    let mut prepared = conn.prepare(&statement.text)?;
    let mut rows = prepared.query(duckdb::params_from_iter(statement.params.iter()))?;
    let mut values = Vec::new();
    let mut truncated = false;
    while let Some(row) = rows.next()? {
        if values.len() as u32 == limit.min(MAX_OPTIONS) {
            truncated = true;
            break;
        }
        values.push(row.get::<_, String>(0)?);
    }
    Ok(ControlOptions {
        values,
        truncated,
        min: None,
        max: None,
    })
}

/// The smallest and largest value of `column` under `filters`.
pub fn span(
    conn: &Connection,
    dataset: &DatasetDef,
    column: &str,
    filters: &[Filter],
) -> Result<ControlOptions, AnalyticsError> {
    let def = dataset.column(column)?;
    let quoted = sql::column(def);
    let show = |expr: String| {
        if def.column_type.is_numeric() {
            format!("CAST({expr} AS DOUBLE)")
        } else {
            format!(
                "CAST({} AS VARCHAR)",
                sql::display_text(&expr, def.column_type)
            )
        }
    };
    let mut statement = Sql::default();
    statement.push(&format!(
        "SELECT {}, {}",
        show(format!("min({quoted})")),
        show(format!("max({quoted})"))
    ));
    sql::push_from_where(&mut statement, dataset, filters, TimeRange::default())?;
    let mut prepared = conn.prepare(&statement.text)?;
    let mut rows = prepared.query(duckdb::params_from_iter(statement.params.iter()))?;
    let (mut min, mut max) = (None, None);
    if let Some(row) = rows.next()? {
        let read = |value: ValueRef<'_>| match value {
            ValueRef::Null => None,
            ValueRef::Double(v) => serde_json::Number::from_f64(v).map(Json::Number),
            ValueRef::Text(t) => Some(Json::String(String::from_utf8_lossy(t).into_owned())),
            _ => None,
        };
        min = read(row.get_ref(0)?);
        max = read(row.get_ref(1)?);
    }
    Ok(ControlOptions {
        values: Vec::new(),
        truncated: false,
        min,
        max,
    })
}
