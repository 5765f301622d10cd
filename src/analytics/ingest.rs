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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshedRollup {
    pub name: String,
    pub rows: u64,
    pub ms: u64,
    /// `refresh` (the touched buckets) or `build` (from every row).
    pub mode: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub dataset: String,
    pub rows: u64,
    pub rollups: Vec<RefreshedRollup>,
    pub read_ms: u64,
    /// Appending the rows (inside `write_ms`, which adds the refreshes and the commit).
    pub append_ms: u64,
    pub write_ms: u64,
    pub generation: u64,
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
    threads: u16,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, AnalyticsError> {
    let read_started = Instant::now();
    progress(Progress::Reading);
    let scratch_dir = file.parent().unwrap_or(file);
    let scratch = Connection::open_in_memory_with_flags(
        Config::default()
            .threads(i64::from(threads.max(1)))?
            .max_memory("1GB")?
            .enable_autoload_extension(false)?
            .with("autoinstall_known_extensions", "false")?
            .with("temp_directory", scratch_dir.to_string_lossy())?,
    )?;
    // The absolute path, as the tenant database's allowed folder is written.
    let file = std::fs::canonicalize(file).map_err(|e| ImportError::Read {
        format,
        message: format!("{}: {e}", file.display()),
    })?;
    let file = file.as_path();
    let path = sql::literal(&file.to_string_lossy());
    let reader = match format {
        Format::Csv => format!("read_csv({path}, header = true, all_varchar = true)"),
        Format::Parquet => format!("read_parquet({path})"),
        Format::Json => format!("read_json({path}, format = 'auto')"),
    };
    scratch
        .execute_batch(&format!("CREATE TABLE staged AS SELECT * FROM {reader}"))
        .map_err(|e| ImportError::Read {
            format,
            message: e.to_string(),
        })?;

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
    let refreshed = db.write(|conn| {
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
        Ok(refreshed)
    })?;
    Ok(ImportSummary {
        dataset: dataset.name.clone(),
        rows: total,
        rollups: refreshed,
        read_ms,
        append_ms,
        write_ms: ms(write_started),
        generation: db.generation(),
    })
}

/// Fails with the first values (by row) that do not convert to their column's type.
fn check_values(scratch: &Connection, dataset: &DatasetDef) -> Result<(), AnalyticsError> {
    let mut bad = Vec::new();
    let mut total = 0u64;
    for column in &dataset.columns {
        let c = sql::column(column);
        let condition = format!(
            "{c} IS NOT NULL AND TRY_CAST({c} AS {}) IS NULL",
            column.column_type.sql_type()
        );
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
    let parse = |text: Option<String>| {
        text.and_then(|t| NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S%.f").ok())
    };
    Ok(Touched {
        min: parse(min),
        max: parse(max),
        nulls: nulls > 0,
    })
}
