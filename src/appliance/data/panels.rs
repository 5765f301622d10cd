//! Panel data: one panel, or every panel of a dashboard at once, queried from the dashboard as
//! the caller sees it (its pre-filters and the caller's row filters added to the panel's own)
//! and kept in the result cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};

use super::cache::PanelKey;
use super::find_dataset;
use crate::analytics::drill::{self, DrillChoice};
use crate::analytics::options::{self, ControlOptions};
use crate::analytics::panels::{QueryExplain, panel_data};
use crate::analytics::{PanelData, PanelRequest, periods};
use crate::appliance::{Appliance, Resolved, ServiceError};
use crate::catalog::DatasetDef;
use crate::dashboards::{ControlKind, DashboardConfig, PanelSource};
use crate::identity::policy::{Action, Denied, Grant, Resource};
use crate::vocabulary::Filter;

/// A panel's answer: its data and the statements behind it (for `?debug=true`).
#[derive(Debug, Clone)]
pub struct PanelAnswer {
    pub data: Arc<PanelData>,
    pub explain: Vec<QueryExplain>,
    /// When the data was read from DuckDB (a cached answer keeps its time: nothing it reads
    /// has changed since, or its key would differ).
    pub computed_at: DateTime<Utc>,
}

/// The rows behind a point of a panel: a table, the column it is grouped by (none for raw
/// rows) and the columns it could be grouped by instead.
pub struct DrillAnswer {
    pub answer: PanelAnswer,
    pub by: Option<String>,
    pub choices: Vec<DrillChoice>,
}

/// Every panel of a dashboard: each panel's answer or its own error.
pub struct DashboardData {
    pub dashboard: Arc<Resolved>,
    pub panels: Vec<(String, Result<PanelAnswer, ServiceError>)>,
}

impl Appliance {
    /// A panel's data, resolved in the context of its dashboard (named, or the only one that
    /// holds a panel with that id).
    pub fn panel_data(
        &self,
        grant: &Grant,
        dashboard: Option<&str>,
        panel_id: &str,
        request: &PanelRequest,
    ) -> Result<PanelAnswer, ServiceError> {
        let resolved = self.dashboard_with_panel(grant, dashboard, panel_id)?;
        let controls = self.control_filters(grant, &resolved.config, request)?;
        self.panel_in(grant, &resolved, panel_id, request, &controls)
    }

    /// The rows behind one point of a panel (`request.drill`), under every filter the panel
    /// itself has for the caller.
    pub fn drill_data(
        &self,
        grant: &Grant,
        dashboard: Option<&str>,
        panel_id: &str,
        request: &PanelRequest,
    ) -> Result<DrillAnswer, ServiceError> {
        let raw = match &request.drill {
            Some(drill) => drill.raw,
            None => return Err(ServiceError::Invalid("no point to drill into".into())),
        };
        let resolved = self.dashboard_with_panel(grant, dashboard, panel_id)?;
        let controls = self.control_filters(grant, &resolved.config, request)?;
        let answer = self.panel_in(grant, &resolved, panel_id, request, &controls)?;
        let (_, catalog) = self.catalog(&grant.tenant)?;
        let choices = match resolved.config.panel(panel_id) {
            Some(panel) => drill::choices(find_dataset(&catalog, panel.source.dataset())?),
            None => Vec::new(),
        };
        let by = match (raw, answer.data.as_ref()) {
            (false, PanelData::Table(table)) => table.columns.first().map(|c| c.key.clone()),
            _ => None,
        };
        Ok(DrillAnswer {
            answer,
            by,
            choices,
        })
    }

