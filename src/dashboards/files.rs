//! Dashboards as code: a tenant folder of YAML files read into typed, validated configuration.
//!
//! Layout of a tenant folder (the demo's lives in `data/demo/` and is embedded in the binary):
//! `tenant.yaml`, `datasets/*.yaml`, `dashboards/*.yaml`, `panels/*.yaml`. A dashboard lists
//! its panels with a position and either `config_file: panels/x.yaml` or an inline `panel:`.
//! The reader takes the folder as a map of relative path → text, so embedded files and files
//! on disk go through the same code.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    Branding, ConfigError, DashboardConfig, DashboardFilter, FeatureFlag, Layout, PanelConfig,
    PanelDisplay, PanelSource, Position,
};
use crate::catalog::DatasetDef;
use crate::identity::policy::{Permission, Plan};
use crate::versioning::OverrideScope;

/// Everything a tenant folder declares.
#[derive(Debug, Clone)]
pub struct TenantFolder {
    pub tenant: TenantFile,
    pub datasets: Vec<DatasetDef>,
    pub dashboards: Vec<DashboardConfig>,
    pub presets: Vec<PresetFile>,
    pub overrides: Vec<OverrideFile>,
}

/// `presets/*.yaml`: a reusable piece of configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetFile {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub content: serde_json::Value,
}

/// `overrides/*.yaml`: a patch layered on a template for a scope.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideFile {
    pub id: String,
    pub template: String,
    pub scope: OverrideScope,
    #[serde(default)]
    pub priority: Option<i32>,
    pub reason: String,
    #[serde(default = "any_version")]
    pub versions: String,
    pub patch: serde_json::Value,
}

