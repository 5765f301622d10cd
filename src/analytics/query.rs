//! The typed aggregate query, the planner that picks a rollup for it, and its compilation.
//!
//! A [`Query`] says what to compute (measures), how to group (dimensions and a time grain) and
//! which rows count (filters and a time range). [`plan`] decides whether one of the dataset's
//! materialized rollups gives exactly the answer the raw rows would, and says why each other
//! rollup could not; [`compile`] turns the query into SQL on the chosen source. Identifiers come
//! only from the catalog, values only as parameters (through `sql.rs`).
//!
//! The rules a rollup must meet:
//! - every dimension the query groups or filters on is one of the rollup's dimensions, and the
//!   time column is not filtered directly (only through the range);
//! - the query's time grain can be built from the rollup's (an hour from minutes, a month from
//!   days; never a month from weeks);
//! - a time range starts and ends on the rollup's bucket boundaries, so whole buckets are in
//!   or out;
//! - sums, counts, minima and maxima re-aggregate from their stored parts, averages as the sum
//!   of sums over the sum of counts; a distinct count comes from a rollup dimension of that
//!   column, or from a stored distinct count only when the query's groups are exactly the
//!   rollup's (every other rollup dimension pinned by an `eq` filter, the same grain).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

use super::sql::{self, BuildError, Sql, TimeRange};
use crate::catalog::{ColumnDef, ColumnRole, ColumnType, DatasetDef, RollupDef};
use crate::vocabulary::{Aggregation, Filter, FilterOp, Grain};

/// A measure of a query: an aggregation of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryMeasure {
    pub column: String,
    pub agg: Aggregation,
}

/// An aggregate query on one dataset. Output columns are named `__t` (the time bucket, when
/// `grain` is set), `__d0…` (the dimensions) and `__m0…` (the measures), in that order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub measures: Vec<QueryMeasure>,
    pub dimensions: Vec<String>,
    /// Group by the time column at this grain (never `raw`).
    pub grain: Option<Grain>,
    pub filters: Vec<Filter>,
    pub range: TimeRange,
}

/// Where a query's rows come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source<'a> {
    Raw,
    Rollup(&'a RollupDef),
}

/// The planner's choice and its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<'a> {
    pub source: Source<'a>,
    /// For every rollup not chosen, why (`name: reason`).
    pub notes: Vec<String>,
}

impl Plan<'_> {
    pub fn rollup_name(&self) -> Option<&str> {
        match self.source {
            Source::Raw => None,
            Source::Rollup(rollup) => Some(&rollup.name),
        }
    }
}

/// The table a rollup is materialized in. Dataset names never start with `_`, so it cannot
/// clash with a dataset.
pub fn rollup_table(dataset: &str, rollup: &str) -> String {
    sql::ident(&format!("__rollup__{dataset}__{rollup}"))
}

/// The stored part of a measure in a rollup table, e.g. `sum__amount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Sum,
    Count,
    Min,
    Max,
    Distinct,
}

impl Part {
    pub fn column(self, column: &str) -> String {
        let prefix = match self {
            Self::Sum => "sum",
            Self::Count => "count",
            Self::Min => "min",
            Self::Max => "max",
            Self::Distinct => "distinct",
        };
        sql::ident(&format!("{prefix}__{column}"))
    }

    /// The aggregate that computes this part from raw rows.
    pub fn raw_expr(self, column: &ColumnDef) -> String {
        let c = sql::column(column);
        match self {
            Self::Sum => format!("sum({c})"),
            Self::Count => format!("count({c})"),
            Self::Min => format!("min({c})"),
            Self::Max => format!("max({c})"),
            Self::Distinct => format!("count(DISTINCT {c})"),
        }
    }

    /// The parts an aggregation needs stored.
    pub fn needed(agg: Aggregation) -> &'static [Part] {
        match agg {
            Aggregation::Sum => &[Self::Sum],
            Aggregation::Count => &[Self::Count],
            Aggregation::Avg => &[Self::Sum, Self::Count],
            Aggregation::Min => &[Self::Min],
            Aggregation::Max => &[Self::Max],
            Aggregation::CountDistinct => &[Self::Distinct],
            Aggregation::Latest => &[],
        }
    }
}

