//! The demo: on first start, a populated workspace so `flexboard` is useful before any setup.
//!
//! Its definitions (tenant, datasets, dashboards, panels) are the YAML files in `data/demo/`,
//! embedded in the binary. Its rows are generated inside DuckDB by the SQL files beside this
//! one, deterministically from a seed, in chunks so progress can be reported. The store records
//! the tenant only after the data is complete and checkpointed, so a crash during generation
//! leaves nothing half-made: the next start generates again.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use duckdb::params;
use rust_embed::RustEmbed;

use crate::analytics::{AnalyticsError, DuckdbLimits, TenantDb, sql};
use crate::dashboards::files::{FileError, read_tenant_folder};
use crate::datadir::DataDir;
use crate::store::records::{OverrideState, Revision, TemplateStatus, TenantInstall};
use crate::store::{
    DatasetRecord, DemoInfo, OverrideRecord, PresetRecord, Store, StoreError, TemplateRecord,
    TenantRecord, VersionRecord,
};

#[derive(RustEmbed)]
#[folder = "data/demo/"]
struct DemoFolder;

const ENTITIES_SQL: &str = include_str!("entities.sql");
const SALES_SQL: &str = include_str!("sales.sql");
const OPERATIONS_SQL: &str = include_str!("operations.sql");

/// Sales rows are generated in chunks of this many, with a progress line after each.
const CHUNK_ROWS: u64 = 250_000;

#[derive(Debug, Clone, Copy)]
pub struct DemoSpec {
    pub seed: u64,
    pub sales_rows: u64,
    /// Where the data ends: sales the day before, operations at this minute.
    pub now: DateTime<Utc>,
}

/// The days the demo's sales cover: from the 1st of April two fiscal years before the one
/// holding the day before `now`, to that day.
pub fn sales_span(now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let last = now.date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
    let fiscal_year = if last.month() >= 4 {
        last.year()
    } else {
        last.year() - 1
    };
    let first = NaiveDate::from_ymd_opt(fiscal_year - 2, 4, 1).unwrap_or(NaiveDate::MIN);
    (first, last)
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the embedded demo definitions are invalid: {0}")]
    Definitions(#[from] FileError),
    #[error(transparent)]
    Analytics(#[from] AnalyticsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not remove the unfinished demo database {path}: {source}")]
    Cleanup {
        path: String,
        source: std::io::Error,
    },
}

/// The embedded demo folder as relative path → text.
pub fn demo_files() -> BTreeMap<String, String> {
    DemoFolder::iter()
        .filter_map(|path| {
            let file = DemoFolder::get(&path)?;
            let text = String::from_utf8(file.data.into_owned()).ok()?;
            Some((path.into_owned(), text))
        })
        .collect()
}

/// The demo tenant's id: `WK-` and nine Crockford base-32 characters derived from the seed.
pub fn tenant_id(seed: u64) -> String {
    // SplitMix64 spreads neighbouring seeds over the whole id space.
    let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    format!("WK-{}", crate::identity::token::crockford9(x))
}

/// Generates the demo tenant's data and records it in the store.
pub fn install(
    store: &Store,
    data_dir: &DataDir,
    limits: &DuckdbLimits,
    spec: DemoSpec,
) -> Result<TenantRecord, DemoError> {
    let started = Instant::now();
    let folder = read_tenant_folder(&demo_files())?;
    let id = tenant_id(spec.seed);
    let db_path = data_dir.tenant_db(&id);
    // A database without a store record is what a crash during generation leaves: start over.
    for path in [db_path.clone(), db_path.with_extension("duckdb.wal")] {
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::warn!(path = %path.display(), "removed an unfinished demo database"),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(DemoError::Cleanup {
                    path: path.display().to_string(),
                    source,
                });
            }
        }
    }
    data_dir
        .create_tenant_dir(&id)
        .map_err(|source| DemoError::Cleanup {
            path: data_dir.tenant_dir(&id).display().to_string(),
            source,
        })?;
    tracing::info!(
        tenant = %id,
        rows = spec.sales_rows,
        "generating the demo workspace (first start only)"
    );
    {
        let db = TenantDb::open(&db_path, limits)?;
        db.maintain(|conn| {
            for dataset in &folder.datasets {
                conn.execute_batch(&sql::create_table(dataset))?;
            }
            generate(conn, spec)?;
            conn.execute_batch("CHECKPOINT")?;
            Ok(())
        })?;
    }
    let now = Utc::now();
    let generation_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let tenant = TenantRecord {
        id: id.clone(),
        name: folder.tenant.name,
        slug: folder.tenant.slug,
        created_at: now,
        demo: Some(DemoInfo {
            seed: spec.seed,
            sales_rows: spec.sales_rows,
            generated_at: now,
            generation_ms,
        }),
        plan: folder.tenant.plan,
        active: true,
        branding: Default::default(),
    };
    let datasets: Vec<DatasetRecord> = folder
        .datasets
        .into_iter()
        .map(|definition| DatasetRecord {
            definition,
            updated_at: now,
        })
        .collect();
    const ACTOR: &str = "system:demo";
    let mut templates = Vec::new();
    for config in folder.dashboards {
        let draft = serde_json::to_value(&config).map_err(StoreError::from)?;
        let template = TemplateRecord {
            id: config.id.clone(),
            name: config.name.clone(),
            description: config.description.clone(),
            status: TemplateStatus::Active,
            schema_version: "1".into(),
            draft: draft.clone(),
            draft_revision: 1,
            draft_updated_by: ACTOR.into(),
            draft_updated_at: now,
            created_by: ACTOR.into(),
            created_at: now,
            updated_at: now,
        };
        let version = VersionRecord::first(&config.id, "1.0.0", draft, ACTOR, now);
        templates.push((template, version));
    }
    let presets = folder
        .presets
        .into_iter()
        .map(|p| PresetRecord {
            history: vec![Revision {
                at: now,
                by: ACTOR.into(),
                reason: Some("installed".into()),
                state: p.content.clone(),
            }],
            id: p.id,
            kind: p.kind,
            description: p.description,
            content: p.content,
            revision: 1,
            updated_by: ACTOR.into(),
            updated_at: now,
        })
        .collect();
    let overrides = folder
        .overrides
        .into_iter()
        .map(|o| {
            let mut scope = o.scope;
            // The demo's files cannot know the tenant id, derived from the seed.
            if scope.kind == "tenant" && scope.value == "this" {
                scope.value = id.clone();
            }
            let state = OverrideState {
                scope,
                priority: o.priority,
                active: true,
                versions: o.versions,
                patch: o.patch,
                reason: o.reason,
                deleted: false,
            };
            OverrideRecord {
                id: o.id,
                template: o.template,
                history: vec![Revision {
                    at: now,
                    by: ACTOR.into(),
                    reason: Some(state.reason.clone()),
                    state: state.clone(),
                }],
                current: state,
                revision: 1,
                created_by: ACTOR.into(),
                created_at: now,
            }
        })
        .collect();
    store.install_tenant(
        ACTOR,
        &TenantInstall {
            tenant: tenant.clone(),
            datasets,
            templates,
            presets,
            overrides,
        },
    )?;
    tracing::info!(
        tenant = %id,
        ms = generation_ms,
        "demo workspace ready"
    );
    Ok(tenant)
}

