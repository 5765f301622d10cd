//! Imports: CSV, Parquet and JSON files appended to a dataset, all or nothing, with its rollups
//! refreshed in the same transaction.
//!
//! Files are staged under the tenant's `imports/` folder, under names Flexboard chose (the only
//! folder the tenant's database may read). A separate in-memory DuckDB instance reads the staged
//! file first and checks every value against the dataset's column types (the first failures are
//! reported by row and column); only then does the tenant's database read it, casting each
//! column, in the transaction that also refreshes the rollups the new rows touch.

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDateTime;
use duckdb::{Config, Connection};
use serde::Serialize;
use ts_rs::TS;

use super::rollups::{self, Touched};
use super::{AnalyticsError, TenantDb, sql};
use crate::catalog::{ColumnType, DatasetDef};

/// How many failing values an error lists.
const MAX_REPORTED: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Parquet,
    Json,
}

impl Format {
    pub const NAMES: &'static str = "csv, parquet, json";

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "csv" => Self::Csv,
            "parquet" => Self::Parquet,
            "json" | "jsonl" | "ndjson" => Self::Json,
            _ => return None,
        })
    }

    /// The format a file name's extension names.
    pub fn from_path(path: &Path) -> Option<Self> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Self::parse)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Json => "json",
        }
    }
}

/// A value that does not fit its column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadValue {
    /// 1-based data row (a CSV's header is not counted: row 1 is line 2).
    pub row: u64,
    pub column: String,
    pub value: String,
    pub expected: ColumnType,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file could not be read as {format:?}: {message}")]
    Read { format: Format, message: String },
    #[error("the file holds no rows")]
    Empty,
    #[error("the file lacks column(s) {} of dataset `{dataset}`", list(.columns))]
    MissingColumns {
        dataset: String,
        columns: Vec<String>,
    },
    #[error("dataset `{dataset}` has no column(s) {}; its columns are {}", list(.columns), list(.known))]
    UnknownColumns {
        dataset: String,
        columns: Vec<String>,
        known: Vec<String>,
    },
    #[error("{total} value(s) do not fit their columns; nothing was imported. {}", describe(.values))]
    BadValues { total: u64, values: Vec<BadValue> },
    #[error(
        "the file holds {rows} rows and an import may hold at most {max} (--import-max-rows); split it"
    )]
    TooManyRows { rows: u64, max: u64 },
    #[error("the import ran longer than {} s (--import-timeout) and was stopped; nothing was imported", .0.as_secs())]
    TimedOut(std::time::Duration),
}

/// What one import may take. The API's imports run with every bound set; the command line,
/// run by the operator on the host, with none but the threads.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    pub threads: u16,
    /// Rows one file may hold.
    pub max_rows: Option<u64>,
    /// The whole import (reading, checking, appending, refreshing) stops at this time.
    pub timeout: Option<std::time::Duration>,
    /// Disk the checking database may spill to while it reads the file.
    pub scratch_disk: Option<u64>,
}

