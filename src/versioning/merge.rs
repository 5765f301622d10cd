//! The merge rules that layer overrides on a template (JSON values):
//!
//! - objects merge recursively and `null` deletes a key (JSON Merge Patch, RFC 7386);
//! - arrays whose elements are all objects carrying an `id` (or a `key`) merge element by
//!   element: a patch element with a known id merges into it, an unknown one is appended,
//!   `{"id": x, "$delete": true}` removes it, and `{"$order": [ids…]}` puts those ids first in
//!   that order (the others keep their order after them);
//! - any other array, and any other value, replaces.
//!
//! Every change is reported with its path (`panels[id=kpi].title`), for provenance.
//!
//! [`KeyedElements`] applies the same rules to one keyed array held apart from its document,
//! copying only what patches touch (the resolution's fast path); it is tested against
//! [`merge`] on whole documents.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

/// One change a patch made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Change {
    pub path: String,
    pub op: ChangeOp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Set,
    Delete,
    Add,
    Remove,
    Reorder,
}

/// Applies `patch` to `target` in place and returns the changes it made.
pub fn merge(target: &mut Value, patch: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    merge_at(target, patch, &mut String::new(), &mut changes);
    changes
}

/// The patched copy of `target`.
pub fn merged(target: &Value, patch: &Value) -> Value {
    let mut out = target.clone();
    merge(&mut out, patch);
    out
}

/// Records a change at the path being built.
fn record(changes: &mut Vec<Change>, path: &str, op: ChangeOp) {
    changes.push(Change {
        path: path.to_owned(),
        op,
    });
}

/// `path` is one buffer for the whole walk: each level appends its segment and cuts it off
/// again, so only recorded changes allocate.
fn merge_at(target: &mut Value, patch: &Value, path: &mut String, changes: &mut Vec<Change>) {
    match patch {
        Value::Object(patch_map) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let Value::Object(target_map) = target else {
                return;
            };
            for (key, value) in patch_map {
                merge_member(target_map, key, value, path, changes);
            }
        }
        Value::Array(patch_items) => match keyed_patch_field(patch_items, target) {
            Some((field, true)) => {
                if let Value::Array(items) = target {
                    merge_keyed(items, patch_items, field, path, changes);
                }
            }
            Some((field, false)) => {
                // A keyed patch landing where no keyed array is: its elements as they would be
                // added one by one, so that applying it again changes nothing.
                let mut items = Vec::new();
                merge_keyed(&mut items, patch_items, field, path, &mut Vec::new());
                let replacement = Value::Array(items);
                if *target != replacement {
                    *target = replacement;
                    record(changes, path, ChangeOp::Set);
                }
            }
            None => {
                if target != patch {
                    *target = patch.clone();
                    record(changes, path, ChangeOp::Set);
                }
            }
        },
        other => {
            if target != other {
                *target = other.clone();
                record(changes, path, ChangeOp::Set);
            }
        }
    }
}

/// One member of an object patch applied to the object.
fn merge_member(
    target_map: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    path: &mut String,
    changes: &mut Vec<Change>,
) {
    match target_map.get_mut(key) {
        Some(existing) if !value.is_null() => {
            let depth = path.len();
            push_member(path, key);
            merge_at(existing, value, path, changes);
            path.truncate(depth);
        }
        _ => {
            let mut slot = target_map.remove(key);
            merge_slot(&mut slot, key, value, path, changes);
            if let Some(member) = slot {
                target_map.insert(key.to_owned(), member);
            }
        }
    }
}

/// One member of an object patch applied to that member held apart (`None` when absent).
fn merge_slot(
    slot: &mut Option<Value>,
    key: &str,
    value: &Value,
    path: &mut String,
    changes: &mut Vec<Change>,
) {
    let depth = path.len();
    push_member(path, key);
    if value.is_null() {
        if slot.take().is_some() {
            record(changes, path, ChangeOp::Delete);
        }
    } else {
        merge_at(slot.get_or_insert(Value::Null), value, path, changes);
    }
    path.truncate(depth);
}