fn any_version() -> String {
    "*".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetDoc {
    preset: PresetFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideDoc {
    #[serde(rename = "override")]
    override_file: OverrideFile,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFile {
    pub name: String,
    pub slug: String,
    #[serde(default)]
    pub plan: Plan,
    /// Business roles the tenant defines.
    #[serde(default)]
    pub roles: Vec<RoleFile>,
    /// People to create with the tenant (the demo's); their passwords are generated.
    #[serde(default)]
    pub users: Vec<UserFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFile {
    pub email: String,
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// An error in one file of a folder, with the line where the parser knows it.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantDoc {
    tenant: TenantFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetDoc {
    dataset: DatasetDef,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DashboardDoc {
    dashboard: DashboardHead,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DashboardHead {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    refresh_interval: Option<u32>,
    #[serde(default)]
    layout: Layout,
    #[serde(default)]
    visible_to: Vec<String>,
    #[serde(default)]
    branding: Option<Branding>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    filters: Vec<DashboardFilter>,
    #[serde(default)]
    controls: Vec<crate::dashboards::FilterControl>,
    #[serde(default)]
    features: Vec<FeatureFlag>,
    panels: Vec<PanelRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PanelRef {
    id: String,
    position: Position,
    #[serde(default)]
    config_file: Option<String>,
    #[serde(default)]
    panel: Option<PanelBody>,
}

#[derive(Deserialize)]
struct PanelDoc {
    panel: PanelBody,
}

#[derive(Debug, Clone, Deserialize)]
struct PanelBody {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    refresh_interval: Option<u32>,
    #[serde(default)]
    display: PanelDisplay,
    #[serde(default)]
    visible_to: Vec<String>,
    #[serde(flatten)]
    source: PanelSource,
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, FileError> {
    serde_yaml_ng::from_str(text).map_err(|error| FileError {
        file: file.to_owned(),
        line: error.location().map(|l| l.line()),
        message: error.to_string(),
    })
}

/// Reads and validates a tenant folder given as relative path → file text.
pub fn read_tenant_folder(files: &BTreeMap<String, String>) -> Result<TenantFolder, FileError> {
    let tenant_text = files.get("tenant.yaml").ok_or_else(|| FileError {
        file: "tenant.yaml".into(),
        line: None,
        message: "the folder has no tenant.yaml".into(),
    })?;
    let tenant = parse::<TenantDoc>("tenant.yaml", tenant_text)?.tenant;

    let in_folder = |folder: &'static str| {
        files
            .iter()
            .filter(move |(path, _)| path.starts_with(folder) && path.ends_with(".yaml"))
    };

    let mut datasets = Vec::new();
    for (path, text) in in_folder("datasets/") {
        let dataset = parse::<DatasetDoc>(path, text)?.dataset;
        dataset.validate().map_err(|error| FileError {
            file: path.clone(),
            line: None,
            message: error.to_string(),
        })?;
        if datasets.iter().any(|d: &DatasetDef| d.name == dataset.name) {
            return Err(FileError {
                file: path.clone(),
                line: None,
                message: format!("dataset `{}` is declared twice", dataset.name),
            });
        }
        datasets.push(dataset);
    }

    let mut dashboards: Vec<DashboardConfig> = Vec::new();
    for (path, text) in in_folder("dashboards/") {
        let head = parse::<DashboardDoc>(path, text)?.dashboard;
        let mut panels = Vec::with_capacity(head.panels.len());
        for entry in head.panels {
            panels.push(resolve_panel(path, entry, files)?);
        }
        let mut dashboard = DashboardConfig {
            id: head.id,
            name: head.name,
            description: head.description,
            refresh_interval: head.refresh_interval,
            layout: head.layout,
            visible_to: head.visible_to,
            branding: head.branding,
            currency: head.currency,
            filters: head.filters,
            controls: head.controls,
            features: head.features,
            panels,
        };
        dashboard
            .validate(&datasets)
            .map_err(|error: ConfigError| FileError {
                file: path.clone(),
                line: None,
                message: error.to_string(),
            })?;
        if dashboards.iter().any(|d| d.id == dashboard.id) {
            return Err(FileError {
                file: path.clone(),
                line: None,
                message: format!("dashboard id `{}` is used by another file", dashboard.id),
            });
        }
        dashboards.push(dashboard);
    }
    let mut presets = Vec::new();
    for (path, text) in in_folder("presets/") {
        presets.push(parse::<PresetDoc>(path, text)?.preset);
    }
    let mut overrides = Vec::new();
    for (path, text) in in_folder("overrides/") {
        let file = parse::<OverrideDoc>(path, text)?.override_file;
        file.scope.check().map_err(|message| FileError {
            file: path.clone(),
            line: None,
            message,
        })?;
        if !dashboards.iter().any(|d| d.id == file.template) {
            return Err(FileError {
                file: path.clone(),
                line: None,
                message: format!(
                    "override `{}` names template `{}`, which the folder does not define",
                    file.id, file.template
                ),
            });
        }
        overrides.push(file);
    }
    Ok(TenantFolder {
        tenant,
        datasets,
        dashboards,
        presets,
        overrides,
    })
}

fn resolve_panel(
    dashboard_file: &str,
    entry: PanelRef,
    files: &BTreeMap<String, String>,
) -> Result<PanelConfig, FileError> {
    let body = match (entry.config_file, entry.panel) {
        (Some(config_file), None) => {
            let text = files.get(&config_file).ok_or_else(|| FileError {
                file: dashboard_file.to_owned(),
                line: None,
                message: format!(
                    "panel `{}` names config_file `{config_file}`, which does not exist",
                    entry.id
                ),
            })?;
            parse::<PanelDoc>(&config_file, text)?.panel
        }
        (None, Some(body)) => body,
        _ => {
            return Err(FileError {
                file: dashboard_file.to_owned(),
                line: None,
                message: format!(
                    "panel `{}` needs exactly one of `config_file` and `panel`",
                    entry.id
                ),
            });
        }
    };
    Ok(PanelConfig {
        id: entry.id,
        title: body.title,
        description: body.description,
        position: entry.position,
        refresh_interval: body.refresh_interval,
        display: body.display,
        visible_to: body.visible_to,
        source: body.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut files: BTreeMap<String, String> = [
            ("tenant.yaml", "tenant: { name: T, slug: t }\n"),
            (
                "datasets/d.yaml",
                "dataset:\n  name: d\n  label: D\n  time_column: ts\n  columns:\n    - { name: ts, type: timestamp }\n    - { name: v, type: double }\n    - { name: k, type: varchar }\n",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (path, text) in extra {
            files.insert((*path).to_owned(), (*text).to_owned());
        }
        files
    }

    fn check_error(dashboard: &str, expected: &str) {
        let files = folder(&[("dashboards/x.yaml", dashboard)]);
        let error = read_tenant_folder(&files).expect_err("the folder must be refused");
        assert!(
            error.to_string().contains(expected),
            "`{error}` should contain `{expected}`"
        );
    }

    #[test]
    fn inline_panel_gets_default_size() {
        let files = folder(&[(
            "dashboards/x.yaml",
            "dashboard:\n  id: x\n  name: X\n  panels:\n    - id: p\n      position: { row: 1, col: 1 }\n      panel: { type: kpi, title: P, data_source: { dataset: d, value: { column: v, agg: sum } } }\n",
        )]);
        let read = read_tenant_folder(&files).unwrap();
        let panel = &read.dashboards[0].panels[0];
        assert_eq!((panel.position.width, panel.position.height), (4, 1));
        assert_eq!(panel.source.kind(), "kpi");
    }

    #[test]
    fn errors_name_the_problem() {
        let head = "dashboard:\n  id: x\n  name: X\n  panels:\n    - id: p\n      position: { row: 1, col: 1 }\n";
        check_error(
            &format!(
                "{head}      panel: {{ type: kpi, title: P, data_source: {{ dataset: d, value: {{ column: nope, agg: sum }} }} }}\n"
            ),
            "dataset `d` has no column `nope`",
        );
        check_error(
            &format!(
                "{head}      panel: {{ type: kpi, title: P, data_source: {{ dataset: e, value: {{ column: v, agg: sum }} }} }}\n"
            ),
            "dataset `e`, which is not declared",
        );
        check_error(
            &format!(
                "{head}      panel: {{ type: kpi, title: P, data_source: {{ dataset: d, value: {{ column: k, agg: sum }} }} }}\n"
            ),
            "needs a numeric column",
        );
        check_error(
            &format!("{head}      config_file: panels/missing.yaml\n"),
            "does not exist",
        );
        check_error(
            "dashboard:\n  id: x\n  name: X\n  panels:\n    - id: p\n      position: { row: 1, col: 10, width: 4 }\n      panel: { type: kpi, title: P, data_source: { dataset: d, value: { column: v, agg: sum } } }\n",
            "does not fit a 12-column grid",
        );
        check_error("dashboard:\n  id: x\n  nam: X\n", "dashboards/x.yaml:");
    }

    #[test]
    fn pies_gauges_and_scatters_refuse_what_they_cannot_draw() {
        let head = "dashboard:\n  id: x\n  name: X\n  panels:\n    - id: p\n      position: { row: 1, col: 1 }\n";
        let panel = |kind: &str, source: &str| {
            format!(
                "{head}      panel: {{ type: {kind}, title: P, data_source: {{ dataset: d, {source} }} }}\n"
            )
        };
        check_error(
            &panel("pie", "dimension: k, measure: { column: v, agg: avg }"),
            "must be `sum` or `count`",
        );
        check_error(
            &panel(
                "pie",
                "dimension: k, measure: { column: v, agg: sum }, limit: 0",
            ),
            "limit must be between 1 and 20",
        );
        check_error(
            &panel("pie", "dimension: nope, measure: { column: v, agg: sum }"),
            "dataset `d` has no column `nope`",
        );
        check_error(
            &panel("gauge", "value: { column: v, agg: sum }, min: 10, max: 10"),
            "min (10) must be below max (10)",
        );
        check_error(
            &panel("gauge", "value: { column: k, agg: sum }"),
            "needs a numeric column",
        );
        check_error(
            &panel(
                "scatter",
                "dimension: k, x: { column: v, agg: sum }, y: { column: v, agg: avg }, color_by: k",
            ),
            "color_by must be another column",
        );
        check_error(
            &panel(
                "scatter",
                "dimension: k, x: { column: v, agg: sum }, y: { column: v, agg: avg }, limit: 9000",
            ),
            "limit must be between 1 and 5000",
        );
        // A good one of each reads.
        for (kind, source) in [
            ("pie", "dimension: k, measure: { column: v, agg: count }"),
            (
                "gauge",
                "value: { column: v, agg: avg }, target: { column: v, agg: max }",
            ),
            (
                "scatter",
                "dimension: k, x: { column: v, agg: sum }, y: { column: v, agg: avg }",
            ),
        ] {
            let files = folder(&[("dashboards/x.yaml", panel(kind, source).as_str())]);
            let read = read_tenant_folder(&files).unwrap();
            assert_eq!(read.dashboards[0].panels[0].source.kind(), kind);
        }
    }
}