impl ImportLimits {
    pub fn unbounded(threads: u16) -> Self {
        Self {
            threads,
            max_rows: None,
            timeout: None,
            scratch_disk: None,
        }
    }
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(values: &[BadValue]) -> String {
    values
        .iter()
        .map(|v| {
            format!(
                "row {}, column `{}`: `{}` is not a valid {}",
                v.row,
                v.column,
                v.value,
                v.expected.sql_type().to_ascii_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What an import reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Reading,
    Validating { rows: u64 },
    Appending { done: u64, total: u64 },
    Refreshing { rollup: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefreshedRollup {
    pub name: String,
    pub rows: u64,
    pub ms: u64,
    /// `refresh` (the touched buckets) or `build` (from every row).
    pub mode: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    /// `IM-…`: the import as the tenant database and the audit ledger both record it.
    pub id: String,
    pub dataset: String,
    pub rows: u64,
    pub rollups: Vec<RefreshedRollup>,
    pub read_ms: u64,
    /// Appending the rows (inside `write_ms`, which adds the refreshes and the commit).
    pub append_ms: u64,
    pub write_ms: u64,
    pub generation: u64,
}

/// Every committed import, in the tenant database, with the rows it added.
const IMPORT_LOG: &str = "\"__flexboard_imports\"";

/// An import as the tenant database recorded it when it committed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedImport {
    pub id: String,
    pub dataset: String,
    pub rows: u64,
    pub imported_at: String,
}

/// Creates the table of committed imports when the database has none yet (at open, beside the
/// rollups' state table).
pub(super) fn create_import_log(conn: &Connection) -> Result<(), AnalyticsError> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {IMPORT_LOG} (id VARCHAR, dataset VARCHAR, rows BIGINT, imported_at TIMESTAMP)"
    ))?;
    Ok(())
}

/// The imports the tenant database has committed.
pub fn recorded_imports(conn: &Connection) -> Result<Vec<RecordedImport>, AnalyticsError> {
    let mut statement = conn.prepare(&format!(
        "SELECT id, dataset, rows, strftime(imported_at, '%Y-%m-%dT%H:%M:%SZ') FROM {IMPORT_LOG} ORDER BY imported_at"
    ))?;
    let mut rows = statement.query([])?;
    let mut imports = Vec::new();
    while let Some(row) = rows.next()? {
        imports.push(RecordedImport {
            id: row.get(0)?,
            dataset: row.get(1)?,
            rows: u64::try_from(row.get::<_, i64>(2)?).unwrap_or_default(),
            imported_at: row.get(3)?,
        });
    }
    Ok(imports)
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A fresh path for a file about to be imported into the tenant database at `db_path`: in its
/// imports folder (see [`super::imports_dir`]), under a random name with the format's extension.
pub fn staged_path(db_path: &Path, format: Format) -> Result<std::path::PathBuf, AnalyticsError> {
    Ok(super::imports_dir(db_path)?.join(format!(
        "{}.{}",
        crate::identity::token::random_id("import-", 16),
        format.extension()
    )))
}

/// Appends the rows of `file` (staged by the caller under the tenant's imports folder) to
/// `dataset`, refreshing its rollups, all in one transaction.
pub fn import(
    db: &TenantDb,
    dataset: &DatasetDef,
    file: &Path,
    format: Format,
    limits: &ImportLimits,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, AnalyticsError> {
    let deadline = limits.timeout.map(|t| Instant::now() + t);
    let result = import_by(db, dataset, file, format, limits, deadline, progress);
    // However the interrupted statement reported it, a passed deadline is the reason.
    match (result, limits.timeout) {
        (Err(_), Some(timeout)) if deadline.is_some_and(|d| Instant::now() >= d) => {
            Err(ImportError::TimedOut(timeout).into())
        }
        (result, _) => result,
    }
}

fn import_by(
    db: &TenantDb,
    dataset: &DatasetDef,
    file: &Path,
    format: Format,
    limits: &ImportLimits,
    deadline: Option<Instant>,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, AnalyticsError> {
    let read_started = Instant::now();
    let id = crate::identity::token::random_id("IM-", 12);
    progress(Progress::Reading);
    // The absolute path, as the databases' allowed folder is written.
    let file = std::fs::canonicalize(file).map_err(|e| ImportError::Read {
        format,
        message: format!("the staged file cannot be opened: {}", e.kind()),
    })?;
    let file = file.as_path();
    let scratch_dir = file.parent().unwrap_or(file);
    let mut config = Config::default()
        .threads(i64::from(limits.threads.max(1)))?
        .max_memory("1GB")?
        .enable_autoload_extension(false)?
        .with("autoinstall_known_extensions", "false")?
        .with("temp_directory", scratch_dir.to_string_lossy())?;
    if let Some(bytes) = limits.scratch_disk {
        config = config.with("max_temp_directory_size", format!("{bytes}B"))?;
    }
    let scratch = Connection::open_in_memory_with_flags(config)?;
    // The checking database is sandboxed like the tenant's: it may read the imports folder
    // only, load nothing, and change none of this.
    scratch.execute_batch(&format!(
        "SET GLOBAL allowed_directories = [{}]; SET GLOBAL enable_external_access = false; SET GLOBAL lock_configuration = true;",
        sql::literal(&format!("{}/", scratch_dir.display()))
    ))?;
    let _armed = deadline.map(|d| super::watchdog::arm(d, scratch.interrupt_handle()));
    let path_text = file.to_string_lossy().into_owned();
    let path = sql::literal(&path_text);
    let reader = match format {
        Format::Csv => format!("read_csv({path}, header = true, all_varchar = true)"),
        Format::Parquet => format!("read_parquet({path})"),
        Format::Json => format!("read_json({path}, format = 'auto')"),
    };
    // A Parquet file says how many rows it holds: refuse too many before decompressing any.
    if let (Format::Parquet, Some(max)) = (format, limits.max_rows) {
        let rows: Option<i64> = scratch
            .query_row(
                &format!("SELECT CAST(sum(num_rows) AS BIGINT) FROM parquet_file_metadata({path})"),
                [],
                |row| row.get(0),
            )
            .map_err(|e| read_error(format, &e, &path_text))?;
        let rows = u64::try_from(rows.unwrap_or_default()).unwrap_or_default();
        if rows > max {
            return Err(ImportError::TooManyRows { rows, max }.into());
        }
    }
    scratch
        .execute_batch(&format!("CREATE TABLE staged AS SELECT * FROM {reader}"))
        .map_err(|e| read_error(format, &e, &path_text))?;

    let mut present = Vec::new();
    {
        let mut statement = scratch.prepare("SELECT name FROM pragma_table_info('staged')")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            present.push(row.get::<_, String>(0)?);
        }
    }
    let unknown: Vec<String> = present
        .iter()
        .filter(|name| dataset.column(name).is_err())
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(ImportError::UnknownColumns {
            dataset: dataset.name.clone(),
            columns: unknown,
            known: dataset.columns.iter().map(|c| c.name.clone()).collect(),
        }
        .into());
    }
    let missing: Vec<String> = dataset
        .columns
        .iter()
        .filter(|c| !present.contains(&c.name))
        .map(|c| c.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            dataset: dataset.name.clone(),
            columns: missing,
        }
        .into());
    }
    let total: u64 = scratch
        .query_row("SELECT count(*) FROM staged", [], |row| {
            row.get::<_, i64>(0)
        })?
        .try_into()
        .unwrap_or_default();
    if total == 0 {
        return Err(ImportError::Empty.into());
    }
    if let Some(max) = limits.max_rows
        && total > max
    {
        return Err(ImportError::TooManyRows { rows: total, max }.into());
    }

    progress(Progress::Validating { rows: total });
    check_values(&scratch, dataset)?;
    let touched = touched(&scratch, dataset)?;
    let read_ms = ms(read_started);

    let typed: Vec<String> = dataset
        .columns
        .iter()
        .map(|c| {
            format!(
                "CAST({} AS {}) AS {}",
                sql::column(c),
                c.column_type.sql_type(),
                sql::column(c)
            )
        })
        .collect();
    let write_started = Instant::now();
    let mut append_ms = 0;
    let refreshed = db.write_until(deadline, |conn| {
        let append_started = Instant::now();
        // The tenant database reads the same staged file with the same reader; every value
        // was checked above, so each cast succeeds.
        progress(Progress::Appending { done: 0, total });
        let inserted = conn.execute(
            &format!(
                "INSERT INTO {} SELECT {} FROM {reader}",
                sql::ident(&dataset.name),
                typed.join(", ")
            ),
            [],
        )?;
        if inserted as u64 != total {
            return Err(AnalyticsError::Invalid(format!(
                "the file gave {inserted} rows on its second reading and {total} on its first; nothing was imported"
            )));
        }
        progress(Progress::Appending {
            done: total,
            total,
        });
        append_ms = ms(append_started);
        let mut refreshed = Vec::new();
        for rollup in &dataset.rollups {
            progress(Progress::Refreshing {
                rollup: rollup.name.clone(),
            });
            let started = Instant::now();
            let (rows, mode) = if db.is_built(dataset, rollup) {
                (rollups::refresh(conn, dataset, rollup, touched)?, "refresh")
            } else {
                (rollups::build(conn, dataset, rollup)?, "build")
            };
            refreshed.push(RefreshedRollup {
                name: rollup.name.clone(),
                rows,
                ms: ms(started),
                mode,
            });
        }
        // In the same transaction as the rows: an import the ledger does not know of is
        // found at the next start (see `recorded_imports`).
        conn.execute(
            &format!(
                "INSERT INTO {IMPORT_LOG} VALUES (?, ?, ?, CAST(current_timestamp AS TIMESTAMP))"
            ),
            duckdb::params![id, dataset.name, i64::try_from(total).unwrap_or(i64::MAX)],
        )?;
        Ok(refreshed)
    })?;
    Ok(ImportSummary {
        id,
        dataset: dataset.name.clone(),
        rows: total,
        rollups: refreshed,
        read_ms,
        append_ms,
        write_ms: ms(write_started),
        generation: db.generation(),
    })
}

/// A reader's failure, without the server's path to the staged file.
fn read_error(format: Format, error: &duckdb::Error, path: &str) -> ImportError {
    ImportError::Read {
        format,
        message: error.to_string().replace(path, "the uploaded file"),
    }
}

/// Fails with the first values (by row) that do not convert to their column's type.
fn check_values(scratch: &Connection, dataset: &DatasetDef) -> Result<(), AnalyticsError> {
    let mut bad = Vec::new();
    let mut total = 0u64;
    for column in &dataset.columns {
        let c = sql::column(column);
        let sql_type = column.column_type.sql_type();
        let mut condition = format!("{c} IS NOT NULL AND TRY_CAST({c} AS {sql_type}) IS NULL");
        // Dates outside the years 1 to 9999 cast, but no bucket, range or rollup partition
        // can hold them: refused like any value that does not fit.
        if matches!(column.column_type, ColumnType::Date | ColumnType::Timestamp) {
            condition = format!(
                "{c} IS NOT NULL AND (TRY_CAST({c} AS {sql_type}) IS NULL OR year(TRY_CAST({c} AS {sql_type})) NOT BETWEEN 1 AND 9999)"
            );
        }
        let count: i64 = scratch.query_row(
            &format!("SELECT count(*) FROM staged WHERE {condition}"),
            [],
            |row| row.get(0),
        )?;
        if count == 0 {
            continue;
        }
        total += u64::try_from(count).unwrap_or_default();
        let mut statement = scratch.prepare(&format!(
            "SELECT rowid + 1, CAST({c} AS VARCHAR) FROM staged WHERE {condition} ORDER BY rowid LIMIT {MAX_REPORTED}"
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            bad.push(BadValue {
                row: u64::try_from(row.get::<_, i64>(0)?).unwrap_or_default(),
                column: column.name.clone(),
                value: row.get(1)?,
                expected: column.column_type,
            });
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    bad.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    bad.truncate(MAX_REPORTED);
    Err(ImportError::BadValues { total, values: bad }.into())
}

/// The span of the staged rows' time values, for refreshing only the buckets they touch.
fn touched(scratch: &Connection, dataset: &DatasetDef) -> Result<Touched, AnalyticsError> {
    let Some(time) = dataset.time_column() else {
        return Ok(Touched::default());
    };
    let t = format!("CAST({} AS TIMESTAMP)", sql::column(time));
    let (min, max, nulls): (Option<String>, Option<String>, i64) = scratch.query_row(
        &format!(
            "SELECT strftime(min({t}), '%Y-%m-%d %H:%M:%S.%f'), strftime(max({t}), '%Y-%m-%d %H:%M:%S.%f'), count(*) FILTER (WHERE {t} IS NULL) FROM staged"
        ),
        [],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    // A time that does not read back would make the refresh skip its buckets and the rollups
    // drift from the rows: fail instead (values are checked to years 1 to 9999 before this).
    let parse = |text: Option<String>| -> Result<Option<NaiveDateTime>, AnalyticsError> {
        text.map(|t| {
            NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S%.f").map_err(|_| {
                AnalyticsError::Invalid(format!(
                    "the time `{t}` cannot be placed in a rollup bucket; nothing was imported"
                ))
            })
        })
        .transpose()
    };
    Ok(Touched {
        min: parse(min)?,
        max: parse(max)?,
        nulls: nulls > 0,
    })
}
