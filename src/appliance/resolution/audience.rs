//! Audiences inside a configuration: any object may name the roles it is for (`visible_to`);
//! what the caller's roles may not see is removed, and each removal is recorded.

use serde_json::Value;

use crate::identity::policy::Grant;

/// Whether any object in `value` names an audience (has `visible_to`).
pub(super) fn names_audience(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key(AUDIENCE) || map.values().any(names_audience),
        Value::Array(items) => items.iter().any(names_audience),
        _ => false,
    }
}

/// The member naming the roles an object is meant for.
pub(super) const AUDIENCE: &str = "visible_to";

/// Whether an object's `visible_to` (if any) includes the caller; allocation-free.
pub(super) fn audience_ok(grant: &Grant, v: &Value) -> bool {
    roles_allow(grant, v.get(AUDIENCE))
}

/// Whether a `visible_to` member (if any) includes the caller.
pub(super) fn roles_allow(grant: &Grant, visible_to: Option<&Value>) -> bool {
    match visible_to.and_then(Value::as_array) {
        None => true,
        Some(roles) => grant.is_audience_by(roles.is_empty(), |role| {
            roles.iter().any(|r| r.as_str() == Some(role))
        }),
    }
}

/// Whether anything under `value` is an object the caller may not see (checked without
/// building paths, which only the removal needs).
pub(super) fn has_hidden(value: &Value, grant: &Grant) -> bool {
    match value {
        Value::Object(map) => {
            !audience_ok(grant, value) || map.values().any(|v| has_hidden(v, grant))
        }
        Value::Array(items) => items.iter().any(|v| has_hidden(v, grant)),
        _ => false,
    }
}

/// Removes every object whose `visible_to` does not include the caller, recording the paths.
pub(super) fn permission_filter(
    value: &mut Value,
    grant: &Grant,
    path: &str,
    removed: &mut Vec<String>,
) {
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
