//! Materialized rollups: building them, refreshing the buckets an import touched, and the state
//! table that says which rollups are current.
//!
//! A rollup lives in the tenant's DuckDB file as `__rollup__<dataset>__<name>`: the bucket start
//! (`__time`, a TIMESTAMP), the dimensions, the stored parts of each measure and `__rows`. The
//! table `__flexboard_rollups` records, per rollup, the fingerprint of the definition it was built
//! from; a rollup whose definition changed is rebuilt before the planner may use it. Builds and
//! refreshes run inside the caller's transaction, so an import and its rollups commit together.

use std::collections::HashMap;

use chrono::{Months, NaiveDateTime, TimeDelta};
use duckdb::Connection;
use duckdb::types::Value;

use super::AnalyticsError;
use super::query::{rollup_parts, rollup_table, truncate};
use super::sql::{self, Sql};
use crate::catalog::{ColumnType, DatasetDef, Partition, RollupDef};
use crate::vocabulary::Grain;

const STATE_TABLE: &str = "\"__flexboard_rollups\"";

/// `(dataset, rollup)` → the fingerprint of the definition its table was built from.
pub type Built = HashMap<(String, String), String>;

/// What an import added: the span of its time values and whether some were NULL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Touched {
    pub min: Option<NaiveDateTime>,
    pub max: Option<NaiveDateTime>,
    pub nulls: bool,
}

/// A digest of everything a rollup's table depends on: its definition and the types of the
/// columns it reads.
pub fn fingerprint(dataset: &DatasetDef, rollup: &RollupDef) -> String {
    let mut used: Vec<(&str, ColumnType)> = dataset
        .columns
        .iter()
        .filter(|c| {
            rollup.dimensions.contains(&c.name)
                || rollup.measures.iter().any(|m| m.column == c.name)
                || dataset.time_column.as_deref() == Some(c.name.as_str())
        })
        .map(|c| (c.name.as_str(), c.column_type))
        .collect();
    used.sort_by(|a, b| a.0.cmp(b.0));
    let text = serde_json::json!({
        "rollup": rollup,
        "columns": used,
        "time": dataset.time_column,
        "format": 1,
    })
    .to_string();
    crate::digest::sha256_hex(&text)
}

/// Creates the state table when absent and reads it.
pub fn load(conn: &Connection) -> Result<Built, AnalyticsError> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {STATE_TABLE} (dataset VARCHAR, rollup VARCHAR, fingerprint VARCHAR, rows BIGINT, refreshed_at TIMESTAMP)"
    ))?;
    let mut statement = conn.prepare(&format!(
        "SELECT dataset, rollup, fingerprint FROM {STATE_TABLE}"
    ))?;
    let mut rows = statement.query([])?;
    let mut built = Built::new();
    while let Some(row) = rows.next()? {
        built.insert((row.get(0)?, row.get(1)?), row.get(2)?);
    }
    Ok(built)
}

/// The `SELECT` that aggregates the dataset's rows into the rollup's columns, and the number of
/// group keys it has (for `GROUP BY`).
fn aggregate_select(
    dataset: &DatasetDef,
    rollup: &RollupDef,
) -> Result<(String, usize), AnalyticsError> {
    let mut select = Vec::new();
    if let (Some(grain), Some(time)) = (rollup.grain, dataset.time_column()) {
        select.push(format!(
            "CAST({} AS TIMESTAMP) AS \"__time\"",
            sql::bucket(time, grain)
        ));
    }
    for dimension in &rollup.dimensions {
        select.push(sql::column(dataset.column(dimension)?));
    }
    let keys = select.len();
    for (column, part) in rollup_parts(rollup) {
        let def = dataset.column(&column)?;
        select.push(format!(
            "{} AS {}",
            part.raw_expr(def),
            part.column(&column)
        ));
    }
    select.push("count(*) AS \"__rows\"".into());
    Ok((format!("SELECT {}", select.join(", ")), keys))
}

/// Builds (or rebuilds) a rollup from all of the dataset's rows and records it. Returns its
/// row count.
pub fn build(
    conn: &Connection,
    dataset: &DatasetDef,
    rollup: &RollupDef,
) -> Result<u64, AnalyticsError> {
    let (select, keys) = aggregate_select(dataset, rollup)?;
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TABLE {} AS {select} FROM {}{}",
        rollup_table(&dataset.name, &rollup.name),
        sql::ident(&dataset.name),
        sql::group_by(keys)
    ))?;
    record(conn, dataset, rollup)
}

