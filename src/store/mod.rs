//! Configuration store: the one redb file that holds tenants, datasets, dashboard templates
//! and the append-only audit ledger.
//!
//! Only this module opens redb. Every write is one transaction committed with redb's default
//! (immediate) durability, so an acknowledged write survives `kill -9` and power loss. Values
//! are JSON-encoded [`records`]; keys are strings or `(tenant, id)` pairs. redb is synchronous:
//! callers on the async runtime reach the store through `spawn_blocking`.

pub mod records;
mod tx;

use std::path::Path;

use chrono::Utc;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use records::TenantInstall;
pub use records::{
    ApiKeyRecord, DatasetRecord, DemoInfo, ExperimentRecord, MembershipRecord, OverrideRecord,
    PresetRecord, RoleRecord, SessionRecord, TemplateRecord, TenantRecord, UserRecord,
    VersionRecord,
};
pub use tx::Tx;

use crate::audit::{AuditEntry, AuditEvent, ChainError, GENESIS};

const TENANTS: TableDefinition<&str, &[u8]> = TableDefinition::new("tenants");
const DATASETS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("datasets");
const TEMPLATES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("templates");
const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
/// Sequence number → sealed entry. Only ever appended to.
const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
/// User id → user.
const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
/// Lowercase email → user id.
const USER_EMAILS: TableDefinition<&str, &str> = TableDefinition::new("user_emails");
/// (tenant, user id) → membership.
const MEMBERSHIPS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("memberships");
/// (tenant, role name) → business role.
const ROLES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("roles");
/// SHA-256 of the session token → session.
const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
/// Key id → API key.
const API_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("api_keys");
/// (tenant, `<template>/<seq, 10 digits>`) → version; one template's versions are one range.
const VERSIONS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("versions");
/// (tenant, preset id) → preset.
const PRESETS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("presets");
/// (tenant, override id) → override.
const OVERRIDES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("overrides");
/// (tenant, experiment id) → experiment.
const EXPERIMENTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("experiments");
/// (tenant, import id) → the import's summary: written with the import's audit entry, so an
/// import the tenant database committed but the ledger lacks can be found and recorded.
const IMPORTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("imports");
/// Tenant id → the workspace logo's bytes (its type and digest are in the tenant record).
const LOGOS: TableDefinition<&str, &[u8]> = TableDefinition::new("logos");

/// The key of a version in [`VERSIONS`].
fn version_key(template: &str, seq: u64) -> String {
    format!("{template}/{seq:010}")
}

/// The store's own format version, kept in `meta` so later releases can migrate.
const SCHEMA_VERSION: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the configuration database {path} is already open in another process")]
    AlreadyOpen { path: String },
    #[error("configuration database: {0}")]
    Redb(#[from] redb::Error),
    #[error("a stored record could not be decoded: {0}")]
    Decode(#[from] serde_json::Error),
    #[error(
        "the configuration database has schema version {found}, this build reads {SCHEMA_VERSION}"
    )]
    Schema { found: String },
    #[error("the audit ledger is damaged: {0}")]
    Audit(#[from] ChainError),
}

macro_rules! redb_errors {
    ($($error:ty),*) => {$(
        impl From<$error> for StoreError {
            fn from(error: $error) -> Self {
                StoreError::Redb(error.into())
            }
        }
    )*};
}
redb_errors!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub struct Store {
    db: Database,
    /// Counts committed writes; caches of what was read keep the count they saw.
    writes: std::sync::atomic::AtomicU64,
}