/// Every stored part of a rollup as `(column, part)`, sorted and without repeats.
pub fn rollup_parts(rollup: &RollupDef) -> Vec<(String, Part)> {
    let mut parts: Vec<(String, Part)> = rollup
        .measures
        .iter()
        .flat_map(|m| {
            Part::needed(m.agg)
                .iter()
                .map(move |part| (m.column.clone(), *part))
        })
        .collect();
    parts.sort();
    parts.dedup();
    parts
}

fn grain_rank(grain: Grain) -> u8 {
    match grain {
        Grain::Raw => 0,
        Grain::Minute => 1,
        Grain::TenMinutes => 2,
        Grain::Hour => 3,
        Grain::Day => 4,
        Grain::Week => 5,
        Grain::Month => 6,
        Grain::Quarter => 7,
        Grain::Year => 8,
    }
}

/// Whether buckets of `coarse` are unions of buckets of `fine`.
pub fn grain_derives(fine: Grain, coarse: Grain) -> bool {
    if fine == coarse {
        return fine != Grain::Raw;
    }
    if fine == Grain::Raw {
        return false;
    }
    match coarse {
        Grain::Week => grain_rank(fine) <= grain_rank(Grain::Day),
        _ => fine != Grain::Week && grain_rank(fine) < grain_rank(coarse),
    }
}

/// The start of the bucket holding `t` (as DuckDB's `date_trunc` / `time_bucket` compute it).
pub fn truncate(t: NaiveDateTime, grain: Grain) -> NaiveDateTime {
    let date = t.date();
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    match grain {
        Grain::Raw => t,
        Grain::Minute => date.and_hms_opt(t.hour(), t.minute(), 0).unwrap_or(t),
        Grain::TenMinutes => date
            .and_hms_opt(t.hour(), t.minute() - t.minute() % 10, 0)
            .unwrap_or(t),
        Grain::Hour => date.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        Grain::Day => midnight(date),
        Grain::Week => {
            midnight(date - TimeDelta::days(i64::from(date.weekday().num_days_from_monday())))
        }
        Grain::Month => midnight(date.with_day(1).unwrap_or(date)),
        Grain::Quarter => {
            let month = (date.month() - 1) / 3 * 3 + 1;
            midnight(NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date))
        }
        Grain::Year => midnight(NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date)),
    }
}

/// Whether a range takes whole buckets of `grain`: the first value it admits starts a bucket
/// and the last one ends a bucket. A DATE column holds whole days, so a range admits the days
/// from the one at or after its start to the one at or before its end.
pub fn range_fits(range: TimeRange, grain: Grain, time_type: ColumnType) -> Result<(), String> {
    let date_column = time_type == ColumnType::Date;
    if let Some(start) = range.start {
        let first = if date_column && start.time() != NaiveTime::MIN {
            (start.date() + TimeDelta::days(1)).and_time(NaiveTime::MIN)
        } else {
            start
        };
        if truncate(first, grain) != first {
            return Err(format!(
                "the range starts at {start}, inside a {} bucket",
                grain_name(grain)
            ));
        }
    }
    if let Some(end) = range.end {
        let after = if date_column {
            (end.date() + TimeDelta::days(1)).and_time(NaiveTime::MIN)
        } else {
            end + TimeDelta::microseconds(1)
        };
        if truncate(after, grain) != after {
            return Err(format!(
                "the range ends at {end}, inside a {} bucket",
                grain_name(grain)
            ));
        }
    }
    Ok(())
}

pub fn grain_name(grain: Grain) -> &'static str {
    match grain {
        Grain::Raw => "raw",
        Grain::Minute => "minute",
        Grain::TenMinutes => "ten_minutes",
        Grain::Hour => "hour",
        Grain::Day => "day",
        Grain::Week => "week",
        Grain::Month => "month",
        Grain::Quarter => "quarter",
        Grain::Year => "year",
    }
}

