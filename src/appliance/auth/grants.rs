//! From a caller to what it may do: the tenant it works in, its role's permissions and its
//! attributes; the tenants it may reach, `me`, and switching tenants.

use std::collections::BTreeMap;

use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::identity::policy::{self, Grant, Permission};
use crate::store::{MembershipRecord, StoreError, TenantRecord, UserRecord};

use super::{Caller, Me, MeUser, TenantAccess};

impl Appliance {
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
    pub(in crate::appliance) fn user_grant(
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
    pub(super) fn accessible_tenants(
        &self,
        user: &UserRecord,
    ) -> Result<Vec<TenantAccess>, ServiceError> {
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
}