impl Store {
    /// Opens (creating when absent) the configuration database and its tables.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(|error| match error {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen {
                path: path.display().to_string(),
            },
            other => StoreError::Redb(other.into()),
        })?;
        let txn = db.begin_write()?;
        {
            txn.open_table(TENANTS)?;
            txn.open_table(DATASETS)?;
            txn.open_table(TEMPLATES)?;
            txn.open_table(AUDIT)?;
            txn.open_table(USERS)?;
            txn.open_table(USER_EMAILS)?;
            txn.open_table(MEMBERSHIPS)?;
            txn.open_table(ROLES)?;
            txn.open_table(SESSIONS)?;
            txn.open_table(API_KEYS)?;
            txn.open_table(VERSIONS)?;
            txn.open_table(PRESETS)?;
            txn.open_table(OVERRIDES)?;
            txn.open_table(EXPERIMENTS)?;
            txn.open_table(IMPORTS)?;
            txn.open_table(LOGOS)?;
            let mut meta = txn.open_table(META)?;
            let found = meta.get("schema_version")?.map(|v| v.value().to_owned());
            match found.as_deref() {
                None => {
                    meta.insert("schema_version", SCHEMA_VERSION)?;
                }
                Some(SCHEMA_VERSION) => {}
                Some("1") => {
                    drop(meta);
                    migrate_v1_templates(&txn)?;
                    txn.open_table(META)?
                        .insert("schema_version", SCHEMA_VERSION)?;
                }
                Some(found) => {
                    return Err(StoreError::Schema {
                        found: found.to_owned(),
                    });
                }
            }
        }
        txn.commit()?;
        Ok(Self {
            db,
            writes: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TENANTS)?;
        let mut tenants = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            tenants.push(decode(value.value())?);
        }
        Ok(tenants)
    }

    pub fn tenant(&self, id: &str) -> Result<Option<TenantRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TENANTS)?;
        table.get(id)?.map(|v| decode(v.value())).transpose()
    }

    /// The workspace logo's bytes, when one was uploaded.
    pub fn logo(&self, tenant: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(LOGOS)?;
        Ok(table.get(tenant)?.map(|v| v.value().to_vec()))
    }

    pub fn datasets(&self, tenant: &str) -> Result<Vec<DatasetRecord>, StoreError> {
        self.scan(DATASETS, tenant)
    }

    pub fn templates(&self, tenant: &str) -> Result<Vec<TemplateRecord>, StoreError> {
        self.scan(TEMPLATES, tenant)
    }

    /// Whether the ledger records import `id` of `tenant`.
    pub fn import_recorded(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(IMPORTS)?.get((tenant, id))?.is_some())
    }

    pub fn template(&self, tenant: &str, id: &str) -> Result<Option<TemplateRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TEMPLATES)?;
        table
            .get((tenant, id))?
            .map(|v| decode(v.value()))
            .transpose()
    }

    /// Writes a tenant with its datasets, templates (each with its first version), presets and
    /// overrides in one transaction, with an audit entry for each: after a crash either all of
    /// it is there or none.
    pub fn install_tenant(&self, actor: &str, install: &TenantInstall) -> Result<(), StoreError> {
        let tenant = &install.tenant;
        self.write(|tx| {
            let created = |action: &str, target: &str, after: serde_json::Value| {
                AuditEvent::new(actor, Some(&tenant.id), action, target)
                    .reason("installed with the tenant")
                    .after(&after)
            };
            tx.put_tenant(tenant)?;
            tx.audit(created(
                "tenant.create",
                &tenant.id,
                serde_json::to_value(tenant)?,
            ));
            for record in &install.datasets {
                tx.put_dataset(&tenant.id, record)?;
                tx.audit(created(
                    "dataset.create",
                    &record.definition.name,
                    serde_json::to_value(record)?,
                ));
            }
            for preset in &install.presets {
                tx.put_preset(&tenant.id, preset)?;
                tx.audit(created(
                    "preset.create",
                    &preset.id,
                    serde_json::to_value(preset)?,
                ));
            }
            for (template, version) in &install.templates {
                tx.put_template(&tenant.id, template)?;
                tx.audit(created(
                    "template.create",
                    &template.id,
                    serde_json::to_value(template)?,
                ));
                tx.put_version(&tenant.id, version)?;
                tx.audit(created(
                    "version.publish",
                    &format!("{}@{}", template.id, version.number),
                    serde_json::to_value(version)?,
                ));
            }
            for record in &install.overrides {
                tx.put_override(&tenant.id, record)?;
                tx.audit(created(
                    "override.create",
                    &record.id,
                    serde_json::to_value(record)?,
                ));
            }
            Ok(())
        })
    }

    /// Audit entries from sequence number `from` on, at most `limit` of them.
    pub fn audit_entries(&self, from: u64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(AUDIT)?;
        let mut entries = Vec::new();
        for entry in table.range(from..)?.take(limit) {
            let (_, value) = entry?;
            entries.push(decode(value.value())?);
        }
        Ok(entries)
    }

    /// Reads the whole ledger and checks its hash chain; returns the number of entries.
    pub fn verify_audit(&self) -> Result<u64, StoreError> {
        let entries = self.audit_entries(0, usize::MAX)?;
        crate::audit::verify_chain(&entries)?;
        Ok(entries.len() as u64)
    }

    fn scan<T: DeserializeOwned>(
        &self,
        definition: TableDefinition<(&str, &str), &[u8]>,
        tenant: &str,
    ) -> Result<Vec<T>, StoreError> {
        let txn = self.db.begin_read()?;
        scan_tenant(&txn.open_table(definition)?, tenant)
    }

    fn get<T: DeserializeOwned>(
        &self,
        definition: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let txn = self.db.begin_read()?;
        get_str(&txn.open_table(definition)?, key)
    }

    fn all<T: DeserializeOwned>(
        &self,
        definition: TableDefinition<&str, &[u8]>,
    ) -> Result<Vec<T>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(definition)?;
        let mut records = Vec::new();
        for entry in table.iter()? {
            records.push(decode(entry?.1.value())?);
        }
        Ok(records)
    }

    /// A template's versions in creation order.
    pub fn versions(&self, tenant: &str, template: &str) -> Result<Vec<VersionRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        versions_of(&txn.open_table(VERSIONS)?, tenant, template)
    }

    pub fn presets(&self, tenant: &str) -> Result<Vec<PresetRecord>, StoreError> {
        self.scan(PRESETS, tenant)
    }

    pub fn overrides(&self, tenant: &str) -> Result<Vec<OverrideRecord>, StoreError> {
        self.scan(OVERRIDES, tenant)
    }

    pub fn experiments(&self, tenant: &str) -> Result<Vec<ExperimentRecord>, StoreError> {
        self.scan(EXPERIMENTS, tenant)
    }

    pub fn user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.get(USERS, id)
    }

    pub fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.all(USERS)
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let id = txn
            .open_table(USER_EMAILS)?
            .get(email)?
            .map(|v| v.value().to_owned());
        match id {
            Some(id) => get_str(&txn.open_table(USERS)?, &id),
            None => Ok(None),
        }
    }

    pub fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.get(SESSIONS, token_hash)
    }

    pub fn membership(
        &self,
        tenant: &str,
        user: &str,
    ) -> Result<Option<MembershipRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        get_pair(&txn.open_table(MEMBERSHIPS)?, (tenant, user))
    }

    pub fn members(&self, tenant: &str) -> Result<Vec<MembershipRecord>, StoreError> {
        self.scan(MEMBERSHIPS, tenant)
    }

    /// Every tenant a user belongs to.
    pub fn memberships_of(&self, user: &str) -> Result<Vec<MembershipRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        memberships_of(&txn.open_table(MEMBERSHIPS)?, user)
    }

    pub fn role(&self, tenant: &str, name: &str) -> Result<Option<RoleRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        get_pair(&txn.open_table(ROLES)?, (tenant, name))
    }

    pub fn roles(&self, tenant: &str) -> Result<Vec<RoleRecord>, StoreError> {
        self.scan(ROLES, tenant)
    }

    pub fn api_key(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.get(API_KEYS, id)
    }

    pub fn api_keys(&self, tenant: &str) -> Result<Vec<ApiKeyRecord>, StoreError> {
        Ok(self
            .all::<ApiKeyRecord>(API_KEYS)?
            .into_iter()
            .filter(|k| k.tenant == tenant)
            .collect())
    }

    /// Runs `work` in one write transaction and commits it together with the audit events it
    /// recorded; an error from `work` aborts both.
    pub fn write<R, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let txn = self.db.begin_write().map_err(StoreError::from)?;
        let mut tx = Tx::new(&txn);
        let result = work(&mut tx)?;
        let events = tx.into_events();
        append_audit(&txn, events)?;
        txn.commit().map_err(StoreError::from)?;
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(result)
    }

    /// The number of writes committed since the store was opened: anything derived from reads
    /// made while it had one value is stale once it has another.
    pub fn write_count(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Records events that come with no other change, such as a failed sign-in. The write
    /// count does not move: nothing a caller may do changed, so what is remembered of callers
    /// stays valid (a flood of refusals must not make every request read the store again).
    pub fn audit(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin_write()?;
        append_audit(&txn, events)?;
        txn.commit()?;
        Ok(())
    }
}