fn push_member(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

fn push_element(path: &mut String, field: &str, key: &str) {
    path.push('[');
    path.push_str(field);
    path.push('=');
    path.push_str(key);
    path.push(']');
}

/// A patch value as it lands where nothing was: `null` members dropped, keyed arrays built.
fn fresh(patch: &Value) -> Value {
    let mut value = Value::Null;
    merge_at(&mut value, patch, &mut String::new(), &mut Vec::new());
    value
}

fn item_key<'a>(item: &'a Value, field: &str) -> Option<&'a Value> {
    item.as_object()?
        .get(field)
        .filter(|v| v.is_string() || v.is_number())
}

/// A key's hash; a string and a number of the same text hash apart.
fn key_hash(key: &Value) -> u64 {
    let seed = if key.is_string() { 1 } else { 2 };
    xxhash_rust::xxh3::xxh3_64_with_seed(key_text(key).as_bytes(), seed)
}

/// A key as it reads in paths and `$order` lists: a string as it is, a number as written.
fn key_text(key: &Value) -> Cow<'_, str> {
    key.as_str()
        .map_or_else(|| Cow::Owned(key.to_string()), Cow::Borrowed)
}

/// The key field of a keyed patch array: every element is an object with that field (or an
/// `$order` directive), and at least one has it or the target is keyed by it. With it, whether
/// the target is an array whose elements all carry that field (an empty one does).
fn keyed_patch_field(patch_items: &[Value], target: &Value) -> Option<(&'static str, bool)> {
    ["id", "key"].into_iter().find_map(|field| {
        let target_items = target.as_array();
        let all_keyed =
            target_items.is_some_and(|items| items.iter().all(|i| item_key(i, field).is_some()));
        let target_keyed = all_keyed && target_items.is_some_and(|items| !items.is_empty());
        let keyed = (target_keyed || patch_items.iter().any(|p| item_key(p, field).is_some()))
            && patch_items.iter().all(|p| {
                item_key(p, field).is_some()
                    || p.as_object().is_some_and(|o| o.contains_key("$order"))
            });
        keyed.then_some((field, all_keyed))
    })
}

fn merge_keyed(
    items: &mut Vec<Value>,
    patch_items: &[Value],
    field: &str,
    path: &mut String,
    changes: &mut Vec<Change>,
) {
    let mut order: Option<Vec<String>> = None;
    // A hash of each element's key, kept beside it: finding an element compares numbers, and
    // only a matching hash is checked against the element itself.
    let mut keys: Vec<u64> = items
        .iter()
        .map(|i| item_key(i, field).map_or(0, key_hash))
        .collect();
    for patch in patch_items {
        if let Some(ids) = patch.get("$order").and_then(Value::as_array) {
            order = Some(ids.iter().map(|k| key_text(k).into_owned()).collect());
            continue;
        }
        let Some(key) = item_key(patch, field) else {
            continue;
        };
        let depth = path.len();
        push_element(path, field, &key_text(key));
        let hash = key_hash(key);
        let position = keys
            .iter()
            .enumerate()
            .position(|(i, k)| *k == hash && item_key(&items[i], field) == Some(key));
        let delete = patch.get("$delete").and_then(Value::as_bool) == Some(true);
        match (position, delete) {
            (Some(index), true) => {
                items.remove(index);
                keys.remove(index);
                record(changes, path, ChangeOp::Remove);
            }
            (None, true) => {}
            (Some(index), false) => merge_at(&mut items[index], patch, path, changes),
            (None, false) => {
                let mut element = fresh(patch);
                if let Some(map) = element.as_object_mut() {
                    map.remove("$delete");
                }
                items.push(element);
                keys.push(hash);
                record(changes, path, ChangeOp::Add);
            }
        }
        path.truncate(depth);
    }
    if let Some(order) = order {
        let before: Vec<String> = items
            .iter()
            .filter_map(|i| item_key(i, field).map(|k| key_text(k).into_owned()))
            .collect();
        let rank = |item: &Value| {
            item_key(item, field)
                .map(key_text)
                .and_then(|k| order.iter().position(|o| *o == k))
                .unwrap_or(usize::MAX)
        };
        // A stable sort keeps unlisted elements in their order, after the listed ones.
        items.sort_by_key(rank);
        let after: Vec<String> = items
            .iter()
            .filter_map(|i| item_key(i, field).map(|k| key_text(k).into_owned()))
            .collect();
        if before != after {
            record(changes, path, ChangeOp::Reorder);
        }
    }
}

