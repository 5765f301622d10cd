//! Resolving a dashboard for one caller: choose the version (published, experiment arm,
//! `asOf` snapshot, or the draft for its editors), expand presets, layer the matching
//! overrides by priority, drop what the caller's roles may not see, and describe how — with a
//! cache keyed by everything the answer depends on.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::{Appliance, ServiceError};
use crate::catalog::DatasetDef;
use crate::dashboards::{DashboardConfig, PanelConfig};
use crate::identity::policy::{Action, Grant, Resource};
use crate::store::records::{OverrideState, state_at};
use crate::store::{ExperimentRecord, PresetRecord, TemplateRecord, VersionRecord};
use crate::versioning::merge::{Change, Element, KeyedElements, merge};
use crate::versioning::{Context, VersionState, arm_for, bucket};

/// What the request asked for besides the template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Serve what was live at this moment.
    pub as_of: Option<DateTime<Utc>>,
    /// The draft instead of the published version (its editors only).
    pub preview: bool,
    /// Add `_debug` provenance (editors and admins only).
    pub debug: bool,
}

/// Which configuration to start from.
#[derive(Debug, Clone)]
pub(super) enum Base {
    /// The normal choice: published, or an experiment's arm, or the version live at `asOf`.
    Chosen,
    Draft,
    /// A given version (impact analysis).
    Version(String),
}

impl Base {
    /// The base a request's options ask for: the draft when previewing, else the normal choice.
    pub(super) fn of(options: &ResolveOptions) -> Self {
        if options.preview {
            Self::Draft
        } else {
            Self::Chosen
        }
    }
}

/// What resolving with `options` needs: reading the dashboard and, to preview its draft or see
/// the provenance, editing it.
fn needed_actions(options: &ResolveOptions) -> &'static [Action] {
    if options.preview || options.debug {
        &[Action::Read, Action::Update]
    } else {
        &[Action::Read]
    }
}

/// A resolved dashboard: the typed configuration for queries, the response body and its ETag.
#[derive(Debug)]
pub struct Resolved {
    pub config: DashboardConfig,
    pub meta: Value,
    /// The response body `{config, meta[, _debug]}`, serialized once and served as is.
    pub bytes: Vec<u8>,
    pub etag: String,
}

/// Presets as of a moment.
fn preset_contents(presets: &[PresetRecord], at: Option<DateTime<Utc>>) -> BTreeMap<String, Value> {
    presets
        .iter()
        .filter_map(|p| {
            let content = match at {
                Some(at) => state_at(&p.history, at)?.clone(),
                None => p.content.clone(),
            };
            Some((p.id.clone(), content))
        })
        .collect()
}

/// How many presets may nest inside one another (`a` naming `b` naming `c` is three).
pub const PRESET_DEPTH: usize = 8;
/// How many JSON values one expansion may produce. Presets that fan out (each naming several
/// others) would otherwise multiply into an answer no memory holds; the largest real
/// dashboard (60 panels with presets) stays far below it.
pub const PRESET_NODES: usize = 200_000;

/// The preset a value stands for: an object whose only member is `"$preset": "<id>"`.
fn preset_reference(value: &Value) -> Option<&str> {
    value
        .as_object()
        .filter(|o| o.len() == 1)?
        .get("$preset")?
        .as_str()
}

/// One expansion: the chain of presets being expanded (to name a cycle) and the values made
/// so far (to stop fan-out).
struct PresetExpansion<'a> {
    presets: &'a BTreeMap<String, Value>,
    chain: Vec<&'a str>,
    nodes: usize,
}

impl<'a> PresetExpansion<'a> {
    /// The expanded content of preset `id`, refused when it names itself through the chain,
    /// nests too deep or grows past the budget.
    fn content(&mut self, id: &str) -> Result<Value, String> {
        let (key, content) = self
            .presets
            .get_key_value(id)
            .ok_or_else(|| format!("preset `{id}` does not exist"))?;
        if self.chain.contains(&key.as_str()) {
            let mut cycle: Vec<&str> = self.chain.clone();
            cycle.push(key);
            let from = cycle.iter().position(|p| *p == key).unwrap_or(0);
            return Err(format!(
                "presets form a cycle: {}",
                cycle[from..].join(" → ")
            ));
        }
        if self.chain.len() >= PRESET_DEPTH {
            return Err(format!(
                "presets nest more than {PRESET_DEPTH} deep: {} → {key}",
                self.chain.join(" → ")
            ));
        }
        self.chain.push(key);
        let expanded = match preset_reference(content) {
            Some(next) => self.content(next),
            None => {
                let mut copy = content.clone();
                self.walk(&mut copy).map(|()| copy)
            }
        };
        self.chain.pop();
        expanded
    }

