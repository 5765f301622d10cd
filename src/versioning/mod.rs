//! Versioning: the pure rules behind templates, versions, overrides and experiments — merging
//! layers, comparing configurations, the lifecycle state machine, override scopes and their
//! order, and sticky experiment buckets. No storage and no HTTP: `appliance/templates.rs`
//! combines these with the store to resolve what each person is served.

pub mod compat;
pub mod merge;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

/// A version's lifecycle: draft → review → published → deprecated → archived; a deprecated
/// version may be published again; archived is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Review,
    Published,
    Deprecated,
    Archived,
}

impl VersionState {
    pub fn can_become(self, next: Self) -> bool {
        use VersionState::*;
        matches!(
            (self, next),
            (Draft, Review)
                | (Review, Published)
                | (Published, Deprecated)
                | (Deprecated, Published)
                | (Deprecated, Archived)
        )
    }
}

/// Who an override is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct OverrideScope {
    /// `tenant`, `role`, `zone`, `user`, or `attribute:<name>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// The caller's context overrides are matched against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Context {
    pub tenant: String,
    pub user: String,
    pub email: String,
    pub role: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

impl OverrideScope {
    /// Checks the scope's shape.
    pub fn check(&self) -> Result<(), String> {
        let known = matches!(self.kind.as_str(), "tenant" | "role" | "zone" | "user")
            || self
                .kind
                .strip_prefix("attribute:")
                .is_some_and(|name| !name.is_empty());
        if !known {
            return Err(format!(
                "scope type `{}` is not one of tenant, role, zone, user, attribute:<name>",
                self.kind
            ));
        }
        if self.value.trim().is_empty() {
            return Err("a scope needs a value".into());
        }
        Ok(())
    }

    pub fn matches(&self, context: &Context) -> bool {
        match self.kind.as_str() {
            "tenant" => self.value == context.tenant || self.value == "*",
            "role" => context.role.as_deref() == Some(self.value.as_str()),
            "zone" => context.attributes.get("zone") == Some(&self.value),
            "user" => self.value == context.user || self.value.eq_ignore_ascii_case(&context.email),
            other => other
                .strip_prefix("attribute:")
                .is_some_and(|name| context.attributes.get(name) == Some(&self.value)),
        }
    }

    /// The documented default order when no explicit priority is given: tenant < attribute <
    /// zone < role < user (a higher number is applied later and wins).
    pub fn default_priority(&self) -> i32 {
        match self.kind.as_str() {
            "tenant" => 100,
            "zone" => 300,
            "role" => 400,
            "user" => 500,
            _ => 200,
        }
    }
}

/// A user's sticky position in an experiment, 0 to 9,999: the same seed and user always give
/// the same bucket, and buckets spread evenly.
pub fn bucket(seed: &str, user: &str) -> u32 {
    let digest = Sha256::digest(format!("{seed}\u{0}{user}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % 10_000) as u32
}

/// The arm a bucket falls in, given weights in percent taken in order (the rest of the
/// audience, if the weights sum below 100, gets `None`: the published version). Raising an
/// arm's weight only moves users from later arms or from the rest into it.
pub fn arm_for(bucket: u32, weights: &[f64]) -> Option<usize> {
    let mut upper = 0.0;
    for (index, weight) in weights.iter().enumerate() {
        upper += weight * 100.0;
        if f64::from(bucket) < upper {
            return Some(index);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_the_documented_moves() {
        use VersionState::*;
        let all = [Draft, Review, Published, Deprecated, Archived];
        let allowed: Vec<(VersionState, VersionState)> = all
            .iter()
            .flat_map(|a| all.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.can_become(*b))
            .collect();
        assert_eq!(
            allowed,
            [
                (Draft, Review),
                (Review, Published),
                (Published, Deprecated),
                (Deprecated, Published),
                (Deprecated, Archived)
            ]
        );
    }

    #[test]
    fn buckets_are_sticky_and_near_the_split_and_widening_only_adds() {
        let users: Vec<String> = (0..10_000).map(|i| format!("US-{i:06}")).collect();
        let in_arm = |weight: f64| -> Vec<bool> {
            users
                .iter()
                .map(|u| arm_for(bucket("exp-1", u), &[weight]) == Some(0))
                .collect()
        };
        let ten = in_arm(10.0);
        let fifty = in_arm(50.0);
        let share = |v: &[bool]| v.iter().filter(|x| **x).count() as f64 / v.len() as f64;
        assert!((share(&ten) - 0.10).abs() < 0.015, "{}", share(&ten));
        assert!((share(&fifty) - 0.50).abs() < 0.02, "{}", share(&fifty));
        assert!(
            ten.iter().zip(&fifty).all(|(t, f)| !t || *f),
            "widening dropped a user"
        );
        assert_eq!(bucket("exp-1", "US-000001"), bucket("exp-1", "US-000001"));
        assert_ne!(
            (0..50)
                .map(|i| bucket("a", &i.to_string()))
                .collect::<Vec<_>>(),
            (0..50)
                .map(|i| bucket("b", &i.to_string()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn scopes_match_the_context() {
        let context = Context {
            tenant: "WK-1".into(),
            user: "US-1".into(),
            email: "n@x.example".into(),
            role: Some("sales_manager".into()),
            attributes: [
                ("zone".to_owned(), "NORTH".to_owned()),
                ("region".to_owned(), "N1".to_owned()),
            ]
            .into(),
        };
        let scope = |kind: &str, value: &str| OverrideScope {
            kind: kind.into(),
            value: value.into(),
        };
        assert!(scope("tenant", "WK-1").matches(&context));
        assert!(scope("role", "sales_manager").matches(&context));
        assert!(!scope("role", "executive").matches(&context));
        assert!(scope("zone", "NORTH").matches(&context));
        assert!(scope("user", "N@X.example").matches(&context));
        assert!(scope("attribute:region", "N1").matches(&context));
        assert!(!scope("attribute:region", "N2").matches(&context));
        assert!(scope("galaxy", "x").check().is_err());
        assert!(scope("tenant", "WK-1").default_priority() < scope("zone", "N").default_priority());
        assert!(scope("zone", "N").default_priority() < scope("role", "r").default_priority());
        assert!(scope("role", "r").default_priority() < scope("user", "u").default_priority());
    }
}
