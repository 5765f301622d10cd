//! Signing in and out, sessions, API keys, and resolving a request's caller into a [`Grant`].
//!
//! Sessions are opaque 256-bit tokens; the store keeps only their SHA-256. A session is valid
//! while it is younger than the absolute lifetime, was used within the idle timeout, and was
//! made under the user's current epoch (disabling a user, changing their memberships or their
//! password raises the epoch, which ends every older session on its next request).
//!
//! `first_start.rs` makes the first accounts, `grants.rs` turns a caller into what it may do,
//! `cache.rs` remembers both per credential.

mod cache;
mod first_start;
mod grants;

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::identity::policy::{Permission, Plan};
use crate::identity::{normalize_email, password, token};
use crate::store::{ApiKeyRecord, SessionRecord, Store, StoreError, UserRecord};

pub(super) use first_start::bootstrap;
pub use first_start::{Account, FirstStart};

/// The appliance's authentication part: session lifetimes, sign-in throttling, the bounded
/// password-hashing pool, the first start's accounts and the remembered credentials.
pub(super) struct Auth {
    pub sessions: super::SessionLimits,
    pub throttle: crate::identity::throttle::Throttle,
    /// Bounds concurrent argon2id work (19 MiB each) to the number of cores...
    pub hashing: tokio::sync::Semaphore,
    /// ...and gives each permit holder a reusable buffer, so memory stays at cores × 19 MiB.
    pub hash_memory: std::sync::Mutex<Vec<password::Memory>>,
    /// Verified against when an email is unknown, so both answers take the same time.
    pub dummy_hash: String,
    pub first_start: std::sync::Mutex<Option<FirstStart>>,
    pub credentials: cache::CredentialCache,
}

impl Auth {
    pub fn new(sessions: super::SessionLimits, first_start: Option<FirstStart>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            sessions,
            throttle: crate::identity::throttle::Throttle::default(),
            hashing: tokio::sync::Semaphore::new(cores),
            hash_memory: std::sync::Mutex::new(Vec::new()),
            dummy_hash: password::hash(&token::secret()),
            first_start: std::sync::Mutex::new(first_start),
            credentials: cache::CredentialCache::new(),
        }
    }
}

/// What a request presented.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The session cookie's token.
    Session(String),
    /// `Authorization: Bearer fbk_<key id>_<secret>`.
    ApiKey(String),
}

/// An authenticated caller, before a tenant is chosen.
#[derive(Debug, Clone)]
pub enum Caller {
    User {
        user: UserRecord,
        session: SessionRecord,
        token_hash: String,
    },
    Key {
        key: ApiKeyRecord,
    },
}

impl Caller {
    pub fn actor(&self) -> &str {
        match self {
            Self::User { user, .. } => &user.id,
            Self::Key { key } => &key.id,
        }
    }

    /// The CSRF token state-changing requests of this session must carry.
    pub fn csrf(&self) -> Option<&str> {
        match self {
            Self::User { session, .. } => Some(&session.csrf),
            Self::Key { .. } => None,
        }
    }
}

/// A tenant as the caller reaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TenantAccess {
    pub id: String,
    pub name: String,
    pub plan: Plan,
    pub role: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// `GET /auth/me`: who is signed in, where, and what they may do there.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Me {
    pub user: MeUser,
    pub tenant: Option<TenantAccess>,
    pub tenants: Vec<TenantAccess>,
    pub permissions: Vec<Permission>,
    pub csrf_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MeUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub super_admin: bool,
}

pub struct LoginOutcome {
    /// The new session's token, for the cookie. Never stored.
    pub token: String,
    pub me: Me,
}

/// Deletes the sessions that expired while nobody used them (people who never came back).
pub(super) fn sweep_sessions(
    store: &Store,
    limits: super::SessionLimits,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let removed = store.write(|tx| tx.remove_sessions(|s| expired(s, limits, now)))?;
    if removed > 0 {
        tracing::info!(removed, "removed expired sessions");
    }
    Ok(())
}