fn generate(conn: &duckdb::Connection, spec: DemoSpec) -> Result<(), AnalyticsError> {
    let seed = i64::try_from(spec.seed % (1 << 62)).unwrap_or_default();
    let total = spec.sales_rows.max(1);
    // About one entity per 1,700 rows, between 40 and 600, so small demos still span zones.
    let entities = (total / 1_700).clamp(40, 600);
    let started = Instant::now();
    conn.execute(
        ENTITIES_SQL,
        params![seed, i64::try_from(entities).unwrap_or(600)],
    )?;
    let (first_day, last_day) = sales_span(spec.now);
    let days = (last_day - first_day).num_days() + 1;
    let mut done = 0u64;
    while done < total {
        let end = (done + CHUNK_ROWS).min(total);
        conn.execute(
            SALES_SQL,
            params![
                seed,
                i64::try_from(done).unwrap_or(i64::MAX),
                i64::try_from(end).unwrap_or(i64::MAX),
                total as f64,
                first_day.to_string(),
                days
            ],
        )?;
        done = end;
        tracing::info!(
            "demo: sales {done}/{total} rows ({}%, {:.1} s)",
            done * 100 / total,
            started.elapsed().as_secs_f64()
        );
    }
    conn.execute_batch("DROP TABLE demo_entities")?;
    // Operations data ends at the minute of `now`.
    let ops_end = spec
        .now
        .naive_utc()
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or_default();
    conn.execute(
        "CREATE TEMP TABLE demo_params AS
         SELECT CAST(? AS BIGINT) AS seed, CAST(? AS TIMESTAMP) AS ops_end",
        params![seed, ops_end.format("%Y-%m-%d %H:%M:%S").to_string()],
    )?;
    conn.execute_batch(OPERATIONS_SQL)?;
    conn.execute_batch("DROP TABLE demo_params")?;
    tracing::info!(
        "demo: operations data (metrics, service health, error log) done ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sales_cover_the_fiscal_years_up_to_the_day_before() {
        let at = |t: &str| crate::config::parse_instant(t).unwrap();
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        for (now, first, last) in [
            ("2026-04-01T00:00:00Z", "2023-04-01", "2026-03-31"),
            ("2026-04-02T09:30:00Z", "2024-04-01", "2026-04-01"),
            ("2026-12-02T18:00:00Z", "2024-04-01", "2026-12-01"),
            ("2027-01-15T00:00:00Z", "2024-04-01", "2027-01-14"),
        ] {
            assert_eq!(sales_span(at(now)), (day(first), day(last)), "{now}");
        }
    }

    #[test]
    fn tenant_ids_have_the_documented_shape() {
        let id = tenant_id(42);
        assert_eq!(id.len(), 12);
        assert!(id.starts_with("WK-"));
        assert_eq!(id, tenant_id(42), "the id is deterministic");
        assert_ne!(id, tenant_id(43));
    }

    #[test]
    fn embedded_demo_definitions_are_valid() {
        let folder = read_tenant_folder(&demo_files()).unwrap();
        let ids: Vec<&str> = folder.dashboards.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["ops-health", "sales-overview", "sales-performance"]);
        assert_eq!(folder.datasets.len(), 4);
    }
}
