//! SQL text built from typed parts: identifiers only from the catalog and always quoted, values
//! only as bound parameters. This is the one place where SQL strings are assembled.

use chrono::NaiveDateTime;
use duckdb::types::Value;
use serde_json::Value as Json;

use crate::catalog::{ColumnDef, ColumnType, DatasetDef};
use crate::vocabulary::{Aggregation, Filter, FilterOp, Grain};

/// A statement under construction with its parameters, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub fn bind(&mut self, value: Value) -> &mut Self {
        self.text.push('?');
        self.params.push(value);
        self
    }
}

/// A quoted identifier. Catalog names are already restricted to `[a-z][a-z0-9_]*`; quoting and
/// doubling any quote keeps even a bad name from ending the identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// ` GROUP BY 1, 2, …` for the first `keys` select items (nothing when there are none).
pub fn group_by(keys: usize) -> String {
    if keys == 0 {
        return String::new();
    }
    let positions: Vec<String> = (1..=keys).map(|k| k.to_string()).collect();
    format!(" GROUP BY {}", positions.join(", "))
}

/// A SQL string literal (single quotes doubled). Only for text Flexboard made itself, such as
/// the path of a staged import; request values are always parameters.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A column of the dataset, quoted; the caller has already resolved it through the catalog.
pub fn column(def: &ColumnDef) -> String {
    ident(&def.name)
}

/// `agg(column)` cast to DOUBLE so every measure reads back as one numeric type. `latest` takes
/// the value of the row with the greatest time; rows sharing that time yield their largest
/// value, so the answer never depends on scan order.
pub fn measure(agg: Aggregation, col: &ColumnDef, time: Option<&ColumnDef>) -> String {
    let c = column(col);
    let expr = match agg {
        Aggregation::Sum => format!("sum({c})"),
        Aggregation::Count => format!("count({c})"),
        Aggregation::Avg => format!("avg({c})"),
        Aggregation::Min => format!("min({c})"),
        Aggregation::Max => format!("max({c})"),
        Aggregation::CountDistinct => format!("count(DISTINCT {c})"),
        Aggregation::Latest => {
            let time = time.map(column).unwrap_or_else(|| c.clone());
            format!("arg_max({c}, row({time}, {c}))")
        }
    };
    if col.column_type.is_numeric()
        || matches!(agg, Aggregation::Count | Aggregation::CountDistinct)
    {
        format!("CAST({expr} AS DOUBLE)")
    } else {
        display_text(&expr, col.column_type)
    }
}

/// Temporal values are returned as ISO 8601 text so every reader sees one format.
pub fn display_text(expr: &str, column_type: ColumnType) -> String {
    match column_type {
        ColumnType::Date => format!("strftime({expr}, '%Y-%m-%d')"),
        ColumnType::Timestamp => format!("strftime({expr}, '%Y-%m-%dT%H:%M:%S')"),
        _ => expr.to_owned(),
    }
}

/// The bucket expression of a time column at a grain (a DATE or TIMESTAMP).
pub fn bucket(time: &ColumnDef, grain: Grain) -> String {
    let coarse = matches!(
        grain,
        Grain::Day | Grain::Week | Grain::Month | Grain::Quarter | Grain::Year
    );
    // A DATE column truncated to a day or coarser stays a DATE: casting every row to a
    // TIMESTAMP first costs more than the aggregation.
    let t = if time.column_type == ColumnType::Date && coarse {
        column(time)
    } else {
        format!("CAST({} AS TIMESTAMP)", column(time))
    };
    match grain {
        Grain::Raw => t,
        Grain::Minute => format!("date_trunc('minute', {t})"),
        Grain::TenMinutes => format!("time_bucket(INTERVAL '10 minutes', {t})"),
        Grain::Hour => format!("date_trunc('hour', {t})"),
        Grain::Day => format!("date_trunc('day', {t})"),
        Grain::Week => format!("date_trunc('week', {t})"),
        Grain::Month => format!("date_trunc('month', {t})"),
        Grain::Quarter => format!("date_trunc('quarter', {t})"),
        Grain::Year => format!("date_trunc('year', {t})"),
    }
}

/// An inclusive time range; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Option<NaiveDateTime>,
    pub end: Option<NaiveDateTime>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BuildError {
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("{0}")]
    Filter(String),
}

/// Appends ` FROM <dataset> WHERE …` for the filters and the time range (no `WHERE` when both
/// are empty).
pub fn push_from_where(
    sql: &mut Sql,
    dataset: &DatasetDef,
    filters: &[Filter],
    range: TimeRange,
) -> Result<(), BuildError> {
    let time = dataset.time_column().map(column);
    push_from_table(sql, dataset, &ident(&dataset.name), time, filters, range)
}

