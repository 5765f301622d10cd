//! Layering overrides on a base configuration: the whole merge, and the faster merge panel by
//! panel that answers exactly as the whole one whenever it answers at all (a property test
//! below holds it to that).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use super::audience::{
    AUDIENCE, audience_ok, has_hidden, names_audience, permission_filter, roles_allow,
};
use super::{AppliedLayer, ServiceError};
use crate::catalog::DatasetDef;
use crate::dashboards::{DashboardConfig, PanelConfig};
use crate::identity::policy::Grant;
use crate::store::records::OverrideState;
use crate::versioning::merge::{Change, Element, KeyedElements, merge};

/// A base configuration or an override's patch with its presets expanded.
#[derive(Debug)]
pub(super) struct Expanded {
    config: Value,
    /// Whether any object in it names an audience (`visible_to`); without one, and without
    /// one in the overrides applied, there is nothing for the permission filter to look for.
    audience: bool,
    /// As a base: its panels typed and serialized, made on first use.
    prepared: OnceLock<Option<Prepared>>,
}

impl Expanded {
    pub(super) fn new(config: Value) -> Self {
        Self {
            audience: names_audience(&config),
            config,
            prepared: OnceLock::new(),
        }
    }

    /// This configuration ready to be merged panel by panel; `None` when it is not a valid
    /// configuration on its own (only the whole merge can tell what is wrong, or whether the
    /// overrides mend it).
    pub(super) fn prepared(&self, datasets: &[DatasetDef]) -> Option<&Prepared> {
        self.prepared
            .get_or_init(|| Prepared::of(&self.config, datasets))
            .as_ref()
    }
}

/// A base configuration made ready for the merge panel by panel: each panel read, validated
/// and serialized once, so a resolution reads and writes only the panels its overrides
/// change and copies the others as they are.
#[derive(Debug)]
pub(super) struct Prepared {
    /// The configuration without `panels`.
    rest: Map<String, Value>,
    /// Each panel's position, by id.
    index: HashMap<String, usize>,
    panels: Vec<PreparedPanel>,
}

#[derive(Debug)]
struct PreparedPanel {
    typed: PanelConfig,
    /// The typed panel serialized.
    bytes: Vec<u8>,
    /// Whether anything in the panel names an audience.
    audience: bool,
}

impl Prepared {
    fn of(config: &Value, datasets: &[DatasetDef]) -> Option<Self> {
        let mut typed: DashboardConfig = serde_json::from_value(config.clone()).ok()?;
        typed.validate(datasets).ok()?;
        let values = config.get("panels")?.as_array()?;
        if values.len() != typed.panels.len() {
            return None;
        }
        let mut rest = config.as_object()?.clone();
        rest.remove("panels");
        let index = typed
            .panels
            .iter()
            .enumerate()
            .map(|(i, panel)| (panel.id.clone(), i))
            .collect();
        let panels = typed
            .panels
            .into_iter()
            .zip(values)
            .map(|(typed, value)| {
                Some(PreparedPanel {
                    bytes: serde_json::to_vec(&typed).ok()?,
                    audience: names_audience(value),
                    typed,
                })
            })
            .collect::<Option<_>>()?;
        Some(Self {
            rest,
            index,
            panels,
        })
    }
}

/// What the debug view tells about the layers: each applied override with its changes, and
/// which one last set each path.
#[derive(Debug, Default)]
pub(super) struct Trail {
    debug: bool,
    pub(super) applied: Vec<AppliedLayer>,
    pub(super) provenance: BTreeMap<String, String>,
}

impl Trail {
    fn new(debug: bool) -> Self {
        Self {
            debug,
            ..Self::default()
        }
    }

    fn note(&mut self, id: &str, state: &OverrideState, changes: Vec<Change>) {
        if !self.debug {
            return;
        }
        for change in &changes {
            self.provenance.insert(change.path.clone(), id.to_owned());
        }
        self.applied.push(AppliedLayer {
            id: id.to_owned(),
            scope: state.scope.clone(),
            priority: state
                .priority
                .unwrap_or_else(|| state.scope.default_priority()),
            changes,
        });
    }
}

/// The layers merged into the base, filtered for the caller, typed and validated (its JSON
/// written to the body), with what the filter removed and the debug trail.
pub(super) struct Merged {
    pub(super) typed: DashboardConfig,
    pub(super) filtered: Vec<String>,
    pub(super) trail: Trail,
}

/// The layers that apply, lowest priority first, with their expanded patches.
pub(super) type Layers<'a> = [(&'a str, &'a OverrideState, Arc<Expanded>)];

