//! Panel queries: one function per panel kind turns a panel's typed data source and the
//! request's range, sort and page into SQL (through `sql.rs`), runs it, and shapes the result.

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, TimeDelta};
use duckdb::types::ValueRef;
use duckdb::{Connection, params_from_iter};
use serde::Serialize;
use serde_json::Value as Json;

use super::AnalyticsError;
use super::sql::{self, Sql, TimeRange};
use crate::catalog::DatasetDef;
use crate::dashboards::{
    Aggregation, BarSource, Grain, HealthSource, KpiSource, Measure, PanelConfig, PanelSource,
    SortOrder, TableSource, Threshold, ThresholdBasis, TimeseriesSource, ValueFormat,
};

/// Raw time series stop at this many points; a wider range should use a bucket.
pub const MAX_RAW_POINTS: usize = 50_000;
/// Page size of a table panel that sets none.
pub const DEFAULT_PAGE_SIZE: u32 = 25;
pub use crate::dashboards::MAX_PAGE_SIZE;

/// What a request adds to a panel's own definition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanelRequest {
    pub range: TimeRange,
    pub sort: Option<String>,
    pub order: Option<SortOrder>,
    /// 1-based.
    pub page: u32,
    pub page_size: Option<u32>,
    /// Time series only: return raw points whatever the range.
    pub disable_aggregation: bool,
}

