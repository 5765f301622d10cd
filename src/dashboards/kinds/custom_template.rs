//! The `custom_template` panel: a text card whose placeholders are filled from the panel's
//! query. The template names numbers (`{{ revenue }}`) and may loop over rows of one dimension
//! (`{% for row in rows %}`); it is checked here, when the dashboard is saved, so that a broken
//! template is a validation error with its line and column rather than a failing panel.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Check;
use crate::dashboards::{Measure, ValueFormat};
use crate::vocabulary::Filter;

/// The longest template accepted, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 8 * 1024;
/// Named values a template may use.
pub const MAX_TEMPLATE_VALUES: usize = 20;
/// Rows a template may loop over at most (and the default when `limit` is not given).
pub const MAX_TEMPLATE_ROWS: u32 = 100;
pub const DEFAULT_TEMPLATE_ROWS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CustomTemplateSource {
    pub dataset: String,
    /// The numbers the text names: `{{ revenue }}` is the value named `revenue`, over every
    /// row of the panel; inside a loop, `{{ row.revenue }}` is its value for that row.
    pub values: Vec<TemplateValue>,
    /// Rows for `{% for row in rows %}`: one per value of this dimension, largest first by the
    /// first value; the dimension's value is `{{ row.<dimension> }}`, a value `{{ row.<name> }}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_by: Option<String>,
    /// Rows at most (10 when not given, 100 at most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Markdown with placeholders. Headings, emphasis, lists, quotes, code and `http(s)`
    /// links are kept; HTML shows as text and images as their description.
    pub template: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
}

/// A named aggregate the template shows, in its own number format when it names one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TemplateValue {
    pub name: String,
    #[serde(flatten)]
    pub measure: Measure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ValueFormat>,
}

/// Width and height a panel of this kind gets when its position gives none.
pub const DEFAULT_SIZE: (u8, u8) = (4, 2);

/// Whether `name` can be written in a placeholder: a letter or `_`, then letters, digits, `_`.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl CustomTemplateSource {
    /// Rows the loop gets.
    pub fn row_limit(&self) -> u32 {
        self.limit
            .unwrap_or(DEFAULT_TEMPLATE_ROWS)
            .clamp(1, MAX_TEMPLATE_ROWS)
    }

    /// Checks the source against its dataset and the template against the names it may use.
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), crate::dashboards::ConfigError> {
        if self.values.is_empty() {
            return Err(check.fail("a text card needs at least one value".into()));
        }
        if self.values.len() > MAX_TEMPLATE_VALUES {
            return Err(check.fail(format!(
                "a text card takes at most {MAX_TEMPLATE_VALUES} values, this one has {}",
                self.values.len()
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for value in &self.values {
            if !is_name(&value.name) || value.name == "rows" || value.name == "row" {
                return Err(check.fail(format!(
                    "value name `{}` cannot be used in a placeholder: use letters, digits and `_` \
                     (not `rows` or `row`)",
                    value.name
                )));
            }
            if !seen.insert(value.name.as_str()) {
                return Err(check.fail(format!("value `{}` is named twice", value.name)));
            }
            check.measure(&value.measure)?;
        }
        if let Some(by) = &self.rows_by {
            check.dataset.column(by).map_err(|e| check.catalog(e))?;
            if !is_name(by) || seen.contains(by.as_str()) {
                return Err(check.fail(format!(
                    "rows_by `{by}` must be a name a placeholder can use and differ from every value's name"
                )));
            }
        }
        if let Some(limit) = self.limit
            && !(1..=MAX_TEMPLATE_ROWS).contains(&limit)
        {
            return Err(check.fail(format!(
                "limit must be between 1 and {MAX_TEMPLATE_ROWS}, not {limit}"
            )));
        }
        let names: Vec<&str> = self.values.iter().map(|v| v.name.as_str()).collect();
        crate::text_card::check(
            &self.template,
            &names,
            self.rows_by.as_deref(),
            MAX_TEMPLATE_BYTES,
        )
        .map_err(|e| check.fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::is_name;

    #[test]
    fn placeholder_names_are_identifiers() {
        assert!(is_name("revenue"));
        assert!(is_name("_x1"));
        assert!(!is_name("1x"));
        assert!(!is_name("a-b"));
        assert!(!is_name(""));
    }
}
