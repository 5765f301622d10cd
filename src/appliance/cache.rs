//! A least-recently-used cache bounded by the bytes its values hold as well as by entries.
//!
//! Panel results and resolved dashboards differ in size by four orders of magnitude (a KPI is
//! a few hundred bytes, a raw series of 50,000 points megabytes), so a bound on entries alone
//! lets any caller who varies a parameter grow the process without limit. Each value is
//! weighed once when it is stored; the least recently used entries leave until both bounds
//! hold again. A value heavier than the whole budget is not stored at all.

use std::hash::Hash;
use std::num::NonZeroUsize;

/// An LRU map whose total weight stays at or under `max_bytes`.
pub struct WeightedLru<K: Hash + Eq, V> {
    entries: lru::LruCache<K, (V, usize)>,
    bytes: usize,
    max_bytes: usize,
}

impl<K: Hash + Eq, V: Clone> WeightedLru<K, V> {
    pub fn new(max_entries: NonZeroUsize, max_bytes: usize) -> Self {
        Self {
            entries: lru::LruCache::new(max_entries),
            bytes: 0,
            max_bytes,
        }
    }

    /// The value under `key`, marked as just used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(key).map(|(value, _)| value.clone())
    }

    /// Stores `value` weighing `bytes`, evicting the least recently used entries as needed.
    pub fn put(&mut self, key: K, value: V, bytes: usize) {
        if bytes > self.max_bytes {
            if let Some((_, old)) = self.entries.pop(&key) {
                self.bytes -= old;
            }
            return;
        }
        // `push` returns the entry it displaced: the old value of this key, or the least
        // recently used one when the entry bound was reached.
        if let Some((_, (_, old))) = self.entries.push(key, (value, bytes)) {
            self.bytes -= old;
        }
        self.bytes += bytes;
        while self.bytes > self.max_bytes {
            match self.entries.pop_lru() {
                Some((_, (_, old))) => self.bytes -= old,
                None => break,
            }
        }
    }

    /// The weight of everything held.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.bytes
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The size of a value's JSON form, counted without building it: a stand-in for what the value
/// holds in memory, which callers scale by the representation's overhead.
pub fn json_size<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serializing our own data types into a counter cannot fail; a failure would weigh zero
    // and the entry bound would still hold.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: usize, bytes: usize) -> WeightedLru<u32, u32> {
        WeightedLru::new(NonZeroUsize::new(entries).unwrap(), bytes)
    }

    #[test]
    fn the_weight_never_exceeds_the_budget_and_the_oldest_leave_first() {
        let mut c = cache(100, 1_000);
        for key in 0..10 {
            c.put(key, key, 300);
            assert!(c.bytes() <= 1_000, "{} bytes held", c.bytes());
        }
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&9), Some(9));
        assert_eq!(c.get(&6), None);
    }

    #[test]
    fn a_value_heavier_than_the_budget_is_not_kept_and_replaces_nothing() {
        let mut c = cache(100, 1_000);
        c.put(1, 1, 10);
        c.put(2, 2, 5_000);
        assert_eq!(c.get(&2), None);
        assert_eq!(c.get(&1), Some(1));
        assert_eq!(c.bytes(), 10);
    }

    #[test]
    fn replacing_a_key_and_the_entry_bound_keep_the_weight_exact() {
        let mut c = cache(2, 1_000);
        c.put(1, 1, 100);
        c.put(1, 10, 200);
        assert_eq!(c.bytes(), 200);
        c.put(2, 2, 100);
        c.put(3, 3, 100);
        assert_eq!(c.len(), 2);
        assert_eq!(c.bytes(), 200);
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn json_size_counts_the_serialized_bytes() {
        assert_eq!(json_size(&vec![1, 22, 333]), "[1,22,333]".len());
    }
}
