//! Analytics load driver on the demo's sales data (`FLEXBOARD_BENCH_ROWS`, default 10,000,000):
//! demo generation and rollup builds; one KPI panel from its rollup against the raw rows; a
//! 20-panel dashboard cold (rollups built, no result cache) from rollups and from raw rows,
//! and warm (the demo dashboard through the appliance's result cache); and an import of
//! 1,000,000 new rows with the incremental refresh of every rollup.
//!
//! Run: `cargo bench --bench analytics` (`FLEXBOARD_BENCH_ROWS=100000000` for the 100M figures;
//! generating them takes a while and about 5 GB of disk).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flexboard::analytics::ingest::{self, Format};
use flexboard::analytics::panels::{PanelRequest, panel_data};
use flexboard::analytics::sql::TimeRange;
use flexboard::analytics::{DuckdbLimits, TenantDb};
use flexboard::catalog::DatasetDef;
use flexboard::dashboards::PanelConfig;
use serde_json::{Value, json};

mod common;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> (f64, f64) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(work());
            started.elapsed()
        })
        .collect();
    (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.95),
    )
}

fn panel(id: usize, source: Value) -> PanelConfig {
    serde_json::from_value(json!({
        "id": format!("p{id}"), "title": "P", "position": {"row": 1, "col": 1},
        "type": source["type"], "data_source": source["data_source"],
    }))
    .unwrap()
}

/// Twenty panels of the kinds a sales dashboard holds.
fn twenty_panels() -> Vec<PanelConfig> {
    let columns = ["overall", "lubricants", "batteries", "tyres", "spares"];
    let mut sources = Vec::new();
    for c in columns {
        sources.push(json!({"type": "kpi", "data_source": {"dataset": "sales",
            "value": {"column": format!("{c}_actual"), "agg": "sum"},
            "target": {"column": format!("{c}_target"), "agg": "sum"}}}));
    }
    for dimension in ["zone", "state", "channel_type", "entity_type"] {
        sources.push(json!({"type": "bar", "data_source": {"dataset": "sales", "dimension": dimension,
            "measures": [{"column": "overall_actual", "agg": "sum"}, {"column": "overall_target", "agg": "sum"}]}}));
    }
    for grain in ["day", "week", "month", "quarter", "year"] {
        sources.push(json!({"type": "timeseries", "data_source": {"dataset": "sales", "grain": grain,
            "measures": [{"column": "overall_actual", "agg": "sum"}, {"column": "overall_target", "agg": "sum"}]}}));
    }
    sources.push(
        json!({"type": "timeseries", "data_source": {"dataset": "sales", "grain": "month",
        "series_label": "zone", "measures": [{"column": "overall_actual", "agg": "avg"}]}}),
    );
    sources.push(json!({"type": "kpi", "data_source": {"dataset": "sales",
        "value": {"column": "entity_id", "agg": "count_distinct"}}}));
    sources.push(json!({"type": "kpi", "data_source": {"dataset": "sales",
        "value": {"column": "overall_actual", "agg": "avg"}}}));
    sources.push(json!({"type": "kpi", "data_source": {"dataset": "sales",
        "value": {"column": "overall_actual", "agg": "sum"},
        "filters": [{"column": "zone", "op": "eq", "value": "NORTH"}]}}));
    sources.push(
        json!({"type": "table", "data_source": {"dataset": "sales", "columns": [
        {"name": "entity_name"}, {"name": "zone"}, {"name": "overall_actual", "agg": "sum"}]}}),
    );
    sources.push(
        json!({"type": "table", "data_source": {"dataset": "sales", "columns": [
        {"name": "state"}, {"name": "channel_type"}, {"name": "overall_target", "agg": "sum"}]}}),
    );
    assert_eq!(sources.len(), 20);
    sources
        .into_iter()
        .enumerate()
        .map(|(i, s)| panel(i, s))
        .collect()
}

/// Every panel once, concurrently over `workers` connections, as the batch endpoint does.
fn dashboard(
    db: &TenantDb,
    def: &DatasetDef,
    panels: &[PanelConfig],
    request: &PanelRequest,
    rollups: bool,
    workers: usize,
) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(panel) = panels.get(next.fetch_add(1, Ordering::Relaxed)) {
                    db.with_connection(|conn| {
                        panel_data(conn, def, panel, request, &|r| {
                            rollups && db.is_built(def, r)
                        })
                    })
                    .unwrap();
                }
            });
        }
    });
}

