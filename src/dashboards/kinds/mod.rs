//! Panel kinds: one file each with its data source, its default size and its own checks, all
//! dispatched from [`PanelSource`] so that the compiler sees every kind at every step. A new
//! kind is a new file here and one arm per `match` below.

mod bar;
mod custom_image;
mod custom_template;
mod gauge;
mod health_status;
mod kpi;
mod map;
mod pie;
mod scatter;
mod table;
mod timeseries;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use bar::BarSource;
pub use custom_image::{CustomImageSource, ImageKind};
pub use custom_template::{
    CustomTemplateSource, DEFAULT_TEMPLATE_ROWS, MAX_TEMPLATE_BYTES, MAX_TEMPLATE_ROWS,
    MAX_TEMPLATE_VALUES, TemplateValue,
};
pub use gauge::GaugeSource;
pub use health_status::{HealthColumns, HealthSource};
pub use kpi::KpiSource;
pub use map::{MapName, MapSource};
pub use pie::PieSource;
pub use scatter::ScatterSource;
pub use table::{TableColumn, TableSource};
pub use timeseries::{MAX_SERIES, TimeseriesSource};

use super::{ConfigError, Measure, PanelDisplay, ThresholdBasis};
use crate::catalog::{CatalogError, DatasetDef};
use crate::vocabulary::{Aggregation, Filter};

/// What a kind's checks see: the panel, its dataset and its display options.
pub(super) struct Check<'a> {
    pub panel: &'a str,
    pub dataset: &'a DatasetDef,
    pub display: &'a PanelDisplay,
}

impl Check<'_> {
    pub fn fail(&self, message: String) -> ConfigError {
        ConfigError::Panel {
            panel: self.panel.to_owned(),
            message,
        }
    }

    pub fn catalog(&self, source: CatalogError) -> ConfigError {
        ConfigError::Catalog {
            panel: self.panel.to_owned(),
            source,
        }
    }

    /// Thresholds on the attainment need a target to attain.
    pub fn attainment_target(&self, target: Option<&Measure>) -> Result<(), ConfigError> {
        if self.display.thresholds_on == Some(ThresholdBasis::Attainment) && target.is_none() {
            return Err(self.fail("thresholds_on: attainment needs a target".into()));
        }
        Ok(())
    }

    /// A measure names a column of the dataset that its aggregation can use.
    pub fn measure(&self, measure: &Measure) -> Result<(), ConfigError> {
        let column = self
            .dataset
            .column(&measure.column)
            .map_err(|e| self.catalog(e))?;
        // Charts and KPIs plot numbers: only counts turn other columns into one.
        let counts = matches!(measure.agg, Aggregation::Count | Aggregation::CountDistinct);
        if !counts && !column.column_type.is_numeric() {
            return Err(self.fail(format!(
                "`{:?}` needs a numeric column; `{}` is {:?} (count and count_distinct work on any column)",
                measure.agg, column.name, column.column_type
            )));
        }
        if measure.agg == Aggregation::Latest && self.dataset.time_column().is_none() {
            return Err(self.fail(format!(
                "`latest` needs a time column, and dataset `{}` has none",
                self.dataset.name
            )));
        }
        Ok(())
    }
}

/// The panel kinds, as `type` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PanelKind {
    Kpi,
    Timeseries,
    Table,
    Bar,
    HealthStatus,
    Pie,
    Gauge,
    Scatter,
    CustomImage,
    CustomTemplate,
    Map,
}

impl PanelKind {
    pub const ALL: [PanelKind; 11] = [
        Self::Kpi,
        Self::Timeseries,
        Self::Table,
        Self::Bar,
        Self::HealthStatus,
        Self::Pie,
        Self::Gauge,
        Self::Scatter,
        Self::CustomImage,
        Self::CustomTemplate,
        Self::Map,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Kpi => "kpi",
            Self::Timeseries => "timeseries",
            Self::Table => "table",
            Self::Bar => "bar",
            Self::HealthStatus => "health_status",
            Self::Pie => "pie",
            Self::Gauge => "gauge",
            Self::Scatter => "scatter",
            Self::CustomImage => "custom_image",
            Self::CustomTemplate => "custom_template",
            Self::Map => "map",
        }
    }

    /// Reads a `data_source` as this kind's.
    pub(super) fn read_source(self, data: serde_json::Value) -> serde_json::Result<PanelSource> {
        match self {
            Self::Kpi => serde_json::from_value(data).map(PanelSource::Kpi),
            Self::Timeseries => serde_json::from_value(data).map(PanelSource::Timeseries),
            Self::Table => serde_json::from_value(data).map(PanelSource::Table),
            Self::Bar => serde_json::from_value(data).map(PanelSource::Bar),
            Self::HealthStatus => serde_json::from_value(data).map(PanelSource::HealthStatus),
            Self::Pie => serde_json::from_value(data).map(PanelSource::Pie),
            Self::Gauge => serde_json::from_value(data).map(PanelSource::Gauge),
            Self::Scatter => serde_json::from_value(data).map(PanelSource::Scatter),
            Self::CustomImage => serde_json::from_value(data).map(PanelSource::CustomImage),
            Self::CustomTemplate => serde_json::from_value(data).map(PanelSource::CustomTemplate),
            Self::Map => serde_json::from_value(data).map(PanelSource::Map),
        }
    }

    /// The size a panel of this kind gets when its position names none, in grid columns and
    /// rows.
    pub fn default_size(self) -> (u8, u8) {
        match self {
            Self::Kpi => kpi::DEFAULT_SIZE,
            Self::Timeseries => timeseries::DEFAULT_SIZE,
            Self::Table => table::DEFAULT_SIZE,
            Self::Bar => bar::DEFAULT_SIZE,
            Self::HealthStatus => health_status::DEFAULT_SIZE,
            Self::Pie => pie::DEFAULT_SIZE,
            Self::Gauge => gauge::DEFAULT_SIZE,
            Self::Scatter => scatter::DEFAULT_SIZE,
            Self::CustomImage => custom_image::DEFAULT_SIZE,
            Self::CustomTemplate => custom_template::DEFAULT_SIZE,
            Self::Map => map::DEFAULT_SIZE,
        }
    }
}

