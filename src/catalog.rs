//! Dataset catalog: what a tenant's tables hold, the only source of identifiers for queries.
//!
//! A dataset names one DuckDB table and declares its columns with their types and roles. The
//! query builder in `analytics/` accepts a column only when the dataset declares it, so nothing
//! a dashboard or a request says becomes an identifier without passing through here.

use serde::{Deserialize, Serialize};

/// A dataset as declared in `datasets/*.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// `column = user.attribute`, applied to callers whose data access is limited to their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowPolicy {
    pub column: String,
    pub attribute: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    #[serde(default)]
    pub role: ColumnRole,
    #[serde(default)]
    pub label: String,
}

/// The column types a dataset may declare; each maps to one DuckDB type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