fn main() {
    let rows: u64 = std::env::var("FLEXBOARD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let at = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    let started = Instant::now();
    let appliance = common::open_demo(&data_dir, rows);
    println!(
        "demo of {rows} rows generated and its rollups built in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Warm: the demo dashboard's eight panels through the appliance's result cache.
    let grant = common::grant_of(&appliance, common::ADMIN, common::PASSWORD);
    let request = PanelRequest {
        page: 1,
        ..PanelRequest::default()
    };
    let (cold_p50, _) = time(1, || {
        appliance
            .dashboard_data(&grant, "sales-performance", &request)
            .unwrap()
    });
    let (warm_p50, warm_p95) = time(200, || {
        appliance
            .dashboard_data(&grant, "sales-performance", &request)
            .unwrap()
    });
    println!(
        "demo dashboard (8 panels) through the appliance: first {cold_p50:.1} ms; warm p50 {warm_p50:.2} ms, p95 {warm_p95:.2} ms"
    );
    // Warm, twenty panel answers as a 20-panel dashboard would ask for them: the eight demo
    // panels under two other ranges and four more table pages, every one cached already.
    let mut asks = Vec::new();
    let config = appliance
        .resolve(&grant, "sales-performance", &Default::default())
        .unwrap()
        .config
        .clone();
    for (start, end) in [("2024-04-01", "2025-03-31"), ("2025-04-01", "2026-03-31")] {
        for panel in &config.panels {
            let request = PanelRequest {
                range: TimeRange {
                    start: Some(at(&format!("{start} 00:00:00"))),
                    end: Some(at(&format!("{end} 23:59:59.999999"))),
                },
                page: 1,
                ..PanelRequest::default()
            };
            asks.push((panel.id.clone(), request));
        }
    }
    for page in 2..=5 {
        asks.push((
            "sales_entity_table".to_owned(),
            PanelRequest {
                page,
                ..PanelRequest::default()
            },
        ));
    }
    assert_eq!(asks.len(), 20);
    let twenty = || {
        for (panel, request) in &asks {
            appliance
                .panel_data(&grant, Some("sales-performance"), panel, request)
                .unwrap();
        }
    };
    twenty();
    let (w20_p50, w20_p95) = time(200, twenty);
    println!("20 panel answers, warm, one after another: p50 {w20_p50:.2} ms, p95 {w20_p95:.2} ms");
    drop(appliance);

    let store = flexboard::store::Store::open(&data_dir.join("config.redb")).unwrap();
    let tenant = store.tenants().unwrap().remove(0);
    let def = store
        .datasets(&tenant.id)
        .unwrap()
        .into_iter()
        .map(|d| d.definition)
        .find(|d| d.name == "sales")
        .unwrap();
    let limits = DuckdbLimits::default();
    let db_path = data_dir
        .join("tenants")
        .join(&tenant.id)
        .join("data.duckdb");
    let db = TenantDb::open(&db_path, &limits).unwrap();

    // One KPI, a fiscal year.
    let kpi = panel(
        0,
        json!({"type": "kpi", "data_source": {"dataset": "sales",
            "value": {"column": "overall_actual", "agg": "sum"},
            "target": {"column": "overall_target", "agg": "sum"}}}),
    );
    let fy = PanelRequest {
        range: TimeRange {
            start: Some(at("2024-04-01 00:00:00")),
            end: Some(at("2025-03-31 23:59:59.999999")),
        },
        page: 1,
        ..PanelRequest::default()
    };
    let one = |rollups: bool| {
        db.with_connection(|conn| {
            panel_data(conn, &def, &kpi, &fy, &|r| rollups && db.is_built(&def, r))
        })
        .unwrap()
    };
    let (_, explain) = one(true);
    assert_eq!(explain[0].rollup.as_deref(), Some("monthly_geo"));
    let (rollup_p50, rollup_p95) = time(50, || one(true));
    let (raw_p50, raw_p95) = time(10, || one(false));
    println!(
        "one KPI, fiscal year: rollup p50 {rollup_p50:.2} ms p95 {rollup_p95:.2} ms; raw p50 {raw_p50:.1} ms p95 {raw_p95:.1} ms; {:.0}x",
        raw_p50 / rollup_p50
    );

    // Twenty panels, cold (no result cache), all rows.
    let panels = twenty_panels();
    let workers = limits.connections as usize;
    let all = PanelRequest {
        page: 1,
        ..PanelRequest::default()
    };
    let (d_p50, d_p95) = time(10, || dashboard(&db, &def, &panels, &all, true, workers));
    let (r_p50, r_p95) = time(3, || dashboard(&db, &def, &panels, &all, false, workers));
    println!(
        "20-panel dashboard, cold: rollups p50 {d_p50:.1} ms p95 {d_p95:.1} ms; raw p50 {r_p50:.0} ms p95 {r_p95:.0} ms"
    );

    // Import 1,000,000 new rows (the latest rows, moved on by a year, two, three) and refresh
    // every rollup; three imports, after the demo's writes have reached the disk.
    let staged_dir = data_dir.join("tenants").join(&tenant.id).join("imports");
    std::fs::create_dir_all(&staged_dir).unwrap();
    drop(db);
    let files: Vec<_> = (1..=3)
        .map(|years| {
            let parquet = staged_dir.join(format!("bench-{years}.parquet"));
            let raw = duckdb::Connection::open(&db_path).unwrap();
            raw.execute_batch(&format!(
                "COPY (SELECT record_id + {years} * 10000000000 AS record_id, entity_id, entity_name, entity_type, zone, state, channel_type, record_date + INTERVAL {years} YEAR AS record_date, lubricants_actual, lubricants_target, batteries_actual, batteries_target, tyres_actual, tyres_target, spares_actual, spares_target, overall_actual, overall_target FROM sales WHERE record_id <= {rows} ORDER BY record_id DESC LIMIT 1000000) TO '{}' (FORMAT parquet)",
                parquet.display()
            ))
            .unwrap();
            parquet
        })
        .collect();
    let _ = std::process::Command::new("sync").status();
    let db = TenantDb::open(&db_path, &limits).unwrap();
    for parquet in &files {
        let started = Instant::now();
        let summary = ingest::import(
            &db,
            &def,
            parquet,
            Format::Parquet,
            &ingest::ImportLimits::unbounded(limits.threads),
            &mut |_| {},
        )
        .unwrap();
        println!(
            "import of {} rows (Parquet) with rollup refresh: {:.2} s total (read and check {} ms, append {} ms, append, refresh and commit {} ms; {})",
            summary.rows,
            started.elapsed().as_secs_f64(),
            summary.read_ms,
            summary.append_ms,
            summary.write_ms,
            summary
                .rollups
                .iter()
                .map(|r| format!("{} {} {} ms", r.name, r.mode, r.ms))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
