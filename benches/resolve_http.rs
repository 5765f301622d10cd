//! HTTP load driver for the resolve endpoint: a signed-in NORTH sales manager's
//! `GET /api/v1/dashboards/sales-performance` (cached after the first request), from many
//! keep-alive connections at once, for a few seconds. Prints requests per second and latency.
//!
//! Run: `cargo bench --bench resolve_http` (`FLEXBOARD_BENCH_PATH` picks another GET path,
//! e.g. `/api/v1/panels/sales_overall_kpi/data?dashboard=sales-performance`). Client and server share the machine's cores, so
//! the figure is a floor.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use flexboard::Config;

const ADMIN: &str = "bench@example.com";
const PASSWORD: &str = "a bench admin passphrase";
/// Connections, unless `FLEXBOARD_BENCH_CONNECTIONS` says otherwise.
const CONNECTIONS: usize = 32;
const SECONDS: u64 = 5;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(dir.path().join("data"));
        config.demo_rows = 20_000;
        config.admin_email = Some(ADMIN.into());
        config.admin_password = Some(PASSWORD.into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = flexboard::open(config).await.unwrap();
        let first = app.take_first_start().unwrap();
        let manager = first.demo_users.iter().find(|a| a.email.starts_with("north.")).unwrap().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(flexboard::run(app, listener, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": manager.email, "password": manager.password}))
            .send()
            .await
            .unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        // `FLEXBOARD_BENCH_PATH` aims the load elsewhere, e.g. a cached panel's data.
        let path = std::env::var("FLEXBOARD_BENCH_PATH")
            .unwrap_or_else(|_| "/api/v1/dashboards/sales-performance".into());
        let url = format!("{base}{path}");
        let warm = client.get(&url).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(warm.status(), 200);
        let size = warm.bytes().await.unwrap().len();

        let connections: usize = std::env::var("FLEXBOARD_BENCH_CONNECTIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(CONNECTIONS);
        let running = Arc::new(AtomicBool::new(true));
        let started = Instant::now();
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                let client = client.clone();
                let url = url.clone();
                let cookie = cookie.clone();
                let running = Arc::clone(&running);
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    while running.load(Ordering::Relaxed) {
                        let t = Instant::now();
                        let response = client.get(&url).header("cookie", &cookie).send().await.unwrap();
                        assert_eq!(response.status(), 200);
                        response.bytes().await.unwrap();
                        times.push(t.elapsed());
                    }
                    times
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(SECONDS)).await;
        running.store(false, Ordering::Relaxed);
        let mut times = Vec::new();
        for task in tasks {
            times.extend(task.await.unwrap());
        }
        let wall = started.elapsed().as_secs_f64();
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
        println!(
            "resolve over HTTP, {connections} connections, {size} byte answers: {:.0} requests/s; p50 {:.2} ms, p99 {:.2} ms ({} requests in {wall:.1} s)",
            times.len() as f64 / wall,
            pct(0.50),
            pct(0.99),
            times.len()
        );
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}
