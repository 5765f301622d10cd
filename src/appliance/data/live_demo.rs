//! The live demo: while the appliance runs, the demo workspace receives each minute's server
//! metrics and errors and each finished day's sales, through the import path like any other data (so
//! rollups, cached answers and the ledger see them). A restart first fills what the pause
//! missed. `--demo-static` (or a pinned `--demo-now`) keeps the demo as it was made.

use std::io::Write as _;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use duckdb::params_from_iter;
use serde::Serialize;

use super::imports::{ImportSlot, record_import};
use crate::analytics::ingest::{self, Format, ImportLimits};
use crate::analytics::{AnalyticsError, TenantDb};
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;

/// Who the ledger names for the demo's own imports.
pub const DEMO_ACTOR: &str = "system:demo";
/// The longest gap filled at once: a week of metrics, a year of sales.
const MAX_METRIC_MINUTES: i64 = 7 * 24 * 60;
const MAX_SALES_DAYS: i64 = 366;

/// What one step of the live demo appended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DemoStep {
    pub metric_rows: u64,
    pub error_rows: u64,
    pub sales_rows: u64,
}

/// A minute of samples per server and metric, in the demo's own shape (see `operations.sql`).
const METRICS_SQL: &str = "
WITH params AS (
    SELECT CAST(? AS TIMESTAMP) AS start, CAST(? AS BIGINT) AS minutes, CAST(? AS BIGINT) AS seed
), minutes AS (
    SELECT p.start + to_minutes(m + 1) AS recorded_at FROM params p, range(p.minutes) r(m)
), servers AS (
    SELECT s, list_element(['web-01', 'web-02', 'web-03', 'api-01', 'api-02', 'db-01', 'db-02', 'cache-01'], s + 1) AS server_name
    FROM range(8) r(s)
), samples AS (
    SELECT s, recorded_at, server_name, p.seed, CAST(epoch(recorded_at) / 60 AS BIGINT) AS m,
           25 + 10 * s % 17
              + 20 * (1 + sin(2 * pi() * (hour(recorded_at) * 60 + minute(recorded_at) - 540) / 1440.0)) AS load
    FROM minutes, servers, params p
)
SELECT CAST(recorded_at AS VARCHAR) AS recorded_at, kind AS metric_type, server_name,
       CAST(CASE WHEN kind = 'cpu'
            THEN round(least(99.5, greatest(1, load + 12 * ((hash(m, s, seed, 21) % 1000) / 1000.0 - 0.5))), 2) END AS VARCHAR) AS cpu_percent,
       CAST(CASE WHEN kind = 'memory'
            THEN round(least(99.0, 38 + 5 * s + 0.002 * (m % 2880) + 4 * ((hash(m, s, seed, 23) % 1000) / 1000.0)), 2) END AS VARCHAR) AS memory_percent
FROM samples, (VALUES ('cpu'), ('memory')) k(kind)
ORDER BY samples.recorded_at, server_name, kind";

/// The services' errors of those minutes, about 3 in 10 minutes as in the demo's week (see
/// `operations.sql`), each at a second of a minute already over. Parameters: the last minute
/// sampled, minutes, seed.
const ERRORS_SQL: &str = "
WITH params AS (
    SELECT CAST(? AS TIMESTAMP) AS start, CAST(? AS BIGINT) AS minutes, CAST(? AS BIGINT) AS seed
), minutes AS (
    SELECT m, p.seed, p.start + to_minutes(m) + to_seconds(CAST(hash(m, p.seed, 45) % 60 AS BIGINT)) AS happened
    FROM params p, range(p.minutes) r(m)
    WHERE hash(epoch(p.start) + m, p.seed, 46) % 10 < 3
)
SELECT CAST(happened AS VARCHAR) AS \"timestamp\",
       list_element(['checkout', 'payments', 'inventory', 'catalog', 'search', 'auth', 'orders',
                     'shipping', 'notifications', 'reporting', 'billing', 'gateway'],
                    CAST(hash(epoch(happened), seed, 42) % 12 AS INTEGER) + 1) AS service,
       list_element(['upstream timed out after 30 s', 'connection reset by peer',
                     'payment provider returned 502', 'deadlock detected, transaction retried',
                     'disk usage above 90 %', 'certificate expires in 7 days',
                     'queue depth above 10,000 messages', 'null reference in order total'],
                    CAST(hash(epoch(happened), seed, 43) % 8 AS INTEGER) + 1) AS error_message,
       list_element(['WARNING', 'WARNING', 'ERROR', 'ERROR', 'ERROR', 'CRITICAL'],
                    CAST(hash(epoch(happened), seed, 44) % 6 AS INTEGER) + 1) AS severity
FROM minutes ORDER BY happened";

