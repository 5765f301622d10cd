//! Dataset catalog: what a tenant's tables hold, the only source of identifiers for queries.
//!
//! A dataset names one DuckDB table and declares its columns with their types and roles. The
//! query builder in `analytics/` accepts a column only when the dataset declares it, so nothing
//! a dashboard or a request says becomes an identifier without passing through here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::vocabulary::{Aggregation, Grain};

/// A dataset as declared in `datasets/*.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DatasetDef {
    /// Table name in the tenant's DuckDB file, and the name panels use.
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
    /// The column time ranges and buckets apply to, if the dataset has one.
    #[serde(default)]
    pub time_column: Option<String>,
    pub columns: Vec<ColumnDef>,
    /// Which rows a caller with `own` data access may see: each policy keeps the rows whose
    /// `column` equals the caller's `attribute` (e.g. `zone = user.zone`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_policies: Vec<RowPolicy>,
    /// Pre-aggregated tables the query planner may answer from instead of the raw rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollups: Vec<RollupDef>,
    /// Refuse any aggregate query no rollup can answer, instead of scanning the raw rows.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rollup_only: bool,
    /// The first month (1–12) of the fiscal year the `fy` and `fytd` periods count from.
    #[serde(default = "january", skip_serializing_if = "is_january")]
    pub fiscal_year_start: u8,
    /// The spans up to which a time series is drawn raw, by minute and by ten minutes.
    #[serde(default, skip_serializing_if = "Bucketing::is_default")]
    pub bucketing: Bucketing,
}

fn january() -> u8 {
    1
}

fn is_january(month: &u8) -> bool {
    *month == 1
}

/// Range thresholds of automatic time bucketing: a range up to `raw` is drawn from raw points,
/// up to `minute` by minute, up to `ten_minutes` by ten minutes, and longer by hour. Written as
/// durations (`8h`, `1d`, `4d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Bucketing {
    #[serde(with = "duration_text")]
    #[ts(type = "string")]
    pub raw: std::time::Duration,
    #[serde(with = "duration_text")]
    #[ts(type = "string")]
    pub minute: std::time::Duration,
    #[serde(with = "duration_text")]
    #[ts(type = "string")]
    pub ten_minutes: std::time::Duration,
}

impl Default for Bucketing {
    fn default() -> Self {
        Self {
            raw: std::time::Duration::from_secs(8 * 3600),
            minute: std::time::Duration::from_secs(86_400),
            ten_minutes: std::time::Duration::from_secs(4 * 86_400),
        }
    }
}

impl Bucketing {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

mod duration_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}s", d.as_secs()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
        let text = String::deserialize(d)?;
        crate::config::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

/// A rollup: the dataset grouped by some dimensions (and the time column at a grain), keeping
/// the parts of each measure that can be combined again (sums, counts, minima, maxima; exact
/// distinct counts per group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RollupDef {
    pub name: String,
    #[serde(default)]
    pub dimensions: Vec<String>,
    pub measures: Vec<RollupMeasure>,
    /// The time grain of its buckets; without one the rollup has no time and answers only
    /// queries without a time range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grain: Option<Grain>,
    /// `month`: refreshes recompute whole calendar months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Partition {
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RollupMeasure {
    pub column: String,
    pub agg: Aggregation,
}

/// `column = user.attribute`, applied to callers whose data access is limited to their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RowPolicy {
    pub column: String,
    pub attribute: String,
    /// Roles this policy does not narrow: their holders read every row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all_rows: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    #[serde(default)]
    pub role: ColumnRole,
    #[serde(default)]
    pub label: String,
    /// The aggregations a measure column allows; empty allows every one its type supports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregations: Vec<Aggregation>,
}

/// The column types a dataset may declare; each maps to one DuckDB type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Bigint,
    Integer,
    Double,
    Varchar,
    Boolean,
    Date,
    Timestamp,
}

impl ColumnType {
    pub fn sql_type(self) -> &'static str {
        match self {
            Self::Bigint => "BIGINT",
            Self::Integer => "INTEGER",
            Self::Double => "DOUBLE",
            Self::Varchar => "VARCHAR",
            Self::Boolean => "BOOLEAN",
            Self::Date => "DATE",
            Self::Timestamp => "TIMESTAMP",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Bigint | Self::Integer | Self::Double)
    }

    pub fn is_temporal(self) -> bool {
        matches!(self, Self::Date | Self::Timestamp)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    #[default]
    Attribute,
    Dimension,
    Measure,
    Time,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogError {
    #[error("dataset `{dataset}` has no column `{column}`")]
    UnknownColumn { dataset: String, column: String },
    #[error("dataset `{0}` declares no columns")]
    NoColumns(String),
    #[error("dataset `{dataset}` declares column `{column}` twice")]
    DuplicateColumn { dataset: String, column: String },
    #[error(
        "`{0}` is not a valid name: use lower-case letters, digits and `_`, starting with a letter"
    )]
    InvalidName(String),
    #[error("dataset `{dataset}`: time column `{column}` must be a date or timestamp column")]
    TimeColumnType { dataset: String, column: String },
    #[error("dataset `{dataset}`, rollup `{rollup}`: {message}")]
    Rollup {
        dataset: String,
        rollup: String,
        message: String,
    },
    #[error("dataset `{dataset}`: {message}")]
    Dataset { dataset: String, message: String },
}

