//! Sign-in throttling: failures slow down further attempts with a delay that doubles with each
//! failure (capped), whatever the password.
//!
//! Three counters, so that nobody can lock an owner out and nobody can guess for long:
//! - per account *and* address group: five free failures, then delays. An attacker failing for
//!   the super-admin from their own address delays only themselves;
//! - per address group: twenty free failures across all accounts (a sprayer is slowed);
//! - per account overall: fifty free failures from anywhere, applied only to addresses that have
//!   failed for that account, so a distributed guesser is slowed while the owner, from an
//!   address that has not failed, still gets in.
//!
//! An address group is an IPv4 address or an IPv6 /64 (one subscriber's network), so a /64
//! gives no fresh counters. Accounts are keyed by a 128-bit hash of the normalized name, so a
//! key never holds more than 16 bytes whatever is typed. Counters live in memory, in LRU maps
//! of [`TRACKED`] entries each: a flood of names evicts only the counters nobody touched
//! recently. A restart forgets them.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;

/// Failures allowed before delays start.
const PAIR_FREE_FAILURES: u32 = 5;
const ADDRESS_FREE_FAILURES: u32 = 20;
const ACCOUNT_FREE_FAILURES: u32 = 50;
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Entries of each counter map (about 50 bytes each).
pub const TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    blocked_until: Option<Instant>,
}

/// An account, by the hash of its normalized name.
type AccountKey = u128;

/// The part of an address that one client controls: IPv4 whole, IPv6 by its /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressGroup(IpAddr);

impl From<IpAddr> for AddressGroup {
    fn from(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => Self(IpAddr::V6(std::net::Ipv6Addr::from(
                    u128::from(v6) & !((1u128 << 64) - 1),
                ))),
            },
        }
    }
}

pub struct Throttle {
    pairs: Mutex<LruCache<(AccountKey, AddressGroup), Failures>>,
    accounts: Mutex<LruCache<AccountKey, Failures>>,
    addresses: Mutex<LruCache<AddressGroup, Failures>>,
}

impl Default for Throttle {
    fn default() -> Self {
        let size = NonZeroUsize::new(TRACKED).expect("non-zero");
        Self {
            pairs: Mutex::new(LruCache::new(size)),
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

fn account_key(account: &str) -> AccountKey {
    xxhash_rust::xxh3::xxh3_128(account.as_bytes())
}

impl Throttle {
    /// `Err(wait)` while this account may not be tried from this address.
    pub fn check(&self, account: &str, address: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let (account, group) = (account_key(account), AddressGroup::from(address));
        let wait = |failures: Option<&Failures>| {
            failures
                .and_then(|f| f.blocked_until)
                .and_then(|until| until.checked_duration_since(now))
                .filter(|d| !d.is_zero())
        };
        let pairs = lock(&self.pairs);
        let pair = pairs.peek(&(account, group));
        let pair_wait = wait(pair);
        // The account's overall count holds back only addresses that failed for it.
        let account_wait = pair
            .filter(|f| f.count > 0)
            .and_then(|_| wait(lock(&self.accounts).peek(&account)));
        drop(pairs);
        let address_wait = wait(lock(&self.addresses).peek(&group));
        match pair_wait.max(account_wait).max(address_wait) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn failure(&self, account: &str, address: IpAddr) {
        let now = Instant::now();
        let (account, group) = (account_key(account), AddressGroup::from(address));
        let bump = |failures: &mut Failures, free: u32| {
            failures.count = failures.count.saturating_add(1);
            failures.blocked_until = delay(failures.count, free).map(|d| now + d);
        };
        let fresh = || Failures {
            count: 0,
            blocked_until: None,
        };
        bump(
            lock(&self.pairs).get_or_insert_mut((account, group), fresh),
            PAIR_FREE_FAILURES,
        );
        bump(
            lock(&self.accounts).get_or_insert_mut(account, fresh),
            ACCOUNT_FREE_FAILURES,
        );
        bump(
            lock(&self.addresses).get_or_insert_mut(group, fresh),
            ADDRESS_FREE_FAILURES,
        );
    }

    /// A successful sign-in clears the account's count from this address (the address and the
    /// account overall keep their history).
    pub fn success(&self, account: &str, address: IpAddr) {
        lock(&self.pairs).pop(&(account_key(account), AddressGroup::from(address)));
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

    fn v6(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

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
        for _ in 0..PAIR_FREE_FAILURES - 1 {
            throttle.failure("a@x", HOME);
            assert!(throttle.check("a@x", HOME).is_ok());
        }
        throttle.failure("a@x", HOME);
        assert!(throttle.check("a@x", HOME).is_err());
        // Another account from the same address is not blocked yet.
        assert!(throttle.check("b@x", HOME).is_ok());
        throttle.success("a@x", HOME);
        assert!(throttle.check("a@x", HOME).is_ok());
    }

    #[test]
    fn the_owner_from_an_address_that_has_not_failed_gets_in() {
        let throttle = Throttle::default();
        let attacker = v6("2001:db8:1::1");
        let owner = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
        // Far past every free allowance, from the attacker's network, for the owner's account.
        for _ in 0..200 {
            throttle.failure("root@x", attacker);
        }
        assert!(throttle.check("root@x", attacker).is_err());
        assert!(throttle.check("root@x", owner).is_ok());
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_their_counters() {
        let throttle = Throttle::default();
        for host in 0..PAIR_FREE_FAILURES {
            throttle.failure("a@x", v6(&format!("2001:db8:0:1::{host:x}")));
        }
        assert!(throttle.check("a@x", v6("2001:db8:0:1:ffff::9")).is_err());
        assert!(throttle.check("a@x", v6("2001:db8:0:2::1")).is_ok());
        // An IPv4 address written as IPv6 is that IPv4 address.
        assert_eq!(
            AddressGroup::from(v6("::ffff:127.0.0.1")),
            AddressGroup::from(HOME)
        );
    }

    #[test]
    fn a_distributed_guesser_is_held_back_where_it_failed() {
        let throttle = Throttle::default();
        // Four failures (under the pair allowance) from each of many networks.
        for network in 0..20u32 {
            let address = v6(&format!("2001:db8:{network:x}::1"));
            for _ in 0..4 {
                throttle.failure("root@x", address);
            }
        }
        assert!(throttle.check("root@x", v6("2001:db8:3::1")).is_err());
        assert!(throttle.check("root@x", v6("2001:db8:ffff::1")).is_ok());
    }
}
