//! Sign-in load driver: latency of `POST /api/v1/auth/login` over real HTTP, one at a time and
//! 100 at once, and the memory the 100 parallel sign-ins take (argon2id needs 19 MiB each; the
//! appliance runs at most one per core, so the rest queue).
//!
//! Run: `cargo bench --bench logins`. Prints one table; the README's performance section
//! quotes it.

use std::time::{Duration, Instant};

use flexboard::Config;

const ADMIN: &str = "bench@example.com";
const PASSWORD: &str = "a bench admin passphrase";
const PARALLEL: usize = 100;

/// Resident memory now and at its peak, in KiB, from `/proc/self/status`.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak so that the next reading covers only what follows (Linux `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1_000.0
}

async fn login(client: &reqwest::Client, base: &str) -> Duration {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": ADMIN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap();
    started.elapsed()
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what:<28} n={:<4} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(dir.path().join("data"));
        config.no_demo = true;
        config.admin_email = Some(ADMIN.into());
        config.admin_password = Some(PASSWORD.into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(flexboard::serve(config, listener, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        // Warm up: the first request waits for the store to open.
        login(&client, &base).await;

        let mut sequential = Vec::new();
        for _ in 0..50 {
            sequential.push(login(&client, &base).await);
        }
        report("sequential", sequential);

        let (rss_before, _) = memory();
        reset_peak();
        let started = Instant::now();
        let tasks: Vec<_> = (0..PARALLEL)
            .map(|_| {
                let client = client.clone();
                let base = base.clone();
                tokio::spawn(async move { login(&client, &base).await })
            })
            .collect();
        let mut parallel = Vec::new();
        for task in tasks {
            parallel.push(task.await.unwrap());
        }
        let wall = started.elapsed();
        let (rss_after, peak) = memory();
        report(&format!("{PARALLEL} parallel"), parallel);
        println!(
            "{PARALLEL} parallel sign-ins: {:.2} s in all; resident memory {:.1} MiB before, peak {:.1} MiB (+{:.1} MiB), {:.1} MiB after",
            wall.as_secs_f64(),
            rss_before as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak.saturating_sub(rss_before) as f64 / 1024.0,
            rss_after as f64 / 1024.0,
        );
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}
