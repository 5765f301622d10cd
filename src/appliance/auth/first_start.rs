//! The first start: a store without users gets its super-admin (from the environment or
//! generated) and the demo's people, printed once.

use chrono::Utc;

use super::public_user;
use crate::appliance::StartError;
use crate::audit::AuditEvent;
use crate::config::Config;
use crate::demo;
use crate::identity::{check_email, normalize_email, password, token};
use crate::store::{MembershipRecord, RoleRecord, Store, StoreError, TenantRecord, UserRecord};

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

const DEFAULT_ADMIN_EMAIL: &str = "admin@flexboard.local";

/// On a store without users: the super-admin (from the environment or generated) and the
/// demo's people, in one transaction with their audit entries.
pub(in crate::appliance) fn bootstrap(
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