/// Recomputes the buckets an import touched (whole months for a monthly-partitioned rollup),
/// or the whole rollup when it has no time buckets.
pub fn refresh(
    conn: &Connection,
    dataset: &DatasetDef,
    rollup: &RollupDef,
    touched: Touched,
) -> Result<u64, AnalyticsError> {
    let table = rollup_table(&dataset.name, &rollup.name);
    let (select, keys) = aggregate_select(dataset, rollup)?;
    let source = sql::ident(&dataset.name);
    let (Some(grain), Some(time)) = (rollup.grain, dataset.time_column()) else {
        conn.execute_batch(&format!(
            "DELETE FROM {table}; INSERT INTO {table} {select} FROM {source}{}",
            sql::group_by(keys)
        ))?;
        return record(conn, dataset, rollup);
    };
    let unit = match rollup.partition {
        Some(Partition::Month) if grain != Grain::Month => Grain::Month,
        _ => grain,
    };
    let time_sql = format!("CAST({} AS TIMESTAMP)", sql::column(time));
    if let (Some(min), Some(max)) = (touched.min, touched.max) {
        let from = truncate(min, unit);
        let to = next_bucket(truncate(max, unit), unit);
        let bound = |t: NaiveDateTime| Value::Text(t.format("%Y-%m-%d %H:%M:%S%.f").to_string());
        let mut delete = Sql::default();
        delete
            .push(&format!("DELETE FROM {table} WHERE \"__time\" >= CAST("))
            .bind(bound(from))
            .push(" AS TIMESTAMP) AND \"__time\" < CAST(")
            .bind(bound(to))
            .push(" AS TIMESTAMP)");
        execute(conn, &delete)?;
        let mut insert = Sql::default();
        insert
            .push(&format!(
                "INSERT INTO {table} {select} FROM {source} WHERE {time_sql} >= CAST("
            ))
            .bind(bound(from))
            .push(&format!(" AS TIMESTAMP) AND {time_sql} < CAST("))
            .bind(bound(to))
            .push(" AS TIMESTAMP)")
            .push(&sql::group_by(keys));
        execute(conn, &insert)?;
    }
    if touched.nulls {
        conn.execute_batch(&format!(
            "DELETE FROM {table} WHERE \"__time\" IS NULL; INSERT INTO {table} {select} FROM {source} WHERE {} IS NULL{}",
            sql::column(time),
            sql::group_by(keys)
        ))?;
    }
    record(conn, dataset, rollup)
}

fn execute(conn: &Connection, statement: &Sql) -> Result<(), AnalyticsError> {
    conn.prepare(&statement.text)?
        .execute(duckdb::params_from_iter(statement.params.iter()))?;
    Ok(())
}

/// The start of the bucket after the one starting at `start`.
pub fn next_bucket(start: NaiveDateTime, grain: Grain) -> NaiveDateTime {
    let months = |n| start.checked_add_months(Months::new(n)).unwrap_or(start);
    match grain {
        Grain::Raw => start + TimeDelta::microseconds(1),
        Grain::Minute => start + TimeDelta::minutes(1),
        Grain::TenMinutes => start + TimeDelta::minutes(10),
        Grain::Hour => start + TimeDelta::hours(1),
        Grain::Day => start + TimeDelta::days(1),
        Grain::Week => start + TimeDelta::days(7),
        Grain::Month => months(1),
        Grain::Quarter => months(3),
        Grain::Year => months(12),
    }
}

/// Writes the rollup's fingerprint and row count to the state table.
fn record(
    conn: &Connection,
    dataset: &DatasetDef,
    rollup: &RollupDef,
) -> Result<u64, AnalyticsError> {
    let rows: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM {}",
            rollup_table(&dataset.name, &rollup.name)
        ),
        [],
        |row| row.get(0),
    )?;
    conn.execute(
        &format!("DELETE FROM {STATE_TABLE} WHERE dataset = ? AND rollup = ?"),
        [&dataset.name, &rollup.name],
    )?;
    conn.execute(
        &format!(
            "INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, CAST(current_timestamp AS TIMESTAMP))"
        ),
        duckdb::params![
            dataset.name,
            rollup.name,
            fingerprint(dataset, rollup),
            rows
        ],
    )?;
    Ok(u64::try_from(rows).unwrap_or_default())
}

/// Drops the tables of rollups no dataset declares any more.
pub fn drop_stale(
    conn: &Connection,
    datasets: &[DatasetDef],
    built: &Built,
) -> Result<(), AnalyticsError> {
    for (dataset, rollup) in built.keys() {
        let declared = datasets
            .iter()
            .any(|d| &d.name == dataset && d.rollups.iter().any(|r| &r.name == rollup));
        if !declared {
            conn.execute_batch(&format!(
                "DROP TABLE IF EXISTS {}",
                rollup_table(dataset, rollup)
            ))?;
            conn.execute(
                &format!("DELETE FROM {STATE_TABLE} WHERE dataset = ? AND rollup = ?"),
                [dataset, rollup],
            )?;
        }
    }
    Ok(())
}
