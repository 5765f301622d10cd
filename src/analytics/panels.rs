//! Panel queries: one function per panel kind turns a panel's typed data source and the
//! request's range, sort and page into SQL (through `sql.rs`), runs it, and shapes the result.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{NaiveDateTime, TimeDelta};
use duckdb::types::{Value, ValueRef};
use duckdb::{Connection, params_from_iter};
use serde::Serialize;
use serde_json::Value as Json;

use super::AnalyticsError;
use super::periods::Window;
use super::query::{self, Query, QueryMeasure, Source};
use super::sql::{self, Sql, TimeRange};
use crate::catalog::{Bucketing, ColumnType, DatasetDef, RollupDef};
use crate::dashboards::{
    BarSource, HealthSource, KpiSource, Measure, PanelConfig, PanelSource, TableSource, Threshold,
    ThresholdBasis, TimeseriesSource, ValueFormat,
};
use crate::vocabulary::{Aggregation, Grain, SortOrder};

/// Raw time series stop at this many points; a wider range should use a bucket.
pub const MAX_RAW_POINTS: usize = 50_000;
/// The default raw-point limit of callers who only read dashboards (`--reader-raw-points`):
/// enough for any chart a screen shows, small enough that a reader varying the range cannot
/// fill memory with raw series.
pub const READER_RAW_POINTS: usize = 5_000;
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
    /// Raw points at most (the default and the ceiling: [`MAX_RAW_POINTS`]); readers get
    /// `--reader-raw-points`.
    pub raw_point_limit: Option<usize>,
    /// A preset, period or fiscal year, resolved into `range` against the dataset's fiscal
    /// year and the clock before the query runs.
    pub window: Option<Window>,
}

/// One statement a panel ran, for `?debug=true`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryExplain {
    pub sql: String,
    pub params: Vec<Json>,
    pub execution_time_ms: f64,
    pub cache_hit: bool,
    /// The rollup that answered, or `null` for the raw rows.
    pub rollup: Option<String>,
    /// Why each other rollup could not answer (or why the query had to read raw rows).
    pub rollup_notes: Vec<String>,
    pub rows: u64,
}

/// Runs a panel's statements on one connection, planning aggregates onto rollups and
/// recording every statement for the explain output.
struct Runner<'a> {
    conn: &'a Connection,
    dataset: &'a DatasetDef,
    ready: &'a dyn Fn(&RollupDef) -> bool,
    explain: Vec<QueryExplain>,
}

fn param_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::BigInt(i) => Json::from(*i),
        Value::Double(d) => Json::from(*d),
        Value::Text(t) => Json::String(t.clone()),
        other => Json::String(format!("{other:?}")),
    }
}