/// A day's sales per entity, near what each sold over the last quarter, as many rows a day as
/// the demo holds on average. Parameters: first day, last day, seed, copies, rows a day.
const SALES_SQL: &str = "
WITH params AS (
    SELECT CAST(? AS DATE) AS first_day, CAST(? AS DATE) AS last_day, CAST(? AS BIGINT) AS seed,
           CAST(? AS BIGINT) AS copies, CAST(? AS BIGINT) AS per_day
), entities AS (
    SELECT entity_id, any_value(entity_name) AS entity_name, any_value(entity_type) AS entity_type,
           any_value(zone) AS zone, any_value(state) AS state, any_value(channel_type) AS channel_type,
           avg(lubricants_actual) AS la, avg(lubricants_target) AS lt, avg(batteries_actual) AS ba,
           avg(batteries_target) AS bt, avg(tyres_actual) AS ta, avg(tyres_target) AS tt,
           avg(spares_actual) AS sa, avg(spares_target) AS st
    FROM sales, params WHERE record_date > params.first_day - 92
    GROUP BY entity_id
), days AS (
    SELECT CAST(d AS DATE) AS day FROM params, generate_series(params.first_day, params.last_day, INTERVAL 1 DAY) g(d)
), drawn AS (
    SELECT e.*, day, c,
           row_number() OVER (PARTITION BY day ORDER BY hash(entity_id, day, c, p.seed)) AS n,
           (hash(entity_id, day, c, p.seed, 1) % 1000) / 1000.0 AS u1,
           (hash(entity_id, day, c, p.seed, 2) % 1000) / 1000.0 AS u2,
           (hash(entity_id, day, c, p.seed, 3) % 1000) / 1000.0 AS u3,
           (hash(entity_id, day, c, p.seed, 4) % 1000) / 1000.0 AS u4
    FROM entities e, days, params p, range(p.copies) r(c)
), kept AS (
    SELECT *, round(la * (0.75 + 0.5 * u1), 2) AS lubricants_actual, round(lt, 2) AS lubricants_target,
           round(ba * (0.75 + 0.5 * u2), 2) AS batteries_actual, round(bt, 2) AS batteries_target,
           round(ta * (0.75 + 0.5 * u3), 2) AS tyres_actual, round(tt, 2) AS tyres_target,
           round(sa * (0.75 + 0.5 * u4), 2) AS spares_actual, round(st, 2) AS spares_target
    FROM drawn, params WHERE n <= params.per_day
)
SELECT CAST((SELECT coalesce(max(record_id), 0) FROM sales) + row_number() OVER (ORDER BY day, n) AS VARCHAR) AS record_id,
       entity_id, entity_name, entity_type, zone, state, channel_type,
       CAST(day AS VARCHAR) AS record_date,
       CAST(lubricants_actual AS VARCHAR) AS lubricants_actual, CAST(lubricants_target AS VARCHAR) AS lubricants_target,
       CAST(batteries_actual AS VARCHAR) AS batteries_actual, CAST(batteries_target AS VARCHAR) AS batteries_target,
       CAST(tyres_actual AS VARCHAR) AS tyres_actual, CAST(tyres_target AS VARCHAR) AS tyres_target,
       CAST(spares_actual AS VARCHAR) AS spares_actual, CAST(spares_target AS VARCHAR) AS spares_target,
       CAST(round(lubricants_actual + batteries_actual + tyres_actual + spares_actual, 2) AS VARCHAR) AS overall_actual,
       CAST(round(lubricants_target + batteries_target + tyres_target + spares_target, 2) AS VARCHAR) AS overall_target
FROM kept ORDER BY day, n";

impl Appliance {
    /// Whether the demo moves with the clock (`--demo-static` and a pinned `--demo-now` keep
    /// it still).
    pub fn live_demo(&self) -> bool {
        self.live_demo
    }