/// A user as the audit ledger and the API show it: everything but the password hash.
pub(super) fn public_user(user: &UserRecord) -> serde_json::Value {
    serde_json::json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "super_admin": user.super_admin,
        "disabled": user.disabled,
    })
}

impl Appliance {
    /// Checks an email and password and opens a session. Throttled per account and address;
    /// an unknown email, a wrong password and a disabled account all give the same answer
    /// after the same work. Hold a [`hashing permit`](Self::hashing_permits) while calling.
    pub fn login(
        &self,
        email: &str,
        secret: &str,
        address: IpAddr,
        previous_token: Option<&str>,
    ) -> Result<LoginOutcome, ServiceError> {
        let email = normalize_email(email);
        if let Err(retry_after) = self.auth.throttle.check(&email, address) {
            return Err(ServiceError::Throttled { retry_after });
        }
        let user = self.store.user_by_email(&email)?;
        let stored = user
            .as_ref()
            .map_or(self.auth.dummy_hash.as_str(), |u| u.password_hash.as_str());
        let matches = self.with_hash_memory(|m| password::verify_in(m, secret, stored));
        let user = match user {
            Some(user) if matches && !user.disabled => user,
            other => {
                self.auth.throttle.failure(&email, address);
                let why = match other {
                    None => "unknown email",
                    Some(u) if u.disabled && matches => "account disabled",
                    Some(_) => "wrong password",
                };
                self.record_refusal(
                    AuditEvent::new("anonymous", None, "auth.login_failed", &email)
                        .reason(format!("{why} (from {address})")),
                );
                return Err(ServiceError::InvalidCredentials);
            }
        };
        self.auth.throttle.success(&email, address);
        let tenant = self
            .accessible_tenants(&user)?
            .into_iter()
            .next()
            .map(|t| t.id);
        let now = Utc::now();
        let token = token::secret();
        let session = SessionRecord {
            user: user.id.clone(),
            tenant,
            csrf: token::secret(),
            epoch: user.epoch,
            created_at: now,
            last_seen: now,
        };
        let token_hash = crate::digest::sha256_hex(&token);
        let limits = self.auth.sessions;
        self.store.write(|tx| {
            // Rotation: whatever session this browser held before is gone.
            if let Some(previous) = previous_token {
                tx.remove_session(&crate::digest::sha256_hex(previous))?;
            }
            tx.remove_sessions_of(&user.id, |s| expired(s, limits, now))?;
            tx.put_session(&token_hash, &session)?;
            tx.audit(
                AuditEvent::new(&user.id, session.tenant.as_deref(), "auth.login", &user.id)
                    .reason(format!("from {address}")),
            );
            Ok::<_, StoreError>(())
        })?;
        let caller = Caller::User {
            user,
            session,
            token_hash,
        };
        Ok(LoginOutcome {
            token,
            me: self.me(&caller)?,
        })
    }

    /// Ends the caller's session (API keys have none to end).
    pub fn logout(&self, caller: &Caller) -> Result<(), ServiceError> {
        if let Caller::User {
            user, token_hash, ..
        } = caller
        {
            self.store.write(|tx| {
                tx.remove_session(token_hash)?;
                tx.audit(AuditEvent::new(&user.id, None, "auth.logout", &user.id));
                Ok::<_, StoreError>(())
            })?;
        }
        Ok(())
    }

    /// Who presented `credential`, if it is still valid.
    pub fn authenticate(&self, credential: &Credential) -> Result<Caller, ServiceError> {
        match credential {
            Credential::Session(token) => self.session_caller(token),
            Credential::ApiKey(text) => self.key_caller(text),
        }
    }