impl Runner<'_> {
    /// Plans and compiles an aggregate query: the inner statement, the rollup it reads, and the
    /// planner's notes. A rollup-only dataset refuses a query no rollup can answer.
    fn plan(&self, query: &Query) -> Result<(Sql, Option<String>, Vec<String>), AnalyticsError> {
        let plan = query::plan(self.dataset, query, self.ready);
        if plan.source == Source::Raw && self.dataset.rollup_only {
            return Err(self.rollup_required(&plan.notes));
        }
        let sql = query::compile(self.dataset, query, plan.source)?;
        Ok((sql, plan.rollup_name().map(str::to_owned), plan.notes))
    }

    fn rollup_required(&self, notes: &[String]) -> AnalyticsError {
        AnalyticsError::RollupRequired {
            dataset: self.dataset.name.clone(),
            reasons: if notes.is_empty() {
                "it declares no rollups".into()
            } else {
                notes.join("; ")
            },
        }
    }

    /// A statement on the raw rows that no rollup can serve (raw points, plain rows).
    fn raw(&self, why: &str) -> Result<(Option<String>, Vec<String>), AnalyticsError> {
        let notes = vec![why.to_owned()];
        if self.dataset.rollup_only {
            return Err(self.rollup_required(&notes));
        }
        Ok((None, notes))
    }

    fn each(
        &mut self,
        sql: &Sql,
        origin: (Option<String>, Vec<String>),
        mut each: impl FnMut(&duckdb::Row<'_>) -> Result<(), duckdb::Error>,
    ) -> Result<(), AnalyticsError> {
        let started = Instant::now();
        // Panels repeat the same statements with other values: keep them prepared.
        let mut statement = self.conn.prepare_cached(&sql.text)?;
        let mut rows = statement.query(params_from_iter(sql.params.iter()))?;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            count += 1;
            each(row)?;
        }
        self.explain.push(QueryExplain {
            sql: sql.text.clone(),
            params: sql.params.iter().map(param_json).collect(),
            execution_time_ms: started.elapsed().as_secs_f64() * 1000.0,
            cache_hit: false,
            rollup: origin.0,
            rollup_notes: origin.1,
            rows: count,
        });
        Ok(())
    }

    fn one<T>(
        &mut self,
        sql: &Sql,
        origin: (Option<String>, Vec<String>),
        read: impl FnOnce(&duckdb::Row<'_>) -> Result<T, duckdb::Error>,
    ) -> Result<T, AnalyticsError> {
        let mut read = Some(read);
        let mut value = None;
        self.each(sql, origin, |row| {
            if let Some(read) = read.take() {
                value = Some(read(row)?);
            }
            Ok(())
        })?;
        value.ok_or_else(|| AnalyticsError::Invalid("the query returned no row".into()))
    }
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
    /// True when raw points were cut at the caller's limit ([`MAX_RAW_POINTS`] at most).
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

/// Runs one panel's queries on a connection to its tenant's database. `ready` says which
/// rollups are materialized and current. Returns the data and every statement run.
pub fn panel_data(
    conn: &Connection,
    dataset: &DatasetDef,
    panel: &PanelConfig,
    request: &PanelRequest,
    ready: &dyn Fn(&RollupDef) -> bool,
) -> Result<(PanelData, Vec<QueryExplain>), AnalyticsError> {
    let mut run = Runner {
        conn,
        dataset,
        ready,
        explain: Vec::new(),
    };
    let data = match &panel.source {
        PanelSource::Kpi(source) => kpi(&mut run, panel, source, request).map(PanelData::Kpi),
        PanelSource::Timeseries(source) => {
            timeseries(&mut run, source, request).map(PanelData::Timeseries)
        }
        PanelSource::Table(source) => table(&mut run, panel, source, request).map(PanelData::Table),
        PanelSource::Bar(source) => bar(&mut run, source, request).map(PanelData::Bar),
        PanelSource::HealthStatus(source) => {
            health(&mut run, panel, source, request).map(PanelData::HealthStatus)
        }
    }?;
    Ok((data, run.explain))
}

fn query_measure(measure: &Measure) -> QueryMeasure {
    QueryMeasure {
        column: measure.column.clone(),
        agg: measure.agg,
    }
}

fn measure_name(measure: &Measure) -> String {
    measure
        .label
        .clone()
        .unwrap_or_else(|| measure.column.clone())
}

fn kpi(
    run: &mut Runner<'_>,
    panel: &PanelConfig,
    source: &KpiSource,
    request: &PanelRequest,
) -> Result<KpiData, AnalyticsError> {
    let mut measures = vec![query_measure(&source.value)];
    measures.extend(source.target.as_ref().map(query_measure));
    let query = Query {
        measures,
        filters: source.filters.clone(),
        range: request.range,
        ..Query::default()
    };
    let (sql, rollup, notes) = run.plan(&query)?;
    let has_target = source.target.is_some();
    let (value, target) = run.one(&sql, (rollup, notes), |row| {
        Ok((
            number(row, 0)?,
            if has_target { number(row, 1)? } else { None },
        ))
    })?;
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

/// The bucket for a range, by PRODUCT.md's rule (≤ 8 h raw, ≤ 1 day one minute, ≤ 4 days ten
/// minutes, longer one hour), with the dataset's thresholds.
pub fn grain_for_span(span: TimeDelta, thresholds: &Bucketing) -> Grain {
    let limit = |d: std::time::Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
    if span <= limit(thresholds.raw) {
        Grain::Raw
    } else if span <= limit(thresholds.minute) {
        Grain::Minute
    } else if span <= limit(thresholds.ten_minutes) {
        Grain::TenMinutes
    } else {
        Grain::Hour
    }
}

fn timeseries(
    run: &mut Runner<'_>,
    source: &TimeseriesSource,
    request: &PanelRequest,
) -> Result<TimeseriesData, AnalyticsError> {
    let dataset = run.dataset;
    let time = dataset.time_column().ok_or_else(|| {
        AnalyticsError::Invalid(format!("dataset `{}` has no time column", dataset.name))
    })?;
    let mut grain = if request.disable_aggregation {
        Grain::Raw
    } else if let Some(grain) = source.grain {
        grain
    } else {
        grain_for_span(effective_span(run, source, request)?, &dataset.bucketing)
    };
    // A DATE column holds whole days: finer buckets would be days anyway.
    if time.column_type == ColumnType::Date
        && matches!(grain, Grain::Minute | Grain::TenMinutes | Grain::Hour)
    {
        grain = Grain::Day;
    }
    let label = source
        .series_label
        .as_deref()
        .map(|name| dataset.column(name))
        .transpose()?;

    let (sql, origin) = if grain == Grain::Raw {
        let origin = run.raw("raw points were asked for (no bucket)")?;
        let mut inner = Sql::default();
        inner
            .push("SELECT CAST(")
            .push(&sql::column(time))
            .push(" AS TIMESTAMP) AS \"__t\"");
        if let Some(label) = label {
            inner
                .push(", ")
                .push(&sql::column(label))
                .push(" AS \"__d0\"");
        }
        for (index, measure) in source.measures.iter().enumerate() {
            let column = sql::column(dataset.column(&measure.column)?);
            inner.push(&format!(", CAST({column} AS DOUBLE) AS \"__m{index}\""));
        }
        sql::push_from_where(&mut inner, dataset, &source.filters, request.range)?;
        (inner, origin)
    } else {
        let query = Query {
            measures: source.measures.iter().map(query_measure).collect(),
            dimensions: label.iter().map(|l| l.name.clone()).collect(),
            grain: Some(grain),
            filters: source.filters.clone(),
            range: request.range,
        };
        let (inner, rollup, notes) = run.plan(&query)?;
        (inner, (rollup, notes))
    };
    // Format only the buckets, after grouping: formatting every row would cost more than the
    // aggregation itself.
    let values: Vec<String> = (0..source.measures.len())
        .map(|i| format!("\"__m{i}\""))
        .collect();
    let label_column = if label.is_some() {
        ", CAST(\"__d0\" AS VARCHAR)"
    } else {
        ""
    };
    let order = if label.is_some() { "1, 2" } else { "1" };
    let mut sql = Sql {
        text: format!(
            "SELECT strftime(\"__t\", '%Y-%m-%dT%H:%M:%S'){label_column}, {} FROM ({}) WHERE \"__t\" IS NOT NULL ORDER BY {order}",
            values.join(", "),
            sql.text
        ),
        params: sql.params,
    };
    let raw_limit = request
        .raw_point_limit
        .unwrap_or(MAX_RAW_POINTS)
        .min(MAX_RAW_POINTS);
    if grain == Grain::Raw {
        sql.push(&format!(" LIMIT {}", raw_limit + 1));
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
    run.each(&sql, origin, |row| {
        count += 1;
        if grain == Grain::Raw && count > raw_limit {
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
    run: &mut Runner<'_>,
    source: &TimeseriesSource,
    request: &PanelRequest,
) -> Result<TimeDelta, AnalyticsError> {
    if let (Some(start), Some(end)) = (request.range.start, request.range.end) {
        return Ok(end - start);
    }
    let dataset = run.dataset;
    let origin = run.raw("the span of an open range comes from the raw rows")?;
    let time = dataset.time_column().map(sql::column).unwrap_or_default();
    let mut sql = Sql::default();
    sql.push(&format!(
        "SELECT strftime(CAST(min({time}) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S'), strftime(CAST(max({time}) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')"
    ));
    sql::push_from_where(&mut sql, dataset, &source.filters, request.range)?;
    let (min, max) = run.one(&sql, origin, |row| {
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

fn bar(
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

fn health(
    run: &mut Runner<'_>,
    panel: &PanelConfig,
    source: &HealthSource,
    request: &PanelRequest,
) -> Result<HealthData, AnalyticsError> {
    let dataset = run.dataset;
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
    let origin = run.raw("a status list reads the raw rows")?;
    let mut items = Vec::new();
    run.each(&sql, origin, |row| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_range() {
        let thresholds = Bucketing::default();
        let check = |span: TimeDelta, expect: Grain| {
            assert_eq!(grain_for_span(span, &thresholds), expect, "{span}")
        };
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