/// The id-keyed array at one member of a document (a dashboard's `panels`), merged element
/// by element and member by member, so that what no patch touches is never copied. For the
/// patches it [takes](Self::takes), [`merge`](Self::merge) gives the same document and
/// reports the same changes, in the same order, as [`merge`](fn@merge) on the whole document.
#[derive(Debug)]
pub struct KeyedElements<'a> {
    member: &'a str,
    base: &'a [Value],
    /// Each base element's position, by its `id`.
    index: &'a HashMap<String, usize>,
    /// For each base element, the members patches touched, as they now are.
    touched: Vec<Option<Members>>,
    /// Whether each base element is still there.
    kept: Vec<bool>,
    /// Elements patches added (`None` once removed again).
    added: Vec<Option<Value>>,
    /// The elements there, in order.
    order: Vec<Slot>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Base(usize),
    Added(usize),
}

/// Members of an object as patches left them: `None` for one removed.
pub type Members = BTreeMap<String, Option<Value>>;

/// An element of the merged array.
#[derive(Debug, PartialEq)]
pub enum Element<'a> {
    /// The base element at that position, untouched.
    Base(usize, &'a Value),
    /// The base element at that position with the members patches touched; the others are
    /// the base element's.
    Patched(usize, &'a Value, Members),
    /// An element as a whole value (one a patch added).
    Whole(Value),
}

impl Element<'_> {
    /// One member of the element as merged.
    pub fn member(&self, key: &str) -> Option<&Value> {
        match self {
            Element::Base(_, base) => base.get(key),
            Element::Patched(_, base, members) => match members.get(key) {
                Some(member) => member.as_ref(),
                None => base.get(key),
            },
            Element::Whole(value) => value.get(key),
        }
    }

    /// The element's members as merged, in no particular order.
    pub fn members(&self) -> impl Iterator<Item = (&str, &Value)> {
        let (base, touched) = match self {
            Element::Base(_, base) => (*base, None),
            Element::Patched(_, base, members) => (*base, Some(members)),
            Element::Whole(value) => (value, None),
        };
        let kept = base
            .as_object()
            .into_iter()
            .flatten()
            .filter(move |(key, _)| touched.is_none_or(|t| !t.contains_key(*key)));
        let changed = touched
            .into_iter()
            .flatten()
            .filter_map(|(key, member)| Some((key, member.as_ref()?)));
        kept.chain(changed)
            .map(|(key, value)| (key.as_str(), value))
    }

    /// The element as merged.
    pub fn into_value(self) -> Value {
        match self {
            Element::Base(_, base) => base.clone(),
            Element::Patched(_, base, members) => {
                let mut map = base.as_object().cloned().unwrap_or_default();
                for (key, member) in members {
                    match member {
                        Some(value) => map.insert(key, value),
                        None => map.remove(&key),
                    };
                }
                Value::Object(map)
            }
            Element::Whole(value) => value,
        }
    }
}

impl<'a> KeyedElements<'a> {
    /// `base` is the array at `member`; every element is an object with a string `id`,
    /// `index` gives their positions.
    pub fn new(member: &'a str, base: &'a [Value], index: &'a HashMap<String, usize>) -> Self {
        Self {
            member,
            base,
            index,
            touched: vec![None; base.len()],
            kept: vec![true; base.len()],
            added: Vec::new(),
            order: (0..base.len()).map(Slot::Base).collect(),
        }
    }

    /// Whether `patch` is an object whose `member`, if present, is an array of objects that
    /// each carry a string `id` (and, if any, `"$delete": true`) or are an `$order` list.
    pub fn takes(&self, patch: &Value) -> bool {
        let Some(map) = patch.as_object() else {
            return false;
        };
        match map.get(self.member) {
            None => true,
            Some(Value::Array(items)) => items.iter().all(|item| {
                item.as_object().is_some_and(|o| match o.get("$order") {
                    Some(order) => order.is_array(),
                    None => {
                        o.get("id").is_some_and(Value::is_string)
                            && o.get("$delete").is_none_or(|d| *d == Value::Bool(true))
                    }
                })
            }),
            Some(_) => false,
        }
    }