    /// Every panel of a dashboard, queried concurrently on the tenant's connections. A panel
    /// that fails carries its own error; the others still answer.
    pub fn dashboard_data(
        &self,
        grant: &Grant,
        dashboard: &str,
        request: &PanelRequest,
    ) -> Result<DashboardData, ServiceError> {
        let resolved = self.resolve(
            grant,
            dashboard,
            &crate::appliance::ResolveOptions::default(),
        )?;
        // Made once: a control value that does not fit refuses the whole request, not each
        // panel.
        let controls = self.control_filters(grant, &resolved.config, request)?;
        let ids: Vec<String> = resolved
            .config
            .panels
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let next = AtomicUsize::new(0);
        let workers = ids.len().min(self.limits.connections.max(1) as usize);
        let mut answers: Vec<(usize, Result<PanelAnswer, ServiceError>)> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut mine = Vec::new();
                            let mut index = next.fetch_add(1, Ordering::Relaxed);
                            while let Some(id) = ids.get(index) {
                                // A panel's own request: table sorting and paging are per panel.
                                mine.push((
                                    index,
                                    self.panel_in(grant, &resolved, id, request, &controls),
                                ));
                                index = next.fetch_add(1, Ordering::Relaxed);
                            }
                            mine
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
        answers.sort_by_key(|(index, _)| *index);
        let panels = ids
            .into_iter()
            .zip(answers.into_iter().map(|(_, answer)| answer))
            .collect();
        Ok(DashboardData {
            dashboard: resolved,
            panels,
        })
    }

    /// One panel of an already resolved dashboard, narrowed by the filters the request's
    /// controls make ([`Appliance::control_filters`]).
    pub(super) fn panel_in(
        &self,
        grant: &Grant,
        resolved: &Resolved,
        panel_id: &str,
        request: &PanelRequest,
        controls: &[Filter],
    ) -> Result<PanelAnswer, ServiceError> {
        let config = &resolved.config;
        let mut panel = config
            .panel(panel_id)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "panel",
                id: panel_id.to_owned(),
            })?
            .clone();
        // A server-drawn picture without colours of its own takes the brand's: the
        // dashboard's, else the workspace's.
        if matches!(panel.source, PanelSource::CustomImage(_))
            && panel.display.line_colors.is_empty()
        {
            let brand = match config
                .branding
                .as_ref()
                .and_then(|b| b.primary_color.clone())
            {
                Some(colour) => Some(colour),
                None => self
                    .store
                    .tenant(&grant.tenant)?
                    .and_then(|t| t.branding.primary_color),
            };
            panel.display.line_colors.extend(brand);
        }
        let (catalog_generation, catalog) = self.catalog(&grant.tenant)?;
        let dataset = find_dataset(&catalog, panel.source.dataset())?;
        // Reading data is decided with the rows: `row_filters` refuses callers without data
        // access and narrows `own` access to the caller's rows.
        let row_filters = grant
            .row_filters(dataset)
            .map_err(|denied| self.deny(grant, panel_id, denied))?;
        // The dashboard's pre-filters and the controls a person set apply to panels whose
        // dataset has their column.
        if let Some(filters) = panel.source.filters_mut() {
            filters.extend(pre_filters(config, dataset));
            filters.extend(
                controls
                    .iter()
                    .filter(|f| dataset.column(&f.column).is_ok())
                    .cloned(),
            );
        }
        if !row_filters.is_empty() {
            // A panel kind that cannot carry filters cannot be narrowed to the caller's rows.
            let filters = panel.source.filters_mut().ok_or_else(|| {
                self.deny(
                    grant,
                    panel_id,
                    Denied("this panel cannot be limited to your rows".into()),
                )
            })?;
            filters.extend(row_filters);
        }
        let mut request = request.clone();
        if request.disable_aggregation
            && grant
                .require(Resource::Dashboards, Action::Update, None)
                .is_err()
        {
            request.raw_point_limit = Some(self.data.reader_raw_points);
        }
        if let Some(window) = request.window.take() {
            request.range =
                periods::resolve(window, Utc::now().naive_utc(), dataset.fiscal_year_start);
        }
        // A drill is a table over the same rows: it pages, sorts and caches as one.
        if let Some(drill) = request.drill.take() {
            let plan = drill::plan(dataset, &panel, &drill, request.range)?;
            panel = plan.panel;
            request.range = plan.range;
        }
        let db = self.database(&grant.tenant)?;
        // Read before the query runs: an import committing meanwhile moves it, so this result
        // is filed under the older generation nobody asks for any more.
        let generation = db.generation();
        let key = PanelKey {
            tenant: grant.tenant.clone(),
            generation,
            // The definition (columns, policies, rollups) is named by the catalog generation.
            catalog: catalog_generation,
            dataset: dataset.name.clone(),
            // Serializing our own types cannot fail; filter values are JSON, which has no hash.
            panel: serde_json::to_string(&(&panel.source, &panel.display)).unwrap_or_default(),
            range: (request.range.start, request.range.end),
            sort: request.sort.clone(),
            order: request.order,
            page: request.page,
            page_size: request.page_size,
            raw: request.disable_aggregation,
            raw_limit: request.raw_point_limit,
        };
        if let Some((data, explain, computed_at)) = self.data.cache.result(&key) {
            let explain = explain
                .into_iter()
                .map(|q| QueryExplain {
                    cache_hit: true,
                    ..q
                })
                .collect();
            return Ok(PanelAnswer {
                data,
                explain,
                computed_at,
            });
        }
        let (data, explain) = db.with_connection(|conn| {
            panel_data(conn, dataset, &panel, &request, &|rollup| {
                db.is_built(dataset, rollup)
            })
        })?;
        let data = Arc::new(data);
        let computed_at = Utc::now();
        self.data
            .cache
            .keep_result(key, (Arc::clone(&data), explain.clone(), computed_at));
        Ok(PanelAnswer {
            data,
            explain,
            computed_at,
        })
    }
}

