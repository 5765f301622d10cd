//! Resolution speed: a 50-panel template through 4 override layers (tenant, zone, role, user)
//! for a NORTH sales manager, on a cache miss and on a hit, in process; and the miss for a
//! second manager whose own layer also removes a panel and reorders them.
//!
//! Run: `cargo bench --bench resolve` (criterion's means, then the percentiles of 20,000
//! misses of each kind timed one by one).

use std::hint::black_box;

use std::time::{Duration, Instant};

use criterion::Criterion;
use flexboard::Appliance;
use flexboard::appliance::{
    NewTemplate, NewVersion, OverrideInput, ResolveOptions, TransitionInput,
};
use flexboard::identity::policy::Grant;
use flexboard::versioning::{OverrideScope, VersionState};
use serde_json::json;

mod common;

use common::{ADMIN, PASSWORD, grant_of};

fn setup() -> (tempfile::TempDir, Appliance, Grant, Grant) {
    let dir = tempfile::tempdir().unwrap();
    let app = common::open_demo(&dir.path().join("data"), 1_000);
    let admin = grant_of(&app, ADMIN, PASSWORD);
    let panels: Vec<_> = (0..50)
        .map(|i| {
            json!({
                "id": format!("kpi_{i}"), "title": format!("KPI {i}"),
                "position": {"row": i / 4 + 1, "col": (i % 4) * 3 + 1, "width": 3},
                "type": "kpi",
                "data_source": {"dataset": "sales", "value": {"column": "overall_actual", "agg": "sum"}},
                "display": {"format": "compact"}
            })
        })
        .collect();
    let config = json!({"id": "wide", "name": "Fifty panels", "panels": panels});
    app.create_template(&admin, NewTemplate { config }).unwrap();
    app.create_version(
        &admin,
        "wide",
        NewVersion {
            changelog: "first".into(),
            bump: None,
            force_reason: None,
            draft_revision: None,
        },
    )
    .unwrap();
    app.transition(
        &admin,
        "wide",
        "1.0.0",
        TransitionInput {
            to: VersionState::Review,
            reason: "bench".into(),
        },
    )
    .unwrap();
    // A second editor approves.
    app.create_user(&admin, serde_json::from_value(json!({"email": "rev@example.com", "name": "Reviewer", "password": "a reviewer passphrase", "role": "editor"})).unwrap()).unwrap();
    let reviewer = grant_of(&app, "rev@example.com", "a reviewer passphrase");
    app.transition(
        &reviewer,
        "wide",
        "1.0.0",
        TransitionInput {
            to: VersionState::Published,
            reason: "bench".into(),
        },
    )
    .unwrap();
    let manager_id = app.create_user(&admin, serde_json::from_value(json!({"email": "m@example.com", "name": "Manager", "password": "a manager passphrase", "role": "sales_manager", "attributes": {"zone": "NORTH"}})).unwrap()).unwrap().id;
    let layers = [
        ("tenant-layer", "tenant", admin.tenant.clone()),
        ("zone-layer", "zone", "NORTH".to_owned()),
        ("role-layer", "role", "sales_manager".to_owned()),
        ("user-layer", "user", manager_id),
    ];
    for (n, (id, kind, value)) in layers.into_iter().enumerate() {
        let patch = json!({
            "currency": "INR",
            "panels": (0..10).map(|i| json!({"id": format!("kpi_{}", n * 10 + i), "title": format!("{id} {i}")})).collect::<Vec<_>>()
        });
        app.create_override(
            &admin,
            "wide",
            OverrideInput {
                id: Some(id.into()),
                scope: OverrideScope {
                    kind: kind.into(),
                    value,
                },
                priority: None,
                active: true,
                versions: "*".into(),
                patch,
                reason: "bench".into(),
                revision: None,
            },
        )
        .unwrap();
    }
    // A second manager of the same zone whose own layer also removes a panel and reorders.
    let reordering_id = app.create_user(&admin, serde_json::from_value(json!({"email": "m2@example.com", "name": "Manager 2", "password": "a manager passphrase", "role": "sales_manager", "attributes": {"zone": "NORTH"}})).unwrap()).unwrap().id;
    let mut reorder = vec![
        json!({"$order": ["kpi_49", "kpi_48"]}),
        json!({"id": "kpi_0", "$delete": true}),
    ];
    reorder.extend(
        (30..40).map(|i| json!({"id": format!("kpi_{i}"), "title": format!("reordering {i}")})),
    );
    app.create_override(
        &admin,
        "wide",
        OverrideInput {
            id: Some("reordering-user-layer".into()),
            scope: OverrideScope {
                kind: "user".into(),
                value: reordering_id,
            },
            priority: None,
            active: true,
            versions: "*".into(),
            patch: json!({"currency": "INR", "panels": reorder}),
            reason: "bench".into(),
            revision: None,
        },
    )
    .unwrap();
    let manager = grant_of(&app, "m@example.com", "a manager passphrase");
    let reordering = grant_of(&app, "m2@example.com", "a manager passphrase");
    (dir, app, manager, reordering)
}

/// Times `count` cache misses one by one and prints their percentiles (criterion reports means).
fn miss_percentiles(app: &Appliance, manager: &Grant, count: usize, label: &str) {
    let options = ResolveOptions::default();
    let mut times: Vec<Duration> = (0..count)
        .map(|_| {
            let started = Instant::now();
            black_box(
                app.resolve_without_cache(manager, "wide", &options)
                    .unwrap(),
            );
            started.elapsed()
        })
        .collect();
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e6;
    println!(
        "cache miss{label}, {count} resolutions one by one: p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    );
}

fn main() {
    let (_dir, app, manager, reordering) = setup();
    let options = ResolveOptions::default();
    for grant in [&manager, &reordering] {
        let check = app.resolve(grant, "wide", &options).unwrap();
        assert_eq!(check.meta.applied_overrides.len(), 4);
    }
    let reordered = app.resolve(&reordering, "wide", &options).unwrap();
    assert_eq!(reordered.config.panels[0].id, "kpi_49");
    assert_eq!(reordered.config.panels.len(), 49);
    // `FLEXBOARD_BENCH_MISSES=n`: only n misses, no criterion (for callgrind's instruction
    // counts); `FLEXBOARD_BENCH_REORDER=1` for the manager whose layer removes and reorders.
    if let Some(count) = std::env::var("FLEXBOARD_BENCH_MISSES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        let grant = match std::env::var("FLEXBOARD_BENCH_REORDER") {
            Ok(_) => &reordering,
            Err(_) => &manager,
        };
        for _ in 0..count {
            black_box(app.resolve_without_cache(grant, "wide", &options).unwrap());
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("resolve_50_panels_4_layers");
    group.bench_function("cache_hit", |b| {
        b.iter(|| black_box(app.resolve(&manager, "wide", &options).unwrap()))
    });
    group.sample_size(50);
    group.bench_function("cache_miss", |b| {
        b.iter(|| {
            black_box(
                app.resolve_without_cache(&manager, "wide", &options)
                    .unwrap(),
            )
        })
    });
    group.bench_function("cache_miss_removing_and_reordering", |b| {
        b.iter(|| {
            black_box(
                app.resolve_without_cache(&reordering, "wide", &options)
                    .unwrap(),
            )
        })
    });
    group.finish();
    c.final_summary();
    miss_percentiles(&app, &manager, 20_000, "");
    miss_percentiles(&app, &reordering, 20_000, " (a layer removes and reorders)");
}
