//! Panel query speed on the demo (1,000,000 sales rows by default; `FLEXBOARD_BENCH_ROWS`
//! changes it): each panel of both demo dashboards through the same code the HTTP handler
//! calls, and a whole dashboard's panels one after another.
//!
//! Run: `cargo bench --bench panels`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use flexboard::analytics::PanelRequest;

mod common;

fn panels(c: &mut Criterion) {
    let rows = std::env::var("FLEXBOARD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let appliance = common::open_demo(&dir.path().join("data"), rows);
    eprintln!(
        "demo of {rows} rows generated in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    // The super-admin's grant: every panel, every row, as the HTTP handler would pass it.
    let tenant = common::grant_of(&appliance, common::ADMIN, common::PASSWORD);
    let request = PanelRequest {
        page: 1,
        ..PanelRequest::default()
    };
    let mut group = c.benchmark_group(format!("panel_{rows}_rows"));
    group.sample_size(20);
    for dashboard in ["sales-performance", "ops-health"] {
        let config = appliance
            .resolve(&tenant, dashboard, &Default::default())
            .unwrap()
            .config
            .clone();
        for panel in &config.panels {
            group.bench_function(&panel.id, |b| {
                b.iter(|| {
                    black_box(
                        appliance
                            .panel_data(&tenant, Some(dashboard), &panel.id, &request)
                            .unwrap(),
                    )
                })
            });
        }
        group.bench_function(format!("whole_{dashboard}"), |b| {
            b.iter(|| {
                for panel in &config.panels {
                    black_box(
                        appliance
                            .panel_data(&tenant, Some(dashboard), &panel.id, &request)
                            .unwrap(),
                    );
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, panels);
criterion_main!(benches);
