//! Presets in configurations: every `{"$preset": id}` replaced by the preset's content, with
//! cycles, nesting depth and expansion size refused before they can exhaust the stack or memory.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::appliance::ServiceError;
use crate::store::PresetRecord;
use crate::store::records::state_at;

/// Presets as of a moment.
pub(super) fn preset_contents(
    presets: &[PresetRecord],
    at: Option<DateTime<Utc>>,
) -> BTreeMap<String, Value> {
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
pub(in crate::appliance) fn expand_presets(
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
pub(in crate::appliance) fn expanded(
    config: &Value,
    presets: &BTreeMap<String, Value>,
) -> Result<Value, ServiceError> {
    let mut config = config.clone();
    expand_presets(&mut config, presets).map_err(ServiceError::Invalid)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
}
