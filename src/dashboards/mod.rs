//! Dashboards: the typed configuration of a dashboard and its panels, and its validation.
//!
//! Plain types and rules only; no HTTP, storage or SQL. A panel never carries SQL: it names a
//! dataset, measures, dimensions and typed filters, and `analytics/` builds the query.

mod controls;
pub mod files;
mod kinds;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::{CatalogError, ColumnType, DatasetDef};
use crate::vocabulary::{Aggregation, Filter, FilterOp, SortOrder};

pub use controls::{
    ControlKind, FilterControl, MAX_CONTROL_VALUES, MAX_CONTROLS, MAX_VALUE_CHARS, typed_value,
};
pub use kinds::{
    BarSource, CustomImageSource, CustomTemplateSource, DEFAULT_TEMPLATE_ROWS, GaugeSource,
    HealthColumns, HealthSource, ImageKind, KpiSource, MAX_SERIES, MAX_TEMPLATE_BYTES,
    MAX_TEMPLATE_ROWS, MAX_TEMPLATE_VALUES, MapName, MapSource, PanelKind, PanelSource, PieSource,
    ScatterSource, TableColumn, TableSource, TemplateValue, TimeseriesSource,
};

/// Entries at most in a display list (`dashed`, `right_axis`, `target_lines`).
pub const MAX_DISPLAY_LIST: usize = 50;

/// The largest table page a panel or a request may ask for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// A dashboard as authored (YAML) and as served (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DashboardConfig {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seconds between automatic refreshes of panels that set none themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<u32>,
    #[serde(default)]
    pub layout: Layout,
    /// Roles the dashboard is meant for; empty means every member who may read dashboards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visible_to: Vec<String>,
    /// The tenant's look: name, logo, colours, font.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
    /// ISO 4217 code money values are shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Pre-filters applied to every panel whose dataset has the column (e.g. `zone = NORTH`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<DashboardFilter>,
    /// Filters a person sets above the grid (select, multi-select, search, range), sent with
    /// each data request as `f.<id>=…`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<FilterControl>,
    /// Switchable features such as exports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<FeatureFlag>,
    pub panels: Vec<PanelConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Branding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    /// The theme people see until they choose their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
}

/// The fonts the binary embeds, by the name a branding gives (`system` is the reader's own).
pub const FONTS: [&str; 4] = ["system", "Inter", "IBM Plex Sans", "Source Serif 4"];

/// Light or dark colours, or the reader's system setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    System,
}

/// A dashboard-wide filter, identified by `id` so overrides can change or remove it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DashboardFilter {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(flatten)]
    pub filter: Filter,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visible_to: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FeatureFlag {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visible_to: Vec<String>,
}

fn enabled() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Layout {
    pub columns: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_height: Option<u16>,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            columns: 12,
            row_height: None,
        }
    }
}

/// One panel: identity and placement, how it looks, and what data it shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PanelConfig {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub position: Position,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<u32>,
    #[serde(default)]
    pub display: PanelDisplay,
    /// Roles the panel is meant for; empty means everyone who sees the dashboard.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visible_to: Vec<String>,
    #[serde(flatten)]
    pub source: PanelSource,
}

/// A panel as written: `data_source` is read once `type` says what it holds.
#[derive(Deserialize)]
struct RawPanel {
    id: String,
    title: String,
    #[serde(default)]
    description: String,
    position: Position,
    #[serde(default)]
    refresh_interval: Option<u32>,
    #[serde(default)]
    display: PanelDisplay,
    #[serde(default)]
    visible_to: Vec<String>,
    #[serde(rename = "type")]
    kind: PanelKind,
    data_source: serde_json::Value,
}

impl RawPanel {
    fn finish(self, data: serde_json::Value) -> Result<PanelConfig, String> {
        let source = self
            .kind
            .read_source(data)
            .map_err(|e| format!("panel `{}`, data_source: {e}", self.id))?;
        Ok(PanelConfig {
            id: self.id,
            title: self.title,
            description: self.description,
            position: self.position,
            refresh_interval: self.refresh_interval,
            display: self.display,
            visible_to: self.visible_to,
            source,
        })
    }
}

