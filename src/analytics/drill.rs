//! Drill-down: the rows behind one point of a chart. A drill turns the panel into a table over
//! the same dataset and filters, narrowed to the point (a category, slice, scatter point or a
//! time bucket of a line), either grouped by another dimension ("drill by") with the panel's
//! measures, or as the raw rows. The table then pages, sorts, caches and exports like any
//! table panel.

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::AnalyticsError;
use super::rollups::next_bucket;
use super::sql::TimeRange;
use crate::catalog::{ColumnRole, ColumnType, DatasetDef};
use crate::dashboards::{
    CustomImageSource, GaugeSource, KpiSource, Measure, PanelConfig, PanelSource, TableColumn,
    TableSource, ValueFormat,
};
use crate::vocabulary::{Aggregation, Filter, FilterOp, Grain, SortOrder};

/// A raw drill shows at most this many of the dataset's columns, in catalog order.
pub const MAX_DRILL_COLUMNS: usize = 24;

/// The label a chart gives the rows whose dimension is empty.
pub const NONE_LABEL: &str = "(none)";

/// Which point of the panel a person clicked, and how to show the rows behind it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drill {
    /// The value of the panel's dimension at the point: a bar's category, a slice, a scatter
    /// point's label, or a line's name when the line is a value of the series label.
    pub value: Option<String>,
    /// A time series point: the start of its bucket, and the bucket's grain.
    pub at: Option<NaiveDateTime>,
    pub grain: Option<Grain>,
    /// Group the rows by this column (a dimension of the dataset); the one after the panel's
    /// own dimension in the catalog when not given.
    pub by: Option<String>,
    /// The raw rows instead of groups.
    pub raw: bool,
}

/// A column a drill may group by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DrillChoice {
    pub name: String,
    pub label: String,
}

/// What a drill became: the table panel to run, the range narrowed to the point, and the
/// column it groups by (none for raw rows).
#[derive(Debug, Clone, PartialEq)]
pub struct DrillPlan {
    pub panel: PanelConfig,
    pub range: TimeRange,
    pub by: Option<String>,
}

/// The columns a drill of `panel` may group by: the dataset's dimensions, then its text
/// attributes.
pub fn choices(dataset: &DatasetDef) -> Vec<DrillChoice> {
    let mut columns: Vec<_> = dataset
        .columns
        .iter()
        .filter(|c| {
            c.role == ColumnRole::Dimension
                || (c.role == ColumnRole::Attribute && c.column_type == ColumnType::Varchar)
        })
        .collect();
    // Dimensions first, each group in catalog order.
    columns.sort_by_key(|c| c.role != ColumnRole::Dimension);
    columns
        .into_iter()
        .map(|c| DrillChoice {
            name: c.name.clone(),
            label: if c.label.is_empty() {
                c.name.clone()
            } else {
                c.label.clone()
            },
        })
        .collect()
}

