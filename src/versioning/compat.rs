//! Compatibility between two dashboard configurations: a structured diff, each change rated
//! breaking (a removed panel, filter, column, measure or feature; a changed data source), minor
//! (an addition) or patch (text, format, layout), and the semver bump that follows.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DiffEntry {
    pub path: String,
    pub kind: DiffKind,
    /// The bump this change alone requires.
    pub bump: Bump,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Compatibility {
    /// The smallest bump the changes allow; `None` when nothing changed.
    pub required: Option<Bump>,
    pub changes: Vec<DiffEntry>,
}

/// Compares `before` with `after` (both with presets expanded).
pub fn compare(before: &Value, after: &Value) -> Compatibility {
    let mut changes = Vec::new();
    diff(before, after, "", &mut changes);
    Compatibility {
        required: changes.iter().map(|c| c.bump).max(),
        changes,
    }
}

/// The paths under which a removal takes something a viewer or an override relies on.
fn structural(path: &str) -> bool {
    [
        "panels[",
        "filters",
        "columns",
        "measures",
        "features",
        "data_source",
        ".value",
        ".target",
    ]
    .iter()
    .any(|p| path.contains(p))
}

fn rate(kind: DiffKind, path: &str) -> Bump {
    match kind {
        DiffKind::Added => Bump::Minor,
        DiffKind::Removed if structural(path) => Bump::Major,
        DiffKind::Changed if path.contains("data_source") && !path.ends_with("label") => {
            Bump::Major
        }
        _ => Bump::Patch,
    }
}

