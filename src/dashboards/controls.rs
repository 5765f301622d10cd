//! Dashboard filter controls: the select, multi-select, search and range inputs a person sets
//! above the grid. A control names a dataset and a column; the values a request gives it
//! become one typed filter, added to every panel whose dataset has that column (beside the
//! caller's row filters, so a control only ever narrows what the caller may read).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::{ColumnType, DatasetDef};
use crate::vocabulary::{Filter, FilterOp};

/// Controls on one dashboard at most.
pub const MAX_CONTROLS: usize = 20;
/// Values one request may give one control.
pub const MAX_CONTROL_VALUES: usize = 100;
/// Characters of one value.
pub const MAX_VALUE_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FilterControl {
    /// The name in the URL (`f.<id>=…`) and in overrides.
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The dataset the options come from.
    pub dataset: String,
    pub column: String,
    pub kind: ControlKind,
    /// Roles that see the control; empty means everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visible_to: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    /// One value of the column.
    Select,
    /// Any of several values.
    MultiSelect,
    /// Text the column's values contain (case-insensitive); text columns only.
    Search,
    /// `from..to` (either end may be left out); numeric and date columns only.
    Range,
}

impl FilterControl {
    /// Checks the control against its dataset.
    pub fn check(&self, datasets: &[DatasetDef]) -> Result<(), String> {
        let dataset = datasets
            .iter()
            .find(|d| d.name == self.dataset)
            .ok_or_else(|| format!("dataset `{}` is not declared", self.dataset))?;
        let column = dataset.column(&self.column).map_err(|e| e.to_string())?;
        let kind = column.column_type;
        match self.kind {
            ControlKind::Search if kind != ColumnType::Varchar => Err(format!(
                "a search needs a text column; `{}` is {kind:?}",
                self.column
            )),
            ControlKind::Range
                if !(kind.is_numeric()
                    || matches!(kind, ColumnType::Date | ColumnType::Timestamp)) =>
            {
                Err(format!(
                    "a range needs a number or date column; `{}` is {kind:?}",
                    self.column
                ))
            }
            _ => Ok(()),
        }
    }

    /// The filter a request's values make, or why they cannot make one.
    pub fn filter(&self, values: &[String], column_type: ColumnType) -> Result<Filter, String> {
        let name = &self.id;
        if values.len() > MAX_CONTROL_VALUES {
            return Err(format!(
                "filter `{name}` takes at most {MAX_CONTROL_VALUES} values; {} were given",
                values.len()
            ));
        }
        if let Some(long) = values.iter().find(|v| v.chars().count() > MAX_VALUE_CHARS) {
            return Err(format!(
                "filter `{name}`: a value may have at most {MAX_VALUE_CHARS} characters ({} given)",
                long.chars().count()
            ));
        }
        let typed = |text: &str| {
            typed_value(text, column_type).map_err(|m| format!("filter `{name}`: {m}"))
        };
        let one = || match values {
            [value] => Ok(value.as_str()),
            _ => Err(format!(
                "filter `{name}` takes one value; {} were given",
                values.len()
            )),
        };
        let filter = |op, value| Filter {
            column: self.column.clone(),
            op,
            value,
        };
        Ok(match self.kind {
            ControlKind::Select => filter(FilterOp::Eq, typed(one()?)?),
            ControlKind::MultiSelect => {
                if values.is_empty() {
                    return Err(format!("filter `{name}` needs at least one value"));
                }
                let list = values.iter().map(|v| typed(v)).collect::<Result<_, _>>()?;
                filter(FilterOp::In, serde_json::Value::Array(list))
            }
            ControlKind::Search => filter(FilterOp::Contains, one()?.into()),
            ControlKind::Range => {
                let text = one()?;
                let (from, to) = text.split_once("..").ok_or_else(|| {
                    format!(
                        "filter `{name}` takes `from..to` (either end may be empty), not `{text}`"
                    )
                })?;
                match (from.trim(), to.trim()) {
                    ("", "") => {
                        return Err(format!(
                            "filter `{name}`: give at least one end of the range"
                        ));
                    }
                    (from, "") => filter(FilterOp::Gte, typed(from)?),
                    ("", to) => filter(FilterOp::Lte, typed(to)?),
                    (from, to) => filter(
                        FilterOp::Between,
                        serde_json::json!([typed(from)?, typed(to)?]),
                    ),
                }
            }
        })
    }
}