/// [`push_from_where`] on another table holding the dataset's columns (a rollup), whose time
/// is `time` (a quoted column).
pub fn push_from_table(
    sql: &mut Sql,
    dataset: &DatasetDef,
    table: &str,
    time: Option<String>,
    filters: &[Filter],
    range: TimeRange,
) -> Result<(), BuildError> {
    sql.push(" FROM ").push(table);
    let mut first = true;
    let mut and = |sql: &mut Sql| {
        sql.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    for filter in filters {
        let def = dataset.column(&filter.column)?;
        crate::dashboards::check_filter_value(filter, def.column_type)
            .map_err(BuildError::Filter)?;
        and(sql);
        push_filter(sql, def, filter);
    }
    if let Some(time_sql) = time {
        if let Some(start) = range.start {
            and(sql);
            sql.push(&time_sql).push(" >= CAST(");
            sql.bind(Value::Text(
                start.format("%Y-%m-%d %H:%M:%S%.f").to_string(),
            ));
            sql.push(" AS TIMESTAMP)");
        }
        if let Some(end) = range.end {
            and(sql);
            sql.push(&time_sql).push(" <= CAST(");
            sql.bind(Value::Text(end.format("%Y-%m-%d %H:%M:%S%.f").to_string()));
            sql.push(" AS TIMESTAMP)");
        }
    }
    Ok(())
}

fn push_filter(sql: &mut Sql, def: &ColumnDef, filter: &Filter) {
    let c = column(def);
    let comparison = |op: &str, sql: &mut Sql| {
        sql.push(&c).push(op);
        bind_json(sql, def, &filter.value);
    };
    match filter.op {
        FilterOp::Eq => comparison(" = ", sql),
        FilterOp::Ne => comparison(" <> ", sql),
        FilterOp::Gt => comparison(" > ", sql),
        FilterOp::Gte => comparison(" >= ", sql),
        FilterOp::Lt => comparison(" < ", sql),
        FilterOp::Lte => comparison(" <= ", sql),
        FilterOp::In | FilterOp::NotIn => {
            sql.push(&c).push(if filter.op == FilterOp::In {
                " IN ("
            } else {
                " NOT IN ("
            });
            let items = filter
                .value
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                bind_json(sql, def, item);
            }
            sql.push(")");
        }
        FilterOp::Between => {
            let items = filter
                .value
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            sql.push(&c).push(" BETWEEN ");
            bind_json(sql, def, &items[0]);
            sql.push(" AND ");
            bind_json(sql, def, &items[1]);
        }
        FilterOp::Contains => {
            sql.push("contains(lower(").push(&c).push("), lower(");
            bind_json(sql, def, &filter.value);
            sql.push("))");
        }
        FilterOp::IsNull => {
            sql.push(&c).push(" IS NULL");
        }
        FilterOp::NotNull => {
            sql.push(&c).push(" IS NOT NULL");
        }
    }
}

/// Binds a JSON scalar, cast to the column's type so DuckDB compares like with like; a value
/// the column cannot hold fails the cast inside DuckDB instead of matching wrongly.
fn bind_json(sql: &mut Sql, def: &ColumnDef, value: &Json) {
    let bound = match value {
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::BigInt(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Text(s.clone()),
        _ => Value::Null,
    };
    sql.push("CAST(");
    sql.bind(bound);
    sql.push(" AS ").push(def.column_type.sql_type()).push(")");
}

/// `CREATE TABLE IF NOT EXISTS` for a dataset, from its declared columns.
pub fn create_table(dataset: &DatasetDef) -> String {
    let columns: Vec<String> = dataset
        .columns
        .iter()
        .map(|c| format!("{} {}", column(c), c.column_type.sql_type()))
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        ident(&dataset.name),
        columns.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> DatasetDef {
        serde_json::from_value(serde_json::json!({
            "name": "d", "label": "D", "time_column": "ts",
            "columns": [
                {"name": "ts", "type": "timestamp"},
                {"name": "zone", "type": "varchar"},
                {"name": "v", "type": "double"}
            ]
        }))
        .unwrap()
    }

    fn filter(column: &str, op: FilterOp, value: Json) -> Filter {
        Filter {
            column: column.into(),
            op,
            value,
        }
    }

    fn check(filters: &[Filter], expect_text: &str, expect_params: usize) {
        let mut sql = Sql::default();
        push_from_where(&mut sql, &dataset(), filters, TimeRange::default()).unwrap();
        assert_eq!(sql.text, expect_text);
        assert_eq!(sql.params.len(), expect_params);
    }

    #[test]
    fn values_are_parameters_never_text() {
        let payload = "' OR 1=1--";
        check(
            &[filter("zone", FilterOp::Eq, Json::from(payload))],
            " FROM \"d\" WHERE \"zone\" = CAST(? AS VARCHAR)",
            1,
        );
        check(
            &[filter("zone", FilterOp::In, serde_json::json!(["A", "B"]))],
            " FROM \"d\" WHERE \"zone\" IN (CAST(? AS VARCHAR), CAST(? AS VARCHAR))",
            2,
        );
        check(
            &[
                filter("v", FilterOp::Between, serde_json::json!([1, 2.5])),
                filter("zone", FilterOp::NotNull, Json::Null),
            ],
            " FROM \"d\" WHERE \"v\" BETWEEN CAST(? AS DOUBLE) AND CAST(? AS DOUBLE) AND \"zone\" IS NOT NULL",
            2,
        );
    }

    #[test]
    fn unknown_columns_and_bad_values_are_refused() {
        let mut sql = Sql::default();
        let unknown = [filter("zone; DROP TABLE d", FilterOp::Eq, Json::from("x"))];
        assert!(push_from_where(&mut sql, &dataset(), &unknown, TimeRange::default()).is_err());
        let wrong_shape = [filter("zone", FilterOp::In, Json::from("x"))];
        assert!(push_from_where(&mut sql, &dataset(), &wrong_shape, TimeRange::default()).is_err());
    }

    proptest::proptest! {
        /// Whatever text a filter carries, the SQL is the same and the text is a parameter.
        #[test]
        fn filter_text_never_reaches_the_sql(value in ".*") {
            let mut sql = Sql::default();
            let filters = [filter("zone", FilterOp::Eq, Json::from(value.clone()))];
            push_from_where(&mut sql, &dataset(), &filters, TimeRange::default()).unwrap();
            proptest::prop_assert_eq!(&sql.text, " FROM \"d\" WHERE \"zone\" = CAST(? AS VARCHAR)");
            proptest::prop_assert_eq!(&sql.params, &vec![Value::Text(value)]);
        }
    }

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
