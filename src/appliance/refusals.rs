//! Refusals and failed sign-ins, coalesced before they reach the audit ledger.
//!
//! Each one deserves a trace, but a caller repeating a refused request (or guessing passwords)
//! must not be able to write one fsync'd entry per attempt until the disk fills. So the first
//! occurrence of a refusal — same actor, workspace, action, target and reason — is written at
//! once; repeats within [`WINDOW`] are only counted, and the next entry for it (the first after
//! the window, or the flush at shutdown) says in `after.occurrences` how many refusals it
//! stands for and since when (an entry without it stands for one).
//! Fields are cut to [`MAX_FIELD`] characters, so a 2 MB email or a 64 KB path segment costs
//! the ledger no more than a short one. At most [`TRACKED`] distinct refusals are followed at
//! once; one pushed out with repeats still counted is written as it leaves. And however many
//! distinct refusals arrive, at most a budget of entries (`--audit-refusals-per-minute`, by
//! default [`BUDGET`]) is written per window: past it they
//! are only counted, and one `audit.suppressed` entry says how many when the next window opens.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::audit::AuditEvent;

/// Repeats of one refusal within this window share an entry.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Characters kept of a target, a reason or an actor.
pub const MAX_FIELD: usize = 256;
/// Distinct refusals followed at once.
pub const TRACKED: usize = 10_000;
/// Refusal entries written per window, all refusals together, unless configured otherwise.
pub const BUDGET: u64 = 1_000;

/// Who was refused what: the identity of a refusal for coalescing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RefusalKey {
    actor: String,
    tenant: Option<String>,
    action: String,
    target: String,
    reason: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    written_at: Instant,
    /// Repeats since the last written entry, and when the first of them happened.
    repeats: u64,
    first_repeat: Option<DateTime<Utc>>,
}

/// Counts repeated refusals between the entries written for them.
pub struct Refusals {
    seen: lru::LruCache<RefusalKey, Seen>,
    /// The current budget window: when it opened, entries written in it, refusals dropped.
    window_start: Option<Instant>,
    written: u64,
    suppressed: u64,
    budget: u64,
}

impl Default for Refusals {
    fn default() -> Self {
        Self::new(BUDGET)
    }
}

impl Refusals {
    /// Writes at most `budget` entries per window.
    pub fn new(budget: u64) -> Self {
        Self {
            seen: lru::LruCache::new(NonZeroUsize::new(TRACKED).expect("non-zero")),
            window_start: None,
            written: 0,
            suppressed: 0,
            budget,
        }
    }
}

/// `text` cut to [`MAX_FIELD`] characters, marked when cut.
pub fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_FIELD) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// `event` standing for `occurrences` refusals, the first of them at `since`: an entry without
/// `after` stands for one.
fn standing_for(
    mut event: AuditEvent,
    occurrences: u64,
    since: Option<DateTime<Utc>>,
) -> AuditEvent {
    if occurrences != 1 {
        event.after = Some(serde_json::json!({
            "occurrences": occurrences,
            "since": since.map(|at| at.to_rfc3339()),
        }));
    }
    event
}

impl Refusals {
    /// What to write for this refusal now: the event (with the repeats folded into it since
    /// the last entry), an entry for a refusal pushed out of the table, a note of refusals the
    /// budget dropped, or nothing when it repeats within the window.
    pub fn record(&mut self, event: AuditEvent, now: Instant) -> Vec<AuditEvent> {
        let event = AuditEvent {
            actor: bounded(&event.actor),
            target: bounded(&event.target),
            reason: event.reason.as_deref().map(bounded),
            ..event
        };
        let key = RefusalKey {
            actor: event.actor.clone(),
            tenant: event.tenant.clone(),
            action: event.action.clone(),
            target: event.target.clone(),
            reason: event.reason.clone(),
        };
        let fresh = Seen {
            written_at: now,
            repeats: 0,
            first_repeat: None,
        };
        let mut out = Vec::new();
        match self.seen.get_mut(&key) {
            Some(seen) if now.duration_since(seen.written_at) < WINDOW => {
                seen.repeats += 1;
                seen.first_repeat.get_or_insert_with(Utc::now);
                return out;
            }
            Some(seen) => {
                let pending = *seen;
                *seen = fresh;
                // This one and the repeats counted since the last entry.
                out.push(standing_for(
                    event,
                    pending.repeats + 1,
                    pending.first_repeat,
                ));
            }
            None => {
                if let Some((old_key, old)) = self.seen.push(key, fresh)
                    && old.repeats > 0
                {
                    out.push(standing_for(
                        Self::event_of(old_key),
                        old.repeats,
                        old.first_repeat,
                    ));
                }
                out.push(event);
            }
        }
        self.within_budget(out, now)
    }

