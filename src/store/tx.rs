//! A write transaction as the appliance sees it: typed reads and writes of records, and audit
//! events that commit with them (see [`Store::write`](super::Store::write)).

use redb::{ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::records::{
    ApiKeyRecord, DatasetRecord, ExperimentRecord, MembershipRecord, OverrideRecord, PresetRecord,
    RoleRecord, SessionRecord, TemplateRecord, TenantRecord, UserRecord, VersionRecord,
};
use super::{
    API_KEYS, DATASETS, EXPERIMENTS, IMPORTS, LOGOS, MEMBERSHIPS, OVERRIDES, PRESETS, ROLES,
    SESSIONS, StoreError, TEMPLATES, TENANTS, USER_EMAILS, USERS, VERSIONS, decode, encode,
    get_pair, get_str, memberships_of, scan_tenant, version_key, versions_of,
};
use crate::audit::AuditEvent;

pub struct Tx<'a> {
    txn: &'a WriteTransaction,
    events: Vec<AuditEvent>,
}

type Result<T> = std::result::Result<T, StoreError>;

impl<'a> Tx<'a> {
    pub(super) fn new(txn: &'a WriteTransaction) -> Self {
        Self {
            txn,
            events: Vec::new(),
        }
    }

    pub(super) fn into_events(self) -> Vec<AuditEvent> {
        self.events
    }

    /// Records an event; it is sealed into the ledger when the transaction commits.
    pub fn audit(&mut self, event: AuditEvent) {
        self.events.push(event);
    }

    fn get<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>> {
        get_str(&self.txn.open_table(table)?, key)
    }