/// Turns `panel` (its filters already holding the dashboard's, the controls' and the caller's
/// row filters) into the table of the rows behind the drilled point.
pub fn plan(
    dataset: &DatasetDef,
    panel: &PanelConfig,
    drill: &Drill,
    range: TimeRange,
) -> Result<DrillPlan, AnalyticsError> {
    let invalid = |message: String| AnalyticsError::Invalid(message);
    let (dimension, measures): (Option<&str>, Vec<&Measure>) = match &panel.source {
        PanelSource::Bar(s) => (Some(&s.dimension), s.measures.iter().collect()),
        PanelSource::Pie(s) => (Some(&s.dimension), vec![&s.measure]),
        PanelSource::Map(s) => (Some(&s.region), vec![&s.value]),
        PanelSource::Scatter(s) => (
            Some(&s.dimension),
            [Some(&s.x), Some(&s.y), s.size.as_ref()]
                .into_iter()
                .flatten()
                .collect(),
        ),
        PanelSource::Timeseries(s) => (s.series_label.as_deref(), s.measures.iter().collect()),
        PanelSource::CustomTemplate(s) => (
            s.rows_by.as_deref(),
            s.values.iter().map(|v| &v.measure).collect(),
        ),
        // A value and its target, over every row of the panel.
        PanelSource::Kpi(KpiSource { value, target, .. })
        | PanelSource::Gauge(GaugeSource { value, target, .. })
        | PanelSource::CustomImage(CustomImageSource { value, target, .. }) => (
            None,
            [Some(value), target.as_ref()]
                .into_iter()
                .flatten()
                .collect(),
        ),
        PanelSource::Table(_) | PanelSource::HealthStatus(_) => {
            return Err(invalid(format!(
                "panel `{}` is a {}: it has no points to drill into",
                panel.id,
                panel.source.panel_kind().name()
            )));
        }
    };
    let mut filters = panel.source.filters().to_vec();
    match (&drill.value, dimension) {
        (Some(value), Some(dimension)) => {
            filters.push(point_filter(dataset, dimension, value)?);
        }
        (Some(_), None) => {
            return Err(invalid(format!(
                "panel `{}` is not split by a dimension: drill into it without a value",
                panel.id
            )));
        }
        (None, _) => {}
    }
    let mut range = range;
    if let Some(at) = drill.at {
        let PanelSource::Timeseries(_) = &panel.source else {
            return Err(invalid(
                "only a time series has points in time to drill into".into(),
            ));
        };
        let grain = drill.grain.unwrap_or(Grain::Raw);
        // A raw point is named to the second; a bucket runs to the next one.
        let end = match grain {
            Grain::Raw => at + TimeDelta::seconds(1),
            grain => next_bucket(at, grain),
        } - TimeDelta::microseconds(1);
        range = TimeRange {
            start: Some(range.start.map_or(at, |s| s.max(at))),
            end: Some(range.end.map_or(end, |e| e.min(end))),
        };
    } else if drill.grain.is_some() {
        return Err(invalid(
            "a grain is given with the point's time (`at`)".into(),
        ));
    }

    let mut table = panel.clone();
    table.display = crate::dashboards::PanelDisplay {
        format: panel.display.format,
        ..Default::default()
    };
    let (columns, by) = if drill.raw {
        if drill.by.is_some() {
            return Err(invalid("raw rows are not grouped: leave out `by`".into()));
        }
        let columns: Vec<TableColumn> = dataset
            .columns
            .iter()
            .take(MAX_DRILL_COLUMNS)
            .map(|c| TableColumn {
                name: c.name.clone(),
                agg: None,
                label: None,
                // Ids and codes read as written, not as amounts.
                format: (c.column_type.is_numeric() && c.role != ColumnRole::Measure)
                    .then_some(ValueFormat::Text),
            })
            .collect();
        // The newest rows first.
        if let Some(time) = dataset.time_column() {
            table.display.default_sort = Some(time.name.clone());
            table.display.default_sort_order = Some(SortOrder::Desc);
        }
        (columns, None)
    } else {
        let offered = choices(dataset);
        let by = match &drill.by {
            Some(by) => {
                if !offered.iter().any(|c| &c.name == by) {
                    return Err(invalid(format!(
                        "cannot drill by `{by}`: choose one of {}",
                        offered
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                by.clone()
            }
            // The column after the panel's own in the catalog, which lists the coarser
            // before the finer (zone, then state); the first when the panel has none.
            None => offered
                .iter()
                .position(|c| Some(c.name.as_str()) == dimension)
                .and_then(|at| offered.get((at + 1) % offered.len()))
                .filter(|c| Some(c.name.as_str()) != dimension)
                .or(offered.first())
                .map(|c| c.name.clone())
                .ok_or_else(|| {
                    invalid(format!(
                        "dataset `{}` has no dimension to group by: ask for the raw rows",
                        dataset.name
                    ))
                })?,
        };
        let mut columns = vec![TableColumn {
            name: by.clone(),
            agg: None,
            label: None,
            format: None,
        }];
        // One column per measured column: a table names its columns by the dataset's.
        for measure in measures {
            if columns.iter().any(|c| c.name == measure.column) {
                continue;
            }
            columns.push(TableColumn {
                name: measure.column.clone(),
                agg: Some(measure.agg),
                label: measure.label.clone(),
                // Counts stay counts; other measures read as the panel shows them.
                format: panel.display.format.filter(|_| {
                    !matches!(measure.agg, Aggregation::Count | Aggregation::CountDistinct)
                }),
            });
        }
        // The largest groups first.
        table.display.default_sort = columns.get(1).map(|c| c.name.clone());
        table.display.default_sort_order = Some(SortOrder::Desc);
        (columns, Some(by))
    };
    table.source = PanelSource::Table(TableSource {
        dataset: dataset.name.clone(),
        columns,
        filters,
    });
    Ok(DrillPlan {
        panel: table,
        range,
        by,
    })
}

/// `column = value`, typed as the column is; the chart's "(none)" is the empty value.
fn point_filter(dataset: &DatasetDef, column: &str, value: &str) -> Result<Filter, AnalyticsError> {
    let def = dataset.column(column)?;
    if value == NONE_LABEL {
        return Ok(Filter {
            column: column.to_owned(),
            op: FilterOp::IsNull,
            value: Json::Null,
        });
    }
    if value.chars().count() > crate::dashboards::MAX_VALUE_CHARS {
        return Err(AnalyticsError::Invalid(format!(
            "a drill value may have at most {} characters",
            crate::dashboards::MAX_VALUE_CHARS
        )));
    }
    let typed = crate::dashboards::typed_value(value, def.column_type)
        .map_err(|m| AnalyticsError::Invalid(format!("drill value: {m}")))?;
    Ok(Filter {
        column: column.to_owned(),
        op: FilterOp::Eq,
        value: typed,
    })
}
