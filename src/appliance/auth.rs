//! Signing in and out, sessions, API keys, and resolving a request's caller into a [`Grant`].
//!
//! Sessions are opaque 256-bit tokens; the store keeps only their SHA-256. A session is valid
//! while it is younger than the absolute lifetime, was used within the idle timeout, and was
//! made under the user's current epoch (disabling a user, changing their memberships or their
//! password raises the epoch, which ends every older session on its next request).

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Appliance, ServiceError, StartError};
use crate::audit::AuditEvent;
use crate::config::Config;
use crate::demo;
use crate::identity::policy::{self, Grant, Permission, Plan};
use crate::identity::{check_email, normalize_email, password, token};
use crate::store::{
    ApiKeyRecord, MembershipRecord, RoleRecord, SessionRecord, Store, StoreError, TenantRecord,
    UserRecord,
};

/// Accounts made on the first start, to be printed once.
#[derive(Debug, Clone)]
pub struct FirstStart {
    pub admin: Account,
    pub demo_users: Vec<Account>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub name: String,
    /// What the account is, e.g. `super-admin` or `sales_manager (zone=NORTH)`.
    pub description: String,
    /// `None` when the password came from `FLEXBOARD_ADMIN_PASSWORD`.
    pub password: Option<String>,
}

impl FirstStart {
    /// The console banner: every account and its password, shown this once.
    pub fn banner(&self) -> String {
        let mut lines = vec![
            "First start: these accounts were created. Passwords are shown only now; store them"
                .to_owned(),
            "safely (an admin can reset them later).".to_owned(),
            String::new(),
        ];
        for account in std::iter::once(&self.admin).chain(&self.demo_users) {
            lines.push(format!(
                "  {:<30} {:<24} {}",
                account.email,
                account
                    .password
                    .as_deref()
                    .unwrap_or("(from FLEXBOARD_ADMIN_PASSWORD)"),
                account.description
            ));
        }
        let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
        let rule = "=".repeat(width);
        format!("{rule}\n{}\n{rule}", lines.join("\n"))
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantAccess {
    pub id: String,
    pub name: String,
    pub plan: Plan,
    pub role: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// `GET /auth/me`: who is signed in, where, and what they may do there.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    pub user: MeUser,
    pub tenant: Option<TenantAccess>,
    pub tenants: Vec<TenantAccess>,
    pub permissions: Vec<Permission>,
    pub csrf_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
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

const DEFAULT_ADMIN_EMAIL: &str = "admin@flexboard.local";

/// On a store without users: the super-admin (from the environment or generated) and the
/// demo's people, in one transaction with their audit entries.
pub(super) fn bootstrap(
    store: &Store,
    config: &Config,
    tenants: &[TenantRecord],
) -> Result<Option<FirstStart>, StartError> {
    if !store.users()?.is_empty() {
        if config.admin_email.is_some() {
            tracing::warn!(
                "FLEXBOARD_ADMIN_EMAIL is ignored: it applies only to the first start, and this data directory already has users"
            );
        }
        return Ok(None);
    }
    let now = Utc::now();
    let (admin_email, admin_password, generated) =
        match (&config.admin_email, &config.admin_password) {
            (Some(email), Some(password)) => {
                let email = normalize_email(email);
                check_email(&email)
                    .map_err(|e| StartError::Setup(format!("FLEXBOARD_ADMIN_EMAIL: {e}")))?;
                password::check_policy(password)
                    .map_err(|e| StartError::Setup(format!("FLEXBOARD_ADMIN_PASSWORD: {e}")))?;
                (email, password.clone(), false)
            }
            _ => (
                DEFAULT_ADMIN_EMAIL.to_owned(),
                token::generated_password(),
                true,
            ),
        };
    let mut memory = password::Memory::default();
    let mut new_user = |email: &str, name: &str, secret: &str, super_admin: bool| UserRecord {
        id: token::random_id("US-", 10),
        email: email.to_owned(),
        name: name.to_owned(),
        password_hash: password::hash_in(&mut memory, secret),
        super_admin,
        disabled: false,
        epoch: 0,
        created_at: now,
        updated_at: now,
    };
    let admin = new_user(&admin_email, "Administrator", &admin_password, true);
    let mut first = FirstStart {
        admin: Account {
            email: admin.email.clone(),
            name: admin.name.clone(),
            description: "super-admin".into(),
            password: generated.then_some(admin_password),
        },
        demo_users: Vec::new(),
    };
    let mut users = vec![(admin, None)];
    let mut roles = Vec::new();
    if let Some(tenant) = tenants.iter().find(|t| t.demo.is_some()) {
        let folder = crate::dashboards::files::read_tenant_folder(&demo::demo_files())
            .map_err(|e| StartError::Setup(e.to_string()))?;
        for role in folder.tenant.roles {
            roles.push(RoleRecord {
                tenant: tenant.id.clone(),
                name: role.name,
                description: role.description,
                permissions: role.permissions,
                updated_at: now,
            });
        }
        for person in folder.tenant.users {
            let secret = token::generated_password();
            let user = new_user(
                &normalize_email(&person.email),
                &person.name,
                &secret,
                false,
            );
            let attributes = person
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            first.demo_users.push(Account {
                email: user.email.clone(),
                name: user.name.clone(),
                description: if attributes.is_empty() {
                    format!("{} in {}", person.role, tenant.name)
                } else {
                    format!("{} ({attributes}) in {}", person.role, tenant.name)
                },
                password: Some(secret),
            });
            let membership = MembershipRecord {
                tenant: tenant.id.clone(),
                user: user.id.clone(),
                role: person.role,
                attributes: person.attributes,
                updated_at: now,
            };
            users.push((user, Some(membership)));
        }
    }
    store.write(|tx| {
        for role in &roles {
            // Installed with the demo tenant; a data directory from before roles existed
            // gets them now.
            if tx.role(&role.tenant, &role.name)?.is_none() {
                tx.put_role(role)?;
                tx.audit(
                    AuditEvent::new(
                        "system:setup",
                        Some(&role.tenant),
                        "role.create",
                        &role.name,
                    )
                    .after(role),
                );
            }
        }
        for (user, membership) in &users {
            tx.put_user(user)?;
            tx.audit(
                AuditEvent::new("system:setup", None, "user.create", &user.id)
                    .reason("first start")
                    .after(&public_user(user)),
            );
            if let Some(membership) = membership {
                tx.put_membership(membership)?;
                tx.audit(
                    AuditEvent::new(
                        "system:setup",
                        Some(&membership.tenant),
                        "membership.put",
                        &membership.user,
                    )
                    .after(membership),
                );
            }
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(Some(first))
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
        if let Err(retry_after) = self.throttle.check(&email, address) {
            return Err(ServiceError::Throttled { retry_after });
        }
        let user = self.store.user_by_email(&email)?;
        let stored = user
            .as_ref()
            .map_or(self.dummy_hash.as_str(), |u| u.password_hash.as_str());
        let matches = self.with_hash_memory(|m| password::verify_in(m, secret, stored));
        let user = match user {
            Some(user) if matches && !user.disabled => user,
            other => {
                self.throttle.failure(&email, address);
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
        self.throttle.success(&email, address);
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
        let limits = self.sessions;
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
        self.auth_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .put(
                auth_key(credential),
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
            .auth_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&auth_key(credential))
            .filter(|(seen, _, grant)| *seen == writes && (grant.is_some() || !with_grant))
            .cloned()?;
        let fresh = match &caller {
            Caller::User { session, .. } => {
                let resolution = (self.sessions.idle / 4).min(std::time::Duration::from_secs(60));
                !expired(session, self.sessions, now)
                    && (now - session.last_seen).to_std().unwrap_or_default() <= resolution
            }
            Caller::Key { key } => key
                .last_used_at
                .is_some_and(|at| (now - at).num_seconds() < 60),
        };
        fresh.then_some((caller, grant))
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
            !u.disabled && u.epoch == session.epoch && !expired(&session, self.sessions, now)
        });
        let Some(user) = user.filter(|_| valid) else {
            self.store.write(|tx| {
                tx.remove_session(&token_hash)?;
                Ok::<_, StoreError>(())
            })?;
            return Err(ended());
        };
        // Idle time is tracked coarsely so that reading does not mean writing on every request.
        let resolution = (self.sessions.idle / 4).min(std::time::Duration::from_secs(60));
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

    /// What the caller may do in the tenant it works in: its session's selected tenant, or its
    /// key's tenant. Fails closed: no tenant, an inactive tenant, no membership, an unknown
    /// role — each refuses.
    pub fn grant(&self, caller: &Caller) -> Result<Grant, ServiceError> {
        match caller {
            Caller::User { user, session, .. } => {
                let Some(tenant_id) = session.tenant.as_deref() else {
                    if self.accessible_tenants(user)?.is_empty() {
                        return Err(ServiceError::NoTenant);
                    }
                    return Err(ServiceError::Forbidden(
                        "you have no workspace selected; choose one with POST /api/v1/tenants/{id}/select".into(),
                    ));
                };
                let tenant = self.active_tenant(tenant_id)?;
                self.user_grant(&tenant.id, user)?.ok_or_else(|| {
                    ServiceError::Forbidden(format!(
                        "you are no longer a member of workspace {}",
                        tenant.id
                    ))
                })
            }
            Caller::Key { key } => {
                let tenant = self.active_tenant(&key.tenant)?;
                // A key never does more than its creator may do now: each scope is narrowed to
                // the creator's current access (and their attributes), and a key whose creator
                // left, was disabled or lost the permission grants nothing of it.
                let creator = match self.store.user(&key.created_by)? {
                    Some(user) if !user.disabled => self.user_grant(&tenant.id, &user)?,
                    _ => None,
                };
                let permissions = key
                    .scopes
                    .iter()
                    .filter_map(|s| policy::api_key_scope(s))
                    .flatten()
                    .filter_map(|p| {
                        let held = creator.as_ref()?.scope(p.resource, p.action)?;
                        Some(Permission {
                            scope: p.scope.min(held),
                            ..p
                        })
                    })
                    .collect();
                Ok(Grant {
                    actor: key.id.clone(),
                    email: String::new(),
                    tenant: tenant.id,
                    role: None,
                    super_admin: false,
                    permissions,
                    attributes: creator.map(|c| c.attributes).unwrap_or_default(),
                })
            }
        }
    }

    /// What `user` may do in `tenant` through their membership (or as a super-admin); `None`
    /// when they are neither a member nor a super-admin.
    pub(super) fn user_grant(
        &self,
        tenant: &str,
        user: &UserRecord,
    ) -> Result<Option<Grant>, ServiceError> {
        let membership = self.store.membership(tenant, &user.id)?;
        if membership.is_none() && !user.super_admin {
            return Ok(None);
        }
        let permissions = match &membership {
            Some(m) => self.role_permissions(tenant, &m.role)?,
            None => Vec::new(),
        };
        Ok(Some(Grant {
            actor: user.id.clone(),
            email: user.email.clone(),
            tenant: tenant.to_owned(),
            role: membership.as_ref().map(|m| m.role.clone()),
            super_admin: user.super_admin,
            permissions,
            attributes: membership.map(|m| m.attributes).unwrap_or_default(),
        }))
    }

    fn active_tenant(&self, id: &str) -> Result<TenantRecord, ServiceError> {
        match self.store.tenant(id)? {
            Some(tenant) if tenant.active => Ok(tenant),
            Some(_) => Err(ServiceError::Forbidden(format!(
                "workspace {id} is deactivated"
            ))),
            None => Err(ServiceError::NotFound {
                kind: "tenant",
                id: id.to_owned(),
            }),
        }
    }

    /// A role's permissions in a tenant: built-in, or the tenant's own; nothing for a role
    /// that no longer exists.
    pub(super) fn role_permissions(
        &self,
        tenant: &str,
        role: &str,
    ) -> Result<Vec<Permission>, ServiceError> {
        if let Some(permissions) = policy::built_in_role(role) {
            return Ok(permissions);
        }
        Ok(self
            .store
            .role(tenant, role)?
            .map(|r| r.permissions)
            .unwrap_or_default())
    }

    /// The active tenants a user reaches, by name: their memberships, or every tenant for a
    /// super-admin.
    fn accessible_tenants(&self, user: &UserRecord) -> Result<Vec<TenantAccess>, ServiceError> {
        let memberships: BTreeMap<String, MembershipRecord> = self
            .store
            .memberships_of(&user.id)?
            .into_iter()
            .map(|m| (m.tenant.clone(), m))
            .collect();
        let mut tenants: Vec<TenantAccess> = self
            .store
            .tenants()?
            .into_iter()
            .filter(|t| t.active && (user.super_admin || memberships.contains_key(&t.id)))
            .map(|t| {
                let membership = memberships.get(&t.id);
                TenantAccess {
                    role: membership.map(|m| m.role.clone()),
                    attributes: membership.map(|m| m.attributes.clone()).unwrap_or_default(),
                    id: t.id,
                    name: t.name,
                    plan: t.plan,
                }
            })
            .collect();
        tenants.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(tenants)
    }

    /// The tenants the caller may work in.
    pub fn tenants_of(&self, caller: &Caller) -> Result<Vec<TenantAccess>, ServiceError> {
        match caller {
            Caller::User { user, .. } => self.accessible_tenants(user),
            Caller::Key { key } => {
                let tenant = self.active_tenant(&key.tenant)?;
                Ok(vec![TenantAccess {
                    id: tenant.id,
                    name: tenant.name,
                    plan: tenant.plan,
                    role: None,
                    attributes: BTreeMap::new(),
                }])
            }
        }
    }

    pub fn me(&self, caller: &Caller) -> Result<Me, ServiceError> {
        let tenants = self.tenants_of(caller)?;
        let (tenant, permissions) = match self.grant(caller) {
            Ok(grant) => {
                let tenant = tenants.iter().find(|t| t.id == grant.tenant).cloned();
                let permissions = if grant.super_admin {
                    vec![Permission {
                        resource: policy::Resource::Any,
                        action: policy::Action::Any,
                        scope: policy::Scope::All,
                    }]
                } else {
                    grant.permissions
                };
                (tenant, permissions)
            }
            Err(_) => (None, Vec::new()),
        };
        let user = match caller {
            Caller::User { user, .. } => MeUser {
                id: user.id.clone(),
                email: user.email.clone(),
                name: user.name.clone(),
                super_admin: user.super_admin,
            },
            Caller::Key { key } => MeUser {
                id: key.id.clone(),
                email: String::new(),
                name: key.name.clone(),
                super_admin: false,
            },
        };
        Ok(Me {
            user,
            tenant,
            tenants,
            permissions,
            csrf_token: caller.csrf().map(str::to_owned),
        })
    }

    /// Moves the caller's session to another tenant it may reach.
    pub fn select_tenant(&self, caller: &Caller, tenant_id: &str) -> Result<Me, ServiceError> {
        let Caller::User {
            user,
            session,
            token_hash,
        } = caller
        else {
            return Err(ServiceError::Forbidden(
                "an API key belongs to one workspace and cannot select another".into(),
            ));
        };
        if !self
            .accessible_tenants(user)?
            .iter()
            .any(|t| t.id == tenant_id)
        {
            return Err(ServiceError::NotFound {
                kind: "tenant",
                id: tenant_id.to_owned(),
            });
        }
        let mut session = session.clone();
        let before = session.tenant.clone();
        session.tenant = Some(tenant_id.to_owned());
        self.store.write(|tx| {
            tx.put_session(token_hash, &session)?;
            tx.audit(
                AuditEvent::new(
                    &user.id,
                    Some(tenant_id),
                    "session.select_tenant",
                    tenant_id,
                )
                .before(&before),
            );
            Ok::<_, StoreError>(())
        })?;
        self.me(&Caller::User {
            user: user.clone(),
            session,
            token_hash: token_hash.clone(),
        })
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
        if let Err(retry_after) = self.throttle.check(&user.email, address) {
            return Err(ServiceError::Throttled { retry_after });
        }
        if !self.with_hash_memory(|m| password::verify_in(m, current, &user.password_hash)) {
            self.throttle.failure(&user.email, address);
            return Err(ServiceError::Invalid(
                "the current password is wrong".into(),
            ));
        }
        self.throttle.success(&user.email, address);
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

/// The key a credential's remembered answer is filed under (its hash, never the secret).
fn auth_key(credential: &Credential) -> String {
    match credential {
        Credential::Session(token) => format!("s{}", crate::digest::sha256_hex(token)),
        Credential::ApiKey(text) => format!("k{}", crate::digest::sha256_hex(text)),
    }
}