fn push(
    changes: &mut Vec<DiffEntry>,
    path: &str,
    kind: DiffKind,
    before: Option<&Value>,
    after: Option<&Value>,
) {
    changes.push(DiffEntry {
        path: path.to_owned(),
        kind,
        bump: rate(kind, path),
        before: before.cloned(),
        after: after.cloned(),
    });
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn key_of(item: &Value) -> Option<(&'static str, String)> {
    let object = item.as_object()?;
    ["id", "key"].into_iter().find_map(|field| {
        object.get(field).map(|v| {
            (
                field,
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
    })
}

fn diff(before: &Value, after: &Value, path: &str, changes: &mut Vec<DiffEntry>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => diff(value, other, &join(path, key), changes),
                    None => push(
                        changes,
                        &join(path, key),
                        DiffKind::Removed,
                        Some(value),
                        None,
                    ),
                }
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    push(
                        changes,
                        &join(path, key),
                        DiffKind::Added,
                        None,
                        Some(value),
                    );
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.iter().chain(b).all(|i| key_of(i).is_some()) => {
            let keyed = |items: &[Value]| -> Vec<(String, String, usize)> {
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| key_of(item).map(|(f, k)| (f.to_owned(), k, i)))
                    .collect()
            };
            let (ka, kb) = (keyed(a), keyed(b));
            for (field, key, index) in &ka {
                let here = format!("{path}[{field}={key}]");
                match kb.iter().find(|(_, k, _)| k == key) {
                    Some((_, _, other)) => diff(&a[*index], &b[*other], &here, changes),
                    None => push(changes, &here, DiffKind::Removed, Some(&a[*index]), None),
                }
            }
            for (field, key, index) in &kb {
                if !ka.iter().any(|(_, k, _)| k == key) {
                    push(
                        changes,
                        &format!("{path}[{field}={key}]"),
                        DiffKind::Added,
                        None,
                        Some(&b[*index]),
                    );
                }
            }
            let order = |k: &[(String, String, usize)]| {
                k.iter().map(|(_, key, _)| key.clone()).collect::<Vec<_>>()
            };
            let common_a: Vec<String> = order(&ka)
                .into_iter()
                .filter(|k| kb.iter().any(|(_, o, _)| o == k))
                .collect();
            let common_b: Vec<String> = order(&kb)
                .into_iter()
                .filter(|k| ka.iter().any(|(_, o, _)| o == k))
                .collect();
            if common_a != common_b {
                push(changes, path, DiffKind::Changed, None, None);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            // Unkeyed arrays (a bar chart's measures, say): compare as lists of elements.
            for item in a {
                if !b.contains(item) {
                    push(changes, path, DiffKind::Removed, Some(item), None);
                }
            }
            for item in b {
                if !a.contains(item) {
                    push(changes, path, DiffKind::Added, None, Some(item));
                }
            }
            if changes.is_empty() && a != b {
                push(changes, path, DiffKind::Changed, Some(before), Some(after));
            }
        }
        (a, b) if a != b => push(changes, path, DiffKind::Changed, Some(a), Some(b)),
        _ => {}
    }
}

/// The next version after `parent` for a bump.
pub fn bumped(parent: &semver::Version, bump: Bump) -> semver::Version {
    match bump {
        Bump::Major => semver::Version::new(parent.major + 1, 0, 0),
        Bump::Minor => semver::Version::new(parent.major, parent.minor + 1, 0),
        Bump::Patch => semver::Version::new(parent.major, parent.minor, parent.patch + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "name": "Sales",
            "filters": [{"id": "zone", "column": "zone", "op": "eq", "value": "NORTH"}],
            "panels": [
                {"id": "kpi", "title": "Sales", "data_source": {"dataset": "sales", "value": {"column": "overall_actual", "agg": "sum"}}},
                {"id": "table", "title": "Entities", "data_source": {"dataset": "sales", "columns": [{"key": "entity_name"}, {"key": "zone"}]}}
            ]
        })
    }

    fn required(after: Value) -> Option<Bump> {
        compare(&base(), &after).required
    }

    #[test]
    fn removals_and_data_source_changes_are_breaking() {
        let mut removed_panel = base();
        removed_panel["panels"].as_array_mut().unwrap().remove(1);
        assert_eq!(required(removed_panel), Some(Bump::Major));
        let mut removed_column = base();
        removed_column["panels"][1]["data_source"]["columns"]
            .as_array_mut()
            .unwrap()
            .pop();
        assert_eq!(required(removed_column), Some(Bump::Major));
        let mut removed_filter = base();
        removed_filter["filters"] = json!([]);
        assert_eq!(required(removed_filter), Some(Bump::Major));
        let mut dataset = base();
        dataset["panels"][0]["data_source"]["dataset"] = json!("metrics");
        assert_eq!(required(dataset), Some(Bump::Major));
        let mut measure = base();
        measure["panels"][0]["data_source"]["value"] = Value::Null;
        measure["panels"][0]["data_source"]
            .as_object_mut()
            .unwrap()
            .remove("value");
        assert_eq!(required(measure), Some(Bump::Major));
    }

    #[test]
    fn additions_are_minor_and_text_is_patch() {
        let mut added = base();
        added["panels"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "new", "title": "New"}));
        assert_eq!(required(added), Some(Bump::Minor));
        let mut text = base();
        text["panels"][0]["title"] = json!("Sales (₹)");
        text["name"] = json!("Sales performance");
        let result = compare(&base(), &text);
        assert_eq!(result.required, Some(Bump::Patch));
        assert_eq!(result.changes.len(), 2);
        assert_eq!(result.changes[1].path, "panels[id=kpi].title");
        assert_eq!(required(base()), None);
        let mut reordered = base();
        reordered["panels"].as_array_mut().unwrap().reverse();
        assert_eq!(required(reordered), Some(Bump::Patch));
    }

    #[test]
    fn bumps_follow_semver() {
        let v = semver::Version::new(1, 4, 2);
        assert_eq!(bumped(&v, Bump::Major).to_string(), "2.0.0");
        assert_eq!(bumped(&v, Bump::Minor).to_string(), "1.5.0");
        assert_eq!(bumped(&v, Bump::Patch).to_string(), "1.4.3");
    }
}