/// Why `rollup` cannot answer `query`, or `None` when it can.
pub fn rollup_refusal(dataset: &DatasetDef, rollup: &RollupDef, query: &Query) -> Option<String> {
    let has_dim = |name: &str| rollup.dimensions.iter().any(|d| d == name);
    for dimension in &query.dimensions {
        if !has_dim(dimension) {
            return Some(format!("does not keep dimension `{dimension}`"));
        }
    }
    for filter in &query.filters {
        if dataset.time_column.as_deref() == Some(filter.column.as_str()) {
            return Some(format!(
                "the query filters the time column `{}` directly",
                filter.column
            ));
        }
        if !has_dim(&filter.column) {
            return Some(format!(
                "does not keep `{}`, which the query filters on",
                filter.column
            ));
        }
    }
    match (query.grain, rollup.grain) {
        (Some(wanted), Some(stored)) if !grain_derives(stored, wanted) => {
            return Some(format!(
                "its {} buckets cannot make {} buckets",
                grain_name(stored),
                grain_name(wanted)
            ));
        }
        (Some(wanted), None) => {
            return Some(format!(
                "it has no time buckets, and the query groups by {}",
                grain_name(wanted)
            ));
        }
        _ => {}
    }
    if range_is_set(query.range) {
        match (rollup.grain, dataset.time_column()) {
            (Some(stored), Some(time)) => {
                if let Err(reason) = range_fits(query.range, stored, time.column_type) {
                    return Some(reason);
                }
            }
            _ => return Some("it has no time buckets, and the query has a time range".into()),
        }
    }
    let stored = rollup_parts(rollup);
    let exact = is_exact(rollup, query);
    for measure in &query.measures {
        if measure.agg == Aggregation::CountDistinct && has_dim(&measure.column) {
            continue;
        }
        let needed = Part::needed(measure.agg);
        if needed.is_empty() {
            return Some(format!(
                "`{:?}` of `{}` is never pre-aggregated",
                measure.agg, measure.column
            ));
        }
        for part in needed {
            if !stored
                .iter()
                .any(|(c, p)| c == &measure.column && p == part)
            {
                return Some(format!(
                    "does not store what `{:?}` of `{}` needs",
                    measure.agg, measure.column
                ));
            }
        }
        if measure.agg == Aggregation::CountDistinct && !exact {
            return Some(format!(
                "a distinct count of `{}` comes only from a rollup with exactly the query's groups",
                measure.column
            ));
        }
    }
    None
}

fn range_is_set(range: TimeRange) -> bool {
    range.start.is_some() || range.end.is_some()
}

/// The query's groups are exactly the rollup's: every rollup dimension is grouped or pinned to
/// one value, and the grains are the same.
fn is_exact(rollup: &RollupDef, query: &Query) -> bool {
    let pinned = |dimension: &String| {
        query.dimensions.contains(dimension)
            || query
                .filters
                .iter()
                .any(|f| &f.column == dimension && f.op == FilterOp::Eq)
    };
    rollup.dimensions.iter().all(pinned) && query.grain == rollup.grain
}

/// Chooses the source for `query`: the smallest ready rollup that answers it exactly (fewest
/// dimensions, then the coarsest grain), else the raw rows. `ready` says whether a rollup is
/// materialized and current.
pub fn plan<'a>(
    dataset: &'a DatasetDef,
    query: &Query,
    ready: impl Fn(&RollupDef) -> bool,
) -> Plan<'a> {
    let mut notes = Vec::new();
    let mut best: Option<&RollupDef> = None;
    for rollup in &dataset.rollups {
        if !ready(rollup) {
            notes.push(format!("{}: not materialized yet", rollup.name));
            continue;
        }
        if let Some(reason) = rollup_refusal(dataset, rollup, query) {
            notes.push(format!("{}: {reason}", rollup.name));
            continue;
        }
        let size = |r: &RollupDef| {
            (
                r.dimensions.len(),
                std::cmp::Reverse(r.grain.map_or(u8::MAX, grain_rank)),
            )
        };
        match best {
            Some(current) if size(current) <= size(rollup) => {
                notes.push(format!(
                    "{}: could answer, `{}` is smaller",
                    rollup.name, current.name
                ));
            }
            Some(current) => {
                notes.push(format!(
                    "{}: could answer, `{}` is smaller",
                    current.name, rollup.name
                ));
                best = Some(rollup);
            }
            None => best = Some(rollup),
        }
    }
    Plan {
        source: best.map_or(Source::Raw, Source::Rollup),
        notes,
    }
}

