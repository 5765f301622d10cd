//! The audit ledger's entries: who changed what, when, and why, hash-chained so that an edit or
//! removal anywhere in the history is detectable.
//!
//! Each entry's hash covers its content and the previous entry's hash. The store appends
//! entries in the same transaction as the change they describe, and never rewrites them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a caller records: the change, without its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// A user id, an API key id, or `system:<part>` for the appliance itself.
    pub actor: String,
    pub tenant: Option<String>,
    /// `<object>.<verb>`, e.g. `tenant.create`.
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEvent {
    /// An event with no reason or before/after images; add them with the methods below.
    pub fn new(actor: &str, tenant: Option<&str>, action: &str, target: &str) -> Self {
        Self {
            actor: actor.to_owned(),
            tenant: tenant.map(str::to_owned),
            action: action.to_owned(),
            target: target.to_owned(),
            reason: None,
            before: None,
            after: None,
        }
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn before(mut self, before: &impl Serialize) -> Self {
        self.before = serde_json::to_value(before).ok();
        self
    }

    pub fn after(mut self, after: &impl Serialize) -> Self {
        self.after = serde_json::to_value(after).ok();
        self
    }
}

/// A sealed entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Places an event in the chain after `prev_hash` and computes its hash.
    pub fn seal(event: AuditEvent, seq: u64, at: DateTime<Utc>, prev_hash: &str) -> Self {
        let mut entry = AuditEntry {
            seq,
            at,
            event,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    fn compute_hash(&self) -> String {
        // serde_json writes object keys in sorted order, so the same content always gives the
        // same bytes.
        let content = serde_json::json!({
            "seq": self.seq,
            "at": self.at,
            "event": self.event,
        });
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(content.to_string().as_bytes());
        crate::digest::hex(&hasher.finalize())
    }
}

/// Where a ledger stops being intact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit entry {seq} does not match its hash")]
    Tampered { seq: u64 },
    #[error("audit entry {seq} does not follow the entry before it")]
    Broken { seq: u64 },
}

/// Checks that entries, in order from the first, form an unbroken chain from [`GENESIS`].
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<(), ChainError> {
    let mut prev_hash = GENESIS.to_owned();
    for (expected_seq, entry) in (1..).zip(entries) {
        if entry.seq != expected_seq || entry.prev_hash != prev_hash {
            return Err(ChainError::Broken { seq: entry.seq });
        }
        if entry.compute_hash() != entry.hash {
            return Err(ChainError::Tampered { seq: entry.seq });
        }
        prev_hash.clone_from(&entry.hash);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut entries: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let prev = entries
                .last()
                .map_or(GENESIS, |e| e.hash.as_str())
                .to_owned();
            let event = AuditEvent {
                actor: "system:test".into(),
                tenant: Some("WK-TEST00001".into()),
                action: "thing.update".into(),
                target: format!("thing-{seq}"),
                reason: Some("because".into()),
                before: None,
                after: Some(serde_json::json!({"n": seq})),
            };
            entries.push(AuditEntry::seal(event, seq, Utc::now(), &prev));
        }
        entries
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(()));
        assert_eq!(verify_chain(&[]), Ok(()));
    }

    #[test]
    fn edits_removals_and_reordering_are_detected() {
        let mut edited = chain(5);
        edited[2].event.after = Some(serde_json::json!({"n": 99}));
        assert_eq!(verify_chain(&edited), Err(ChainError::Tampered { seq: 3 }));

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(verify_chain(&removed), Err(ChainError::Broken { seq: 3 }));

        let mut swapped = chain(5);
        swapped.swap(3, 4);
        assert_eq!(verify_chain(&swapped), Err(ChainError::Broken { seq: 5 }));

        // Rewriting an entry with a fresh hash still breaks the link to the next one.
        let mut resealed = chain(5);
        resealed[1].event.target = "forged".into();
        resealed[1].hash = resealed[1].compute_hash();
        assert_eq!(verify_chain(&resealed), Err(ChainError::Broken { seq: 3 }));
    }
}
