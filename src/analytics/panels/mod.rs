//! Panel queries: one file per panel kind turns the panel's typed data source and the
//! request's range, sort and page into SQL (through `sql.rs`), runs it, and shapes the result.
//! [`panel_data`] dispatches on [`PanelSource`], so the compiler sees every kind; a new kind is
//! a new file here, one variant of [`PanelData`] and one arm below.

mod bar;
mod custom_image;
mod custom_template;
mod gauge;
mod health_status;
mod kpi;
mod map;
mod pie;
mod scatter;
mod table;
mod timeseries;

use std::time::Instant;

use duckdb::types::{Value, ValueRef};
use duckdb::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::AnalyticsError;
use super::periods::Window;
use super::query::{self, Query, QueryMeasure, Source};
use super::sql::{Sql, TimeRange};
use crate::catalog::{DatasetDef, RollupDef};
use crate::dashboards::{Measure, PanelConfig, PanelSource};
use crate::vocabulary::SortOrder;

pub use bar::{BarData, BarSeries};
pub use custom_image::{CustomImageData, MAX_SPARK_POINTS};
pub use custom_template::CustomTemplateData;
pub use gauge::{GaugeBand, GaugeData};
pub use health_status::{HealthData, HealthItem};
pub use kpi::{KpiData, threshold_for};
pub use map::{MAX_MAP_REGIONS, MapData, MapRegion};
pub use pie::{PieData, PieSlice};
pub use scatter::{ScatterData, ScatterPoint};
pub use table::{TableColumnOut, TableData};
pub use timeseries::{Series, TimeseriesData, grain_for_span};

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
    /// The dashboard's filter controls a person set (`f.<id>=…`): control id and its values.
    pub controls: Vec<(String, Vec<String>)>,
    /// The rows behind one point of the panel instead of the panel's own data.
    pub drill: Option<super::drill::Drill>,
}

/// One statement a panel ran, for `?debug=true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PanelData {
    Kpi(KpiData),
    Timeseries(TimeseriesData),
    Table(TableData),
    Bar(BarData),
    HealthStatus(HealthData),
    Pie(PieData),
    Gauge(GaugeData),
    Scatter(ScatterData),
    CustomImage(CustomImageData),
    CustomTemplate(CustomTemplateData),
    Map(MapData),
}

/// A panel's data as columns and rows of JSON values: what an export writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tabular {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Json>>,
}

impl PanelData {
    /// The data as a table, the same numbers as the answer, each kind in its own shape.
    pub fn tabular(&self) -> Tabular {
        match self {
            Self::Kpi(d) => d.tabular(),
            Self::Timeseries(d) => d.tabular(),
            Self::Table(d) => d.tabular(),
            Self::Bar(d) => d.tabular(),
            Self::HealthStatus(d) => d.tabular(),
            Self::Pie(d) => d.tabular(),
            Self::Gauge(d) => d.tabular(),
            Self::Scatter(d) => d.tabular(),
            Self::CustomImage(d) => d.tabular(),
            Self::CustomTemplate(d) => d.tabular(),
            Self::Map(d) => d.tabular(),
        }
    }
}

/// A number as JSON: `null` when absent or not finite.
fn json_number(value: Option<f64>) -> Json {
    value
        .and_then(serde_json::Number::from_f64)
        .map_or(Json::Null, Json::Number)
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
        PanelSource::Kpi(source) => kpi::kpi(&mut run, panel, source, request).map(PanelData::Kpi),
        PanelSource::Timeseries(source) => {
            timeseries::timeseries(&mut run, source, request).map(PanelData::Timeseries)
        }
        PanelSource::Table(source) => {
            table::table(&mut run, panel, source, request).map(PanelData::Table)
        }
        PanelSource::Bar(source) => bar::bar(&mut run, source, request).map(PanelData::Bar),
        PanelSource::HealthStatus(source) => {
            health_status::health(&mut run, panel, source, request).map(PanelData::HealthStatus)
        }
        PanelSource::Pie(source) => pie::pie(&mut run, source, request).map(PanelData::Pie),
        PanelSource::Gauge(source) => {
            gauge::gauge(&mut run, panel, source, request).map(PanelData::Gauge)
        }
        PanelSource::Scatter(source) => {
            scatter::scatter(&mut run, source, request).map(PanelData::Scatter)
        }
        PanelSource::CustomImage(source) => {
            custom_image::custom_image(&mut run, panel, source, request).map(PanelData::CustomImage)
        }
        PanelSource::CustomTemplate(source) => {
            custom_template::custom_template(&mut run, source, request)
                .map(PanelData::CustomTemplate)
        }
        PanelSource::Map(source) => map::map(&mut run, source, request).map(PanelData::Map),
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
