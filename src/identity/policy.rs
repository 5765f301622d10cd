//! The access policy: one place that decides what a caller may do in a tenant.
//!
//! Permissions are resource × action × scope (own, tenant, all), granted by a role: the
//! built-in ones below, or a business role a tenant defines (`sales_manager`, `executive`).
//! Attribute rules (ABAC) refine them: a caller whose `data:read` scope is `own` sees only the
//! rows a dataset's row policies match with the caller's attributes (`zone = NORTH`), and
//! dashboards and panels may name the roles they are meant for. Every function here fails
//! closed: an unknown role grants nothing, a missing attribute denies, no rule means no.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::DatasetDef;
use crate::vocabulary::{Filter, FilterOp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Objects the caller owns; for data, rows matching the caller's attributes.
    Own,
    /// Everything in the tenant.
    Tenant,
    /// Everything in every tenant (super-admin).
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Dashboards,
    Data,
    Users,
    Memberships,
    Roles,
    ApiKeys,
    Tenants,
    Audit,
    Sync,
    /// The workspace's logo, colours, font and default theme.
    Branding,
    #[serde(rename = "*")]
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    #[serde(rename = "*")]
    Any,
}

impl Resource {
    /// Every resource but the wildcard.
    pub const CONCRETE: [Resource; 10] = [
        Resource::Dashboards,
        Resource::Data,
        Resource::Users,
        Resource::Memberships,
        Resource::Roles,
        Resource::ApiKeys,
        Resource::Tenants,
        Resource::Audit,
        Resource::Sync,
        Resource::Branding,
    ];
}

impl Action {
    /// Every action but the wildcard.
    pub const CONCRETE: [Action; 4] =
        [Action::Read, Action::Create, Action::Update, Action::Delete];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Permission {
    pub resource: Resource,
    pub action: Action,
    pub scope: Scope,
}

impl Permission {
    const fn new(resource: Resource, action: Action, scope: Scope) -> Self {
        Self {
            resource,
            action,
            scope,
        }
    }

    fn covers(&self, resource: Resource, action: Action) -> bool {
        (self.resource == Resource::Any || self.resource == resource)
            && (self.action == Action::Any || self.action == action)
    }
}

pub const TENANT_ADMIN: &str = "tenant-admin";
pub const EDITOR: &str = "editor";
pub const VIEWER: &str = "viewer";
pub const BUILT_IN_ROLES: [&str; 3] = [TENANT_ADMIN, EDITOR, VIEWER];

/// The permissions of a built-in role; `None` for any other name.
pub fn built_in_role(name: &str) -> Option<Vec<Permission>> {
    use Action::Read;
    use Resource::{ApiKeys, Audit, Branding, Dashboards, Data, Memberships, Roles, Users};
    use Scope::Tenant;
    const ALL: Action = Action::Any;
    let p = Permission::new;
    Some(match name {
        TENANT_ADMIN => vec![
            p(Dashboards, ALL, Tenant),
            p(Data, ALL, Tenant),
            p(Users, ALL, Tenant),
            p(Memberships, ALL, Tenant),
            p(Roles, ALL, Tenant),
            p(ApiKeys, ALL, Tenant),
            p(Audit, Read, Tenant),
            p(Branding, ALL, Tenant),
        ],
        EDITOR => vec![p(Dashboards, ALL, Tenant), p(Data, Read, Tenant)],
        VIEWER => vec![p(Dashboards, Read, Tenant), p(Data, Read, Tenant)],
        _ => return None,
    })
}

/// The scopes an API key may carry, and what each grants within the key's tenant.
pub const API_KEY_SCOPES: [&str; 4] = ["dashboards:read", "data:read", "data:write", "sync:read"];

pub fn api_key_scope(scope: &str) -> Option<Vec<Permission>> {
    use Action::{Create, Delete, Read, Update};
    use Resource::{Dashboards, Data, Sync};
    use Scope::Tenant;
    let p = Permission::new;
    Some(match scope {
        "dashboards:read" => vec![p(Dashboards, Read, Tenant)],
        "data:read" => vec![p(Data, Read, Tenant)],
        "data:write" => vec![
            p(Data, Create, Tenant),
            p(Data, Update, Tenant),
            p(Data, Delete, Tenant),
        ],
        "sync:read" => vec![p(Sync, Read, Tenant), p(Dashboards, Read, Tenant)],
        _ => return None,
    })
}

/// A business role's name: lowercase letters, digits, `_` and `-`, starting with a letter, and
/// not one of the built-in names.
pub fn check_role_name(name: &str) -> Result<(), String> {
    let valid = (1..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        return Err(format!(
            "role name `{name}` must be 1 to 40 lowercase letters, digits, `_` or `-`, starting with a letter"
        ));
    }
    if BUILT_IN_ROLES.contains(&name) || name == "super-admin" {
        return Err(format!(
            "`{name}` is a built-in role and cannot be redefined"
        ));
    }
    Ok(())
}

/// What a caller may do in one tenant, resolved once per request from their session or key.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// A user id, or an API key id.
    pub actor: String,
    /// The user's email (overrides may name a user by it); empty for an API key.
    pub email: String,
    pub tenant: String,
    /// The membership's role; `None` for API keys and for a super-admin without membership.
    pub role: Option<String>,
    pub super_admin: bool,
    pub permissions: Vec<Permission>,
    pub attributes: BTreeMap<String, String>,
}