    fn count(&mut self) -> Result<(), String> {
        self.nodes += 1;
        if self.nodes > PRESET_NODES {
            let within = match self.chain.last() {
                Some(id) => format!(" (while expanding preset `{id}`)"),
                None => String::new(),
            };
            return Err(format!(
                "expanding presets makes more than {PRESET_NODES} values{within}; presets that name other presets many times multiply"
            ));
        }
        Ok(())
    }

    fn walk(&mut self, value: &mut Value) -> Result<(), String> {
        self.count()?;
        match value {
            Value::Array(items) => {
                if !items.iter().any(|item| preset_reference(item).is_some()) {
                    return items.iter_mut().try_for_each(|item| self.walk(item));
                }
                let mut out = Vec::with_capacity(items.len());
                for mut item in items.drain(..) {
                    match preset_reference(&item) {
                        // Inside an array, a preset whose content is an array is spliced in.
                        Some(id) => match self.content(id)? {
                            Value::Array(spliced) => out.extend(spliced),
                            single => out.push(single),
                        },
                        None => {
                            self.walk(&mut item)?;
                            out.push(item);
                        }
                    }
                }
                *items = out;
            }
            Value::Object(map) => {
                for child in map.values_mut() {
                    match preset_reference(child) {
                        Some(id) => {
                            let id = id.to_owned();
                            *child = self.content(&id)?;
                        }
                        None => self.walk(child)?,
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Replaces every `{"$preset": id}` by the preset's content (itself expanded); inside an
/// array, a preset whose content is an array is spliced in. A preset that names itself,
/// directly or through others, nesting deeper than [`PRESET_DEPTH`] and expansions larger
/// than [`PRESET_NODES`] values are refused with a message naming the presets.
pub(super) fn expand_presets(
    value: &mut Value,
    presets: &BTreeMap<String, Value>,
) -> Result<(), String> {
    let mut expansion = PresetExpansion {
        presets,
        chain: Vec::new(),
        nodes: 0,
    };
    if let Some(id) = preset_reference(value) {
        let id = id.to_owned();
        *value = expansion.content(&id)?;
        return Ok(());
    }
    expansion.walk(value)
}

/// A copy of `config` with its presets expanded.
pub(super) fn expanded(
    config: &Value,
    presets: &BTreeMap<String, Value>,
) -> Result<Value, ServiceError> {
    let mut config = config.clone();
    expand_presets(&mut config, presets).map_err(ServiceError::Invalid)?;
    Ok(config)
}

/// Whether any object in `value` names an audience (has `visible_to`).
fn names_audience(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key(AUDIENCE) || map.values().any(names_audience),
        Value::Array(items) => items.iter().any(names_audience),
        _ => false,
    }
}

/// The member naming the roles an object is meant for.
const AUDIENCE: &str = "visible_to";

/// Whether an object's `visible_to` (if any) includes the caller; allocation-free.
fn audience_ok(grant: &Grant, v: &Value) -> bool {
    roles_allow(grant, v.get(AUDIENCE))
}

/// Whether a `visible_to` member (if any) includes the caller.
fn roles_allow(grant: &Grant, visible_to: Option<&Value>) -> bool {
    match visible_to.and_then(Value::as_array) {
        None => true,
        Some(roles) => grant.is_audience_by(roles.is_empty(), |role| {
            roles.iter().any(|r| r.as_str() == Some(role))
        }),
    }
}

/// Whether anything under `value` is an object the caller may not see (checked without
/// building paths, which only the removal needs).
fn has_hidden(value: &Value, grant: &Grant) -> bool {
    match value {
        Value::Object(map) => {
            !audience_ok(grant, value) || map.values().any(|v| has_hidden(v, grant))
        }
        Value::Array(items) => items.iter().any(|v| has_hidden(v, grant)),
        _ => false,
    }
}

/// Removes every object whose `visible_to` does not include the caller, recording the paths.
fn permission_filter(value: &mut Value, grant: &Grant, path: &str, removed: &mut Vec<String>) {
    let allowed = |v: &Value| audience_ok(grant, v);
    let label = |v: &Value, i: usize| {
        v.get("id")
            .or_else(|| v.get("key"))
            .and_then(Value::as_str)
            .map_or_else(|| format!("[{i}]"), |id| format!("[id={id}]"))
    };
    match value {
        Value::Array(items) => {
            let mut index = 0;
            items.retain(|item| {
                let keep = allowed(item);
                if !keep {
                    removed.push(format!("{path}{}", label(item, index)));
                }
                index += 1;
                keep
            });
            for (i, item) in items.iter_mut().enumerate() {
                let here = format!("{path}{}", label(item, i));
                permission_filter(item, grant, &here, removed);
            }
        }
        Value::Object(map) => {
            let doomed: Vec<String> = map
                .iter()
                .filter(|(_, v)| v.is_object() && !allowed(v))
                .map(|(k, _)| k.clone())
                .collect();
            for key in doomed {
                map.remove(&key);
                removed.push(if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                });
            }
            for (key, child) in map.iter_mut() {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                permission_filter(child, grant, &here, removed);
            }
        }
        _ => {}
    }
}

/// The version normally served at `at` (now when `None`): the published one, or the one most
/// recently published among those published then.
fn published_version(
    versions: &[VersionRecord],
    at: Option<DateTime<Utc>>,
) -> Option<&VersionRecord> {
    match at {
        None => versions
            .iter()
            .rev()
            .find(|v| v.state == VersionState::Published),
        Some(at) => versions
            .iter()
            .filter(|v| v.state_at(at) == Some(VersionState::Published))
            .max_by_key(|v| v.published_since(at)),
    }
}

/// The experiment arm this caller is in, if any.
fn experiment_arm<'a>(
    experiments: &'a [ExperimentRecord],
    template: &str,
    context: &Context,
    at: Option<DateTime<Utc>>,
) -> Option<(&'a ExperimentRecord, crate::store::records::Arm)> {
    experiments
        .iter()
        .filter(|e| e.template == template)
        .find_map(|e| {
            let state = match at {
                Some(at) => state_at(&e.history, at)?,
                None => &e.current,
            };
            if !state.running || state.audience.as_ref().is_some_and(|a| !a.matches(context)) {
                return None;
            }
            let weights: Vec<f64> = state.arms.iter().map(|a| a.weight).collect();
            let index = arm_for(bucket(&e.seed, &context.user), &weights)?;
            Some((e, state.arms[index].clone()))
        })
}

fn version_matches(requirement: &str, number: &str) -> bool {
    if requirement.trim() == "*" || number == "draft" {
        return true;
    }
    match (
        semver::VersionReq::parse(requirement),
        semver::Version::parse(number),
    ) {
        (Ok(req), Ok(version)) => req.matches(&version),
        _ => false,
    }
}

/// Everything stored that a template's resolution reads, decoded once per change.
#[derive(Debug)]
pub(super) struct Inputs {
    template: TemplateRecord,
    versions: Vec<VersionRecord>,
    experiments: Vec<ExperimentRecord>,
    presets: Vec<PresetRecord>,
    overrides: Vec<crate::store::OverrideRecord>,
    datasets: super::data::Catalog,
    /// The current presets by id, gathered on first use.
    current_presets: OnceLock<BTreeMap<String, Value>>,
    /// Base configurations (by version number, `draft` for the draft) with the current
    /// presets expanded, made on first use.
    bases: Mutex<HashMap<String, Arc<Expanded>>>,
    /// Current override patches (by override id) with the current presets expanded.
    patches: Mutex<HashMap<String, Arc<Expanded>>>,
    /// The largest response body resolved from these inputs, to size the next one.
    body_size: AtomicUsize,
}

/// The caller's context for override matching.
fn context(grant: &Grant) -> Context {
    Context {
        tenant: grant.tenant.clone(),
        user: grant.actor.clone(),
        email: grant.email.clone(),
        role: grant.role.clone(),
        attributes: grant.attributes.clone(),
    }
}

/// A base configuration or an override's patch with its presets expanded.
#[derive(Debug)]
struct Expanded {
    config: Value,
    /// Whether any object in it names an audience (`visible_to`); without one, and without
    /// one in the overrides applied, there is nothing for the permission filter to look for.
    audience: bool,
    /// As a base: its panels typed and serialized, made on first use.
    prepared: OnceLock<Option<Prepared>>,
}

impl Expanded {
    fn new(config: Value) -> Self {
        Self {
            audience: names_audience(&config),
            config,
            prepared: OnceLock::new(),
        }
    }

    /// This configuration ready to be merged panel by panel; `None` when it is not a valid
    /// configuration on its own (only the whole merge can tell what is wrong, or whether the
    /// overrides mend it).
    fn prepared(&self, datasets: &[DatasetDef]) -> Option<&Prepared> {
        self.prepared
            .get_or_init(|| Prepared::of(&self.config, datasets))
            .as_ref()
    }
}

/// A base configuration made ready for the merge panel by panel: each panel read, validated
/// and serialized once, so a resolution reads and writes only the panels its overrides
/// change and copies the others as they are.
#[derive(Debug)]
struct Prepared {
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
struct Trail {
    debug: bool,
    applied: Vec<Value>,
    provenance: BTreeMap<String, String>,
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
        self.applied.push(json!({
            "id": id,
            "scope": state.scope,
            "priority": state.priority.unwrap_or_else(|| state.scope.default_priority()),
            "changes": changes,
        }));
    }
}

/// The layers merged into the base, filtered for the caller, typed and validated (its JSON
/// written to the body), with what the filter removed and the debug trail.
struct Merged {
    typed: DashboardConfig,
    filtered: Vec<String>,
    trail: Trail,
}

/// The layers that apply, lowest priority first, with their expanded patches.
type Layers<'a> = [(&'a str, &'a OverrideState, Arc<Expanded>)];

/// Whether the base or an applied layer names an audience: without one, nothing is hidden.
fn names_audience_in(base: &Expanded, layers: &Layers<'_>) -> bool {
    base.audience || layers.iter().any(|(_, _, patch)| patch.audience)
}

/// The merge on the whole configuration: any base, any patch, and the errors to report.
fn merge_whole(
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
fn merge_by_panel(
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
fn filter_panels(
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

impl Inputs {
    fn current_presets(&self) -> &BTreeMap<String, Value> {
        self.current_presets
            .get_or_init(|| preset_contents(&self.presets, None))
    }

    /// `value` with its presets expanded: with those live at a past moment when `past` gives
    /// them, else with the current ones, once, kept in `done` under `key`.
    fn expand(
        &self,
        done: &Mutex<HashMap<String, Arc<Expanded>>>,
        key: &str,
        value: &Value,
        past: Option<&BTreeMap<String, Value>>,
    ) -> Result<Arc<Expanded>, ServiceError> {
        if let Some(presets) = past {
            return Ok(Arc::new(Expanded::new(expanded(value, presets)?)));
        }
        let lock = || done.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(done) = lock().get(key) {
            return Ok(Arc::clone(done));
        }
        let made = Arc::new(Expanded::new(expanded(value, self.current_presets())?));
        lock().insert(key.to_owned(), Arc::clone(&made));
        Ok(made)
    }
}

impl Appliance {
    /// A template's stored inputs, from memory while their generations have not moved.
    pub(super) fn inputs(
        &self,
        tenant: &str,
        template_id: &str,
    ) -> Result<Arc<Inputs>, ServiceError> {
        let key = super::cache::InputsKey {
            tenant: tenant.to_owned(),
            template: template_id.to_owned(),
            template_generation: self.generation(tenant, Some(template_id)),
            tenant_generation: self.generation(tenant, None),
        };
        if let Some(hit) = self
            .inputs_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
        {
            return Ok(Arc::clone(hit));
        }
        let template =
            self.store
                .template(tenant, template_id)?
                .ok_or_else(|| ServiceError::NotFound {
                    kind: "dashboard",
                    id: template_id.to_owned(),
                })?;
        let inputs = Arc::new(Inputs {
            template,
            versions: self.store.versions(tenant, template_id)?,
            experiments: self
                .store
                .experiments(tenant)?
                .into_iter()
                .filter(|e| e.template == template_id)
                .collect(),
            presets: self.store.presets(tenant)?,
            overrides: self
                .store
                .overrides(tenant)?
                .into_iter()
                .filter(|o| o.template == template_id)
                .collect(),
            datasets: self.catalog(tenant)?.1,
            current_presets: OnceLock::new(),
            bases: Mutex::new(HashMap::new()),
            patches: Mutex::new(HashMap::new()),
            body_size: AtomicUsize::new(0),
        });
        self.inputs_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .put(key, Arc::clone(&inputs));
        Ok(inputs)
    }

    /// The dashboard `template_id` as `grant` should see it, from the cache when nothing it
    /// depends on has changed.
    pub fn resolve(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> Result<Arc<Resolved>, ServiceError> {
        for action in needed_actions(options) {
            self.require(grant, Resource::Dashboards, *action, template_id)?;
        }
        // Generations are read before the store, so an answer computed from older data is
        // filed under an older key and never served after a change.
        let key = self.resolve_key(grant, template_id, options);
        if let Some(hit) = self.cache_get(&key) {
            return Ok(hit);
        }
        let resolved =
            Arc::new(self.resolve_uncached(grant, template_id, &Base::of(options), options)?);
        self.cache_put(key, Arc::clone(&resolved));
        Ok(resolved)
    }

    /// [`resolve`](Self::resolve) when the answer is in the cache and the grant allows it:
    /// memory only, so a request can be answered without the blocking pool. `None` sends the
    /// caller to `resolve` (which also records refusals).
    pub fn resolve_remembered(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> Option<Arc<Resolved>> {
        let allowed = needed_actions(options)
            .iter()
            .all(|action| grant.require(Resource::Dashboards, *action, None).is_ok());
        if !allowed {
            return None;
        }
        self.cache_get(&self.resolve_key(grant, template_id, options))
    }

    /// Everything a resolution depends on: the tenant's and template's generations, who is
    /// asking (role and attributes included; the actor's email never changes) and the options.
    fn resolve_key(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> super::cache::ResolveKey {
        super::cache::ResolveKey {
            tenant: grant.tenant.clone(),
            template: template_id.to_owned(),
            template_generation: self.generation(&grant.tenant, Some(template_id)),
            tenant_generation: self.generation(&grant.tenant, None),
            actor: grant.actor.clone(),
            role: grant.role.clone(),
            attributes: grant.attributes.clone(),
            super_admin: grant.super_admin,
            as_of: options.as_of,
            preview: options.preview,
            debug: options.debug,
        }
    }

    /// [`resolve`](Self::resolve) without the cache (benchmarks measure the miss with it).
    pub fn resolve_without_cache(
        &self,
        grant: &Grant,
        template_id: &str,
        options: &ResolveOptions,
    ) -> Result<Resolved, ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Read, template_id)?;
        self.resolve_uncached(grant, template_id, &Base::of(options), options)
    }

    pub(super) fn resolve_uncached(
        &self,
        grant: &Grant,
        template_id: &str,
        base: &Base,
        options: &ResolveOptions,
    ) -> Result<Resolved, ServiceError> {
        let started = Instant::now();
        let not_found = |kind: &'static str| ServiceError::NotFound {
            kind,
            id: template_id.to_owned(),
        };
        let inputs = self.inputs(&grant.tenant, template_id)?;
        let template = &inputs.template;
        let context = context(grant);
        let at = options.as_of;
        let versions = &inputs.versions;
        let experiments = &inputs.experiments;
        let mut arm = None;
        let (number, source) = match base {
            Base::Draft => ("draft".to_owned(), &template.draft),
            Base::Version(number) => {
                let version = versions
                    .iter()
                    .find(|v| &v.number == number)
                    .ok_or_else(|| ServiceError::NotFound {
                        kind: "version",
                        id: format!("{template_id}@{number}"),
                    })?;
                (version.number.clone(), &version.config)
            }
            Base::Chosen => {
                let mut chosen = published_version(versions, at);
                if let Some((experiment, a)) =
                    experiment_arm(experiments, template_id, &context, at)
                {
                    if let Some(number) = &a.version
                        && let Some(v) = versions.iter().find(|v| &v.number == number)
                    {
                        chosen = Some(v);
                    }
                    arm = Some((experiment.id.clone(), a));
                }
                let version = chosen.ok_or_else(|| {
                    not_found(match at {
                        Some(_) => "version live at that time of dashboard",
                        None => "published version of dashboard",
                    })
                })?;
                (version.number.clone(), &version.config)
            }
        };
        // A past moment's configuration takes that moment's presets; the current one's
        // expansion is kept with the inputs.
        let past_presets = at.map(|at| preset_contents(&inputs.presets, Some(at)));
        let start = inputs.expand(&inputs.bases, &number, source, past_presets.as_ref())?;

        // Overrides in force for this caller, lowest priority first.
        let arm_override = arm.as_ref().and_then(|(_, a)| a.override_id.clone());
        let mut applying: Vec<(&str, &OverrideState)> = inputs
            .overrides
            .iter()
            .filter_map(|o| {
                let state = match at {
                    Some(at) => state_at(&o.history, at)?,
                    None => &o.current,
                };
                let switched_on = arm_override.as_deref() == Some(o.id.as_str());
                let applies = !state.deleted
                    && (state.active || switched_on)
                    && state.scope.matches(&context)
                    && version_matches(&state.versions, &number);
                applies.then_some((o.id.as_str(), state))
            })
            .collect();
        applying.sort_by(|(a_id, a), (b_id, b)| {
            let rank = |s: &OverrideState| s.priority.unwrap_or_else(|| s.scope.default_priority());
            rank(a).cmp(&rank(b)).then_with(|| a_id.cmp(b_id))
        });
        let layers = applying
            .into_iter()
            .map(|(id, state)| {
                let patch =
                    inputs.expand(&inputs.patches, id, &state.patch, past_presets.as_ref())?;
                Ok((id, state, patch))
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;

        // The typed configuration is serialized once, straight into the body (sized like the
        // last body of this template); those bytes also make the ETag. The base kept with the
        // inputs is merged panel by panel when the layers allow it.
        const PREFIX: &[u8] = b"{\"config\":";
        let mut bytes = Vec::with_capacity(inputs.body_size.load(Ordering::Relaxed) + 1024);
        bytes.extend_from_slice(PREFIX);
        let datasets = &inputs.datasets;
        let by_panel = past_presets
            .is_none()
            .then(|| start.prepared(datasets))
            .flatten()
            .and_then(|prepared| {
                merge_by_panel(
                    &start,
                    prepared,
                    &layers,
                    grant,
                    datasets,
                    options.debug,
                    &mut bytes,
                )
            });
        let Merged {
            typed,
            filtered,
            trail,
        } = match by_panel {
            Some(merged) => merged,
            None => {
                bytes.truncate(PREFIX.len());
                merge_whole(
                    template_id,
                    &start,
                    &layers,
                    grant,
                    datasets,
                    options.debug,
                    &mut bytes,
                )?
            }
        };
        let applied_ids: Vec<&str> = layers.iter().map(|(id, _, _)| *id).collect();
        let experiment = arm.as_ref().map(|(id, a)| json!({"id": id, "arm": a.name}));
        // 128 bits of XXH3 over the body's configuration and what `meta` says besides the time:
        // the tag only tells a client its copy is current, and hashing 20 KB with SHA-256 took
        // a tenth of a resolution.
        let mut fingerprint = xxhash_rust::xxh3::Xxh3::new();
        fingerprint.update(&bytes[PREFIX.len()..]);
        fingerprint.update(
            json!([number, applied_ids, experiment])
                .to_string()
                .as_bytes(),
        );
        let etag = format!("\"{:032x}\"", fingerprint.digest128());
        let mut meta = json!({
            "templateId": template_id,
            "version": number,
            "tenantId": grant.tenant,
            "appliedOverrides": applied_ids,
            "resolvedAt": Utc::now(),
        });
        if let Some(experiment) = &experiment {
            meta["experiment"] = experiment.clone();
        }
        if let Some(at) = at {
            meta["asOf"] = json!(at);
        }
        bytes.extend_from_slice(b",\"meta\":");
        bytes.extend_from_slice(meta.to_string().as_bytes());
        if options.debug {
            let debug = json!({"resolution": {
                "baseTemplate": template_id,
                "baseVersion": number,
                "appliedOverrides": trail.applied,
                "provenance": trail.provenance,
                "permissionFilters": filtered,
                "experiment": experiment,
                "resolutionTimeMs": started.elapsed().as_secs_f64() * 1000.0,
            }});
            bytes.extend_from_slice(b",\"_debug\":");
            bytes.extend_from_slice(debug.to_string().as_bytes());
        }
        bytes.push(b'}');
        inputs.body_size.fetch_max(bytes.len(), Ordering::Relaxed);
        Ok(Resolved {
            config: typed,
            meta,
            bytes,
            etag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboards::files::read_tenant_folder;
    use crate::demo::demo_files;
    use crate::versioning::OverrideScope;

    /// Expands `value` with `presets` (id → content), as a resolution would with stored ones.
    fn expand(value: Value, presets: &[(&str, Value)]) -> Result<Value, String> {
        let presets: BTreeMap<String, Value> = presets
            .iter()
            .map(|(id, content)| ((*id).to_owned(), content.clone()))
            .collect();
        let mut value = value;
        expand_presets(&mut value, &presets).map(|()| value)
    }

    #[test]
    fn stored_presets_that_cycle_are_named_instead_of_overflowing_the_stack() {
        let check = |presets: &[(&str, Value)], expect: &str| {
            let error = expand(json!({"panels": [{"$preset": "a"}]}), presets).unwrap_err();
            assert!(error.contains(expect), "{error}");
        };
        check(&[("a", json!({"k": {"$preset": "a"}}))], "cycle: a → a");
        check(&[("a", json!([{"$preset": "a"}]))], "cycle: a → a");
        check(&[("a", json!({"$preset": "a"}))], "cycle: a → a");
        check(
            &[
                ("a", json!({"x": {"$preset": "b"}})),
                ("b", json!([{"$preset": "a"}])),
            ],
            "cycle: a → b → a",
        );
    }

    #[test]
    fn preset_expansion_has_a_depth_and_a_size_budget() {
        let chain: Vec<(String, Value)> = (0..=PRESET_DEPTH)
            .map(|i| {
                (
                    format!("p{i}"),
                    json!({"next": {"$preset": format!("p{}", i + 1)}}),
                )
            })
            .chain(std::iter::once((
                format!("p{}", PRESET_DEPTH + 1),
                json!(1),
            )))
            .collect();
        let chain: Vec<(&str, Value)> =
            chain.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let error = expand(json!({"$preset": "p0"}), &chain).unwrap_err();
        assert!(error.contains("nest more than"), "{error}");
        // Levels of ten: six make a million values, refused long before they are made (nine
        // would also pass the depth).
        let mut fan: Vec<(String, Value)> = vec![("f0".into(), json!({"v": 1}))];
        for level in 1..=9 {
            let refs: Vec<Value> = (0..10)
                .map(|_| json!({"$preset": format!("f{}", level - 1)}))
                .collect();
            fan.push((format!("f{level}"), json!(refs)));
        }
        let fan: Vec<(&str, Value)> = fan.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let error = expand(json!({"$preset": "f6"}), &fan).unwrap_err();
        assert!(error.contains("values"), "{error}");
        let error = expand(json!({"$preset": "f9"}), &fan).unwrap_err();
        assert!(error.contains("nest more than"), "{error}");
        // Within the budget the same presets expand, arrays spliced in.
        let small = expand(json!({"list": [{"$preset": "f1"}, 2]}), &fan).unwrap();
        assert_eq!(small["list"].as_array().unwrap().len(), 11);
    }

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
