//! A dashboard as another member of the workspace would see it.

use crate::appliance::resolution::{Base, ResolveOptions};
use crate::appliance::{Appliance, ServiceError};
use crate::identity::policy::{Action, Grant, Resource};

impl Appliance {
    /// The grant a member of `tenant` would have.
    pub(in crate::appliance) fn member_grant(
        &self,
        tenant: &str,
        user_id: &str,
    ) -> Result<Grant, ServiceError> {
        let user = self
            .store
            .user(user_id)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "user",
                id: user_id.to_owned(),
            })?;
        self.user_grant(tenant, &user)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "member",
                id: user_id.to_owned(),
            })
    }

    /// The dashboard as another member would be served it (admins of people only).
    pub fn resolve_as(
        &self,
        grant: &Grant,
        id: &str,
        user_id: &str,
        options: &ResolveOptions,
    ) -> Result<std::sync::Arc<crate::appliance::Resolved>, ServiceError> {
        self.require(grant, Resource::Users, Action::Read, user_id)?;
        self.author(grant, id)?;
        let member = self.member_grant(&grant.tenant, user_id)?;
        Ok(std::sync::Arc::new(self.resolve_uncached(
            &member,
            id,
            &Base::of(options),
            options,
        )?))
    }
}