    fn put<T: Serialize>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
        value: &T,
    ) -> Result<()> {
        self.txn
            .open_table(table)?
            .insert(key, encode(value)?.as_slice())?;
        Ok(())
    }

    fn put_pair<T: Serialize>(
        &self,
        table: TableDefinition<(&str, &str), &[u8]>,
        key: (&str, &str),
        value: &T,
    ) -> Result<()> {
        self.txn
            .open_table(table)?
            .insert(key, encode(value)?.as_slice())?;
        Ok(())
    }

    pub fn tenant(&self, id: &str) -> Result<Option<TenantRecord>> {
        self.get(TENANTS, id)
    }

    pub fn put_tenant(&self, tenant: &TenantRecord) -> Result<()> {
        self.put(TENANTS, &tenant.id, tenant)
    }

    /// Stores (or with `None` removes) the workspace logo's bytes.
    pub fn set_logo(&self, tenant: &str, bytes: Option<&[u8]>) -> Result<()> {
        let mut table = self.txn.open_table(LOGOS)?;
        match bytes {
            Some(bytes) => {
                table.insert(tenant, bytes)?;
            }
            None => {
                table.remove(tenant)?;
            }
        }
        Ok(())
    }

    pub fn user(&self, id: &str) -> Result<Option<UserRecord>> {
        self.get(USERS, id)
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let id = self
            .txn
            .open_table(USER_EMAILS)?
            .get(email)?
            .map(|v| v.value().to_owned());
        match id {
            Some(id) => self.user(&id),
            None => Ok(None),
        }
    }

    /// Writes a user and keeps the email index in step.
    pub fn put_user(&self, user: &UserRecord) -> Result<()> {
        let mut emails = self.txn.open_table(USER_EMAILS)?;
        if let Some(old) = self.user(&user.id)?
            && old.email != user.email
        {
            emails.remove(old.email.as_str())?;
        }
        emails.insert(user.email.as_str(), user.id.as_str())?;
        drop(emails);
        self.put(USERS, &user.id, user)
    }

    pub fn membership(&self, tenant: &str, user: &str) -> Result<Option<MembershipRecord>> {
        get_pair(&self.txn.open_table(MEMBERSHIPS)?, (tenant, user))
    }

    pub fn memberships_of(&self, user: &str) -> Result<Vec<MembershipRecord>> {
        memberships_of(&self.txn.open_table(MEMBERSHIPS)?, user)
    }

    pub fn members(&self, tenant: &str) -> Result<Vec<MembershipRecord>> {
        scan_tenant(&self.txn.open_table(MEMBERSHIPS)?, tenant)
    }

    pub fn put_membership(&self, membership: &MembershipRecord) -> Result<()> {
        self.put_pair(
            MEMBERSHIPS,
            (&membership.tenant, &membership.user),
            membership,
        )
    }

    pub fn remove_membership(&self, tenant: &str, user: &str) -> Result<()> {
        self.txn.open_table(MEMBERSHIPS)?.remove((tenant, user))?;
        Ok(())
    }

    pub fn role(&self, tenant: &str, name: &str) -> Result<Option<RoleRecord>> {
        get_pair(&self.txn.open_table(ROLES)?, (tenant, name))
    }

    pub fn put_role(&self, role: &RoleRecord) -> Result<()> {
        self.put_pair(ROLES, (&role.tenant, &role.name), role)
    }

    pub fn remove_role(&self, tenant: &str, name: &str) -> Result<()> {
        self.txn.open_table(ROLES)?.remove((tenant, name))?;
        Ok(())
    }

    pub fn put_session(&self, token_hash: &str, session: &SessionRecord) -> Result<()> {
        self.put(SESSIONS, token_hash, session)
    }

    pub fn remove_session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let mut table = self.txn.open_table(SESSIONS)?;
        let removed = table.remove(token_hash)?;
        removed.map(|v| decode(v.value())).transpose()
    }

    /// Deletes a user's sessions for which `expired` holds (all of them with `|_| true`).
    pub fn remove_sessions_of(
        &self,
        user: &str,
        expired: impl Fn(&SessionRecord) -> bool,
    ) -> Result<usize> {
        self.remove_sessions(|s| s.user == user && expired(s))
    }

    /// Deletes every session for which `doomed` holds.
    pub fn remove_sessions(&self, doomed: impl Fn(&SessionRecord) -> bool) -> Result<usize> {
        let mut table = self.txn.open_table(SESSIONS)?;
        let mut keys = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let session: SessionRecord = decode(value.value())?;
            if doomed(&session) {
                keys.push(key.value().to_owned());
            }
        }
        for key in &keys {
            table.remove(key.as_str())?;
        }
        Ok(keys.len())
    }

    pub fn api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>> {
        self.get(API_KEYS, id)
    }

    pub fn put_api_key(&self, key: &ApiKeyRecord) -> Result<()> {
        self.put(API_KEYS, &key.id, key)
    }

    pub fn templates(&self, tenant: &str) -> Result<Vec<TemplateRecord>> {
        scan_tenant(&self.txn.open_table(TEMPLATES)?, tenant)
    }

    pub fn put_template(&self, tenant: &str, template: &TemplateRecord) -> Result<()> {
        self.put_pair(TEMPLATES, (tenant, &template.id), template)
    }

    pub fn template(&self, tenant: &str, id: &str) -> Result<Option<TemplateRecord>> {
        get_pair(&self.txn.open_table(TEMPLATES)?, (tenant, id))
    }

    /// Records that import `id` of `tenant` is in the ledger (with its summary).
    pub fn put_import<T: Serialize>(&self, tenant: &str, id: &str, summary: &T) -> Result<()> {
        self.put_pair(IMPORTS, (tenant, id), summary)
    }

    pub fn put_dataset(&self, tenant: &str, record: &DatasetRecord) -> Result<()> {
        self.put_pair(DATASETS, (tenant, &record.definition.name), record)
    }

    pub fn versions(&self, tenant: &str, template: &str) -> Result<Vec<VersionRecord>> {
        versions_of(&self.txn.open_table(VERSIONS)?, tenant, template)
    }

    pub fn put_version(&self, tenant: &str, version: &VersionRecord) -> Result<()> {
        let key = version_key(&version.template, version.seq);
        self.put_pair(VERSIONS, (tenant, &key), version)
    }

    pub fn preset(&self, tenant: &str, id: &str) -> Result<Option<PresetRecord>> {
        get_pair(&self.txn.open_table(PRESETS)?, (tenant, id))
    }

    pub fn put_preset(&self, tenant: &str, preset: &PresetRecord) -> Result<()> {
        self.put_pair(PRESETS, (tenant, &preset.id), preset)
    }

    pub fn override_record(&self, tenant: &str, id: &str) -> Result<Option<OverrideRecord>> {
        get_pair(&self.txn.open_table(OVERRIDES)?, (tenant, id))
    }

    pub fn overrides(&self, tenant: &str) -> Result<Vec<OverrideRecord>> {
        scan_tenant(&self.txn.open_table(OVERRIDES)?, tenant)
    }

    pub fn put_override(&self, tenant: &str, record: &OverrideRecord) -> Result<()> {
        self.put_pair(OVERRIDES, (tenant, &record.id), record)
    }

    pub fn experiment(&self, tenant: &str, id: &str) -> Result<Option<ExperimentRecord>> {
        get_pair(&self.txn.open_table(EXPERIMENTS)?, (tenant, id))
    }

    pub fn experiments(&self, tenant: &str) -> Result<Vec<ExperimentRecord>> {
        scan_tenant(&self.txn.open_table(EXPERIMENTS)?, tenant)
    }

    pub fn put_experiment(&self, tenant: &str, record: &ExperimentRecord) -> Result<()> {
        self.put_pair(EXPERIMENTS, (tenant, &record.id), record)
    }
}