/// The dashboard's pre-filters on columns `dataset` has.
fn pre_filters<'a>(
    config: &'a DashboardConfig,
    dataset: &'a DatasetDef,
) -> impl Iterator<Item = Filter> + 'a {
    config
        .filters
        .iter()
        .filter(|f| dataset.column(&f.filter.column).is_ok())
        .map(|f| f.filter.clone())
}

impl Appliance {
    /// The filters the request's controls make, checked against each control's own dataset.
    /// A control the dashboard (as the caller sees it) lacks, or a value its column cannot
    /// hold, is refused.
    pub(super) fn control_filters(
        &self,
        grant: &Grant,
        config: &DashboardConfig,
        request: &PanelRequest,
    ) -> Result<Vec<Filter>, ServiceError> {
        if request.controls.is_empty() {
            return Ok(Vec::new());
        }
        let (_, catalog) = self.catalog(&grant.tenant)?;
        controls_to_filters(config, &catalog, &request.controls)
    }
}

fn controls_to_filters(
    config: &DashboardConfig,
    catalog: &[DatasetDef],
    values: &[(String, Vec<String>)],
) -> Result<Vec<Filter>, ServiceError> {
    values
        .iter()
        .map(|(id, values)| {
            let control = config
                .controls
                .iter()
                .find(|c| &c.id == id)
                .ok_or_else(|| {
                    ServiceError::Invalid(format!("dashboard `{}` has no filter `{id}`", config.id))
                })?;
            let dataset = find_dataset(catalog, &control.dataset)?;
            let column = dataset
                .column(&control.column)
                .map_err(|e| ServiceError::Invalid(format!("filter `{id}`: {e}")))?;
            control
                .filter(values, column.column_type)
                .map_err(ServiceError::Invalid)
        })
        .collect()
}

impl Appliance {
    /// What a filter control offers the caller: the distinct values of its column (or its
    /// smallest and largest value), read under the caller's row filters and the dashboard's
    /// pre-filters, so no one is offered a value they could not read.
    pub fn control_options(
        &self,
        grant: &Grant,
        dashboard: &str,
        control_id: &str,
        search: Option<&str>,
        limit: u32,
    ) -> Result<ControlOptions, ServiceError> {
        let resolved = self.resolve(
            grant,
            dashboard,
            &crate::appliance::ResolveOptions::default(),
        )?;
        let control = resolved
            .config
            .controls
            .iter()
            .find(|c| c.id == control_id)
            .ok_or_else(|| ServiceError::NotFound {
                kind: "filter",
                id: control_id.to_owned(),
            })?;
        let (_, catalog) = self.catalog(&grant.tenant)?;
        let dataset = find_dataset(&catalog, &control.dataset)?;
        let mut filters = grant
            .row_filters(dataset)
            .map_err(|denied| self.deny(grant, control_id, denied))?;
        filters.extend(pre_filters(&resolved.config, dataset));
        let db = self.database(&grant.tenant)?;
        let options = db.with_connection(|conn| match control.kind {
            ControlKind::Range => options::span(conn, dataset, &control.column, &filters),
            _ => options::distinct_values(conn, dataset, &control.column, &filters, search, limit),
        })?;
        Ok(options)
    }
}
