//! Paint driver: the demo dashboards fully drawn in headless Chromium, from the navigation's
//! start to the last panel drawn, on a server with cold caches (just started) and warm (the
//! same page again). Each round starts the server afresh on the same data directory.
//!
//! Run: `cargo bench --bench paint` (1M rows); `FLEXBOARD_BENCH_ROWS=10000000` for 10M (the
//! demo is generated once per size, under the target directory, and reused). Needs Debian's
//! `chromium` and the web UI's npm packages (`.ci/run` installs both).

use std::path::{Path, PathBuf};
use std::process::Command;

use flexboard::Config;

const ADMIN: &str = "bench@example.com";
const PASSWORD: &str = "a bench admin passphrase";
const ROUNDS: usize = 3;
const WARM_RUNS: usize = 10;
const DASHBOARDS: [&str; 2] = ["sales-performance", "sales-overview"];

fn config(data_dir: &Path, rows: u64) -> Config {
    let mut config = Config::for_data_dir(data_dir);
    config.demo_rows = rows;
    config.demo_now = flexboard::config::parse_instant("2026-04-01T00:00:00Z").ok();
    config.admin_email = Some(ADMIN.into());
    config.admin_password = Some(PASSWORD.into());
    config
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    let rows: u64 = std::env::var("FLEXBOARD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("paint-{rows}"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/paint.mjs");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut cold: Vec<(String, f64)> = Vec::new();
    let mut warm: Vec<(String, f64)> = Vec::new();
    for round in 0..ROUNDS {
        let output = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let app = flexboard::open(config(&data_dir, rows)).await.unwrap();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(flexboard::run(app, listener, async {
                let _ = stopped.await;
            }));
            let mut node = Command::new("node");
            node.arg(&script)
                .arg(&base)
                .arg(ADMIN)
                .arg(PASSWORD)
                .arg(if round == 0 { WARM_RUNS } else { 0 }.to_string())
                .args(DASHBOARDS);
            let output = tokio::task::spawn_blocking(move || node.output().expect("node runs"))
                .await
                .unwrap();
            let _ = stop.send(());
            server.await.unwrap().unwrap();
            output
        });
        assert!(
            output.status.success(),
            "the paint script failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        for id in DASHBOARDS {
            cold.push((id.into(), seen[id]["cold"].as_f64().unwrap()));
            for ms in seen[id]["warm"].as_array().unwrap() {
                warm.push((id.into(), ms.as_f64().unwrap()));
            }
        }
    }
    println!(
        "paint: {rows} rows, {ROUNDS} cold starts, {WARM_RUNS} warm loads (ms from navigation start to the last panel drawn)"
    );
    for id in DASHBOARDS {
        let mut c: Vec<f64> = cold
            .iter()
            .filter(|(d, _)| d == id)
            .map(|(_, ms)| *ms)
            .collect();
        let mut w: Vec<f64> = warm
            .iter()
            .filter(|(d, _)| d == id)
            .map(|(_, ms)| *ms)
            .collect();
        c.sort_by(f64::total_cmp);
        w.sort_by(f64::total_cmp);
        println!(
            "  {id}: cold p50 {:.0} ms (max {:.0}); warm p50 {:.0} ms, p95 {:.0} ms",
            percentile(&c, 0.5),
            c[c.len() - 1],
            percentile(&w, 0.5),
            percentile(&w, 0.95)
        );
    }
}