impl DatasetDef {
    /// Checks the definition itself: names are plain identifiers, columns are unique, and the
    /// time column exists with a temporal type.
    pub fn validate(&self) -> Result<(), CatalogError> {
        check_name(&self.name)?;
        if self.columns.is_empty() {
            return Err(CatalogError::NoColumns(self.name.clone()));
        }
        for (index, column) in self.columns.iter().enumerate() {
            check_name(&column.name)?;
            if self.columns[..index].iter().any(|c| c.name == column.name) {
                return Err(CatalogError::DuplicateColumn {
                    dataset: self.name.clone(),
                    column: column.name.clone(),
                });
            }
        }
        for policy in &self.row_policies {
            self.column(&policy.column)?;
        }
        if let Some(time) = &self.time_column {
            let column = self.column(time)?;
            if !column.column_type.is_temporal() {
                return Err(CatalogError::TimeColumnType {
                    dataset: self.name.clone(),
                    column: time.clone(),
                });
            }
        }
        let dataset_error = |message: String| CatalogError::Dataset {
            dataset: self.name.clone(),
            message,
        };
        if !(1..=12).contains(&self.fiscal_year_start) {
            return Err(dataset_error(
                "fiscal_year_start must be a month, 1 to 12".into(),
            ));
        }
        let b = self.bucketing;
        if !(b.raw <= b.minute && b.minute <= b.ten_minutes) {
            return Err(dataset_error(
                "bucketing thresholds must grow: raw ≤ minute ≤ ten_minutes".into(),
            ));
        }
        for column in &self.columns {
            for agg in &column.aggregations {
                if matches!(agg, Aggregation::Sum | Aggregation::Avg)
                    && !column.column_type.is_numeric()
                {
                    return Err(dataset_error(format!(
                        "column `{}` allows `{agg:?}`, which needs a numeric column",
                        column.name
                    )));
                }
            }
        }
        for (index, rollup) in self.rollups.iter().enumerate() {
            if self.rollups[..index].iter().any(|r| r.name == rollup.name) {
                return Err(dataset_error(format!(
                    "rollup `{}` is declared twice",
                    rollup.name
                )));
            }
            self.validate_rollup(rollup)?;
        }
        Ok(())
    }

    fn validate_rollup(&self, rollup: &RollupDef) -> Result<(), CatalogError> {
        let fail = |message: String| CatalogError::Rollup {
            dataset: self.name.clone(),
            rollup: rollup.name.clone(),
            message,
        };
        check_name(&rollup.name)?;
        // Its table is `__rollup__<dataset>__<rollup>`: with no `__` in rollup names that name
        // splits one way only, so dataset `a__b` with rollup `c` and dataset `a` with rollup
        // `b__c` cannot share a table.
        if rollup.name.contains("__") {
            return Err(fail(
                "a rollup name may not contain `__` (it separates the dataset from the rollup in the table's name)".into(),
            ));
        }
        if rollup.measures.is_empty() {
            return Err(fail("a rollup needs at least one measure".into()));
        }
        for (index, dimension) in rollup.dimensions.iter().enumerate() {
            self.column(dimension)?;
            if Some(dimension) == self.time_column.as_ref() {
                return Err(fail(format!(
                    "`{dimension}` is the time column: give the rollup a `grain` instead"
                )));
            }
            if rollup.dimensions[..index].contains(dimension) {
                return Err(fail(format!("dimension `{dimension}` is listed twice")));
            }
        }
        for measure in &rollup.measures {
            let column = self.column(&measure.column)?;
            match measure.agg {
                Aggregation::Latest => {
                    return Err(fail(
                        "`latest` cannot be pre-aggregated; query it from the raw rows".into(),
                    ));
                }
                Aggregation::Sum | Aggregation::Avg if !column.column_type.is_numeric() => {
                    return Err(fail(format!(
                        "`{:?}` of `{}` needs a numeric column",
                        measure.agg, column.name
                    )));
                }
                _ => {}
            }
        }
        match rollup.grain {
            Some(Grain::Raw) => return Err(fail("`raw` is not a rollup grain".into())),
            Some(_) if self.time_column.is_none() => {
                return Err(fail(format!(
                    "a grain needs a time column, and dataset `{}` has none",
                    self.name
                )));
            }
            _ => {}
        }
        if rollup.partition == Some(Partition::Month)
            && !matches!(
                rollup.grain,
                Some(Grain::Minute | Grain::TenMinutes | Grain::Hour | Grain::Day | Grain::Month)
            )
        {
            return Err(fail(
                "monthly partitions need a grain of a month or finer that nests in months (minute, ten_minutes, hour, day, month)".into(),
            ));
        }
        Ok(())
    }

    /// The declared column called `name`, or an error naming the dataset.
    pub fn column(&self, name: &str) -> Result<&ColumnDef, CatalogError> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| CatalogError::UnknownColumn {
                dataset: self.name.clone(),
                column: name.to_owned(),
            })
    }

    pub fn time_column(&self) -> Option<&ColumnDef> {
        self.time_column
            .as_deref()
            .and_then(|name| self.columns.iter().find(|c| c.name == name))
    }
}

/// Dataset and column names are restricted to `[a-z][a-z0-9_]*` (at most 63 characters), so
/// quoting them is belt and braces rather than the only defence.
pub fn check_name(name: &str) -> Result<(), CatalogError> {
    let mut chars = name.chars();
    let valid = name.len() <= 63
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(CatalogError::InvalidName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_identifiers() {
        for good in ["sales", "a1", "overall_actual"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "1a",
            "Sales",
            "a-b",
            "a\"b",
            "a b",
            "x;drop",
            &"a".repeat(64),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
