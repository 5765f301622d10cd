//! Memory load driver: what a viewer can make the server hold. Sends, as the demo's viewer,
//! 2,000 raw-series requests (`disable_aggregation=true` over a week of per-minute metrics),
//! each with a start one second earlier than the last so no two share a cache entry, then
//! 2,000 resolutions of the sales dashboard at distinct `asOf` moments. Prints the process's
//! resident memory before, after each phase and at the peak, against the configured cache
//! sizes (the target: growth under their sum plus 64 MiB).
//!
//! Run: `cargo bench --bench memory` (`FLEXBOARD_BENCH_REQUESTS` changes the 2,000).

use std::time::Instant;

use flexboard::Config;

const ADMIN: &str = "bench@example.com";
const PASSWORD: &str = "a bench admin passphrase";

/// A field of `/proc/self/status` in MiB (`VmRSS`, `VmHWM`).
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let requests: usize = std::env::var("FLEXBOARD_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
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
        let budget = (config.result_cache_size + config.resolve_cache_size) as f64 / 1048576.0;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = flexboard::open(config).await.unwrap();
        let first = app.take_first_start().unwrap();
        let viewer = first
            .demo_users
            .iter()
            .find(|a| a.email.starts_with("viewer"))
            .unwrap()
            .clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(flexboard::run(app, listener, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": viewer.email, "password": viewer.password}))
            .send()
            .await
            .unwrap();
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let get = |path: String| {
            let client = &client;
            let cookie = &cookie;
            let base = &base;
            async move {
                let response = client
                    .get(format!("{base}{path}"))
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body = response.bytes().await.unwrap();
                assert!(
                    status.is_success(),
                    "{path}: {status} {}",
                    String::from_utf8_lossy(&body)
                );
                body.len()
            }
        };
        // The operations dashboard's first time series.
        let list: serde_json::Value =
            serde_json::from_slice(&reqwest_bytes(&client, &base, &cookie, "/api/v1/dashboards").await)
                .unwrap();
        let ops = list["dashboards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] != "sales-performance")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let resolved: serde_json::Value = serde_json::from_slice(
            &reqwest_bytes(&client, &base, &cookie, &format!("/api/v1/dashboards/{ops}")).await,
        )
        .unwrap();
        let series = resolved["config"]["panels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["type"] == "timeseries")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let before = status_mib("VmRSS");
        // The demo's week of per-minute samples.
        let end = chrono::NaiveDate::from_ymd_opt(2026, 4, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let start = end - chrono::TimeDelta::days(7);
        let started = Instant::now();
        let mut bytes = 0;
        for i in 0..requests {
            let from = (start - chrono::TimeDelta::seconds(i as i64)).format("%Y-%m-%dT%H:%M:%SZ");
            let to = end.format("%Y-%m-%dT%H:%M:%SZ");
            bytes += get(format!(
                "/api/v1/panels/{series}/data?dashboard={ops}&disable_aggregation=true&start_date={from}&end_date={to}"
            ))
            .await;
        }
        let after_raw = status_mib("VmRSS");
        println!(
            "{requests} distinct raw series as the viewer: {:.1} s, {:.0} MiB answered; resident {before:.0} → {after_raw:.0} MiB",
            started.elapsed().as_secs_f64(),
            bytes as f64 / 1048576.0
        );
        let started = Instant::now();
        let now = chrono::Utc::now();
        for i in 0..requests {
            let at = (now - chrono::TimeDelta::milliseconds(i as i64)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            get(format!(
                "/api/v1/dashboards/sales-performance?asOf={}",
                at.replace('+', "%2B")
            ))
            .await;
        }
        let after_as_of = status_mib("VmRSS");
        println!(
            "{requests} distinct asOf resolutions: {:.1} s; resident {after_raw:.0} → {after_as_of:.0} MiB",
            started.elapsed().as_secs_f64()
        );
        let growth = after_as_of - before;
        println!(
            "growth {growth:.0} MiB (peak resident {:.0} MiB) against caches of {budget:.0} MiB + 64 MiB: {}",
            status_mib("VmHWM"),
            if growth <= budget + 64.0 { "within" } else { "OVER" }
        );
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}

async fn reqwest_bytes(client: &reqwest::Client, base: &str, cookie: &str, path: &str) -> Vec<u8> {
    client
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}