    /// Appends what the demo lacks at `now`: metrics to the minute, sales to the day before.
    /// Skips the step (appending nothing) while an import of the workspace is running.
    pub fn demo_step(&self, now: DateTime<Utc>) -> Result<DemoStep, ServiceError> {
        let Some(tenant) = self
            .store
            .tenants()?
            .into_iter()
            .find(|t| t.active && t.demo.is_some())
        else {
            return Ok(DemoStep::default());
        };
        let Some(_slot) = ImportSlot::take(&self.data.import_slots, &tenant.id) else {
            return Ok(DemoStep::default());
        };
        let seed = tenant.demo.as_ref().map_or(0, |d| d.seed);
        let seed = i64::try_from(seed % (1 << 62)).unwrap_or_default();
        let db = self.database(&tenant.id)?;
        let mut step = DemoStep::default();

        let minute = now
            .naive_utc()
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or_default();
        let last: Option<NaiveDateTime> = db.with_connection(|c| {
            Ok(c.query_row("SELECT max(recorded_at) FROM metrics", [], |r| r.get(0))?)
        })?;
        let from = last
            .unwrap_or(minute - TimeDelta::minutes(1))
            .max(minute - TimeDelta::minutes(MAX_METRIC_MINUTES));
        let minutes = (minute - from).num_minutes();
        if minutes > 0 {
            let params = || -> Vec<duckdb::types::Value> {
                vec![
                    from.format("%Y-%m-%d %H:%M:%S").to_string().into(),
                    minutes.into(),
                    seed.into(),
                ]
            };
            step.metric_rows = self.append(
                &tenant.id,
                &db,
                "metrics",
                METRICS_SQL,
                params(),
                &format!("the live demo's server metrics to {minute}"),
            )?;
            step.error_rows = self.append(
                &tenant.id,
                &db,
                "error_logs",
                ERRORS_SQL,
                params(),
                &format!("the live demo's error log to {minute}"),
            )?;
        }

        let yesterday = now.date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
        let (last_day, per_day, entities): (Option<NaiveDate>, i64, i64) =
            db.with_connection(|c| {
                Ok(c.query_row(
                    "SELECT max(record_date), \
                     CAST(count(*) / greatest(count(DISTINCT record_date), 1) AS BIGINT), \
                     count(DISTINCT entity_id) FROM sales",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })?;
        if let Some(last_day) = last_day
            && last_day < yesterday
            && entities > 0
        {
            let first =
                (last_day + TimeDelta::days(1)).max(yesterday - TimeDelta::days(MAX_SALES_DAYS));
            let per_day = per_day.max(1);
            let copies = (per_day + entities - 1) / entities;
            let params: Vec<duckdb::types::Value> = vec![
                first.to_string().into(),
                yesterday.to_string().into(),
                seed.into(),
                copies.into(),
                per_day.into(),
            ];
            step.sales_rows = self.append(
                &tenant.id,
                &db,
                "sales",
                SALES_SQL,
                params,
                &format!("the live demo's sales of {first} to {yesterday}"),
            )?;
        }
        Ok(step)
    }

    /// Runs `sql` (a read of the workspace's own data, its columns text named as the
    /// dataset's), writes its rows as a CSV file in the
    /// workspace's import folder and imports that file into `dataset`, audited by the demo.
    fn append(
        &self,
        tenant: &str,
        db: &TenantDb,
        dataset: &str,
        sql: &str,
        params: Vec<duckdb::types::Value>,
        reason: &str,
    ) -> Result<u64, ServiceError> {
        let path = ingest::staged_path(&self.data_dir.tenant_db(tenant), Format::Csv)?;
        let written = db.with_connection(|conn| {
            // Every column of the statement is text already, named as the dataset's.
            let mut statement = conn.prepare(sql)?;
            let mut rows = statement.query(params_from_iter(params.iter()))?;
            let names: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
            let file = std::fs::File::create(&path).map_err(io)?;
            let mut out = csv::Writer::from_writer(std::io::BufWriter::new(file));
            out.write_record(&names).map_err(csv_error)?;
            let mut count = 0u64;
            while let Some(row) = rows.next()? {
                let cells: Vec<String> = (0..names.len())
                    .map(|i| {
                        row.get::<_, Option<String>>(i)
                            .map(Option::unwrap_or_default)
                    })
                    .collect::<Result<_, _>>()?;
                out.write_record(&cells).map_err(csv_error)?;
                count += 1;
            }
            let mut inner = out.into_inner().map_err(|e| io(e.into_error()))?;
            inner.flush().map_err(io)?;
            Ok(count)
        });
        let result = written.map_err(ServiceError::from).and_then(|count| {
            if count == 0 {
                return Ok(0);
            }
            let definition = self.dataset_def(tenant, dataset)?;
            let limits = ImportLimits {
                threads: self.limits.threads,
                max_rows: Some(self.data.imports.max_rows),
                timeout: Some(self.data.imports.timeout),
                scratch_disk: None,
            };
            let summary =
                ingest::import(db, &definition, &path, Format::Csv, &limits, &mut |_| {})?;
            record_import(
                &self.store,
                AuditEvent::new(DEMO_ACTOR, Some(tenant), "data.import", dataset)
                    .reason(reason.to_owned())
                    .after(&summary),
                tenant,
                &summary.id,
            )?;
            Ok(summary.rows)
        });
        let _ = std::fs::remove_file(&path);
        result
    }
}

fn io(error: std::io::Error) -> AnalyticsError {
    AnalyticsError::Invalid(format!("the live demo could not write its file: {error}"))
}

fn csv_error(error: csv::Error) -> AnalyticsError {
    AnalyticsError::Invalid(format!("the live demo could not write its file: {error}"))
}
