//! Login throttling: after a few failures for one account or from one address, further
//! attempts are refused for a delay that doubles with each failure (capped), whatever the
//! password. Counters live in memory, in bounded LRU maps, so a flood of distinct names cannot
//! grow them without limit; a restart forgets them.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;

/// Failures allowed before delays start.
const ACCOUNT_FREE_FAILURES: u32 = 5;
const ADDRESS_FREE_FAILURES: u32 = 20;
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
const TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    blocked_until: Option<Instant>,
}

pub struct Throttle {
    accounts: Mutex<LruCache<String, Failures>>,
    addresses: Mutex<LruCache<IpAddr, Failures>>,
}

impl Default for Throttle {
    fn default() -> Self {
        let size = NonZeroUsize::new(TRACKED).expect("non-zero");
        Self {
            accounts: Mutex::new(LruCache::new(size)),
            addresses: Mutex::new(LruCache::new(size)),
        }
    }
}

/// The delay after `count` failures, `free` of them without one.
fn delay(count: u32, free: u32) -> Option<Duration> {
    let over = count.checked_sub(free)?;
    let factor = 2u32.saturating_pow(over.min(20));
    Some(FIRST_DELAY.saturating_mul(factor).min(MAX_DELAY))
}

impl Throttle {
    /// `Err(wait)` while the account or the address is blocked.
    pub fn check(&self, account: &str, address: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let wait = |failures: Option<&Failures>| {
            failures
                .and_then(|f| f.blocked_until)
                .and_then(|until| until.checked_duration_since(now))
                .filter(|d| !d.is_zero())
        };
        let account_wait = wait(lock(&self.accounts).peek(account));
        let address_wait = wait(lock(&self.addresses).peek(&address));
        match account_wait.max(address_wait) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn failure(&self, account: &str, address: IpAddr) {
        let now = Instant::now();
        let bump = |failures: &mut Failures, free: u32| {
            failures.count = failures.count.saturating_add(1);
            failures.blocked_until = delay(failures.count, free).map(|d| now + d);
        };
        let fresh = Failures {
            count: 0,
            blocked_until: None,
        };
        bump(
            lock(&self.accounts).get_or_insert_mut(account.to_owned(), || fresh),
            ACCOUNT_FREE_FAILURES,
        );
        bump(
            lock(&self.addresses).get_or_insert_mut(address, || fresh),
            ADDRESS_FREE_FAILURES,
        );
    }

    /// A successful login clears the account's count (the address keeps its history).
    pub fn success(&self, account: &str) {
        lock(&self.accounts).pop(account);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain counters behind; they are still usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn delays_start_after_the_free_failures_and_grow() {
        assert_eq!(delay(4, 5), None);
        assert_eq!(delay(5, 5), Some(Duration::from_secs(1)));
        assert_eq!(delay(6, 5), Some(Duration::from_secs(2)));
        assert_eq!(delay(9, 5), Some(Duration::from_secs(16)));
        assert_eq!(delay(200, 5), Some(MAX_DELAY));
    }

    #[test]
    fn an_account_is_blocked_after_its_failures_and_cleared_by_success() {
        let throttle = Throttle::default();
        for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
            throttle.failure("a@x", HOME);
            assert!(throttle.check("a@x", HOME).is_ok());
        }
        throttle.failure("a@x", HOME);
        assert!(throttle.check("a@x", HOME).is_err());
        // Another account from the same address is not blocked yet.
        assert!(throttle.check("b@x", HOME).is_ok());
        throttle.success("a@x");
        assert!(throttle.check("a@x", HOME).is_ok());
    }
}