    /// Applies `patch` (one [taken](Self::takes)): its `member` here, element by element, the
    /// rest of it to `rest`, the document without that member. `None` when the array has
    /// become empty and the patch names no element: the whole merge replaces the array then,
    /// which this does not follow (and nothing here is to be used any more).
    pub fn merge(&mut self, rest: &mut Map<String, Value>, patch: &Value) -> Option<Vec<Change>> {
        debug_assert!(self.takes(patch));
        let mut changes = Vec::new();
        let mut path = String::new();
        let patch_map = patch.as_object()?;
        for (key, value) in patch_map {
            if key != self.member {
                merge_member(rest, key, value, &mut path, &mut changes);
                continue;
            }
            let items = value.as_array().map_or(&[][..], Vec::as_slice);
            if self.order.is_empty() && !items.iter().any(|i| i.get("id").is_some()) {
                return None;
            }
            push_member(&mut path, key);
            let mut reorder: Option<Vec<String>> = None;
            for element in items {
                if let Some(ids) = element.get("$order").and_then(Value::as_array) {
                    reorder = Some(ids.iter().map(|k| key_text(k).into_owned()).collect());
                    continue;
                }
                let (Some(id), Some(element_map)) = (
                    element.get("id").and_then(Value::as_str),
                    element.as_object(),
                ) else {
                    continue;
                };
                let depth = path.len();
                push_element(&mut path, "id", id);
                let delete = element_map.contains_key("$delete");
                match (self.find(id), delete) {
                    (Some(slot), true) => {
                        self.order.retain(|s| *s != slot);
                        match slot {
                            Slot::Base(i) => self.kept[i] = false,
                            Slot::Added(a) => self.added[a] = None,
                        }
                        record(&mut changes, &path, ChangeOp::Remove);
                    }
                    (None, true) => {}
                    (Some(Slot::Base(i)), false) => {
                        let base = &self.base[i];
                        let touched = self.touched[i].get_or_insert_with(Members::new);
                        for (key, value) in element_map {
                            if let Some(slot) = touched.get_mut(key) {
                                merge_slot(slot, key, value, &mut path, &mut changes);
                                continue;
                            }
                            let current = base.get(key);
                            // A scalar replaces and `null` removes: the base member is compared
                            // in place, and nothing is copied unless it changes.
                            let op = match value {
                                Value::Object(_) | Value::Array(_) => {
                                    let slot =
                                        touched.entry(key.clone()).or_insert(current.cloned());
                                    merge_slot(slot, key, value, &mut path, &mut changes);
                                    continue;
                                }
                                Value::Null if current.is_some() => ChangeOp::Delete,
                                Value::Null => continue,
                                _ if current == Some(value) => continue,
                                _ => ChangeOp::Set,
                            };
                            let member = (op == ChangeOp::Set).then(|| value.clone());
                            touched.insert(key.clone(), member);
                            let depth = path.len();
                            push_member(&mut path, key);
                            record(&mut changes, &path, op);
                            path.truncate(depth);
                        }
                    }
                    (Some(Slot::Added(a)), false) => {
                        if let Some(added) = &mut self.added[a] {
                            merge_at(added, element, &mut path, &mut changes);
                        }
                    }
                    (None, false) => {
                        self.order.push(Slot::Added(self.added.len()));
                        self.added.push(Some(fresh(element)));
                        record(&mut changes, &path, ChangeOp::Add);
                    }
                }
                path.truncate(depth);
            }
            if let Some(listed) = reorder {
                self.reorder(&listed, &path, &mut changes);
            }
            path.clear();
        }
        Some(changes)
    }

    /// Where the element with this id is, if it is there.
    fn find(&self, id: &str) -> Option<Slot> {
        match self.index.get(id) {
            Some(&i) if self.kept[i] => Some(Slot::Base(i)),
            _ => self
                .added
                .iter()
                .position(|a| a.as_ref().is_some_and(|v| v["id"] == id))
                .map(Slot::Added),
        }
    }