/// Checks a query against the catalog: known columns, measures that suit their columns and
/// the aggregations the catalog allows, a time column for a grain.
pub fn check(dataset: &DatasetDef, query: &Query) -> Result<(), BuildError> {
    for dimension in &query.dimensions {
        dataset.column(dimension)?;
    }
    for measure in &query.measures {
        let column = dataset.column(&measure.column)?;
        if !column.aggregations.is_empty() && !column.aggregations.contains(&measure.agg) {
            return Err(BuildError::Filter(format!(
                "dataset `{}` allows {} of `{}`, not `{:?}`",
                dataset.name,
                column
                    .aggregations
                    .iter()
                    .map(|a| format!("`{a:?}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                column.name,
                measure.agg
            )));
        }
        if column.role == ColumnRole::Measure
            && matches!(measure.agg, Aggregation::Sum | Aggregation::Avg)
            && !column.column_type.is_numeric()
        {
            return Err(BuildError::Filter(format!(
                "`{:?}` needs a numeric column; `{}` is not",
                measure.agg, column.name
            )));
        }
    }
    if let Some(grain) = query.grain {
        if dataset.time_column().is_none() {
            return Err(BuildError::Filter(format!(
                "dataset `{}` has no time column to bucket",
                dataset.name
            )));
        }
        if grain == Grain::Raw {
            return Err(BuildError::Filter(
                "an aggregate query cannot use the raw grain".into(),
            ));
        }
    }
    Ok(())
}

/// The SQL of `query` on `source`.
pub fn compile(dataset: &DatasetDef, query: &Query, source: Source<'_>) -> Result<Sql, BuildError> {
    check(dataset, query)?;
    let mut select = Vec::new();
    let mut keys = 0usize;
    let time_column = dataset.time_column();
    let stored_time = ColumnDef {
        name: "__time".into(),
        column_type: ColumnType::Timestamp,
        role: ColumnRole::Time,
        label: String::new(),
        aggregations: Vec::new(),
    };
    if let (Some(grain), Some(time)) = (query.grain, time_column) {
        let expr = match source {
            Source::Raw => sql::bucket(time, grain),
            Source::Rollup(rollup) if rollup.grain == Some(grain) => sql::column(&stored_time),
            Source::Rollup(_) => sql::bucket(&stored_time, grain),
        };
        select.push(format!("{expr} AS \"__t\""));
        keys += 1;
    }
    for (index, dimension) in query.dimensions.iter().enumerate() {
        let column = dataset.column(dimension)?;
        select.push(format!("{} AS \"__d{index}\"", sql::column(column)));
        keys += 1;
    }
    for (index, measure) in query.measures.iter().enumerate() {
        let column = dataset.column(&measure.column)?;
        let expr = match source {
            Source::Raw => sql::measure(measure.agg, column, time_column),
            Source::Rollup(rollup) => rollup_measure(rollup, measure.agg, column),
        };
        select.push(format!("{expr} AS \"__m{index}\""));
    }
    let mut statement = Sql::default();
    statement.push("SELECT ").push(&select.join(", "));
    match source {
        Source::Raw => {
            sql::push_from_where(&mut statement, dataset, &query.filters, query.range)?;
        }
        Source::Rollup(rollup) => {
            sql::push_from_table(
                &mut statement,
                dataset,
                &rollup_table(&dataset.name, &rollup.name),
                time_column.map(|_| sql::column(&stored_time)),
                &query.filters,
                query.range,
            )?;
        }
    }
    statement.push(&sql::group_by(keys));
    Ok(statement)
}

/// A measure re-aggregated from a rollup's stored parts, typed as [`sql::measure`] types it.
fn rollup_measure(rollup: &RollupDef, agg: Aggregation, column: &ColumnDef) -> String {
    let part = |p: Part| p.column(&column.name);
    let as_double = |expr: String| format!("CAST({expr} AS DOUBLE)");
    match agg {
        Aggregation::Sum => as_double(format!("sum({})", part(Part::Sum))),
        Aggregation::Count => as_double(format!("coalesce(sum({}), 0)", part(Part::Count))),
        Aggregation::Avg => format!(
            "CAST(sum({}) AS DOUBLE) / CAST(nullif(sum({}), 0) AS DOUBLE)",
            part(Part::Sum),
            part(Part::Count)
        ),
        Aggregation::Min | Aggregation::Max => {
            let (f, p) = if agg == Aggregation::Min {
                ("min", Part::Min)
            } else {
                ("max", Part::Max)
            };
            let expr = format!("{f}({})", part(p));
            if column.column_type.is_numeric() {
                as_double(expr)
            } else {
                sql::display_text(&expr, column.column_type)
            }
        }
        Aggregation::CountDistinct if rollup.dimensions.contains(&column.name) => {
            as_double(format!("count(DISTINCT {})", sql::column(column)))
        }
        Aggregation::CountDistinct => {
            as_double(format!("coalesce(sum({}), 0)", part(Part::Distinct)))
        }
        // The planner never chooses a rollup for `latest`.
        Aggregation::Latest => "CAST(NULL AS DOUBLE)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn dataset() -> DatasetDef {
        serde_yaml_ng::from_str(
            r"
name: sales
label: Sales
time_column: day
columns:
  - { name: day, type: date }
  - { name: zone, type: varchar, role: dimension }
  - { name: entity, type: varchar, role: dimension }
  - { name: amount, type: double, role: measure }
rollups:
  - name: daily_zone
    dimensions: [zone]
    grain: day
    measures: [{ column: amount, agg: avg }, { column: entity, agg: count_distinct }]
  - name: monthly_zone_entity
    dimensions: [zone, entity]
    grain: month
    measures: [{ column: amount, agg: sum }]
",
        )
        .unwrap()
    }

    fn measure(column: &str, agg: Aggregation) -> QueryMeasure {
        QueryMeasure {
            column: column.into(),
            agg,
        }
    }

    fn chosen(query: &Query) -> Option<String> {
        let dataset = dataset();
        plan(&dataset, query, |_| true)
            .rollup_name()
            .map(str::to_owned)
    }

    #[test]
    fn the_smallest_rollup_that_can_answer_is_chosen() {
        let mut query = Query {
            measures: vec![measure("amount", Aggregation::Sum)],
            ..Query::default()
        };
        assert_eq!(chosen(&query).as_deref(), Some("daily_zone"));
        query.dimensions = vec!["entity".into()];
        assert_eq!(chosen(&query).as_deref(), Some("monthly_zone_entity"));
        query.grain = Some(Grain::Day);
        assert_eq!(chosen(&query), None, "no rollup has entities by day");
        query.dimensions.clear();
        query.grain = Some(Grain::Week);
        assert_eq!(chosen(&query).as_deref(), Some("daily_zone"));
        // Both can make quarters: the one with fewer dimensions is smaller.
        query.grain = Some(Grain::Quarter);
        assert_eq!(chosen(&query).as_deref(), Some("daily_zone"));
    }

    #[test]
    fn measures_need_their_parts() {
        let query = |agg| Query {
            measures: vec![measure("amount", agg)],
            ..Query::default()
        };
        assert_eq!(
            chosen(&query(Aggregation::Avg)).as_deref(),
            Some("daily_zone")
        );
        assert_eq!(
            chosen(&query(Aggregation::Count)).as_deref(),
            Some("daily_zone")
        );
        assert_eq!(chosen(&query(Aggregation::Max)), None);
        assert_eq!(chosen(&query(Aggregation::Latest)), None);
    }

    #[test]
    fn distinct_counts_need_a_dimension_or_an_exact_match() {
        let mut query = Query {
            measures: vec![measure("entity", Aggregation::CountDistinct)],
            ..Query::default()
        };
        // `entity` is a dimension of the monthly rollup: counting its values there is exact.
        assert_eq!(chosen(&query).as_deref(), Some("monthly_zone_entity"));
        query.grain = Some(Grain::Day);
        assert_eq!(chosen(&query), None, "daily_zone is grouped by zone too");
        query.filters.push(Filter {
            column: "zone".into(),
            op: FilterOp::Eq,
            value: "NORTH".into(),
        });
        assert_eq!(chosen(&query).as_deref(), Some("daily_zone"));
        query.filters[0].op = FilterOp::Ne;
        assert_eq!(chosen(&query), None);
    }

    #[test]
    fn ranges_must_take_whole_buckets() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let mut query = Query {
            measures: vec![measure("amount", Aggregation::Sum)],
            dimensions: vec!["entity".into()],
            ..Query::default()
        };
        query.range = TimeRange {
            start: Some(day(2025, 4, 1).and_hms_opt(0, 0, 0).unwrap()),
            end: Some(
                day(2025, 6, 30)
                    .and_hms_micro_opt(23, 59, 59, 999_999)
                    .unwrap(),
            ),
        };
        assert_eq!(chosen(&query).as_deref(), Some("monthly_zone_entity"));
        query.range.end = Some(day(2025, 6, 29).and_hms_opt(12, 0, 0).unwrap());
        assert_eq!(chosen(&query), None);
        // Dates: a start later in a day admits the days from the next one.
        query.range.start = Some(at("2025-03-31 10:00:00"));
        query.range.end = Some(at("2025-06-30 00:00:00"));
        assert_eq!(chosen(&query).as_deref(), Some("monthly_zone_entity"));
        assert!(range_fits(query.range, Grain::Month, ColumnType::Timestamp).is_err());
        assert!(
            range_fits(
                TimeRange {
                    start: Some(at("2025-03-31 10:00:00")),
                    end: Some(at("2025-03-31 10:29:59.999999"))
                },
                Grain::Hour,
                ColumnType::Timestamp
            )
            .is_err()
        );
        assert!(
            range_fits(
                TimeRange {
                    start: Some(at("2025-03-31 10:00:00")),
                    end: Some(at("2025-03-31 11:59:59.999999"))
                },
                Grain::Hour,
                ColumnType::Timestamp
            )
            .is_ok()
        );
    }

    #[test]
    fn grains_nest_only_where_buckets_do() {
        assert!(grain_derives(Grain::Minute, Grain::TenMinutes));
        assert!(grain_derives(Grain::Day, Grain::Week));
        assert!(grain_derives(Grain::Day, Grain::Month));
        assert!(!grain_derives(Grain::Week, Grain::Month));
        assert!(!grain_derives(Grain::Month, Grain::Day));
        assert!(!grain_derives(Grain::Raw, Grain::Raw));
        assert_eq!(
            truncate(at("2026-11-22 13:47:12"), Grain::Week),
            at("2026-11-16 00:00:00")
        );
        assert_eq!(
            truncate(at("2026-11-22 13:47:12"), Grain::TenMinutes),
            at("2026-11-22 13:40:00")
        );
        assert_eq!(
            truncate(at("2026-11-22 13:47:12"), Grain::Quarter),
            at("2026-10-01 00:00:00")
        );
    }

    #[test]
    fn filters_on_other_columns_or_the_time_column_go_raw() {
        let mut query = Query {
            measures: vec![measure("amount", Aggregation::Sum)],
            filters: vec![Filter {
                column: "day".into(),
                op: FilterOp::Gte,
                value: "2025-01-01".into(),
            }],
            ..Query::default()
        };
        let dataset = dataset();
        let decided = plan(&dataset, &query, |_| true);
        assert_eq!(decided.source, Source::Raw);
        assert!(decided.notes.iter().any(|n| n.contains("time column")));
        query.filters.clear();
        let none_ready = plan(&dataset, &query, |_| false);
        assert_eq!(none_ready.source, Source::Raw);
        assert_eq!(none_ready.notes.len(), 2);
    }

    proptest::proptest! {
        /// Whatever columns and values a query names, it compiles to an error or to SQL whose
        /// every quoted identifier is the catalog's or the compiler's own, with every value a
        /// parameter.
        #[test]
        fn queries_reference_only_catalog_identifiers(
            column in proptest::sample::select(vec!["zone", "entity", "amount", "day", "zone\"; DROP TABLE sales; --", "read_csv('/etc/passwd')"]),
            op in proptest::sample::select(vec![FilterOp::Eq, FilterOp::In, FilterOp::Contains, FilterOp::Between, FilterOp::IsNull]),
            value in proptest::sample::select(vec![
                serde_json::json!("' OR 1=1--"),
                serde_json::json!(["ATTACH 'x.db'", "NORTH"]),
                serde_json::json!("read_csv('/etc/passwd')"),
                serde_json::json!([1, 2]),
                serde_json::json!(null),
            ]),
            grain in proptest::sample::select(vec![None, Some(Grain::Day), Some(Grain::Month), Some(Grain::Raw)]),
            rollup in proptest::bool::ANY,
        ) {
            let dataset = dataset();
            let query = Query {
                measures: vec![measure("amount", Aggregation::Sum)],
                dimensions: vec!["zone".into()],
                grain,
                filters: vec![Filter { column: column.into(), op, value }],
                range: TimeRange::default(),
            };
            let source = if rollup { Source::Rollup(&dataset.rollups[0]) } else { Source::Raw };
            if let Ok(sql) = compile(&dataset, &query, source) {
                let allowed = |name: &str| {
                    dataset.columns.iter().any(|c| c.name == name)
                        || name == "sales"
                        || name.starts_with("__")
                        || name.starts_with("sum__")
                        || name.starts_with("count__")
                };
                let mut rest = sql.text.as_str();
                while let Some(start) = rest.find('"') {
                    let end = rest[start + 1..].find('"').unwrap();
                    let name = &rest[start + 1..start + 1 + end];
                    proptest::prop_assert!(allowed(name), "{name} in {}", sql.text);
                    rest = &rest[start + end + 2..];
                }
                proptest::prop_assert!(!sql.text.contains("OR 1=1"));
                proptest::prop_assert!(!sql.text.contains("ATTACH") && !sql.text.contains("read_csv"));
            }
        }
    }

    #[test]
    fn rollup_sql_reads_the_stored_parts() {
        let dataset = dataset();
        let query = Query {
            measures: vec![measure("amount", Aggregation::Avg)],
            grain: Some(Grain::Month),
            filters: vec![Filter {
                column: "zone".into(),
                op: FilterOp::Eq,
                value: "' OR 1=1--".into(),
            }],
            ..Query::default()
        };
        let rollup = &dataset.rollups[0];
        let sql = compile(&dataset, &query, Source::Rollup(rollup)).unwrap();
        assert_eq!(
            sql.text,
            "SELECT date_trunc('month', CAST(\"__time\" AS TIMESTAMP)) AS \"__t\", CAST(sum(\"sum__amount\") AS DOUBLE) / CAST(nullif(sum(\"count__amount\"), 0) AS DOUBLE) AS \"__m0\" FROM \"__rollup__sales__daily_zone\" WHERE \"zone\" = CAST(? AS VARCHAR) GROUP BY 1"
        );
        assert_eq!(sql.params.len(), 1);
    }
}
