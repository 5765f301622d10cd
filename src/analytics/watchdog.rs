//! Query timeouts: one thread interrupts DuckDB queries that outlast their deadline.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use duckdb::InterruptHandle;

type Key = (Instant, u64);

struct Watch {
    handle: Arc<InterruptHandle>,
    fired: Arc<AtomicBool>,
}

struct Watchdog {
    watches: Mutex<BTreeMap<Key, Watch>>,
    changed: Condvar,
    next: AtomicU64,
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let dog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            watches: Mutex::new(BTreeMap::new()),
            changed: Condvar::new(),
            next: AtomicU64::new(0),
        }));
        std::thread::Builder::new()
            .name("query-watchdog".into())
            .spawn(move || dog.run())
            .expect("the query watchdog thread starts");
        dog
    })
}

impl Watchdog {
    fn run(&self) {
        let mut watches = self.watches.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = Instant::now();
            match watches.keys().next().copied() {
                Some(key) if key.0 <= now => {
                    if let Some(watch) = watches.remove(&key) {
                        watch.fired.store(true, Ordering::SeqCst);
                        watch.handle.interrupt();
                    }
                }
                Some(key) => {
                    watches = self
                        .changed
                        .wait_timeout(watches, key.0 - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                None => {
                    watches = self
                        .changed
                        .wait(watches)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }
}

/// A query under watch; dropping it ends the watch.
pub struct Armed {
    key: Key,
    fired: Arc<AtomicBool>,
}

impl Armed {
    /// Whether the deadline passed and the query was interrupted.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        let dog = watchdog();
        dog.watches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// Interrupts the connection behind `handle` at `deadline` unless the guard is dropped first.
pub fn arm(deadline: Instant, handle: Arc<InterruptHandle>) -> Armed {
    let dog = watchdog();
    let key = (deadline, dog.next.fetch_add(1, Ordering::Relaxed));
    let fired = Arc::new(AtomicBool::new(false));
    dog.watches
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(
            key,
            Watch {
                handle,
                fired: Arc::clone(&fired),
            },
        );
    dog.changed.notify_one();
    Armed { key, fired }
}
