//! The `table` panel: plain or aggregated columns, sorted and paged.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::{MAX_PAGE_SIZE, ValueFormat};
use crate::vocabulary::{Aggregation, Filter};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TableSource {
    pub dataset: String,
    /// Plain columns, or aggregated ones (`agg`); with any aggregate the others group.
    pub columns: Vec<TableColumn>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TableColumn {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agg: Option<Aggregation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ValueFormat>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (12, 3);

impl TableSource {
    /// Checks the source against its dataset (the panel's filters are checked for every kind).
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        if self.columns.is_empty() {
            return Err(check.fail("a table needs at least one column".into()));
        }
        for (index, column) in self.columns.iter().enumerate() {
            let def = check
                .dataset
                .column(&column.name)
                .map_err(|e| check.catalog(e))?;
            if let Some(agg) = column.agg
                && agg.needs_number()
                && !def.column_type.is_numeric()
            {
                return Err(check.fail(format!(
                    "`{agg:?}` needs a numeric column; `{}` is not",
                    def.name
                )));
            }
            if self.columns[..index]
                .iter()
                .any(|other| other.name == column.name)
            {
                return Err(check.fail(format!("column `{}` is listed twice", column.name)));
            }
        }
        if let Some(sort) = &check.display.default_sort
            && !self.columns.iter().any(|other| &other.name == sort)
        {
            return Err(check.fail(format!(
                "default_sort `{sort}` is not one of the table's columns"
            )));
        }
        if let Some(size) = check.display.page_size
            && !(1..=MAX_PAGE_SIZE).contains(&size)
        {
            return Err(check.fail(format!("page_size must be 1 to {MAX_PAGE_SIZE}")));
        }
        Ok(())
    }
}
