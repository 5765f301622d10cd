//! The query vocabulary: the words panels, datasets, row policies and the query builder share
//! — aggregations, filters and their operators, time grains, sort orders. A leaf module: it
//! depends on no other part of the crate, so the catalog, the dashboards, the policy and the
//! analytics engine all use it without depending on one another.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    Sum,
    Count,
    Avg,
    Min,
    Max,
    CountDistinct,
    /// The value of the row with the latest time (needs the dataset's time column).
    Latest,
}

impl Aggregation {
    pub(crate) fn needs_number(self) -> bool {
        matches!(self, Self::Sum | Self::Avg)
    }
}

/// A typed filter; the value is always bound as a query parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Filter {
    pub column: String,
    pub op: FilterOp,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    NotIn,
    Between,
    Contains,
    IsNull,
    NotNull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Raw,
    Minute,
    TenMinutes,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}