/// A value as the column's type holds it: numbers as JSON numbers, the rest as text.
/// A text value as JSON of the column's type, or why it does not fit.
pub fn typed_value(text: &str, column_type: ColumnType) -> Result<serde_json::Value, String> {
    match column_type {
        ColumnType::Bigint | ColumnType::Integer => text
            .trim()
            .parse::<i64>()
            .map(serde_json::Value::from)
            .map_err(|_| format!("`{text}` is not a whole number")),
        ColumnType::Double => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(serde_json::Value::Number)
            .ok_or_else(|| format!("`{text}` is not a number")),
        ColumnType::Boolean => match text.trim() {
            "true" => Ok(true.into()),
            "false" => Ok(false.into()),
            _ => Err(format!("`{text}` is not true or false")),
        },
        ColumnType::Date => chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(|_| text.trim().into())
            .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)")),
        ColumnType::Timestamp | ColumnType::Varchar => Ok(text.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn control(kind: ControlKind) -> FilterControl {
        FilterControl {
            id: "c".into(),
            label: String::new(),
            dataset: "d".into(),
            column: "k".into(),
            kind,
            visible_to: vec![],
        }
    }

    fn values(list: &[&str]) -> Vec<String> {
        list.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn values_become_one_typed_filter() {
        let made = |kind, list: &[&str], column_type| {
            control(kind)
                .filter(&values(list), column_type)
                .map(|f| (f.op, f.value))
        };
        use ColumnType::*;
        use ControlKind::*;
        assert_eq!(
            made(Select, &["NORTH"], Varchar),
            Ok((FilterOp::Eq, json!("NORTH")))
        );
        assert_eq!(
            made(MultiSelect, &["1", "2"], Bigint),
            Ok((FilterOp::In, json!([1, 2])))
        );
        assert_eq!(
            made(Search, &["ab"], Varchar),
            Ok((FilterOp::Contains, json!("ab")))
        );
        assert_eq!(
            made(Range, &["1.5..10"], Double),
            Ok((FilterOp::Between, json!([1.5, 10.0])))
        );
        assert_eq!(
            made(Range, &["..10"], Double),
            Ok((FilterOp::Lte, json!(10.0)))
        );
        assert_eq!(
            made(Range, &["2025-01-01.."], Date),
            Ok((FilterOp::Gte, json!("2025-01-01")))
        );
        let refused = |kind, list: &[&str], column_type, expected: &str| {
            let message = made(kind, list, column_type).unwrap_err();
            assert!(message.contains(expected), "{message}");
        };
        refused(
            Select,
            &["a", "b"],
            Varchar,
            "takes one value; 2 were given",
        );
        refused(MultiSelect, &[], Varchar, "at least one value");
        refused(MultiSelect, &["x"], Bigint, "`x` is not a whole number");
        refused(Range, &["5"], Double, "takes `from..to`");
        refused(Range, &[".."], Double, "at least one end");
        refused(Range, &["nan.."], Double, "is not a number");
        refused(Range, &["2025-13-01.."], Date, "is not a date");
        let many: Vec<String> = (0..=MAX_CONTROL_VALUES).map(|i| i.to_string()).collect();
        let message = control(MultiSelect).filter(&many, Varchar).unwrap_err();
        assert!(message.contains("at most 100 values"), "{message}");
        let long = "x".repeat(MAX_VALUE_CHARS + 1);
        let message = control(Search).filter(&[long], Varchar).unwrap_err();
        assert!(message.contains("at most 200 characters"), "{message}");
    }
}