/// A panel's data, tagged with its kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PanelData {
    Kpi(KpiData),
    Timeseries(TimeseriesData),
    Table(TableData),
    Bar(BarData),
    HealthStatus(HealthData),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiData {
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// value / target in percent, when both are known and the target is not zero.
    pub attainment: Option<f64>,
    pub status: Option<Threshold>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeseriesData {
    /// `raw`, `minute`, `ten_minutes`, `hour`, … as chosen for the range.
    pub bucket: Grain,
    pub series: Vec<Series>,
    /// True when raw points were cut at [`MAX_RAW_POINTS`].
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    /// `[ISO 8601 time, value]` pairs in time order.
    pub points: Vec<(String, Option<f64>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableData {
    pub columns: Vec<TableColumnOut>,
    pub rows: Vec<serde_json::Map<String, Json>>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub sort: String,
    pub order: SortOrder,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableColumnOut {
    pub key: String,
    pub label: String,
    pub format: ValueFormat,
    pub sortable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarData {
    pub categories: Vec<String>,
    pub series: Vec<BarSeries>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarSeries {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthData {
    pub items: Vec<HealthItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthItem {
    pub name: String,
    pub status: i64,
    pub label: String,
    pub color: String,
    pub checked_at: Option<String>,
    pub message: Option<String>,
}

/// Runs one panel's query on a connection to its tenant's database.
pub fn panel_data(
    conn: &Connection,
    dataset: &DatasetDef,
    panel: &PanelConfig,
    request: &PanelRequest,
) -> Result<PanelData, AnalyticsError> {
    match &panel.source {
        PanelSource::Kpi(source) => kpi(conn, dataset, panel, source, request).map(PanelData::Kpi),
        PanelSource::Timeseries(source) => {
            timeseries(conn, dataset, source, request).map(PanelData::Timeseries)
        }
        PanelSource::Table(source) => {
            table(conn, dataset, panel, source, request).map(PanelData::Table)
        }
        PanelSource::Bar(source) => bar(conn, dataset, source, request).map(PanelData::Bar),
        PanelSource::HealthStatus(source) => {
            health(conn, dataset, panel, source, request).map(PanelData::HealthStatus)
        }
    }
}

fn measure_sql(dataset: &DatasetDef, measure: &Measure) -> Result<String, AnalyticsError> {
    let column = dataset.column(&measure.column)?;
    Ok(sql::measure(measure.agg, column, dataset.time_column()))
}

fn measure_name(measure: &Measure) -> String {
    measure
        .label
        .clone()
        .unwrap_or_else(|| measure.column.clone())
}

fn kpi(
    conn: &Connection,
    dataset: &DatasetDef,
    panel: &PanelConfig,
    source: &KpiSource,
    request: &PanelRequest,
) -> Result<KpiData, AnalyticsError> {
    let mut sql = Sql::default();
    sql.push("SELECT ")
        .push(&measure_sql(dataset, &source.value)?);
    match &source.target {
        Some(target) => sql.push(", ").push(&measure_sql(dataset, target)?),
        None => sql.push(", CAST(NULL AS DOUBLE)"),
    };
    sql::push_from_where(&mut sql, dataset, &source.filters, request.range)?;
    let (value, target) = query_one(conn, &sql, |row| Ok((number(row, 0)?, number(row, 1)?)))?;
    let attainment = match (value, target) {
        (Some(v), Some(t)) if t != 0.0 => Some(v / t * 100.0),
        _ => None,
    };
    let basis = match panel.display.thresholds_on {
        Some(ThresholdBasis::Attainment) => attainment,
        _ => value,
    };
    Ok(KpiData {
        value,
        target,
        attainment,
        status: basis.and_then(|x| threshold_for(&panel.display.thresholds, x)),
    })
}

/// The highest threshold whose value is at most `x`.
pub fn threshold_for(thresholds: &[Threshold], x: f64) -> Option<Threshold> {
    thresholds
        .iter()
        .filter(|t| t.value <= x)
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .cloned()
}

/// The bucket for a range, by PRODUCT.md's rule: ≤ 8 h raw, ≤ 1 day one minute, ≤ 4 days ten
/// minutes, longer one hour.
pub fn grain_for_span(span: TimeDelta) -> Grain {
    if span <= TimeDelta::hours(8) {
        Grain::Raw
    } else if span <= TimeDelta::days(1) {
        Grain::Minute
    } else if span <= TimeDelta::days(4) {
        Grain::TenMinutes
    } else {
        Grain::Hour
    }
}

fn timeseries(
    conn: &Connection,
    dataset: &DatasetDef,
    source: &TimeseriesSource,
    request: &PanelRequest,
) -> Result<TimeseriesData, AnalyticsError> {
    let time = dataset.time_column().ok_or_else(|| {
        AnalyticsError::Invalid(format!("dataset `{}` has no time column", dataset.name))
    })?;
    let grain = if request.disable_aggregation {
        Grain::Raw
    } else if let Some(grain) = source.grain {
        grain
    } else {
        grain_for_span(effective_span(conn, dataset, source, request)?)
    };
    let label = source
        .series_label
        .as_deref()
        .map(|name| dataset.column(name))
        .transpose()?;

    // Group on the bucket's timestamp and format only the groups: formatting every row first
    // would cost more than the aggregation itself.
    let mut inner = Sql::default();
    inner
        .push("SELECT ")
        .push(&sql::bucket(time, grain))
        .push(" AS __bucket");
    if let Some(label) = label {
        inner
            .push(", CAST(")
            .push(&sql::column(label))
            .push(" AS VARCHAR) AS __label");
    }
    let mut values = Vec::with_capacity(source.measures.len());
    for (index, measure) in source.measures.iter().enumerate() {
        let expr = if grain == Grain::Raw {
            format!(
                "CAST({} AS DOUBLE)",
                sql::column(dataset.column(&measure.column)?)
            )
        } else {
            measure_sql(dataset, measure)?
        };
        inner
            .push(", ")
            .push(&expr)
            .push(&format!(" AS __m{index}"));
        values.push(format!("__m{index}"));
    }
    sql::push_from_where(&mut inner, dataset, &source.filters, request.range)?;
    if grain != Grain::Raw {
        inner.push(" GROUP BY ALL");
    }
    let label_column = if label.is_some() { ", __label" } else { "" };
    let mut sql = Sql {
        text: format!(
            "SELECT strftime(__bucket, '%Y-%m-%dT%H:%M:%S'){label_column}, {} FROM ({}) ORDER BY __bucket{label_column}",
            values.join(", "),
            inner.text
        ),
        params: inner.params,
    };
    if grain == Grain::Raw {
        sql.push(&format!(" LIMIT {}", MAX_RAW_POINTS + 1));
    }

    let first_value = if label.is_some() { 2 } else { 1 };
    let mut series: Vec<Series> = match label {
        Some(_) => Vec::new(),
        None => source
            .measures
            .iter()
            .map(|m| Series {
                name: measure_name(m),
                points: Vec::new(),
            })
            .collect(),
    };
    let mut by_label: BTreeMap<String, Vec<(String, Option<f64>)>> = BTreeMap::new();
    let mut count = 0usize;
    let mut truncated = false;
    query_each(conn, &sql, |row| {
        count += 1;
        if grain == Grain::Raw && count > MAX_RAW_POINTS {
            truncated = true;
            return Ok(());
        }
        let at: String = row.get(0)?;
        if label.is_some() {
            let name: Option<String> = row.get(1)?;
            by_label
                .entry(name.unwrap_or_else(|| "(none)".into()))
                .or_default()
                .push((at, number(row, first_value)?));
        } else {
            for (index, s) in series.iter_mut().enumerate() {
                s.points
                    .push((at.clone(), number(row, first_value + index)?));
            }
        }
        Ok(())
    })?;
    if label.is_some() {
        series = by_label
            .into_iter()
            .map(|(name, points)| Series { name, points })
            .collect();
    }
    Ok(TimeseriesData {
        bucket: grain,
        series,
        truncated,
    })
}

/// The span the bucket is chosen for: the requested range, with an open end taken from the
/// data itself.
fn effective_span(
    conn: &Connection,
    dataset: &DatasetDef,
    source: &TimeseriesSource,
    request: &PanelRequest,
) -> Result<TimeDelta, AnalyticsError> {
    if let (Some(start), Some(end)) = (request.range.start, request.range.end) {
        return Ok(end - start);
    }
    let time = dataset.time_column().map(sql::column).unwrap_or_default();
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT strftime(CAST(min({time}) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S'), strftime(CAST(max({time}) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')"
    ));
    sql::push_from_where(&mut sql, dataset, &source.filters, request.range)?;
    let (min, max) = query_one(conn, &sql, |row| {
        Ok((
            row.get::<_, Option<String>>(0)?,
            row.get::<_, Option<String>>(1)?,
        ))
    })?;
    let parse = |text: Option<String>| {
        text.and_then(|t| NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S").ok())
    };
    let start = request.range.start.or(parse(min));
    let end = request.range.end.or(parse(max));
    Ok(match (start, end) {
        (Some(start), Some(end)) => end - start,
        _ => TimeDelta::zero(),
    })
}

fn table(
    conn: &Connection,
    dataset: &DatasetDef,
    panel: &PanelConfig,
    source: &TableSource,
    request: &PanelRequest,
) -> Result<TableData, AnalyticsError> {
    let grouped = source.columns.iter().any(|c| c.agg.is_some());
    let mut select = Vec::with_capacity(source.columns.len());
    let mut group_by = Vec::new();
    let mut out_columns = Vec::with_capacity(source.columns.len());
    for column in &source.columns {
        let def = dataset.column(&column.name)?;
        let expr = match column.agg {
            Some(agg) => sql::measure(agg, def, dataset.time_column()),
            None => {
                if grouped {
                    group_by.push(sql::column(def));
                }
                sql::display_text(&sql::column(def), def.column_type)
            }
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
            } else if def.column_type == crate::catalog::ColumnType::Timestamp {
                ValueFormat::Datetime
            } else if def.column_type == crate::catalog::ColumnType::Date {
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

    let mut from = Sql::default();
    sql::push_from_where(&mut from, dataset, &source.filters, request.range)?;
    if grouped && !group_by.is_empty() {
        from.push(" GROUP BY ").push(&group_by.join(", "));
    }

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
    let rows_text = format!("SELECT {}{}", select.join(", "), from.text);
    // A grouped table counts its groups in the same scan (a window over the few grouped rows);
    // a plain one counts separately, which DuckDB answers without sorting every row.
    let rows_sql = Sql {
        text: if grouped {
            format!("SELECT *, count(*) OVER () FROM ({rows_text}){page_clause}")
        } else {
            format!("{rows_text}{page_clause}")
        },
        params: from.params.clone(),
    };
    let mut rows = Vec::new();
    let mut counted: Option<i64> = None;
    query_each(conn, &rows_sql, |row| {
        let mut object = serde_json::Map::with_capacity(source.columns.len());
        for (index, column) in source.columns.iter().enumerate() {
            object.insert(column.name.clone(), json_value(row.get_ref(index)?));
        }
        if grouped {
            counted = Some(row.get(source.columns.len())?);
        }
        rows.push(object);
        Ok(())
    })?;
    let total = match counted {
        Some(total) => total,
        None => {
            let text = if grouped {
                format!("SELECT count(*) FROM (SELECT 1{})", from.text)
            } else {
                format!("SELECT count(*){}", from.text)
            };
            let count = Sql {
                text,
                params: from.params,
            };
            query_one(conn, &count, |row| row.get::<_, i64>(0))?
        }
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

fn bar(
    conn: &Connection,
    dataset: &DatasetDef,
    source: &BarSource,
    request: &PanelRequest,
) -> Result<BarData, AnalyticsError> {
    let dimension = dataset.column(&source.dimension)?;
    let mut sql = Sql::default();
    sql.push("SELECT CAST(")
        .push(&sql::display_text(
            &sql::column(dimension),
            dimension.column_type,
        ))
        .push(" AS VARCHAR)");
    for measure in &source.measures {
        sql.push(", ").push(&measure_sql(dataset, measure)?);
    }
    sql::push_from_where(&mut sql, dataset, &source.filters, request.range)?;
    sql.push(&format!(
        " GROUP BY 1 ORDER BY 1 LIMIT {}",
        source.limit.unwrap_or(50).min(1000)
    ));
    let mut categories = Vec::new();
    let mut series: Vec<BarSeries> = source
        .measures
        .iter()
        .map(|m| BarSeries {
            name: measure_name(m),
            values: Vec::new(),
        })
        .collect();
    query_each(conn, &sql, |row| {
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

fn health(
    conn: &Connection,
    dataset: &DatasetDef,
    panel: &PanelConfig,
    source: &HealthSource,
    request: &PanelRequest,
) -> Result<HealthData, AnalyticsError> {
    let columns = &source.columns;
    let name = dataset.column(&columns.name)?;
    let status = dataset.column(&columns.status)?;
    let optional = |column: &Option<String>| -> Result<String, AnalyticsError> {
        Ok(match column {
            Some(c) => {
                let def = dataset.column(c)?;
                format!(
                    "CAST({} AS VARCHAR)",
                    sql::display_text(&sql::column(def), def.column_type)
                )
            }
            None => "CAST(NULL AS VARCHAR)".into(),
        })
    };
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT CAST({} AS VARCHAR), CAST({} AS BIGINT), {}, {}",
        sql::column(name),
        sql::column(status),
        optional(&columns.timestamp)?,
        optional(&columns.message)?,
    ));
    sql::push_from_where(&mut sql, dataset, &[], request.range)?;
    sql.push(" ORDER BY 2 DESC, 1");
    let mut items = Vec::new();
    query_each(conn, &sql, |row| {
        let status: i64 = row.get::<_, Option<i64>>(1)?.unwrap_or(-1);
        let style = panel.display.status_mapping.get(&status);
        items.push(HealthItem {
            name: row.get::<_, Option<String>>(0)?.unwrap_or_default(),
            status,
            label: style.map_or_else(|| format!("status {status}"), |s| s.label.clone()),
            color: style.map_or_else(|| "#64748B".into(), |s| s.color.clone()),
            checked_at: row.get(2)?,
            message: row.get(3)?,
        });
        Ok(())
    })?;
    Ok(HealthData { items })
}

fn number(row: &duckdb::Row<'_>, index: usize) -> Result<Option<f64>, duckdb::Error> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => None,
        ValueRef::Double(v) => Some(v),
        ValueRef::Float(v) => Some(f64::from(v)),
        ValueRef::BigInt(v) => Some(v as f64),
        ValueRef::Int(v) => Some(f64::from(v)),
        ValueRef::HugeInt(v) => Some(v as f64),
        ValueRef::UBigInt(v) => Some(v as f64),
        _ => None,
    })
}

/// A DuckDB value as JSON. Queries cast temporal values to text before they get here.
fn json_value(value: ValueRef<'_>) -> Json {
    match value {
        ValueRef::Null => Json::Null,
        ValueRef::Boolean(b) => Json::Bool(b),
        ValueRef::TinyInt(v) => v.into(),
        ValueRef::SmallInt(v) => v.into(),
        ValueRef::Int(v) => v.into(),
        ValueRef::BigInt(v) => v.into(),
        ValueRef::UTinyInt(v) => v.into(),
        ValueRef::USmallInt(v) => v.into(),
        ValueRef::UInt(v) => v.into(),
        ValueRef::UBigInt(v) => v.into(),
        ValueRef::HugeInt(v) => (v as f64).into(),
        ValueRef::Float(v) => f64::from(v).into(),
        ValueRef::Double(v) => serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number),
        ValueRef::Text(bytes) => Json::String(String::from_utf8_lossy(bytes).into_owned()),
        other => Json::String(format!("{other:?}")),
    }
}

fn query_one<T>(
    conn: &Connection,
    sql: &Sql,
    read: impl FnOnce(&duckdb::Row<'_>) -> Result<T, duckdb::Error>,
) -> Result<T, AnalyticsError> {
    let mut statement = conn.prepare(&sql.text)?;
    let mut rows = statement.query(params_from_iter(sql.params.iter()))?;
    let row = rows
        .next()?
        .ok_or_else(|| AnalyticsError::Invalid("the query returned no row".into()))?;
    Ok(read(row)?)
}

fn query_each(
    conn: &Connection,
    sql: &Sql,
    mut each: impl FnMut(&duckdb::Row<'_>) -> Result<(), duckdb::Error>,
) -> Result<(), AnalyticsError> {
    let mut statement = conn.prepare(&sql.text)?;
    let mut rows = statement.query(params_from_iter(sql.params.iter()))?;
    while let Some(row) = rows.next()? {
        each(row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_range() {
        let check =
            |span: TimeDelta, expect: Grain| assert_eq!(grain_for_span(span), expect, "{span}");
        check(TimeDelta::hours(8), Grain::Raw);
        check(TimeDelta::hours(8) + TimeDelta::seconds(1), Grain::Minute);
        check(TimeDelta::days(1), Grain::Minute);
        check(TimeDelta::days(4), Grain::TenMinutes);
        check(TimeDelta::days(4) + TimeDelta::minutes(1), Grain::Hour);
    }

    #[test]
    fn highest_reached_threshold_wins() {
        let t = |value: f64, label: &str| Threshold {
            value,
            color: String::new(),
            label: label.into(),
        };
        let thresholds = [t(90.0, "red"), t(0.0, "green"), t(70.0, "amber")];
        let label = |x| threshold_for(&thresholds, x).map(|t| t.label);
        assert_eq!(label(-1.0), None);
        assert_eq!(label(0.0).as_deref(), Some("green"));
        assert_eq!(label(70.0).as_deref(), Some("amber"));
        assert_eq!(label(99.0).as_deref(), Some("red"));
    }
}