    /// `$order`: the listed ids first, in that order; the others after them, as they were.
    fn reorder(&mut self, listed: &[String], path: &str, changes: &mut Vec<Change>) {
        let id = |slot: &Slot| {
            match slot {
                Slot::Base(i) => self.base[*i].get("id"),
                Slot::Added(a) => self.added[*a].as_ref().and_then(|v| v.get("id")),
            }
            .and_then(Value::as_str)
        };
        let rank = |slot: &Slot| {
            id(slot)
                .and_then(|id| listed.iter().position(|l| l == id))
                .unwrap_or(usize::MAX)
        };
        let mut ranked: Vec<(usize, Slot)> = self.order.iter().map(|s| (rank(s), *s)).collect();
        // Stable: the unlisted keep their order.
        ranked.sort_by_key(|(rank, _)| *rank);
        let order: Vec<Slot> = ranked.into_iter().map(|(_, slot)| slot).collect();
        if order != self.order {
            self.order = order;
            record(changes, path, ChangeOp::Reorder);
        }
    }

    /// The merged array, in order.
    pub fn finish(mut self) -> Vec<Element<'a>> {
        let base = self.base;
        self.order
            .iter()
            .filter_map(|slot| match *slot {
                Slot::Base(i) => Some(match self.touched[i].take() {
                    Some(members) if !members.is_empty() => Element::Patched(i, &base[i], members),
                    _ => Element::Base(i, &base[i]),
                }),
                Slot::Added(a) => self.added[a].take().map(Element::Whole),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// RFC 7386, Appendix A: every example.
    #[test]
    fn rfc_7386_appendix_examples() {
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (target, patch, expected) in cases {
            assert_eq!(merged(&target, &patch), expected, "{target} + {patch}");
        }
    }

    fn panels() -> Value {
        json!({"panels": [
            {"id": "a", "title": "A", "display": {"unit": "₹"}},
            {"id": "b", "title": "B"},
            {"id": "c", "title": "C"}
        ]})
    }

    #[test]
    fn keyed_arrays_merge_add_remove_and_reorder_by_id() {
        let cases = [
            // Merge into one element by id; the others stay.
            (
                json!({"panels": [{"id": "b", "title": "Bee", "display": {"unit": "%"}}]}),
                json!({"panels": [
                    {"id": "a", "title": "A", "display": {"unit": "₹"}},
                    {"id": "b", "title": "Bee", "display": {"unit": "%"}},
                    {"id": "c", "title": "C"}
                ]}),
            ),
            // Null deletes inside an element; an unknown id is appended.
            (
                json!({"panels": [{"id": "a", "display": null}, {"id": "d", "title": "D", "x": null}]}),
                json!({"panels": [
                    {"id": "a", "title": "A"}, {"id": "b", "title": "B"}, {"id": "c", "title": "C"},
                    {"id": "d", "title": "D"}
                ]}),
            ),
            // Removal, and removal of something absent (nothing happens).
            (
                json!({"panels": [{"id": "b", "$delete": true}, {"id": "zz", "$delete": true}]}),
                json!({"panels": [{"id": "a", "title": "A", "display": {"unit": "₹"}}, {"id": "c", "title": "C"}]}),
            ),
            // Reordering: listed ids first, the rest keep their order.
            (
                json!({"panels": [{"$order": ["c", "a"]}]}),
                json!({"panels": [
                    {"id": "c", "title": "C"}, {"id": "a", "title": "A", "display": {"unit": "₹"}},
                    {"id": "b", "title": "B"}
                ]}),
            ),
            // A plain array in the patch replaces a keyed one.
            (json!({"panels": ["x"]}), json!({"panels": ["x"]})),
        ];
        for (patch, expected) in cases {
            assert_eq!(merged(&panels(), &patch), expected, "{patch}");
        }
        // `key` works like `id`.
        let columns = json!([{"key": "zone", "label": "Zone"}, {"key": "sales"}]);
        assert_eq!(
            merged(&columns, &json!([{"key": "zone", "label": "Region"}])),
            json!([{"key": "zone", "label": "Region"}, {"key": "sales"}])
        );
    }

    #[test]
    fn later_layers_win_conflicts_and_changes_are_reported() {
        let mut config = panels();
        let first = merge(
            &mut config,
            &json!({"panels": [{"id": "a", "title": "First"}], "currency": "INR"}),
        );
        let second = merge(
            &mut config,
            &json!({"panels": [{"id": "a", "title": "Second"}, {"id": "b", "$delete": true}]}),
        );
        assert_eq!(config["panels"][0]["title"], "Second");
        assert_eq!(config["currency"], "INR");
        assert_eq!(
            first,
            // Object keys are visited in sorted order.
            vec![
                Change {
                    path: "currency".into(),
                    op: ChangeOp::Set
                },
                Change {
                    path: "panels[id=a].title".into(),
                    op: ChangeOp::Set
                },
            ]
        );
        assert_eq!(
            second[1],
            Change {
                path: "panels[id=b]".into(),
                op: ChangeOp::Remove
            }
        );
        // A patch that changes nothing reports nothing.
        assert!(merge(&mut config, &json!({"currency": "INR"})).is_empty());
    }

    #[test]
    fn keyed_elements_are_found_by_key_as_the_array_changes() {
        let target = json!({"rows": [{"id": "1", "v": "text"}, {"id": 1, "v": "number"}]});
        let cases = [
            // A string key and a number key are different elements.
            (
                json!({"rows": [{"id": 1, "v": "n"}]}),
                json!({"rows": [{"id": "1", "v": "text"}, {"id": 1, "v": "n"}]}),
            ),
            // An element added by a patch is found by a later element of the same patch.
            (
                json!({"rows": [{"id": "x", "v": 1}, {"id": "x", "w": 2}]}),
                json!({"rows": [{"id": "1", "v": "text"}, {"id": 1, "v": "number"}, {"id": "x", "v": 1, "w": 2}]}),
            ),
            // After a removal, the elements behind it are still found.
            (
                json!({"rows": [{"id": "1", "$delete": true}, {"id": 1, "v": "moved up"}, {"id": "1", "v": "back"}]}),
                json!({"rows": [{"id": 1, "v": "moved up"}, {"id": "1", "v": "back"}]}),
            ),
        ];
        for (patch, expected) in cases {
            assert_eq!(merged(&target, &patch), expected, "{patch}");
        }
        // Paths name the element and nest below it.
        let mut config = json!({"panels": [{"id": "a", "display": {"unit": "₹"}}]});
        let changes = merge(
            &mut config,
            &json!({"panels": [{"id": "a", "display": {"unit": "%", "format": "compact"}}]}),
        );
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            ["panels[id=a].display.format", "panels[id=a].display.unit"]
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-100i64..100).prop_map(|n| json!(n)),
            "[a-c]{0,2}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-d]", inner.clone(), 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                prop::collection::vec(("[a-d]", inner), 0..4).prop_map(|items| {
                    Value::Array(
                        items
                            .into_iter()
                            .map(|(id, v)| json!({"id": id, "v": v}))
                            .collect(),
                    )
                }),
            ]
        })
    }

    /// A document with keyed `panels` (ids `p0`…) and members sorted before and after it.
    fn keyed_document() -> impl Strategy<Value = Value> {
        let members = || prop::collection::btree_map("[abqz]", json_value(), 0..3);
        (members(), prop::collection::vec(members(), 1..5)).prop_map(|(rest, panels)| {
            let mut doc: Map<String, Value> = rest.into_iter().collect();
            let panels = panels.into_iter().enumerate().map(|(i, members)| {
                let mut panel: Map<String, Value> = members.into_iter().collect();
                panel.insert("id".into(), json!(format!("p{i}")));
                Value::Object(panel)
            });
            doc.insert("panels".into(), Value::Array(panels.collect()));
            Value::Object(doc)
        })
    }

    /// Patches the split merge takes: members, and panel elements by id (some new), some
    /// removing their element, some `$order` lists.
    fn keyed_patch() -> impl Strategy<Value = Value> {
        let members = || prop::collection::btree_map("[abqz]", json_value(), 0..3);
        let element = prop_oneof![
            4 => (0..7usize, members()).prop_map(|(i, members)| {
                let mut element: Map<String, Value> = members.into_iter().collect();
                element.insert("id".into(), json!(format!("p{i}")));
                Value::Object(element)
            }),
            1 => (0..7usize).prop_map(|i| json!({"id": format!("p{i}"), "$delete": true})),
            1 => prop::collection::vec(0..7usize, 0..4)
                .prop_map(|ids| json!({"$order": ids.iter().map(|i| format!("p{i}")).collect::<Vec<_>>()})),
        ];
        (
            members(),
            prop::option::of(prop::collection::vec(element, 0..5)),
        )
            .prop_map(|(rest, panels)| {
                let mut patch: Map<String, Value> = rest.into_iter().collect();
                if let Some(panels) = panels {
                    patch.insert("panels".into(), Value::Array(panels));
                }
                Value::Object(patch)
            })
    }

    #[test]
    fn the_split_merge_leaves_replacements_to_the_whole_merge() {
        let base = vec![json!({"id": "a"})];
        let index = HashMap::from([("a".to_owned(), 0)]);
        let mut split = KeyedElements::new("panels", &base, &index);
        for patch in [
            json!({"currency": "INR", "panels": [{"id": "a", "title": "A"}]}),
            json!({"panels": [{"id": "b", "$delete": true}, {"$order": ["b", "a"]}]}),
        ] {
            assert!(split.takes(&patch), "{patch}");
        }
        for patch in [
            json!({"panels": [{"id": "a", "$delete": false}]}),
            json!({"panels": [{"$order": "a"}]}),
            json!({"panels": [{"id": 1, "title": "number key"}]}),
            json!({"panels": [{"key": "a"}]}),
            json!({"panels": ["x"]}),
            json!({"panels": null}),
            json!({"panels": {"id": "a"}}),
            json!(["not", "an", "object"]),
        ] {
            assert!(!split.takes(&patch), "{patch}");
        }
        // Once every element is gone, a patch naming none replaces the array in the whole merge.
        let mut rest = Map::new();
        let removal = json!({"panels": [{"id": "a", "$delete": true}]});
        assert!(split.merge(&mut rest, &removal).is_some());
        let order_only = json!({"panels": [{"$order": ["a"]}]});
        assert!(split.takes(&order_only));
        assert!(split.merge(&mut rest, &order_only).is_none());
    }

    proptest! {
        #[test]
        fn the_split_merge_equals_the_whole_merge(
            doc in keyed_document(),
            patches in prop::collection::vec(keyed_patch(), 1..4),
        ) {
            let base = doc["panels"].as_array().unwrap().clone();
            let index: HashMap<String, usize> = base
                .iter()
                .enumerate()
                .map(|(i, p)| (p["id"].as_str().unwrap().to_owned(), i))
                .collect();
            let mut rest = doc.as_object().unwrap().clone();
            rest.remove("panels");
            let mut split = KeyedElements::new("panels", &base, &index);
            let mut whole = doc.clone();
            for patch in &patches {
                prop_assert!(split.takes(patch));
                let expected = merge(&mut whole, patch);
                match split.merge(&mut rest, patch) {
                    Some(changes) => prop_assert_eq!(changes, expected),
                    // Emptied, and replaced in the whole merge: nothing left to compare.
                    None => return Ok(()),
                }
            }
            let panels: Vec<Value> = split
                .finish()
                .into_iter()
                .map(Element::into_value)
                .collect();
            rest.insert("panels".into(), Value::Array(panels));
            prop_assert_eq!(Value::Object(rest), whole);
        }

        #[test]
        fn an_empty_patch_changes_nothing(target in json_value()) {
            let mut patched = target.clone();
            let changes = merge(&mut patched, &json!({}));
            if target.is_object() {
                prop_assert_eq!(&patched, &target);
                prop_assert!(changes.is_empty());
            }
        }

        #[test]
        fn applying_a_patch_twice_equals_once(target in json_value(), patch in json_value()) {
            let once = merged(&target, &patch);
            let twice = merged(&once, &patch);
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn merging_is_deterministic(target in json_value(), patch in json_value()) {
            prop_assert_eq!(merged(&target, &patch), merged(&target, &patch));
        }
    }
}