/// Whether the base or an applied layer names an audience: without one, nothing is hidden.
pub(super) fn names_audience_in(base: &Expanded, layers: &Layers<'_>) -> bool {
    base.audience || layers.iter().any(|(_, _, patch)| patch.audience)
}

/// The merge on the whole configuration: any base, any patch, and the errors to report.
pub(super) fn merge_whole(
    template_id: &str,
    base: &Expanded,
    layers: &Layers<'_>,
    grant: &Grant,
    datasets: &[DatasetDef],
    debug: bool,
    body: &mut Vec<u8>,
) -> Result<Merged, ServiceError> {
    let mut config = base.config.clone();
    let mut trail = Trail::new(debug);
    for (id, state, patch) in layers {
        trail.note(id, state, merge(&mut config, &patch.config));
    }
    // What this caller may not see goes; a dashboard not meant for them is not found.
    if !audience_ok(grant, &config) {
        return Err(ServiceError::NotFound {
            kind: "dashboard",
            id: template_id.to_owned(),
        });
    }
    let mut filtered = Vec::new();
    let audience = names_audience_in(base, layers);
    if audience && has_hidden(&config, grant) {
        permission_filter(&mut config, grant, "", &mut filtered);
    }
    let invalid = |e: &dyn std::fmt::Display| {
        ServiceError::Invalid(format!(
            "dashboard `{template_id}` does not resolve to a valid configuration for you ({e}); check its overrides"
        ))
    };
    let mut typed: DashboardConfig = serde_json::from_value(config).map_err(|e| invalid(&e))?;
    typed.validate(datasets).map_err(|e| invalid(&e))?;
    serde_json::to_writer(&mut *body, &typed).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    Ok(Merged {
        typed,
        filtered,
        trail,
    })
}

/// The same merge panel by panel, from the prepared base: only the panels an override or
/// the permission filter changes are copied, read and serialized. `None` (and anything it
/// wrote to `body` is to be cut) when a layer needs the whole configuration (a replaced
/// panel list, or one naming no panel once all are removed), when something outside the
/// panels is hidden from the caller, or when the result does not read or validate:
/// [`merge_whole`] then answers.
pub(super) fn merge_by_panel(
    base: &Expanded,
    prepared: &Prepared,
    layers: &Layers<'_>,
    grant: &Grant,
    datasets: &[DatasetDef],
    debug: bool,
    body: &mut Vec<u8>,
) -> Option<Merged> {
    let panels = base.config.get("panels")?.as_array()?;
    let mut split = KeyedElements::new("panels", panels, &prepared.index);
    if !layers
        .iter()
        .all(|(_, _, patch)| split.takes(&patch.config))
    {
        return None;
    }
    let mut rest = prepared.rest.clone();
    let mut trail = Trail::new(debug);
    for (id, state, patch) in layers {
        trail.note(id, state, split.merge(&mut rest, &patch.config)?);
    }
    let mut rest = Value::Object(rest);
    let audience = names_audience_in(base, layers);
    if audience && has_hidden(&rest, grant) {
        return None;
    }
    let mut elements = split.finish();
    let mut filtered = Vec::new();
    if audience {
        filter_panels(&mut elements, prepared, grant, &mut filtered);
    }
    rest.as_object_mut()?
        .insert("panels".to_owned(), Value::Array(Vec::new()));
    let mut typed: DashboardConfig = serde_json::from_value(rest).ok()?;
    // Each panel's prepared form where no layer touched it. (Pushed into lists of the right
    // size: collecting through `Option` grows them step by step.)
    let mut reused: Vec<Option<usize>> = Vec::with_capacity(elements.len());
    typed.panels = Vec::with_capacity(elements.len());
    for element in elements {
        reused.push(match element {
            Element::Base(i, _) => Some(i),
            _ => None,
        });
        typed.panels.push(match element {
            Element::Base(i, _) => prepared.panels[i].typed.clone(),
            Element::Patched(i, _, ref members) => {
                match prepared.panels[i].typed.with_members(members) {
                    Some(panel) => panel,
                    None => PanelConfig::from_json(element.into_value()).ok()?,
                }
            }
            Element::Whole(value) => PanelConfig::from_json(value).ok()?,
        });
    }
    typed.validate(datasets).ok()?;
    // The configuration without its panels ends with `"panels":[]}`: the panels go between
    // the brackets, the prepared ones as they were serialized.
    let panels = std::mem::take(&mut typed.panels);
    serde_json::to_writer(&mut *body, &typed).ok()?;
    typed.panels = panels;
    const EMPTY: &[u8] = b"\"panels\":[]}";
    if !body.ends_with(EMPTY) {
        return None;
    }
    body.truncate(body.len() - 2);
    for (n, (panel, reused)) in typed.panels.iter().zip(&reused).enumerate() {
        if n > 0 {
            body.push(b',');
        }
        match reused {
            Some(i) => body.extend_from_slice(&prepared.panels[*i].bytes),
            None => serde_json::to_writer(&mut *body, panel).ok()?,
        }
    }
    body.extend_from_slice(b"]}");
    Some(Merged {
        typed,
        filtered,
        trail,
    })
}

