//! Administration: users, memberships, roles, API keys, tenants, and creating dashboards
//! within a plan's limits. Every operation asks the policy first, works inside the grant's
//! tenant, and records what it changed in the same transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::auth::{Caller, public_user};
use super::{Appliance, ServiceError};
use crate::analytics::TenantDb;
use crate::audit::AuditEvent;
use crate::identity::policy::{
    self, Action, Denied, Feature, Grant, Limits, Permission, Plan, Resource, Scope,
};
use crate::identity::{check_email, normalize_email, password, token};
use crate::store::{
    ApiKeyRecord, MembershipRecord, RoleRecord, StoreError, TenantRecord, Tx, UserRecord,
};

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub super_admin: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Memberships the viewer may see: all for a super-admin, else the current tenant's.
    pub memberships: Vec<MemberView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MemberView {
    pub tenant: String,
    pub role: String,
    pub attributes: BTreeMap<String, String>,
}

impl From<&MembershipRecord> for MemberView {
    fn from(m: &MembershipRecord) -> Self {
        Self {
            tenant: m.tenant.clone(),
            role: m.role.clone(),
            attributes: m.attributes.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: String,
    /// The role in the current tenant. Required unless a super-admin creates the user.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub super_admin: bool,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub name: Option<String>,
    /// A password reset by an admin; the user's sessions end.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RoleView {
    pub name: String,
    pub description: String,
    pub permissions: Vec<Permission>,
    pub built_in: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiKeyRecord> for ApiKeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        Self {
            id: k.id.clone(),
            name: k.name.clone(),
            scopes: k.scopes.clone(),
            created_by: k.created_by.clone(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A new key: its record, and the secret, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct NewApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
    pub limits: Limits,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub members: usize,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub plan: Option<Plan>,
    #[serde(default)]
    pub active: Option<bool>,
}

fn not_found(kind: &'static str, id: &str) -> ServiceError {
    ServiceError::NotFound {
        kind,
        id: id.to_owned(),
    }
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(message.into())
}

fn check_name(name: &str, what: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(format!("{what} must be 1 to 100 characters")));
    }
    Ok(name.to_owned())
}

fn check_attributes(attributes: &BTreeMap<String, String>) -> Result<(), ServiceError> {
    for (key, value) in attributes {
        let key_ok = !key.is_empty()
            && key.len() <= 40
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(invalid(format!(
                "attribute name `{key}` must be 1 to 40 lowercase letters, digits or `_`"
            )));
        }
        if value.is_empty() || value.chars().count() > 200 {
            return Err(invalid(format!(
                "attribute `{key}` needs a value of 1 to 200 characters"
            )));
        }
    }
    Ok(())
}

/// Whether `role` names a role of `tenant`: built-in or the tenant's own.
fn role_exists(tx: &Tx<'_>, tenant: &str, role: &str) -> Result<bool, StoreError> {
    Ok(policy::built_in_role(role).is_some() || tx.role(tenant, role)?.is_some())
}

/// A role's permissions as this transaction sees them; nothing for an unknown role.
fn role_permissions_in(
    tx: &Tx<'_>,
    tenant: &str,
    role: &str,
) -> Result<Vec<Permission>, StoreError> {
    if let Some(permissions) = policy::built_in_role(role) {
        return Ok(permissions);
    }
    Ok(tx
        .role(tenant, role)?
        .map(|r| r.permissions)
        .unwrap_or_default())
}

/// "Grant at most what you hold": the caller may give (or change, or take away) a membership
/// of `role` with `attributes` only when it holds every permission of that role, and, when it
/// reads only its own rows, only with its own attributes (else it could hand out rows it may
/// not read itself).
fn check_delegation(
    tx: &Tx<'_>,
    grant: &Grant,
    role: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<(), ServiceError> {
    let permissions = role_permissions_in(tx, &grant.tenant, role)?;
    grant
        .holds_all(&permissions)
        .map_err(|denied| ServiceError::Forbidden(format!("role `{role}`: {denied}")))?;
    let reads_data = permissions
        .iter()
        .any(|p| matches!(p.resource, Resource::Data | Resource::Any));
    let own_rows_only = !matches!(
        grant.scope(Resource::Data, Action::Read),
        Some(Scope::Tenant | Scope::All)
    );
    if reads_data && own_rows_only && attributes != &grant.attributes {
        return Err(ServiceError::Forbidden(
            "you read only your own rows, so the people you manage get exactly your attributes"
                .into(),
        ));
    }
    Ok(())
}

/// Refuses to leave the workspace without a tenant admin. (A super-admin may: it administers
/// every workspace, and the demo has no tenant admin to begin with.)
fn keep_an_admin(tx: &Tx<'_>, grant: &Grant, leaving: &str) -> Result<(), ServiceError> {
    if grant.super_admin {
        return Ok(());
    }
    let tenant = grant.tenant.as_str();
    let admins = tx
        .members(tenant)?
        .into_iter()
        .filter(|m| m.role == policy::TENANT_ADMIN && m.user != leaving)
        .count();
    if admins == 0 {
        return Err(ServiceError::Conflict(
            "this is the workspace's last tenant admin; make someone else tenant admin first"
                .into(),
        ));
    }
    Ok(())
}

impl Appliance {
    fn user_view(&self, grant: &Grant, user: &UserRecord) -> Result<UserView, ServiceError> {
        let memberships = self
            .store
            .memberships_of(&user.id)?
            .iter()
            .filter(|m| grant.super_admin || m.tenant == grant.tenant)
            .map(MemberView::from)
            .collect();
        Ok(UserView {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            super_admin: user.super_admin,
            disabled: user.disabled,
            created_at: user.created_at,
            memberships,
        })
    }

    /// Users the caller administers: the tenant's members, or everyone for a super-admin.
    pub fn users(&self, grant: &Grant) -> Result<Vec<UserView>, ServiceError> {
        self.require(grant, Resource::Users, Action::Read, "users")?;
        let users: Vec<UserRecord> = if grant.super_admin {
            self.store.users()?
        } else {
            let mut users = Vec::new();
            for member in self.store.members(&grant.tenant)? {
                users.extend(self.store.user(&member.user)?);
            }
            users
        };
        let mut views = users
            .iter()
            .map(|u| self.user_view(grant, u))
            .collect::<Result<Vec<_>, _>>()?;
        views.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(views)
    }

    /// Creates a user (and their membership of the current tenant). Hold a hashing permit.
    pub fn create_user(&self, grant: &Grant, new: NewUser) -> Result<UserView, ServiceError> {
        self.require(grant, Resource::Users, Action::Create, &new.email)?;
        if new.super_admin && !grant.super_admin {
            return Err(self.deny(
                grant,
                &new.email,
                Denied("only a super-admin can create a super-admin".into()),
            ));
        }
        if new.role.is_none() && !grant.super_admin {
            return Err(invalid("a new user needs a `role` in this workspace"));
        }
        let email = normalize_email(&new.email);
        check_email(&email).map_err(invalid)?;
        let name = check_name(&new.name, "a name")?;
        password::check_policy(&new.password).map_err(|e| invalid(e.to_string()))?;
        check_attributes(&new.attributes)?;
        let now = Utc::now();
        let user = UserRecord {
            id: token::random_id("US-", 10),
            email,
            name,
            password_hash: self.with_hash_memory(|m| password::hash_in(m, &new.password)),
            super_admin: new.super_admin,
            disabled: false,
            epoch: 0,
            created_at: now,
            updated_at: now,
        };
        self.write_checked(grant, &new.email, |tx| {
            if let Some(role) = &new.role {
                check_delegation(tx, grant, role, &new.attributes)?;
            }
            if tx.user_by_email(&user.email)?.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "a user with email {} already exists",
                    user.email
                )));
            }
            tx.put_user(&user)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "user.create", &user.id)
                    .after(&public_user(&user)),
            );
            if let Some(role) = &new.role {
                if !role_exists(tx, &grant.tenant, role)? {
                    return Err(invalid(format!("this workspace has no role `{role}`")));
                }
                let membership = MembershipRecord {
                    tenant: grant.tenant.clone(),
                    user: user.id.clone(),
                    role: role.clone(),
                    attributes: new.attributes.clone(),
                    updated_at: now,
                };
                tx.put_membership(&membership)?;
                tx.audit(
                    AuditEvent::new(
                        &grant.actor,
                        Some(&grant.tenant),
                        "membership.put",
                        &user.id,
                    )
                    .after(&membership),
                );
            }
            Ok(())
        })?;
        self.user_view(grant, &user)
    }

    /// Whether the caller may change `target`: a super-admin may change anyone; a tenant admin
    /// only people who belong to their tenant alone and are not super-admins.
    fn check_authority(
        &self,
        tx: &Tx<'_>,
        grant: &Grant,
        target: &UserRecord,
    ) -> Result<(), ServiceError> {
        if grant.super_admin {
            return Ok(());
        }
        let memberships = tx.memberships_of(&target.id)?;
        if !memberships.iter().any(|m| m.tenant == grant.tenant) {
            return Err(not_found("user", &target.id));
        }
        if target.super_admin || memberships.iter().any(|m| m.tenant != grant.tenant) {
            return Err(ServiceError::Forbidden(
                "this user also belongs elsewhere; only a super-admin can change the account"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Renames, disables or re-enables a user, or resets their password (ending their
    /// sessions). Hold a hashing permit.
    pub fn update_user(
        &self,
        grant: &Grant,
        id: &str,
        patch: UserPatch,
    ) -> Result<UserView, ServiceError> {
        self.require(grant, Resource::Users, Action::Update, id)?;
        let name = patch
            .name
            .as_deref()
            .map(|n| check_name(n, "a name"))
            .transpose()?;
        if let Some(new) = &patch.password {
            password::check_policy(new).map_err(|e| invalid(e.to_string()))?;
        }
        if patch.disabled == Some(true) && id == grant.actor {
            return Err(invalid("you cannot disable your own account"));
        }
        let hash = patch
            .password
            .as_deref()
            .map(|p| self.with_hash_memory(|m| password::hash_in(m, p)));
        let user = self.write_checked(grant, id, |tx| {
            let before = tx.user(id)?.ok_or_else(|| not_found("user", id))?;
            self.check_authority(tx, grant, &before)?;
            let mut user = before.clone();
            if let Some(name) = name {
                user.name = name;
            }
            if let Some(disabled) = patch.disabled {
                user.disabled = disabled;
            }
            if let Some(hash) = hash {
                user.password_hash = hash;
            }
            if user.disabled != before.disabled || user.password_hash != before.password_hash {
                user.epoch += 1;
                tx.remove_sessions_of(&user.id, |_| true)?;
            }
            user.updated_at = Utc::now();
            tx.put_user(&user)?;
            let action = if patch.password.is_some() {
                "user.password_reset"
            } else {
                "user.update"
            };
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), action, &user.id)
                    .before(&public_user(&before))
                    .after(&public_user(&user)),
            );
            Ok::<_, ServiceError>(user)
        })?;
        self.user_view(grant, &user)
    }

    /// Gives a user a role and attributes in the current tenant; their sessions end so the new
    /// access applies from their next sign-in.
    pub fn put_membership(
        &self,
        grant: &Grant,
        user_id: &str,
        role: &str,
        attributes: BTreeMap<String, String>,
    ) -> Result<MemberView, ServiceError> {
        self.require(grant, Resource::Memberships, Action::Update, user_id)?;
        check_attributes(&attributes)?;
        let membership = self.write_checked(grant, user_id, |tx| {
            let user = tx
                .user(user_id)?
                .ok_or_else(|| not_found("user", user_id))?;
            let before = tx.membership(&grant.tenant, user_id)?;
            // A tenant admin manages people already in the tenant (new people are created with
            // their membership); only a super-admin brings in someone from elsewhere.
            if before.is_none() && !grant.super_admin {
                return Err(not_found("member", user_id));
            }
            if user.super_admin && !grant.super_admin {
                return Err(ServiceError::Forbidden(
                    "only a super-admin can change a super-admin".into(),
                ));
            }
            if !role_exists(tx, &grant.tenant, role)? {
                return Err(invalid(format!("this workspace has no role `{role}`")));
            }
            // Neither the new membership nor the one it replaces may exceed the caller's own.
            check_delegation(tx, grant, role, &attributes)?;
            if let Some(before) = &before {
                check_delegation(tx, grant, &before.role, &before.attributes)?;
                if before.role == policy::TENANT_ADMIN && role != policy::TENANT_ADMIN {
                    keep_an_admin(tx, grant, user_id)?;
                }
            }
            let membership = MembershipRecord {
                tenant: grant.tenant.clone(),
                user: user_id.to_owned(),
                role: role.to_owned(),
                attributes,
                updated_at: Utc::now(),
            };
            tx.put_membership(&membership)?;
            // Only the sessions working in this workspace end; the person's other workspaces
            // are untouched (their grants are read afresh after every write anyway).
            if before.is_some() {
                let tenant = grant.tenant.as_str();
                tx.remove_sessions_of(user_id, |s| s.tenant.as_deref() == Some(tenant))?;
            }
            let mut event =
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "membership.put", user_id)
                    .after(&membership);
            if let Some(before) = &before {
                event = event.before(before);
            }
            tx.audit(event);
            Ok(membership)
        })?;
        Ok(MemberView::from(&membership))
    }

    pub fn remove_membership(&self, grant: &Grant, user_id: &str) -> Result<(), ServiceError> {
        self.require(grant, Resource::Memberships, Action::Delete, user_id)?;
        if user_id == grant.actor {
            return Err(invalid("you cannot remove yourself from the workspace"));
        }
        self.write_checked(grant, user_id, |tx| {
            let before = tx
                .membership(&grant.tenant, user_id)?
                .ok_or_else(|| not_found("member", user_id))?;
            let user = tx
                .user(user_id)?
                .ok_or_else(|| not_found("user", user_id))?;
            if user.super_admin && !grant.super_admin {
                return Err(ServiceError::Forbidden(
                    "only a super-admin can change a super-admin".into(),
                ));
            }
            check_delegation(tx, grant, &before.role, &before.attributes)?;
            if before.role == policy::TENANT_ADMIN {
                keep_an_admin(tx, grant, user_id)?;
            }
            tx.remove_membership(&grant.tenant, user_id)?;
            let tenant = grant.tenant.as_str();
            tx.remove_sessions_of(user_id, |s| s.tenant.as_deref() == Some(tenant))?;
            tx.audit(
                AuditEvent::new(
                    &grant.actor,
                    Some(&grant.tenant),
                    "membership.delete",
                    user_id,
                )
                .before(&before),
            );
            Ok(())
        })
    }

    /// The built-in roles and the tenant's own.
    pub fn roles(&self, grant: &Grant) -> Result<Vec<RoleView>, ServiceError> {
        self.require(grant, Resource::Roles, Action::Read, "roles")?;
        let mut roles: Vec<RoleView> = policy::BUILT_IN_ROLES
            .iter()
            .map(|name| RoleView {
                name: (*name).to_owned(),
                description: String::new(),
                permissions: policy::built_in_role(name).unwrap_or_default(),
                built_in: true,
            })
            .collect();
        roles.extend(
            self.store
                .roles(&grant.tenant)?
                .into_iter()
                .map(|r| RoleView {
                    name: r.name,
                    description: r.description,
                    permissions: r.permissions,
                    built_in: false,
                }),
        );
        Ok(roles)
    }

    fn require_feature(&self, grant: &Grant, feature: Feature) -> Result<(), ServiceError> {
        let tenant = self
            .store
            .tenant(&grant.tenant)?
            .ok_or_else(|| not_found("tenant", &grant.tenant))?;
        if tenant.plan.has(feature) {
            Ok(())
        } else {
            Err(ServiceError::PremiumRequired(format!(
                "{} need the premium plan; this workspace is on the free plan",
                feature.label()
            )))
        }
    }

    /// Creates or replaces a business role (premium plans).
    pub fn put_role(
        &self,
        grant: &Grant,
        name: &str,
        description: String,
        permissions: Vec<Permission>,
    ) -> Result<RoleView, ServiceError> {
        self.require(grant, Resource::Roles, Action::Update, name)?;
        self.require_feature(grant, Feature::CustomRoles)?;
        policy::check_role_name(name).map_err(invalid)?;
        if permissions.is_empty() {
            return Err(invalid("a role needs at least one permission"));
        }
        if permissions.iter().any(|p| {
            p.scope == Scope::All || matches!(p.resource, Resource::Tenants | Resource::Any)
        }) {
            return Err(invalid(
                "a workspace role cannot reach other workspaces: scope `all`, resource `tenants` and `*` are reserved to super-admins",
            ));
        }
        grant
            .holds_all(&permissions)
            .map_err(|denied| self.deny(grant, name, denied))?;
        let role = RoleRecord {
            tenant: grant.tenant.clone(),
            name: name.to_owned(),
            description: description.trim().to_owned(),
            permissions,
            updated_at: Utc::now(),
        };
        self.write_checked(grant, name, |tx| {
            let before = tx.role(&grant.tenant, name)?;
            // Changing a role that holds more than the caller would take from its holders what
            // the caller could never give back.
            if let Some(before) = &before {
                grant
                    .holds_all(&before.permissions)
                    .map_err(|denied| ServiceError::Forbidden(denied.0))?;
            }
            tx.put_role(&role)?;
            let action = if before.is_some() {
                "role.update"
            } else {
                "role.create"
            };
            let mut event =
                AuditEvent::new(&grant.actor, Some(&grant.tenant), action, name).after(&role);
            if let Some(before) = &before {
                event = event.before(before);
            }
            tx.audit(event);
            Ok::<_, ServiceError>(())
        })?;
        Ok(RoleView {
            name: role.name,
            description: role.description,
            permissions: role.permissions,
            built_in: false,
        })
    }

    pub fn delete_role(&self, grant: &Grant, name: &str) -> Result<(), ServiceError> {
        self.require(grant, Resource::Roles, Action::Delete, name)?;
        self.store.write(|tx| {
            let before = tx
                .role(&grant.tenant, name)?
                .ok_or_else(|| not_found("role", name))?;
            let holders = tx
                .members(&grant.tenant)?
                .iter()
                .filter(|m| m.role == name)
                .count();
            if holders > 0 {
                return Err(ServiceError::Conflict(format!(
                    "{holders} member(s) hold role `{name}`; give them another role first"
                )));
            }
            tx.remove_role(&grant.tenant, name)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "role.delete", name)
                    .before(&before),
            );
            Ok(())
        })
    }

    pub fn api_keys(&self, grant: &Grant) -> Result<Vec<ApiKeyView>, ServiceError> {
        self.require(grant, Resource::ApiKeys, Action::Read, "api_keys")?;
        let mut keys: Vec<ApiKeyView> = self
            .store
            .api_keys(&grant.tenant)?
            .iter()
            .map(ApiKeyView::from)
            .collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.created_at));
        Ok(keys)
    }

    /// Creates a key for the current tenant (premium plans); the secret is in the answer only.
    pub fn create_api_key(
        &self,
        grant: &Grant,
        name: &str,
        scopes: Vec<String>,
    ) -> Result<NewApiKey, ServiceError> {
        self.require(grant, Resource::ApiKeys, Action::Create, name)?;
        self.require_feature(grant, Feature::ApiKeys)?;
        let name = check_name(name, "a key name")?;
        if scopes.is_empty() {
            return Err(invalid(format!(
                "a key needs at least one scope: {}",
                policy::API_KEY_SCOPES.join(", ")
            )));
        }
        if let Some(unknown) = scopes.iter().find(|s| policy::api_key_scope(s).is_none()) {
            return Err(invalid(format!(
                "unknown scope `{unknown}`; scopes are {}",
                policy::API_KEY_SCOPES.join(", ")
            )));
        }
        // A key never holds more than its creator (and `grant` narrows it to the creator's
        // current access at every use).
        let wanted: Vec<Permission> = scopes
            .iter()
            .filter_map(|s| policy::api_key_scope(s))
            .flatten()
            .collect();
        grant
            .holds_all(&wanted)
            .map_err(|denied| self.deny(grant, &name, denied))?;
        let id = token::random_id("AK-", 10);
        let secret = token::secret();
        let key = ApiKeyRecord {
            id: id.clone(),
            tenant: grant.tenant.clone(),
            name,
            scopes,
            secret_hash: crate::digest::sha256_hex(&secret),
            created_by: grant.actor.clone(),
            created_at: Utc::now(),
            last_used_at: None,
            revoked_at: None,
        };
        self.store.write(|tx| {
            tx.put_api_key(&key)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), "api_key.create", &key.id)
                    .after(&ApiKeyView::from(&key)),
            );
            Ok::<_, ServiceError>(())
        })?;
        Ok(NewApiKey {
            key: ApiKeyView::from(&key),
            secret: format!("fbk_{id}_{secret}"),
        })
    }

    pub fn revoke_api_key(&self, grant: &Grant, id: &str) -> Result<ApiKeyView, ServiceError> {
        self.require(grant, Resource::ApiKeys, Action::Delete, id)?;
        let key = self.store.write(|tx| {
            let mut key = tx
                .api_key(id)?
                .filter(|k| k.tenant == grant.tenant)
                .ok_or_else(|| not_found("API key", id))?;
            if key.revoked_at.is_none() {
                key.revoked_at = Some(Utc::now());
                tx.put_api_key(&key)?;
                tx.audit(AuditEvent::new(
                    &grant.actor,
                    Some(&grant.tenant),
                    "api_key.revoke",
                    id,
                ));
            }
            Ok::<_, ServiceError>(key)
        })?;
        Ok(ApiKeyView::from(&key))
    }

    /// The caller, if a super-admin; otherwise a recorded refusal.
    fn super_admin<'c>(
        &self,
        caller: &'c Caller,
        target: &str,
    ) -> Result<&'c UserRecord, ServiceError> {
        match caller {
            Caller::User { user, .. } if user.super_admin => Ok(user),
            other => {
                self.record_refusal(
                    AuditEvent::new(other.actor(), None, "access.deny", target)
                        .reason("tenant administration needs a super-admin"),
                );
                Err(ServiceError::Forbidden(
                    "only a super-admin can administer workspaces".into(),
                ))
            }
        }
    }

    fn tenant_view(&self, tenant: TenantRecord) -> Result<TenantView, ServiceError> {
        let members = self.store.members(&tenant.id)?.len();
        Ok(TenantView {
            limits: tenant.plan.limits(),
            id: tenant.id,
            name: tenant.name,
            slug: tenant.slug,
            plan: tenant.plan,
            active: tenant.active,
            created_at: tenant.created_at,
            members,
        })
    }

    /// Every tenant (super-admins).
    pub fn all_tenants(&self, caller: &Caller) -> Result<Vec<TenantView>, ServiceError> {
        self.super_admin(caller, "tenants")?;
        let mut views = self
            .store
            .tenants()?
            .into_iter()
            .map(|t| self.tenant_view(t))
            .collect::<Result<Vec<_>, _>>()?;
        views.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(views)
    }

    /// Creates a tenant with its own, empty DuckDB file (super-admins).
    pub fn create_tenant(
        &self,
        caller: &Caller,
        name: &str,
        plan: Plan,
    ) -> Result<TenantView, ServiceError> {
        let admin = self.super_admin(caller, name)?;
        let name = check_name(name, "a workspace name")?;
        let slug: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let tenant = TenantRecord {
            id: token::random_id("WK-", 9),
            name,
            slug,
            created_at: Utc::now(),
            demo: None,
            plan,
            active: true,
            branding: Default::default(),
        };
        let io = |e: std::io::Error| {
            ServiceError::Invalid(format!("could not create the workspace's directory: {e}"))
        };
        self.data_dir.create_tenant_dir(&tenant.id).map_err(io)?;
        let db = TenantDb::open(&self.data_dir.tenant_db(&tenant.id), &self.limits)?;
        self.store.write(|tx| {
            tx.put_tenant(&tenant)?;
            tx.audit(
                AuditEvent::new(&admin.id, Some(&tenant.id), "tenant.create", &tenant.id)
                    .after(&tenant),
            );
            Ok::<_, ServiceError>(())
        })?;
        self.tenants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(tenant.id.clone(), Arc::new(db));
        self.tenant_view(tenant)
    }

    /// Renames a tenant, changes its plan, or deactivates / reactivates it (super-admins).
    pub fn update_tenant(
        &self,
        caller: &Caller,
        id: &str,
        patch: TenantPatch,
    ) -> Result<TenantView, ServiceError> {
        let admin = self.super_admin(caller, id)?;
        let name = patch
            .name
            .as_deref()
            .map(|n| check_name(n, "a workspace name"))
            .transpose()?;
        let tenant = self.store.write(|tx| {
            let before = tx.tenant(id)?.ok_or_else(|| not_found("tenant", id))?;
            let mut tenant = before.clone();
            if let Some(name) = name {
                tenant.name = name;
            }
            if let Some(plan) = patch.plan {
                tenant.plan = plan;
            }
            if let Some(active) = patch.active {
                tenant.active = active;
            }
            tx.put_tenant(&tenant)?;
            tx.audit(
                AuditEvent::new(&admin.id, Some(id), "tenant.update", id)
                    .before(&before)
                    .after(&tenant),
            );
            Ok::<_, ServiceError>(tenant)
        })?;
        self.tenant_view(tenant)
    }
}