/// `type` and `data_source` sit beside the panel's other fields. Read by hand because a
/// derived `flatten` buffers the whole panel before reading it, which made turning a resolved
/// dashboard into its typed form three times slower; only `data_source` is buffered here.
impl<'de> Deserialize<'de> for PanelConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawPanel::deserialize(deserializer)?;
        let data = std::mem::take(&mut raw.data_source);
        raw.finish(data).map_err(serde::de::Error::custom)
    }
}

impl PanelConfig {
    /// This panel with some of its members changed (`None`: removed), as reading the changed
    /// panel whole would give it, without reading the others again. `None` when a member is
    /// one this does not set (the kind, the data source, one it does not know) or its value
    /// does not read: the whole panel is then to be read.
    pub fn with_members(
        &self,
        members: &BTreeMap<String, Option<serde_json::Value>>,
    ) -> Option<Self> {
        /// A member as read, its default when removed.
        fn read<T: serde::de::DeserializeOwned + Default>(
            value: &Option<serde_json::Value>,
        ) -> Option<T> {
            match value {
                None => Some(T::default()),
                Some(value) => T::deserialize(value).ok(),
            }
        }
        /// A member without a default.
        fn required<T: serde::de::DeserializeOwned>(
            value: &Option<serde_json::Value>,
        ) -> Option<T> {
            T::deserialize(value.as_ref()?).ok()
        }
        let mut panel = self.clone();
        for (key, value) in members {
            match key.as_str() {
                "id" => {
                    if value.as_ref()?.as_str()? != self.id {
                        return None;
                    }
                }
                "title" => panel.title = required(value)?,
                "description" => panel.description = read(value)?,
                "position" => panel.position = required(value)?,
                "refresh_interval" => panel.refresh_interval = read(value)?,
                "display" => panel.display = read(value)?,
                "visible_to" => panel.visible_to = read(value)?,
                _ => return None,
            }
        }
        Some(panel)
    }

    /// The panel a JSON object describes, as [`Deserialize`] reads it (same result, same
    /// errors) but without copying `data_source` on the way: it is taken out of the object
    /// and read once `type` is known.
    pub fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        let serde_json::Value::Object(mut map) = value else {
            return serde_json::from_value(value);
        };
        let Some(data) = map.get_mut("data_source").map(serde_json::Value::take) else {
            return serde_json::from_value(serde_json::Value::Object(map));
        };
        let raw: RawPanel = serde_json::from_value(serde_json::Value::Object(map))?;
        raw.finish(data).map_err(serde::de::Error::custom)
    }
}

/// Grid placement: 1-based row and column, width in columns, height in rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Position {
    pub row: u16,
    pub col: u8,
    #[serde(default)]
    pub width: u8,
    #[serde(default)]
    pub height: u8,
}

/// Presentation settings. Every field is optional; each panel kind reads the ones it uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct PanelDisplay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ValueFormat>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// What KPI thresholds compare: the value itself, or the attainment of the target in %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds_on: Option<ThresholdBasis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_axis_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_axis_range: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line_colors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_area: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal: Option<bool>,
    /// Time series drawn on top of one another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacked: Option<bool>,
    /// Lines drawn as curves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smooth: Option<bool>,
    /// Lines, by name, drawn dashed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dashed: Vec<String>,
    /// Lines, by name, measured on a second y-axis on the right.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub right_axis: Vec<String>,
    /// The right axis' name and format (the panel's format when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_axis_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_format: Option<ValueFormat>,
    /// Level lines across a chart, such as a target or an alert threshold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_lines: Vec<TargetLine>,
    /// A pie drawn as a ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donut: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sort_order: Option<SortOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status_mapping: BTreeMap<i64, StatusStyle>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ValueFormat {
    Number,
    Compact,
    Currency,
    Percent,
    Datetime,
    Date,
    Text,
}

/// A level line across a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TargetLine {
    pub value: f64,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// On the right axis rather than the left.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub right: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Threshold {
    pub value: f64,
    pub color: String,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdBasis {
    Value,
    Attainment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StatusStyle {
    pub color: String,
    pub label: String,
}

/// An aggregated column: `{column, agg}`, with an optional label for legends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Measure {
    pub column: String,
    pub agg: Aggregation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Why a dashboard is not valid; the message names the panel and what to fix.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("panel `{panel}`: {source}")]
    Catalog {
        panel: String,
        #[source]
        source: CatalogError,
    },
    #[error("panel `{panel}` uses dataset `{dataset}`, which is not declared")]
    UnknownDataset { panel: String, dataset: String },
    #[error("panel `{panel}`: {message}")]
    Panel { panel: String, message: String },
    #[error("dashboard `{dashboard}`: {message}")]
    Dashboard { dashboard: String, message: String },
}