/// What `permission_filter` does to the panel list, on the merged elements: the panels not
/// meant for the caller go first, then what is hidden inside the others (read whole then).
pub(super) fn filter_panels(
    elements: &mut Vec<Element>,
    prepared: &Prepared,
    grant: &Grant,
    filtered: &mut Vec<String>,
) {
    let path = |element: &Element| {
        let id = element.member("id").and_then(Value::as_str);
        format!("panels[id={}]", id.unwrap_or_default())
    };
    elements.retain(|element| {
        let keep = roles_allow(grant, element.member(AUDIENCE));
        if !keep {
            filtered.push(path(element));
        }
        keep
    });
    for element in elements {
        let may_hide = match element {
            Element::Base(i, _) => prepared.panels[*i].audience,
            Element::Patched(i, _, members) => {
                prepared.panels[*i].audience || members.values().flatten().any(names_audience)
            }
            Element::Whole(_) => true,
        };
        if !may_hide || !element.members().any(|(_, v)| has_hidden(v, grant)) {
            continue;
        }
        let here = path(element);
        let mut value = std::mem::replace(element, Element::Whole(Value::Null)).into_value();
        permission_filter(&mut value, grant, &here, filtered);
        *element = Element::Whole(value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::appliance::resolution::presets::expanded;
    use crate::dashboards::files::read_tenant_folder;
    use crate::demo::demo_files;
    use crate::versioning::OverrideScope;

    fn grant(role: &str) -> Grant {
        Grant {
            actor: "u1".into(),
            email: "u1@example.com".into(),
            tenant: "t1".into(),
            role: Some(role.into()),
            super_admin: false,
            permissions: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    fn state(patch: Value) -> OverrideState {
        OverrideState {
            scope: OverrideScope {
                kind: "role".into(),
                value: "viewer".into(),
            },
            priority: None,
            active: true,
            versions: "*".into(),
            patch,
            reason: "test".into(),
            deleted: false,
        }
    }

    /// The merge panel by panel against the whole merge, for the demo's sales dashboard under
    /// every subset of its overrides and of some more patches, for each role, with and
    /// without the debug trail: whenever the panel merge answers, it answers exactly what the
    /// whole merge does (body, typed configuration, filtered paths, trail).
    #[test]
    fn the_merge_by_panel_answers_as_the_whole_merge() {
        let folder = read_tenant_folder(&demo_files()).unwrap();
        let presets: BTreeMap<String, Value> = folder
            .presets
            .iter()
            .map(|p| (p.id.clone(), p.content.clone()))
            .collect();
        let dashboard = folder
            .dashboards
            .iter()
            .find(|d| d.id == "sales-performance")
            .unwrap();
        let base = Expanded::new(expanded(&json!(dashboard), &presets).unwrap());
        let prepared = base
            .prepared(&folder.datasets)
            .expect("the demo base is valid");
        let first = dashboard.panels[0].id.clone();
        let new_panel = json!({
            "id": "added_kpi", "title": "Added", "position": {"row": 40, "col": 1, "width": 3},
            "type": "kpi",
            "data_source": {"dataset": "sales", "value": {"column": "overall_actual", "agg": "sum"}}
        });
        let mut patches: Vec<(String, Value)> = folder
            .overrides
            .iter()
            .filter(|o| o.template == "sales-performance")
            .map(|o| (o.id.clone(), o.patch.clone()))
            .collect();
        patches.extend([
            (
                "hide-first".into(),
                json!({"panels": [{"id": first, "visible_to": ["executive"]}]}),
            ),
            (
                "add".into(),
                json!({"panels": [new_panel], "currency": "EUR"}),
            ),
            (
                "unformat".into(),
                json!({"panels": [{"id": first, "display": null, "title": "T"}]}),
            ),
            // A changed data source: the panel is read whole.
            (
                "measure".into(),
                json!({"panels": [{"id": first, "data_source": {"value": {"agg": "avg"}}}]}),
            ),
            // A removal, and a reorder naming a panel another layer adds.
            (
                "rearrange".into(),
                json!({"panels": [
                    {"id": "sales_entity_table", "$delete": true},
                    {"$order": ["sales_spares_kpi", "sales_by_channel", "sales_by_zone"]}
                ]}),
            ),
            // The removal of a panel another layer adds.
            (
                "drop-added".into(),
                json!({"panels": [{"id": "sales_tyres_kpi", "$delete": true}]}),
            ),
            // Something hidden inside a panel.
            (
                "inner".into(),
                json!({"panels": [{"id": "sales_entities_kpi", "display": {"visible_to": ["executive"]}}]}),
            ),
        ]);
        let states: Vec<(String, OverrideState, Arc<Expanded>)> = patches
            .into_iter()
            .map(|(id, patch)| {
                let expanded_patch = Arc::new(Expanded::new(expanded(&patch, &presets).unwrap()));
                (id, state(patch), expanded_patch)
            })
            .collect();
        let mut by_panel_answers = 0;
        let mut inner_filtered = 0;
        for subset in 0u32..(1 << states.len()) {
            let layers: Vec<(&str, &OverrideState, Arc<Expanded>)> = states
                .iter()
                .enumerate()
                .filter(|(i, _)| subset & (1 << i) != 0)
                .map(|(_, (id, state, patch))| (id.as_str(), state, Arc::clone(patch)))
                .collect();
            for role in ["viewer", "sales_manager", "executive", "tenant-admin"] {
                for debug in [false, true] {
                    let grant = grant(role);
                    let mut fast = Vec::new();
                    let Some(by_panel) = merge_by_panel(
                        &base,
                        prepared,
                        &layers,
                        &grant,
                        &folder.datasets,
                        debug,
                        &mut fast,
                    ) else {
                        continue;
                    };
                    by_panel_answers += 1;
                    let mut whole_bytes = Vec::new();
                    let whole = merge_whole(
                        "sales-performance",
                        &base,
                        &layers,
                        &grant,
                        &folder.datasets,
                        debug,
                        &mut whole_bytes,
                    )
                    .unwrap();
                    let case = format!("subset {subset:b}, {role}, debug {debug}");
                    assert_eq!(
                        String::from_utf8(fast).unwrap(),
                        String::from_utf8(whole_bytes).unwrap(),
                        "{case}"
                    );
                    assert_eq!(by_panel.typed, whole.typed, "{case}");
                    assert_eq!(by_panel.filtered, whole.filtered, "{case}");
                    let inner = "panels[id=sales_entities_kpi].display".to_owned();
                    inner_filtered += usize::from(by_panel.filtered.contains(&inner));
                    assert_eq!(by_panel.trail.applied, whole.trail.applied, "{case}");
                    assert_eq!(by_panel.trail.provenance, whole.trail.provenance, "{case}");
                }
            }
        }
        // Every layer set here is one the panel merge takes.
        assert_eq!(by_panel_answers, (1 << states.len()) * 4 * 2);
        // Half the layer sets hide the inner display from the two roles that are not its
        // audience (executives and tenant admins see it).
        assert_eq!(inner_filtered, (1 << (states.len() - 1)) * 2 * 2);
    }

    /// Anything hidden outside the panels goes to the whole merge, as does a result that does
    /// not validate.
    #[test]
    fn the_merge_by_panel_leaves_what_it_does_not_take_to_the_whole_merge() {
        let folder = read_tenant_folder(&demo_files()).unwrap();
        let dashboard = folder
            .dashboards
            .iter()
            .find(|d| d.id == "sales-performance")
            .unwrap();
        let base = Expanded::new(json!(dashboard));
        let prepared = base.prepared(&folder.datasets).unwrap();
        let first = &dashboard.panels[0].id;
        for patch in [
            json!({"branding": {"name": "Hidden", "visible_to": ["executive"]}}),
            json!({"panels": [{"id": first, "position": {"col": 0}}]}),
        ] {
            let state = state(patch.clone());
            let layers = [("layer", &state, Arc::new(Expanded::new(patch.clone())))];
            let mut body = Vec::new();
            let answer = merge_by_panel(
                &base,
                prepared,
                &layers,
                &grant("viewer"),
                &folder.datasets,
                false,
                &mut body,
            );
            assert!(answer.is_none(), "{patch}");
        }
    }
}
