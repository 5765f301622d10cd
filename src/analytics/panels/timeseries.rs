//! Time series: measures over time, bucketed by the range or the panel's grain, one series per
//! measure or per value of a label column.

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::{
    MAX_RAW_POINTS, PanelRequest, Runner, Tabular, json_number, measure_name, number, query_measure,
};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::analytics::sql::{self, Sql};
use crate::catalog::{Bucketing, ColumnType};
use crate::dashboards::{MAX_SERIES, TimeseriesSource};
use crate::vocabulary::Grain;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TimeseriesData {
    /// `raw`, `minute`, `ten_minutes`, `hour`, … as chosen for the range.
    pub bucket: Grain,
    pub series: Vec<Series>,
    /// True when raw points were cut at the caller's limit ([`MAX_RAW_POINTS`] at most).
    pub truncated: bool,
    /// Values of the label column without a line of their own: summed into "Other" under
    /// `top`, or left out past [`MAX_SERIES`] lines.
    pub hidden_series: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Series {
    pub name: String,
    /// `[ISO 8601 time, value]` pairs in time order.
    pub points: Vec<(String, Option<f64>)>,
}

impl TimeseriesData {
    /// A row per point in time, a column per series (empty where a series has no point).
    pub fn tabular(&self) -> Tabular {
        let mut columns = vec!["time".to_owned()];
        columns.extend(self.series.iter().map(|s| s.name.clone()));
        let mut by_time: std::collections::BTreeMap<&str, Vec<Json>> = Default::default();
        for (i, series) in self.series.iter().enumerate() {
            for (time, value) in &series.points {
                let row = by_time
                    .entry(time.as_str())
                    .or_insert_with(|| vec![Json::Null; self.series.len()]);
                row[i] = json_number(*value);
            }
        }
        let rows = by_time
            .into_iter()
            .map(|(time, values)| {
                let mut row = vec![Json::String(time.to_owned())];
                row.extend(values);
                row
            })
            .collect();
        Tabular { columns, rows }
    }
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

/// `grain` as a time column of `column_type` can hold it: a DATE column holds whole days, so
/// finer buckets are days anyway.
pub(super) fn grain_for_column(grain: Grain, column_type: ColumnType) -> Grain {
    if column_type == ColumnType::Date
        && matches!(grain, Grain::Minute | Grain::TenMinutes | Grain::Hour)
    {
        Grain::Day
    } else {
        grain
    }
}

pub(super) fn timeseries(
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
    grain = grain_for_column(grain, time.column_type);
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
    let mut hidden_series = 0;
    if label.is_some() {
        (series, hidden_series) = largest_series(by_label, source.top);
    }
    Ok(TimeseriesData {
        bucket: grain,
        series,
        truncated,
        hidden_series,
    })
}

/// One line's `[time, value]` points.
type Points = Vec<(String, Option<f64>)>;

/// The name of the line that sums the rest under `top`.
pub const OTHER: &str = "Other";

/// One line per label, by name; past `top` (or [`MAX_SERIES`]) only the lines of the largest
/// totals, largest first, with the rest summed per point into "Other" when `top` asks for it.
fn largest_series(by_label: BTreeMap<String, Points>, top: Option<u32>) -> (Vec<Series>, u32) {
    let keep = top.unwrap_or(MAX_SERIES).min(MAX_SERIES) as usize;
    if by_label.len() <= keep && top.is_none() {
        let series = by_label
            .into_iter()
            .map(|(name, points)| Series { name, points })
            .collect();
        return (series, 0);
    }
    let total = |points: &[(String, Option<f64>)]| points.iter().filter_map(|p| p.1).sum::<f64>();
    let mut ranked: Vec<(String, Points)> = by_label.into_iter().collect();
    ranked.sort_by(|a, b| total(&b.1).total_cmp(&total(&a.1)).then(a.0.cmp(&b.0)));
    let hidden = ranked.len().saturating_sub(keep);
    let rest = ranked.split_off(keep.min(ranked.len()));
    let mut series: Vec<Series> = ranked
        .into_iter()
        .map(|(name, points)| Series { name, points })
        .collect();
    if top.is_some() && !rest.is_empty() {
        let mut other: BTreeMap<String, Option<f64>> = BTreeMap::new();
        for (time, value) in rest.into_iter().flat_map(|(_, points)| points) {
            let sum = other.entry(time).or_default();
            if let Some(v) = value {
                *sum = Some(sum.unwrap_or(0.0) + v);
            }
        }
        series.push(Series {
            name: OTHER.to_owned(),
            points: other.into_iter().collect(),
        });
    }
    (series, u32::try_from(hidden).unwrap_or(u32::MAX))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_top_the_smaller_lines_sum_into_other() {
        let line = |points: &[(&str, f64)]| -> Vec<(String, Option<f64>)> {
            points
                .iter()
                .map(|(t, v)| ((*t).to_owned(), Some(*v)))
                .collect()
        };
        let by_label: BTreeMap<String, _> = [
            ("a".to_owned(), line(&[("1", 1.0), ("2", 1.0)])),
            ("b".to_owned(), line(&[("1", 10.0), ("2", 10.0)])),
            ("c".to_owned(), line(&[("1", 2.0)])),
            ("d".to_owned(), line(&[("2", 3.0)])),
        ]
        .into_iter()
        .collect();
        let (series, hidden) = largest_series(by_label.clone(), Some(2));
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["b", "d", "Other"]);
        assert_eq!(hidden, 2);
        assert_eq!(series[2].points, line(&[("1", 3.0), ("2", 1.0)]));
        // Without top every line stays, in name order.
        let (series, hidden) = largest_series(by_label, None);
        assert_eq!(series.len(), 4);
        assert_eq!((series[0].name.as_str(), hidden), ("a", 0));
    }

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
}