fn get_str<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    table.get(key)?.map(|v| decode(v.value())).transpose()
}

fn get_pair<T: DeserializeOwned>(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: (&str, &str),
) -> Result<Option<T>, StoreError> {
    table.get(key)?.map(|v| decode(v.value())).transpose()
}

/// Keys sort by tenant first, so one tenant's records form one contiguous range.
fn scan_tenant<T: DeserializeOwned>(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    tenant: &str,
) -> Result<Vec<T>, StoreError> {
    let mut records = Vec::new();
    for entry in table.range((tenant, "")..)? {
        let (key, value) = entry?;
        if key.value().0 != tenant {
            break;
        }
        records.push(decode(value.value())?);
    }
    Ok(records)
}

fn versions_of(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    tenant: &str,
    template: &str,
) -> Result<Vec<VersionRecord>, StoreError> {
    let start = format!("{template}/");
    let end = format!("{template}0"); // '0' follows '/' in ASCII
    let mut records = Vec::new();
    for entry in table.range((tenant, start.as_str())..(tenant, end.as_str()))? {
        records.push(decode(entry?.1.value())?);
    }
    Ok(records)
}

/// Schema 1 kept one published configuration per template; schema 2 keeps a draft and
/// versions. Each template becomes a template whose draft is that configuration, with that
/// configuration as its published version.
fn migrate_v1_templates(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut old = Vec::new();
    {
        let table = txn.open_table(TEMPLATES)?;
        for entry in table.iter()? {
            let (key, value) = entry?;
            let record: records::TemplateRecordV1 = decode(value.value())?;
            old.push((key.value().0.to_owned(), record));
        }
    }
    let tx = Tx::new(txn);
    let mut events = Vec::new();
    for (tenant, v1) in old {
        let config = serde_json::to_value(&v1.config)?;
        let template = TemplateRecord {
            id: v1.id.clone(),
            name: v1.config.name.clone(),
            description: v1.config.description.clone(),
            status: v1.status,
            schema_version: v1.schema_version,
            draft: config.clone(),
            draft_revision: 1,
            draft_updated_by: "system:migration".into(),
            draft_updated_at: v1.updated_at,
            created_by: "system:migration".into(),
            created_at: v1.created_at,
            updated_at: v1.updated_at,
        };
        let version = VersionRecord::first(
            &v1.id,
            &v1.version,
            config,
            "system:migration",
            v1.created_at,
        );
        tx.put_template(&tenant, &template)?;
        tx.put_version(&tenant, &version)?;
        events.push(
            AuditEvent::new(
                "system:migration",
                Some(&tenant),
                "template.migrate",
                &v1.id,
            )
            .reason(
                "store schema 1 → 2: the published configuration became version ".to_owned()
                    + &v1.version,
            ),
        );
    }
    append_audit(txn, events)
}