/// Why the policy said no, for the caller and the audit ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

impl Grant {
    /// The widest scope in which the caller may do `action` on `resource`, if any.
    pub fn scope(&self, resource: Resource, action: Action) -> Option<Scope> {
        if self.super_admin {
            return Some(Scope::All);
        }
        self.permissions
            .iter()
            .filter(|p| p.covers(resource, action))
            .map(|p| p.scope)
            .max()
    }

    /// Allows `action` on `resource`; `owner` is the object's owner, when it has one, so that
    /// an `own` scope can match.
    pub fn require(
        &self,
        resource: Resource,
        action: Action,
        owner: Option<&str>,
    ) -> Result<Scope, Denied> {
        match self.scope(resource, action) {
            Some(scope @ (Scope::Tenant | Scope::All)) => Ok(scope),
            Some(Scope::Own) if owner == Some(self.actor.as_str()) => Ok(Scope::Own),
            _ => Err(Denied(format!(
                "your role does not allow {} on {}",
                name(&action),
                name(&resource)
            ))),
        }
    }

    /// Refuses to hand out what the caller does not hold: every permission must be within one
    /// of the caller's own, at the same or a wider scope (`*` stands for every resource or
    /// action it covers). Delegated administration — creating people, changing memberships
    /// and roles, minting keys — goes through here, so nobody can give more than they have.
    pub fn holds_all(&self, permissions: &[Permission]) -> Result<(), Denied> {
        if self.super_admin {
            return Ok(());
        }
        for wanted in permissions {
            for resource in Resource::CONCRETE {
                for action in Action::CONCRETE {
                    if !wanted.covers(resource, action) {
                        continue;
                    }
                    if self
                        .scope(resource, action)
                        .is_none_or(|held| held < wanted.scope)
                    {
                        return Err(Denied(format!(
                            "you cannot grant {} on {} at scope {}: you do not hold it",
                            name(&action),
                            name(&resource),
                            name(&wanted.scope)
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether something meant for some roles (none: everyone who may read dashboards) is
    /// meant for this caller, the roles held wherever they are (a JSON array, say): `no_roles`
    /// when there are none, `names` says whether they name a role. Tenant admins and
    /// super-admins see everything in the tenant.
    pub fn is_audience_by(&self, no_roles: bool, names: impl Fn(&str) -> bool) -> bool {
        no_roles
            || self.super_admin
            || self
                .role
                .as_deref()
                .is_some_and(|role| role == TENANT_ADMIN || names(role))
    }

    /// The filters a query on `dataset` must carry for this caller: none with tenant-wide data
    /// access; with `own` access, one per row policy, bound to the caller's attribute.
    pub fn row_filters(&self, dataset: &DatasetDef) -> Result<Vec<Filter>, Denied> {
        match self.scope(Resource::Data, Action::Read) {
            Some(Scope::Tenant | Scope::All) => Ok(Vec::new()),
            Some(Scope::Own) => {
                if dataset.row_policies.is_empty() {
                    return Err(Denied(format!(
                        "you may read only your own rows, and dataset `{}` has no rule saying which rows are yours",
                        dataset.name
                    )));
                }
                let role = self.role.as_deref().unwrap_or_default();
                dataset
                    .row_policies
                    .iter()
                    .filter(|policy| !policy.all_rows.iter().any(|r| r == role))
                    .map(|policy| {
                        let value = self.attributes.get(&policy.attribute).ok_or_else(|| {
                            Denied(format!(
                                "dataset `{}` shows rows by `{}`, and you have no `{}` attribute",
                                dataset.name, policy.column, policy.attribute
                            ))
                        })?;
                        Ok(Filter {
                            column: policy.column.clone(),
                            op: FilterOp::Eq,
                            value: serde_json::Value::String(value.clone()),
                        })
                    })
                    .collect()
            }
            None => Err(Denied("your role does not allow reading data".into())),
        }
    }
}

fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A tenant's plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    #[default]
    Free,
    Premium,
}

/// Features only premium tenants have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Business roles beyond the built-in ones.
    CustomRoles,
    /// API keys for agents and automation.
    ApiKeys,
}

impl Feature {
    pub fn label(self) -> &'static str {
        match self {
            Self::CustomRoles => "custom roles",
            Self::ApiKeys => "API keys",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Limits {
    pub max_dashboards: usize,
    pub max_widgets_per_dashboard: usize,
}

impl Plan {
    pub fn limits(self) -> Limits {
        match self {
            Self::Free => Limits {
                max_dashboards: 5,
                max_widgets_per_dashboard: 12,
            },
            Self::Premium => Limits {
                max_dashboards: 200,
                max_widgets_per_dashboard: 60,
            },
        }
    }

    pub fn has(self, _feature: Feature) -> bool {
        self == Self::Premium
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::RowPolicy;

    fn grant(role: &str, attributes: &[(&str, &str)]) -> Grant {
        let permissions = built_in_role(role).unwrap_or_else(|| {
            vec![
                Permission::new(Resource::Dashboards, Action::Read, Scope::Tenant),
                Permission::new(Resource::Data, Action::Read, Scope::Own),
            ]
        });
        Grant {
            actor: "US-1".into(),
            email: "us-1@example.com".into(),
            tenant: "WK-1".into(),
            role: Some(role.into()),
            super_admin: false,
            permissions,
            attributes: attributes
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn dataset(policies: &[(&str, &str)]) -> DatasetDef {
        let mut def: DatasetDef = serde_json::from_value(serde_json::json!({
            "name": "sales", "label": "Sales",
            "columns": [{"name": "zone", "type": "varchar"}]
        }))
        .unwrap();
        def.row_policies = policies
            .iter()
            .map(|(c, a)| RowPolicy {
                column: (*c).into(),
                attribute: (*a).into(),
                all_rows: Vec::new(),
            })
            .collect();
        def
    }

    #[test]
    fn nobody_grants_more_than_they_hold() {
        let admin = grant(TENANT_ADMIN, &[]);
        let editor = grant(EDITOR, &[]);
        let manager = grant("sales_manager", &[("zone", "NORTH")]);
        let all = |role: &str| built_in_role(role).unwrap();
        assert!(admin.holds_all(&all(TENANT_ADMIN)).is_ok());
        assert!(admin.holds_all(&all(EDITOR)).is_ok());
        assert!(editor.holds_all(&all(VIEWER)).is_ok());
        assert!(editor.holds_all(&all(TENANT_ADMIN)).is_err());
        // `own` data access does not give tenant-wide data access (an API key's scope).
        assert!(
            manager
                .holds_all(&api_key_scope("data:read").unwrap())
                .is_err()
        );
        assert!(
            manager
                .holds_all(&[Permission::new(Resource::Data, Action::Read, Scope::Own)])
                .is_ok()
        );
        // A wildcard asks for everything it covers.
        let any = Permission::new(Resource::Dashboards, Action::Any, Scope::Tenant);
        assert!(editor.holds_all(&[any]).is_ok());
        let everything = Permission::new(Resource::Any, Action::Read, Scope::Tenant);
        assert!(editor.holds_all(&[everything]).is_err());
        assert!(admin.holds_all(&[everything]).is_err(), "no tenants:read");
    }

    #[test]
    fn roles_grant_what_their_table_says_and_nothing_else() {
        let viewer = grant(VIEWER, &[]);
        assert!(
            viewer
                .require(Resource::Dashboards, Action::Read, None)
                .is_ok()
        );
        assert!(
            viewer
                .require(Resource::Dashboards, Action::Create, None)
                .is_err()
        );
        assert!(viewer.require(Resource::Users, Action::Read, None).is_err());
        let admin = grant(TENANT_ADMIN, &[]);
        assert!(
            admin
                .require(Resource::ApiKeys, Action::Delete, None)
                .is_ok()
        );
        assert!(
            admin
                .require(Resource::Tenants, Action::Update, None)
                .is_err()
        );
        let mut nobody = grant("unknown", &[]);
        nobody.permissions.clear();
        assert!(
            nobody
                .require(Resource::Dashboards, Action::Read, None)
                .is_err()
        );
        let mut owner = grant("unknown", &[]);
        owner.permissions = vec![Permission::new(
            Resource::Dashboards,
            Action::Update,
            Scope::Own,
        )];
        assert!(
            owner
                .require(Resource::Dashboards, Action::Update, Some("US-1"))
                .is_ok()
        );
        assert!(
            owner
                .require(Resource::Dashboards, Action::Update, Some("US-2"))
                .is_err()
        );
        assert!(
            owner
                .require(Resource::Dashboards, Action::Update, None)
                .is_err()
        );
    }

    #[test]
    fn own_data_access_filters_rows_by_attribute_and_fails_closed() {
        let manager = grant("sales_manager", &[("zone", "NORTH")]);
        let filters = manager.row_filters(&dataset(&[("zone", "zone")])).unwrap();
        assert_eq!(filters.len(), 1);
        assert_eq!(filters[0].value, serde_json::json!("NORTH"));
        // No attribute: no rows. No row policy: no rows.
        let unzoned = grant("sales_manager", &[]);
        assert!(unzoned.row_filters(&dataset(&[("zone", "zone")])).is_err());
        assert!(manager.row_filters(&dataset(&[])).is_err());
        // Tenant-wide readers get every row.
        let viewer = grant(VIEWER, &[]);
        assert!(
            viewer
                .row_filters(&dataset(&[("zone", "zone")]))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn audiences_and_role_names() {
        let is_audience = |grant: &Grant, roles: &[&str]| {
            grant.is_audience_by(roles.is_empty(), |role| roles.contains(&role))
        };
        let manager = grant("sales_manager", &[]);
        assert!(is_audience(&manager, &[]));
        assert!(is_audience(&manager, &["sales_manager"]));
        assert!(!is_audience(&manager, &["executive"]));
        assert!(is_audience(&grant(TENANT_ADMIN, &[]), &["executive"]));
        assert!(check_role_name("sales_manager").is_ok());
        assert!(check_role_name("viewer").is_err());
        assert!(check_role_name("Sales").is_err());
        assert!(check_role_name("").is_err());
    }

    #[test]
    fn free_plans_are_limited() {
        assert!(!Plan::Free.has(Feature::CustomRoles));
        assert!(Plan::Premium.has(Feature::ApiKeys));
        assert!(Plan::Free.limits().max_dashboards < Plan::Premium.limits().max_dashboards);
    }
}