    /// Keeps the entries within the window's budget, counting the rest.
    fn within_budget(&mut self, mut out: Vec<AuditEvent>, now: Instant) -> Vec<AuditEvent> {
        let start = *self.window_start.get_or_insert(now);
        if now.duration_since(start) >= WINDOW {
            self.window_start = Some(now);
            self.written = 0;
            if self.suppressed > 0 {
                out.insert(0, self.suppressed_note());
            }
        }
        let room = usize::try_from(self.budget.saturating_sub(self.written)).unwrap_or(usize::MAX);
        if out.len() > room {
            self.suppressed += (out.len() - room) as u64;
            out.truncate(room);
        }
        self.written += out.len() as u64;
        out
    }

    fn suppressed_note(&mut self) -> AuditEvent {
        let count = std::mem::take(&mut self.suppressed);
        AuditEvent::new("system:audit", None, "audit.suppressed", "refusals").reason(format!(
            "{count} refusals or failed sign-ins were not recorded one by one: more than {} arrived within {} s",
            self.budget,
            WINDOW.as_secs()
        ))
    }

    fn event_of(key: RefusalKey) -> AuditEvent {
        AuditEvent {
            actor: key.actor,
            tenant: key.tenant,
            action: key.action,
            target: key.target,
            reason: key.reason,
            before: None,
            after: None,
        }
    }

    /// Entries for every repeat still only counted, and for what the budget dropped (at
    /// shutdown).
    pub fn drain(&mut self) -> Vec<AuditEvent> {
        let mut out = Vec::new();
        if self.suppressed > 0 {
            out.push(self.suppressed_note());
        }
        while let Some((key, seen)) = self.seen.pop_lru() {
            if seen.repeats > 0 {
                out.push(standing_for(
                    Self::event_of(key),
                    seen.repeats,
                    seen.first_repeat,
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deny(target: &str) -> AuditEvent {
        AuditEvent::new("US-1", Some("WK-1"), "access.deny", target).reason("no")
    }

    #[test]
    fn repeats_within_the_window_share_one_entry_that_counts_them() {
        let mut refusals = Refusals::default();
        let start = Instant::now();
        assert_eq!(refusals.record(deny("x"), start).len(), 1);
        for i in 1..=99 {
            assert!(
                refusals
                    .record(deny("x"), start + Duration::from_millis(i))
                    .is_empty()
            );
        }
        // Another target is its own refusal.
        assert_eq!(refusals.record(deny("y"), start).len(), 1);
        let later = refusals.record(deny("x"), start + WINDOW);
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].after.as_ref().unwrap()["occurrences"], 100);
        assert!(
            refusals.drain().is_empty(),
            "nothing pending after the entry"
        );
    }

    #[test]
    fn fields_are_bounded_and_pending_repeats_are_written_at_shutdown() {
        let mut refusals = Refusals::default();
        let huge = "a".repeat(64 * 1024);
        let now = Instant::now();
        let written = refusals.record(deny(&huge), now);
        assert!(written[0].target.chars().count() <= MAX_FIELD + 1);
        refusals.record(deny(&huge), now);
        let pending = refusals.drain();
        assert_eq!(pending.len(), 1);
        // It stands for the one repeat: an entry without `after` stands for one.
        assert!(pending[0].after.is_none(), "{:?}", pending[0].after);
    }

    #[test]
    fn the_table_is_bounded_and_a_refusal_leaving_it_keeps_its_count() {
        let mut refusals = Refusals::default();
        let now = Instant::now();
        for _ in 0..3 {
            refusals.record(deny("first"), now);
        }
        let mut written = Vec::new();
        for i in 0..TRACKED {
            // Spread over windows so the budget does not hide what is checked here.
            let at = now + WINDOW * u32::try_from(i / 500 + 1).unwrap();
            written.extend(refusals.record(deny(&format!("t{i}")), at));
        }
        assert!(refusals.seen.len() <= TRACKED);
        assert!(
            written
                .iter()
                .any(|e| e.target == "first" && e.after.is_some()),
            "the evicted refusal's repeat was written"
        );
    }

    #[test]
    fn the_budget_is_the_configured_one() {
        let mut refusals = Refusals::new(3);
        let now = Instant::now();
        let written: usize = (0..10)
            .map(|i| refusals.record(deny(&format!("t{i}")), now).len())
            .sum();
        assert_eq!(written, 3);
        let next = refusals.record(deny("after"), now + WINDOW);
        assert!(next[0].reason.as_deref().unwrap().contains("more than 3"));
    }

    #[test]
    fn past_the_budget_refusals_are_counted_in_one_note() {
        let mut refusals = Refusals::default();
        let now = Instant::now();
        let written: usize = (0..BUDGET + 500)
            .map(|i| refusals.record(deny(&format!("t{i}")), now).len())
            .sum();
        assert_eq!(written as u64, BUDGET);
        let next = refusals.record(deny("after"), now + WINDOW);
        assert_eq!(next[0].action, "audit.suppressed");
        assert!(next[0].reason.as_deref().unwrap().starts_with("500 "));
        assert_eq!(next[1].target, "after");
    }
}