impl DashboardConfig {
    /// Fills default sizes and checks the dashboard against the datasets it uses: ids are
    /// valid and unique, panels fit the grid, every column exists and suits its use.
    pub fn validate(&mut self, datasets: &[DatasetDef]) -> Result<(), ConfigError> {
        let dashboard_error = |message: String| ConfigError::Dashboard {
            dashboard: self.id.clone(),
            message,
        };
        if !is_valid_id(&self.id) {
            return Err(dashboard_error(
                "the id must be 1 to 64 characters of a-z, 0-9, `-` and `_`".into(),
            ));
        }
        if self.layout.columns == 0 || self.layout.columns > 24 {
            return Err(dashboard_error("layout.columns must be 1 to 24".into()));
        }
        if self.panels.is_empty() {
            return Err(dashboard_error(
                "a dashboard needs at least one panel".into(),
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.panels.len());
        if let Some(twice) = self.panels.iter().find(|p| !seen.insert(p.id.as_str())) {
            return Err(dashboard_error(format!(
                "panel id `{}` is used twice",
                twice.id
            )));
        }
        let columns = self.layout.columns;
        for panel in &mut self.panels {
            panel.fill_default_size();
            panel.validate(columns, datasets)?;
        }
        Ok(())
    }

    pub fn panel(&self, id: &str) -> Option<&PanelConfig> {
        self.panels.iter().find(|p| p.id == id)
    }

    /// Checked when a dashboard is written (not at each resolution, where a panel hidden from
    /// the caller may be the only one a filter fits): every pre-filter names a column of the
    /// dataset of at least one panel and has a value that column can hold, so a mistyped
    /// column is refused instead of silently filtering nothing.
    pub fn check_filters(&self, datasets: &[DatasetDef]) -> Result<(), ConfigError> {
        let used: std::collections::BTreeSet<&str> =
            self.panels.iter().map(|p| p.source.dataset()).collect();
        let used: Vec<&DatasetDef> = datasets
            .iter()
            .filter(|d| used.contains(d.name.as_str()))
            .collect();
        let dashboard_error = |message: String| ConfigError::Dashboard {
            dashboard: self.id.clone(),
            message,
        };
        if self.controls.len() > MAX_CONTROLS {
            return Err(dashboard_error(format!(
                "{} filter controls; at most {MAX_CONTROLS}",
                self.controls.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for control in &self.controls {
            if !is_valid_id(&control.id) {
                return Err(dashboard_error(format!(
                    "control id `{}`: 1 to 64 characters of a-z, 0-9, `-` and `_`",
                    control.id
                )));
            }
            if !seen.insert(control.id.as_str()) {
                return Err(dashboard_error(format!(
                    "control id `{}` is used twice",
                    control.id
                )));
            }
            control.check(datasets).map_err(|message| {
                dashboard_error(format!("control `{}`: {message}", control.id))
            })?;
        }
        for dashboard_filter in &self.filters {
            let filter = &dashboard_filter.filter;
            let mut fits = false;
            for dataset in &used {
                if let Ok(column) = dataset.column(&filter.column) {
                    fits = true;
                    check_filter_value(filter, column.column_type).map_err(|message| {
                        ConfigError::Dashboard {
                            dashboard: self.id.clone(),
                            message: format!("filter `{}`: {message}", dashboard_filter.id),
                        }
                    })?;
                }
            }
            if !fits {
                return Err(ConfigError::Dashboard {
                    dashboard: self.id.clone(),
                    message: format!(
                        "filter `{}` is on column `{}`, which no panel's dataset has",
                        dashboard_filter.id, filter.column
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Ids of dashboards and panels: `[a-z0-9][a-z0-9_-]{0,63}`.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl PanelConfig {
    fn fill_default_size(&mut self) {
        let (width, height) = self.source.default_size();
        if self.position.width == 0 {
            self.position.width = width;
        }
        if self.position.height == 0 {
            self.position.height = height;
        }
    }

    fn validate(&self, grid_columns: u8, datasets: &[DatasetDef]) -> Result<(), ConfigError> {
        let fail = |message: String| ConfigError::Panel {
            panel: self.id.clone(),
            message,
        };
        if !is_valid_id(&self.id) {
            return Err(fail(
                "the id must be 1 to 64 characters of a-z, 0-9, `-` and `_`".into(),
            ));
        }
        let p = self.position;
        if p.row == 0 || p.col == 0 {
            return Err(fail("position.row and position.col start at 1".into()));
        }
        if u16::from(p.col) + u16::from(p.width) - 1 > u16::from(grid_columns) {
            return Err(fail(format!(
                "position col {} + width {} does not fit a {grid_columns}-column grid",
                p.col, p.width
            )));
        }
        let display = &self.display;
        if let Some(line) = display.target_lines.iter().find(|l| !l.value.is_finite()) {
            return Err(fail(format!(
                "target line `{}` needs a finite value",
                line.label
            )));
        }
        for (what, len) in [
            ("dashed", display.dashed.len()),
            ("right_axis", display.right_axis.len()),
            ("target_lines", display.target_lines.len()),
        ] {
            if len > MAX_DISPLAY_LIST {
                return Err(fail(format!(
                    "{what} lists {len} entries; at most {MAX_DISPLAY_LIST}"
                )));
            }
        }
        let dataset_name = self.source.dataset();
        let dataset = datasets
            .iter()
            .find(|d| d.name == dataset_name)
            .ok_or_else(|| ConfigError::UnknownDataset {
                panel: self.id.clone(),
                dataset: dataset_name.to_owned(),
            })?;
        let catalog = |source: CatalogError| ConfigError::Catalog {
            panel: self.id.clone(),
            source,
        };
        for filter in self.source.filters() {
            let column = dataset.column(&filter.column).map_err(catalog)?;
            check_filter_value(filter, column.column_type).map_err(fail)?;
        }
        self.source.check(&kinds::Check {
            panel: &self.id,
            dataset,
            display: &self.display,
        })?;
        Ok(())
    }
}

/// A filter's value must have the shape its operator needs and a type the column can hold.
pub fn check_filter_value(filter: &Filter, column_type: ColumnType) -> Result<(), String> {
    use serde_json::Value;
    let scalar_fits = |value: &Value| match value {
        Value::Number(_) => column_type.is_numeric(),
        Value::String(_) => true,
        Value::Bool(_) => column_type == ColumnType::Boolean,
        _ => false,
    };
    let column = &filter.column;
    match filter.op {
        FilterOp::IsNull | FilterOp::NotNull => Ok(()),
        FilterOp::In | FilterOp::NotIn => match &filter.value {
            Value::Array(items) if !items.is_empty() && items.iter().all(scalar_fits) => Ok(()),
            _ => Err(format!(
                "filter on `{column}`: `in` and `not_in` take a non-empty list of values the column can hold"
            )),
        },
        FilterOp::Between => match &filter.value {
            Value::Array(items) if items.len() == 2 && items.iter().all(scalar_fits) => Ok(()),
            _ => Err(format!(
                "filter on `{column}`: `between` takes a list of two values"
            )),
        },
        FilterOp::Contains => match &filter.value {
            Value::String(_) if column_type == ColumnType::Varchar => Ok(()),
            _ => Err(format!(
                "filter on `{column}`: `contains` takes text and needs a text column"
            )),
        },
        _ if scalar_fits(&filter.value) => Ok(()),
        _ => Err(format!(
            "filter on `{column}`: the value must be one number or text the column can hold"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn panel(kind: &str, data_source: serde_json::Value) -> serde_json::Value {
        json!({
            "id": "p", "title": "P", "position": {"row": 1, "col": 1, "width": 4, "height": 1},
            "type": kind, "data_source": data_source, "display": {"format": "compact"},
            "visible_to": ["executive"]
        })
    }

    #[test]
    fn panels_of_every_kind_read_back_what_they_write() {
        let measure = json!({"column": "v", "agg": "sum"});
        let filters = json!([{"column": "k", "op": "eq", "value": "a"}]);
        let sources = [
            (
                "kpi",
                json!({"dataset": "d", "value": measure, "filters": filters}),
            ),
            (
                "timeseries",
                json!({"dataset": "d", "measures": [measure], "grain": "day"}),
            ),
            (
                "table",
                json!({"dataset": "d", "columns": [{"name": "k"}, {"name": "v", "agg": "sum"}]}),
            ),
            (
                "bar",
                json!({"dataset": "d", "dimension": "k", "measures": [measure], "limit": 5}),
            ),
            (
                "health_status",
                json!({"dataset": "d", "columns": {"name": "k", "status": "s"}}),
            ),
            (
                "pie",
                json!({"dataset": "d", "dimension": "k", "measure": measure, "limit": 3}),
            ),
            (
                "gauge",
                json!({"dataset": "d", "value": measure, "target": measure, "min": 0.0, "max": 10.0}),
            ),
            (
                "scatter",
                json!({"dataset": "d", "dimension": "k", "x": measure, "y": measure, "size": measure, "color_by": "z", "limit": 10}),
            ),
        ];
        for (kind, source) in sources {
            let read: PanelConfig = serde_json::from_value(panel(kind, source.clone())).unwrap();
            assert_eq!(read.source.kind(), kind);
            assert_eq!(read.visible_to, ["executive"]);
            let written = serde_json::to_value(&read).unwrap();
            assert_eq!(
                (&written["type"], &written["data_source"]),
                (&json!(kind), &source)
            );
            let again: PanelConfig = serde_json::from_value(written).unwrap();
            assert_eq!(again, read, "{kind}");
            let direct = PanelConfig::from_json(panel(kind, source)).unwrap();
            assert_eq!(direct, read, "{kind}, read without the buffer");
        }
    }

    /// Changing members of a read panel gives what reading the changed panel gives.
    #[test]
    fn a_panel_with_members_changed_reads_as_the_changed_panel() {
        let base = panel(
            "kpi",
            json!({"dataset": "d", "value": {"column": "v", "agg": "sum"}}),
        );
        let read = PanelConfig::from_json(base.clone()).unwrap();
        let changes: Vec<(&str, Option<serde_json::Value>)> = vec![
            ("id", Some(json!("p"))),
            ("title", Some(json!("New title"))),
            ("description", Some(json!("Said more"))),
            ("description", None),
            ("position", Some(json!({"row": 3, "col": 2}))),
            ("refresh_interval", Some(json!(30))),
            ("refresh_interval", None),
            ("display", Some(json!({"unit": "%", "decimals": 1}))),
            ("display", None),
            ("visible_to", Some(json!(["viewer", "executive"]))),
            ("visible_to", None),
        ];
        for (key, value) in changes {
            let members = BTreeMap::from([(key.to_owned(), value.clone())]);
            let mut changed = base.clone();
            match &value {
                Some(v) => changed[key] = v.clone(),
                None => {
                    changed.as_object_mut().unwrap().remove(key);
                }
            }
            let expected = PanelConfig::from_json(changed).unwrap();
            assert_eq!(
                read.with_members(&members),
                Some(expected),
                "{key}: {value:?}"
            );
        }
        // What it does not set, or cannot read, is left to reading the whole panel.
        let refused: Vec<(&str, Option<serde_json::Value>)> = vec![
            ("type", Some(json!("bar"))),
            ("data_source", Some(json!({"dataset": "e"}))),
            ("unknown", Some(json!(1))),
            ("title", None),
            ("title", Some(json!(5))),
            ("position", None),
            ("id", Some(json!("q"))),
        ];
        for (key, value) in refused {
            let members = BTreeMap::from([(key.to_owned(), value.clone())]);
            assert_eq!(read.with_members(&members), None, "{key}: {value:?}");
        }
    }

    #[test]
    fn a_panel_that_does_not_read_says_why() {
        // Both readers give the same message.
        let error = |value: serde_json::Value| {
            let message = serde_json::from_value::<PanelConfig>(value.clone())
                .unwrap_err()
                .to_string();
            let direct = PanelConfig::from_json(value).unwrap_err().to_string();
            assert_eq!(direct, message);
            message
        };
        let unknown = error(panel("sankey", json!({"dataset": "d"})));
        assert!(unknown.contains("unknown variant `sankey`"), "{unknown}");
        let mut without = panel("kpi", json!({}));
        without.as_object_mut().unwrap().remove("data_source");
        let missing = error(without);
        assert!(missing.contains("missing field `data_source`"), "{missing}");
        let bad = error(panel(
            "kpi",
            json!({"dataset": "d", "value": {"column": "v"}}),
        ));
        assert!(
            bad.contains("panel `p`, data_source: missing field `agg`"),
            "{bad}"
        );
    }
}