/// A full scan: memberships are keyed by tenant, and a small team's table is small.
fn memberships_of(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    user: &str,
) -> Result<Vec<MembershipRecord>, StoreError> {
    let mut records = Vec::new();
    for entry in table.iter()? {
        let (key, value) = entry?;
        if key.value().1 == user {
            records.push(decode(value.value())?);
        }
    }
    Ok(records)
}

/// Appends events to the ledger inside the caller's write transaction, so the change and its
/// record commit together.
fn append_audit(txn: &WriteTransaction, events: Vec<AuditEvent>) -> Result<(), StoreError> {
    let mut table = txn.open_table(AUDIT)?;
    let (mut seq, mut prev_hash) = match table.last()? {
        Some((key, value)) => {
            let last: AuditEntry = decode(value.value())?;
            (key.value(), last.hash)
        }
        None => (0, GENESIS.to_owned()),
    };
    let at = Utc::now();
    for event in events {
        seq += 1;
        let entry = AuditEntry::seal(event, seq, at, &prev_hash);
        table.insert(seq, encode(&entry)?.as_slice())?;
        prev_hash = entry.hash;
    }
    Ok(())
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    Ok(serde_json::to_vec(value)?)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An audit entry alone changes nothing a caller may do: remembered callers stay valid,
    /// so a flood of refusals cannot make every request read the store again.
    #[test]
    fn audit_entries_alone_do_not_move_the_write_count() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("config.redb")).unwrap();
        let before = store.write_count();
        let entries = store.verify_audit().unwrap();
        store
            .audit(vec![AuditEvent::new("US-1", None, "access.deny", "x")])
            .unwrap();
        assert_eq!(store.write_count(), before);
        assert_eq!(store.verify_audit().unwrap(), entries + 1);
        store
            .write(|tx| {
                tx.audit(AuditEvent::new("US-1", None, "user.update", "x"));
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_eq!(store.write_count(), before + 1);
    }

    /// A configuration database written by schema 1 (one published configuration per
    /// template) opens as schema 2 with each template's draft and a published 1.0.0.
    #[test]
    fn schema_1_templates_migrate_to_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.redb");
        let config: crate::dashboards::DashboardConfig =
            serde_json::from_value(serde_json::json!({
                "id": "sales", "name": "Sales", "panels": [{
                    "id": "k", "title": "K", "position": {"row": 1, "col": 1}, "type": "kpi",
                    "data_source": {"dataset": "sales", "value": {"column": "v", "agg": "sum"}}
                }]
            }))
            .unwrap();
        let now = Utc::now();
        let v1 = serde_json::json!({
            "id": "sales", "status": "active", "schema_version": "1", "version": "1.0.0",
            "config": config, "created_at": now, "updated_at": now,
        });
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(TEMPLATES)
                .unwrap()
                .insert(
                    ("WK-1", "sales"),
                    serde_json::to_vec(&v1).unwrap().as_slice(),
                )
                .unwrap();
            txn.open_table(META)
                .unwrap()
                .insert("schema_version", "1")
                .unwrap();
            txn.commit().unwrap();
        }
        let store = Store::open(&path).unwrap();
        let template = store.template("WK-1", "sales").unwrap().unwrap();
        assert_eq!(template.name, "Sales");
        assert_eq!(template.draft["panels"][0]["id"], "k");
        let versions = store.versions("WK-1", "sales").unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(
            (versions[0].number.as_str(), versions[0].state),
            ("1.0.0", crate::versioning::VersionState::Published)
        );
        assert_eq!(versions[0].config, template.draft);
        assert_eq!(store.verify_audit().unwrap(), 1);
        drop(store);
        // Opening again changes nothing.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.versions("WK-1", "sales").unwrap().len(), 1);
    }
}
