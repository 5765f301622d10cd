//! Tables: rows or groups, sorted with stable ties, paginated, with their total.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PanelRequest, Runner, Tabular, json_value};
use crate::analytics::AnalyticsError;
use crate::analytics::query::{Query, QueryMeasure};
use crate::analytics::sql::{self, Sql};
use crate::catalog::ColumnType;
use crate::dashboards::{PanelConfig, TableSource, ValueFormat};
use crate::vocabulary::{Aggregation, SortOrder};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TableData {
    pub columns: Vec<TableColumnOut>,
    pub rows: Vec<serde_json::Map<String, Json>>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub sort: String,
    pub order: SortOrder,
}

impl TableData {
    /// This page's rows in the table's column order.
    pub fn tabular(&self) -> Tabular {
        Tabular {
            columns: self.columns.iter().map(|c| c.key.clone()).collect(),
            rows: self
                .rows
                .iter()
                .map(|row| {
                    self.columns
                        .iter()
                        .map(|c| row.get(&c.key).cloned().unwrap_or(Json::Null))
                        .collect()
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TableColumnOut {
    pub key: String,
    pub label: String,
    pub format: ValueFormat,
    pub sortable: bool,
}

pub(super) fn table(
    run: &mut Runner<'_>,
    panel: &PanelConfig,
    source: &TableSource,
    request: &PanelRequest,
) -> Result<TableData, AnalyticsError> {
    let dataset = run.dataset;
    let grouped = source.columns.iter().any(|c| c.agg.is_some());
    let mut select = Vec::with_capacity(source.columns.len());
    let mut query = Query {
        filters: source.filters.clone(),
        range: request.range,
        ..Query::default()
    };
    let mut out_columns = Vec::with_capacity(source.columns.len());
    for column in &source.columns {
        let def = dataset.column(&column.name)?;
        let expr = match (grouped, column.agg) {
            (true, Some(agg)) => {
                query.measures.push(QueryMeasure {
                    column: column.name.clone(),
                    agg,
                });
                format!("\"__m{}\"", query.measures.len() - 1)
            }
            (true, None) => {
                query.dimensions.push(column.name.clone());
                sql::display_text(
                    &format!("\"__d{}\"", query.dimensions.len() - 1),
                    def.column_type,
                )
            }
            (false, _) => sql::display_text(&sql::column(def), def.column_type),
        };
        select.push(format!("{expr} AS {}", sql::ident(&column.name)));
        let numeric = def.column_type.is_numeric()
            || matches!(
                column.agg,
                Some(Aggregation::Count | Aggregation::CountDistinct)
            );
        out_columns.push(TableColumnOut {
            key: column.name.clone(),
            label: column.label.clone().unwrap_or_else(|| {
                if def.label.is_empty() {
                    def.name.clone()
                } else {
                    def.label.clone()
                }
            }),
            format: column.format.unwrap_or(if numeric {
                ValueFormat::Number
            } else if def.column_type == ColumnType::Timestamp {
                ValueFormat::Datetime
            } else if def.column_type == ColumnType::Date {
                ValueFormat::Date
            } else {
                ValueFormat::Text
            }),
            sortable: true,
        });
    }

    let sort = request
        .sort
        .clone()
        .or_else(|| panel.display.default_sort.clone())
        .unwrap_or_else(|| source.columns[0].name.clone());
    if !source.columns.iter().any(|c| c.name == sort) {
        return Err(AnalyticsError::Invalid(format!(
            "cannot sort by `{sort}`: the table's columns are {}",
            source
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let order = request
        .order
        .or(panel.display.default_sort_order)
        .unwrap_or_default();
    let page_size = request
        .page_size
        .or(panel.display.page_size)
        .unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(AnalyticsError::Invalid(format!(
            "page_size must be 1 to {MAX_PAGE_SIZE}"
        )));
    }
    let page = request.page.max(1);

    // Ties are broken by every other column, so pages are stable and never overlap.
    let direction = match order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    let mut order_by = vec![format!("{} {direction} NULLS LAST", sql::ident(&sort))];
    order_by.extend(
        source
            .columns
            .iter()
            .filter(|c| c.name != sort)
            .map(|c| format!("{} ASC NULLS LAST", sql::ident(&c.name))),
    );
    let page_clause = format!(
        " ORDER BY {} LIMIT {page_size} OFFSET {}",
        order_by.join(", "),
        u64::from(page - 1) * u64::from(page_size)
    );

    let mut rows = Vec::new();
    let mut counted: Option<i64> = None;
    let read_row = |row: &duckdb::Row<'_>,
                    rows: &mut Vec<serde_json::Map<String, Json>>|
     -> Result<(), duckdb::Error> {
        let mut object = serde_json::Map::with_capacity(source.columns.len());
        for (index, column) in source.columns.iter().enumerate() {
            object.insert(column.name.clone(), json_value(row.get_ref(index)?));
        }
        rows.push(object);
        Ok(())
    };
    let total = if grouped {
        // A grouped table counts its groups in the same statement: a window over the few
        // grouped rows.
        let (inner, rollup, notes) = run.plan(&query)?;
        let rows_sql = Sql {
            text: format!(
                "SELECT *, count(*) OVER () FROM (SELECT {} FROM ({})){page_clause}",
                select.join(", "),
                inner.text
            ),
            params: inner.params,
        };
        run.each(&rows_sql, (rollup, notes), |row| {
            counted = Some(row.get(source.columns.len())?);
            read_row(row, &mut rows)
        })?;
        match counted {
            Some(total) => total,
            // Past the last page: count the groups on their own.
            None => {
                let (inner, rollup, notes) = run.plan(&query)?;
                let count = Sql {
                    text: format!("SELECT count(*) FROM ({})", inner.text),
                    params: inner.params,
                };
                run.one(&count, (rollup, notes), |row| row.get::<_, i64>(0))?
            }
        }
    } else {
        // A plain table counts separately, which DuckDB answers without sorting every row.
        let origin = run.raw("a table of rows (no aggregate) reads the raw rows")?;
        let mut from = Sql::default();
        sql::push_from_where(&mut from, dataset, &source.filters, request.range)?;
        let rows_sql = Sql {
            text: format!("SELECT {}{}{page_clause}", select.join(", "), from.text),
            params: from.params.clone(),
        };
        run.each(&rows_sql, origin.clone(), |row| read_row(row, &mut rows))?;
        let count = Sql {
            text: format!("SELECT count(*){}", from.text),
            params: from.params,
        };
        run.one(&count, origin, |row| row.get::<_, i64>(0))?
    };
    Ok(TableData {
        columns: out_columns,
        rows,
        total: u64::try_from(total).unwrap_or_default(),
        page,
        page_size,
        sort,
        order,
    })
}