    fn session_caller(&self, token: &str) -> Result<Caller, ServiceError> {
        let ended = || ServiceError::Unauthorized("your session has ended; sign in again".into());
        let token_hash = crate::digest::sha256_hex(token);
        let mut session = self.store.session(&token_hash)?.ok_or_else(ended)?;
        let user = self.store.user(&session.user)?;
        let now = Utc::now();
        let valid = user.as_ref().is_some_and(|u| {
            !u.disabled && u.epoch == session.epoch && !expired(&session, self.auth.sessions, now)
        });
        let Some(user) = user.filter(|_| valid) else {
            self.store.write(|tx| {
                tx.remove_session(&token_hash)?;
                Ok::<_, StoreError>(())
            })?;
            return Err(ended());
        };
        // Idle time is tracked coarsely so that reading does not mean writing on every request.
        let resolution = (self.auth.sessions.idle / 4).min(std::time::Duration::from_secs(60));
        if (now - session.last_seen).to_std().unwrap_or_default() > resolution {
            session.last_seen = now;
            self.store.write(|tx| {
                // Written only if the session still exists (a logout may have raced us).
                if tx.remove_session(&token_hash)?.is_some() {
                    tx.put_session(&token_hash, &session)?;
                }
                Ok::<_, StoreError>(())
            })?;
        }
        Ok(Caller::User {
            user,
            session,
            token_hash,
        })
    }

    fn key_caller(&self, text: &str) -> Result<Caller, ServiceError> {
        let invalid = || ServiceError::Unauthorized("the API key is not valid".into());
        let (id, secret) = text
            .strip_prefix("fbk_")
            .and_then(|rest| rest.split_once('_'))
            .ok_or_else(invalid)?;
        let mut key = self.store.api_key(id)?.ok_or_else(invalid)?;
        if key.revoked_at.is_some()
            || !crate::digest::constant_time_eq(
                &crate::digest::sha256_hex(secret),
                &key.secret_hash,
            )
        {
            return Err(invalid());
        }
        let now = Utc::now();
        let stale = key
            .last_used_at
            .is_none_or(|at| (now - at).num_seconds() >= 60);
        if stale {
            key.last_used_at = Some(now);
            self.store.write(|tx| {
                if let Some(mut stored) = tx.api_key(&key.id)? {
                    stored.last_used_at = Some(now);
                    tx.put_api_key(&stored)?;
                }
                Ok::<_, StoreError>(())
            })?;
        }
        Ok(Caller::Key { key })
    }

    /// Changes the caller's own password. Other sessions end; this one continues. Hold a
    /// hashing permit while calling.
    pub fn change_password(
        &self,
        caller: &Caller,
        current: &str,
        new: &str,
        address: IpAddr,
    ) -> Result<(), ServiceError> {
        let Caller::User {
            user,
            session,
            token_hash,
        } = caller
        else {
            return Err(ServiceError::Forbidden("API keys have no password".into()));
        };
        // A stolen session must not become a way to guess the password: the same counters
        // as sign-in, under the account's email.
        if let Err(retry_after) = self.auth.throttle.check(&user.email, address) {
            return Err(ServiceError::Throttled { retry_after });
        }
        if !self.with_hash_memory(|m| password::verify_in(m, current, &user.password_hash)) {
            self.auth.throttle.failure(&user.email, address);
            return Err(ServiceError::Invalid(
                "the current password is wrong".into(),
            ));
        }
        self.auth.throttle.success(&user.email, address);
        password::check_policy(new).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let hash = self.with_hash_memory(|m| password::hash_in(m, new));
        self.store.write(|tx| {
            let mut stored = tx.user(&user.id)?.ok_or_else(|| ServiceError::NotFound {
                kind: "user",
                id: user.id.clone(),
            })?;
            stored.password_hash = hash;
            stored.epoch += 1;
            stored.updated_at = Utc::now();
            tx.put_user(&stored)?;
            tx.remove_sessions_of(&user.id, |_| true)?;
            let mut current_session = session.clone();
            current_session.epoch = stored.epoch;
            tx.put_session(token_hash, &current_session)?;
            tx.audit(AuditEvent::new(
                &user.id,
                None,
                "user.password_change",
                &user.id,
            ));
            Ok::<_, ServiceError>(())
        })
    }
}

/// Whether a session is past its idle or absolute limit at `now`.
fn expired(session: &SessionRecord, limits: super::SessionLimits, now: DateTime<Utc>) -> bool {
    let age = |since: DateTime<Utc>| (now - since).to_std().unwrap_or_default();
    age(session.last_seen) > limits.idle || age(session.created_at) > limits.absolute
}
