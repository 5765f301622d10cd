//! Dataset definitions: the catalog as each generation read it, the list with row counts and
//! rollup states, and changes to a definition (rollups rebuilt, caches moved on).

use std::sync::Arc;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Catalog, find_dataset};
use crate::analytics::sql;
use crate::appliance::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::catalog::DatasetDef;
use crate::identity::policy::{Action, Denied, Grant, Resource, Scope};
use crate::store::DatasetRecord;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DatasetView {
    #[serde(flatten)]
    pub definition: DatasetDef,
    /// The table's rows; left out for readers limited to their own rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    pub rollup_state: Vec<RollupState>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RollupState {
    pub name: String,
    pub built: bool,
}

impl Appliance {
    /// The tenant's dataset definitions and the generation they belong to, from memory while
    /// that generation has not moved (it is read before the store, so definitions read after
    /// a change are never filed under the generation before it).
    pub(in crate::appliance) fn catalog(
        &self,
        tenant: &str,
    ) -> Result<(u64, Catalog), ServiceError> {
        let generation = self.generation(tenant, None);
        if let Some(catalog) = self.data.cache.catalog(tenant, generation) {
            return Ok((generation, catalog));
        }
        let catalog: Catalog = Arc::new(
            self.store
                .datasets(tenant)?
                .into_iter()
                .map(|d| d.definition)
                .collect(),
        );
        self.data
            .cache
            .keep_catalog(tenant, generation, Arc::clone(&catalog));
        Ok((generation, catalog))
    }

    pub(super) fn dataset_def(&self, tenant: &str, name: &str) -> Result<DatasetDef, ServiceError> {
        find_dataset(&self.catalog(tenant)?.1, name).cloned()
    }

    /// The tenant's datasets with their row counts and rollup states.
    /// Anyone who reads data, even only their own rows, sees the catalog (a reader limited to
    /// their rows sees it without row counts and row policies).
    pub fn datasets(&self, grant: &Grant) -> Result<Vec<DatasetView>, ServiceError> {
        if grant.scope(Resource::Data, Action::Read).is_none() {
            return Err(self.deny(
                grant,
                "datasets",
                Denied("your role does not allow reading data".into()),
            ));
        }
        self.dataset_views(grant, None)
    }

    /// The catalog as the caller may see it: a reader limited to their own rows sees neither
    /// the table's total row count nor the row policies that limit them.
    fn dataset_views(
        &self,
        grant: &Grant,
        only: Option<&str>,
    ) -> Result<Vec<DatasetView>, ServiceError> {
        let whole = matches!(
            grant.scope(Resource::Data, Action::Read),
            Some(Scope::Tenant | Scope::All)
        ) || grant.require(Resource::Data, Action::Update, None).is_ok();
        let db = self.database(&grant.tenant)?;
        let mut views = Vec::new();
        for record in self.store.datasets(&grant.tenant)? {
            if only.is_some_and(|name| name != record.definition.name) {
                continue;
            }
            let mut definition = record.definition;
            if !whole {
                definition.row_policies.clear();
                views.push(DatasetView {
                    rollup_state: Vec::new(),
                    rows: None,
                    definition,
                });
                continue;
            }
            let rows = db.with_connection(|conn| {
                Ok(conn.query_row(
                    &format!("SELECT count(*) FROM {}", sql::ident(&definition.name)),
                    [],
                    |row| row.get::<_, i64>(0),
                )?)
            })?;
            let rollup_state = definition
                .rollups
                .iter()
                .map(|r| RollupState {
                    name: r.name.clone(),
                    built: db.is_built(&definition, r),
                })
                .collect();
            views.push(DatasetView {
                definition,
                rows: Some(u64::try_from(rows).unwrap_or_default()),
                rollup_state,
            });
        }
        Ok(views)
    }

    /// Creates or changes a dataset's definition: its table gains new columns, its rollups are
    /// (re)built. Existing columns keep their names and types; rows are never dropped here.
    pub fn put_dataset(
        &self,
        grant: &Grant,
        definition: DatasetDef,
    ) -> Result<DatasetView, ServiceError> {
        self.require(grant, Resource::Data, Action::Update, &definition.name)?;
        definition
            .validate()
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let existing = self
            .store
            .datasets(&grant.tenant)?
            .into_iter()
            .find(|d| d.definition.name == definition.name);
        let mut added = Vec::new();
        if let Some(old) = &existing {
            for column in &old.definition.columns {
                match definition.columns.iter().find(|c| c.name == column.name) {
                    None => {
                        return Err(ServiceError::Conflict(format!(
                            "column `{}` holds data and cannot be removed",
                            column.name
                        )));
                    }
                    Some(new) if new.column_type != column.column_type => {
                        return Err(ServiceError::Conflict(format!(
                            "column `{}` is {:?} and cannot become {:?}",
                            column.name, column.column_type, new.column_type
                        )));
                    }
                    Some(_) => {}
                }
            }
            added = definition
                .columns
                .iter()
                .filter(|c| !old.definition.columns.iter().any(|o| o.name == c.name))
                .cloned()
                .collect();
        }
        let db = self.database(&grant.tenant)?;
        db.write(|conn| {
            conn.execute_batch(&sql::create_table(&definition))?;
            // The table change and the store record are two commits: `IF NOT EXISTS` lets a
            // retry after a failure between them reuse what the first attempt added.
            for column in &added {
                conn.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
                    sql::ident(&definition.name),
                    sql::column(column),
                    column.column_type.sql_type()
                ))?;
            }
            Ok(())
        })?;
        let all: Vec<DatasetDef> = self
            .store
            .datasets(&grant.tenant)?
            .into_iter()
            .map(|d| d.definition)
            .filter(|d| d.name != definition.name)
            .chain(std::iter::once(definition.clone()))
            .collect();
        db.ensure_rollups(&all)?;
        let record = DatasetRecord {
            definition: definition.clone(),
            updated_at: Utc::now(),
        };
        let tenant = grant.tenant.clone();
        let action = if existing.is_some() {
            "dataset.update"
        } else {
            "dataset.create"
        };
        self.write_checked(grant, &definition.name, |tx| {
            tx.put_dataset(&tenant, &record)?;
            let mut event = AuditEvent::new(&grant.actor, Some(&tenant), action, &definition.name)
                .after(&record.definition);
            if let Some(old) = &existing {
                event = event.before(&old.definition);
            }
            tx.audit(event);
            Ok(())
        })?;
        // Resolutions validate against the catalog, and cached panel results name it by this
        // generation: both are recomputed from the new definition.
        self.bump(&grant.tenant, None);
        // The change is made: answer with it even when the caller (a `data:write` key, say)
        // may not read the catalog.
        self.dataset_views(grant, Some(&definition.name))?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::NotFound {
                kind: "dataset",
                id: definition.name,
            })
    }
}
