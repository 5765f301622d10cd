//! Remembered credentials, and how they are invalidated.
//!
//! Each answer of [`Appliance::caller_and_grant`] is kept under the credential's hash with the
//! store's write count at the time it was read. Any write to the store at all (a logout, a role
//! or membership change, a revocation, a new password) moves that count, so the next request
//! with any credential reads the store again. A remembered session is also checked against the
//! clock on every request. At most 10,000 credentials are remembered.

use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::Utc;

use super::{Caller, Credential, expired};
use crate::appliance::{Appliance, ServiceError};
use crate::identity::policy::Grant;

const CREDENTIALS: usize = 10_000;

/// A credential by the SHA-256 of its secret (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum CredentialKey {
    Session(String),
    ApiKey(String),
}

impl CredentialKey {
    fn of(credential: &Credential) -> Self {
        match credential {
            Credential::Session(token) => Self::Session(crate::digest::sha256_hex(token)),
            Credential::ApiKey(text) => Self::ApiKey(crate::digest::sha256_hex(text)),
        }
    }
}

/// A remembered authentication: the store write count it was read at, the caller, the grant.
type Remembered = (u64, Caller, Option<Grant>);

pub(in crate::appliance) struct CredentialCache {
    entries: Mutex<lru::LruCache<CredentialKey, Remembered>>,
}

impl CredentialCache {
    pub fn new() -> Self {
        Self {
            entries: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(CREDENTIALS).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn lock(&self) -> MutexGuard<'_, lru::LruCache<CredentialKey, Remembered>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, key: &CredentialKey) -> Option<Remembered> {
        self.lock().get(key).cloned()
    }

    fn keep(&self, key: CredentialKey, value: Remembered) {
        self.lock().put(key, value);
    }
}

impl Appliance {
    /// Who presented `credential` and (with `with_grant`) what they may do in their tenant.
    /// Answers are remembered until anything at all is written to the store (a logout, a role
    /// change, a revocation…), and a remembered session is still checked against the clock on
    /// every request; one due for its idle-time refresh takes the full path.
    pub fn caller_and_grant(
        &self,
        credential: &Credential,
        with_grant: bool,
    ) -> Result<(Caller, Option<Grant>), ServiceError> {
        let writes = self.store.write_count();
        if let Some(remembered) = self.remembered_caller(credential, with_grant) {
            return Ok(remembered);
        }
        let caller = self.authenticate(credential)?;
        let grant = if with_grant {
            Some(self.grant(&caller)?)
        } else {
            None
        };
        self.auth.credentials.keep(
            CredentialKey::of(credential),
            (writes, caller.clone(), grant.clone()),
        );
        Ok((caller, grant))
    }

    /// [`caller_and_grant`](Self::caller_and_grant) when its answer is remembered and still
    /// fresh: memory only, never blocks on the store, so a request can skip the blocking pool.
    pub fn remembered_caller(
        &self,
        credential: &Credential,
        with_grant: bool,
    ) -> Option<(Caller, Option<Grant>)> {
        let writes = self.store.write_count();
        let now = Utc::now();
        let (_, caller, grant) = self
            .auth
            .credentials
            .get(&CredentialKey::of(credential))
            .filter(|(seen, _, grant)| *seen == writes && (grant.is_some() || !with_grant))?;
        let fresh = match &caller {
            Caller::User { session, .. } => {
                let resolution =
                    (self.auth.sessions.idle / 4).min(std::time::Duration::from_secs(60));
                !expired(session, self.auth.sessions, now)
                    && (now - session.last_seen).to_std().unwrap_or_default() <= resolution
            }
            Caller::Key { key } => key
                .last_used_at
                .is_some_and(|at| (now - at).num_seconds() < 60),
        };
        fresh.then_some((caller, grant))
    }
}