/// The panel kind together with the data it asks for (`type` and `data_source` in YAML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "data_source", rename_all = "snake_case")]
pub enum PanelSource {
    Kpi(KpiSource),
    Timeseries(TimeseriesSource),
    Table(TableSource),
    Bar(BarSource),
    HealthStatus(HealthSource),
    Pie(PieSource),
    Gauge(GaugeSource),
    Scatter(ScatterSource),
    CustomImage(CustomImageSource),
    CustomTemplate(CustomTemplateSource),
    Map(MapSource),
}

impl PanelSource {
    pub fn panel_kind(&self) -> PanelKind {
        match self {
            Self::Kpi(_) => PanelKind::Kpi,
            Self::Timeseries(_) => PanelKind::Timeseries,
            Self::Table(_) => PanelKind::Table,
            Self::Bar(_) => PanelKind::Bar,
            Self::HealthStatus(_) => PanelKind::HealthStatus,
            Self::Pie(_) => PanelKind::Pie,
            Self::Gauge(_) => PanelKind::Gauge,
            Self::Scatter(_) => PanelKind::Scatter,
            Self::CustomImage(_) => PanelKind::CustomImage,
            Self::CustomTemplate(_) => PanelKind::CustomTemplate,
            Self::Map(_) => PanelKind::Map,
        }
    }

    pub fn kind(&self) -> &'static str {
        self.panel_kind().name()
    }

    pub fn dataset(&self) -> &str {
        match self {
            Self::Kpi(s) => &s.dataset,
            Self::Timeseries(s) => &s.dataset,
            Self::Table(s) => &s.dataset,
            Self::Bar(s) => &s.dataset,
            Self::HealthStatus(s) => &s.dataset,
            Self::Pie(s) => &s.dataset,
            Self::Gauge(s) => &s.dataset,
            Self::Scatter(s) => &s.dataset,
            Self::CustomImage(s) => &s.dataset,
            Self::CustomTemplate(s) => &s.dataset,
            Self::Map(s) => &s.dataset,
        }
    }

    pub fn filters(&self) -> &[Filter] {
        match self {
            Self::Kpi(s) => &s.filters,
            Self::Timeseries(s) => &s.filters,
            Self::Table(s) => &s.filters,
            Self::Bar(s) => &s.filters,
            Self::Pie(s) => &s.filters,
            Self::Gauge(s) => &s.filters,
            Self::Scatter(s) => &s.filters,
            Self::CustomImage(s) => &s.filters,
            Self::CustomTemplate(s) => &s.filters,
            Self::Map(s) => &s.filters,
            Self::HealthStatus(_) => &[],
        }
    }

    /// The panel's filters, for adding the caller's row filters; `None` for kinds that take no
    /// filters.
    pub fn filters_mut(&mut self) -> Option<&mut Vec<Filter>> {
        match self {
            Self::Kpi(s) => Some(&mut s.filters),
            Self::Timeseries(s) => Some(&mut s.filters),
            Self::Table(s) => Some(&mut s.filters),
            Self::Bar(s) => Some(&mut s.filters),
            Self::Pie(s) => Some(&mut s.filters),
            Self::Gauge(s) => Some(&mut s.filters),
            Self::Scatter(s) => Some(&mut s.filters),
            Self::CustomImage(s) => Some(&mut s.filters),
            Self::CustomTemplate(s) => Some(&mut s.filters),
            Self::Map(s) => Some(&mut s.filters),
            Self::HealthStatus(_) => None,
        }
    }

    /// The default size of a panel of this kind, in grid columns and rows.
    pub(super) fn default_size(&self) -> (u8, u8) {
        self.panel_kind().default_size()
    }

    /// Checks the kind's own rules against the panel's dataset.
    pub(super) fn check(&self, check: &Check<'_>) -> Result<(), ConfigError> {
        match self {
            Self::Kpi(source) => source.check(check),
            Self::Timeseries(source) => source.check(check),
            Self::Table(source) => source.check(check),
            Self::Bar(source) => source.check(check),
            Self::HealthStatus(source) => source.check(check),
            Self::Pie(source) => source.check(check),
            Self::Gauge(source) => source.check(check),
            Self::Scatter(source) => source.check(check),
            Self::CustomImage(source) => source.check(check),
            Self::CustomTemplate(source) => source.check(check),
            Self::Map(source) => source.check(check),
        }
    }
}
