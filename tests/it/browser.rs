//! The demo dashboard in headless Chromium: KPI values, a drawn chart and the table appear and
//! agree with the API. Chromium comes from Debian (`chromium`); `.ci/run` installs it, and this
//! test installs it itself when it is missing and the test runs as root.

use std::path::Path;
use std::process::Command;

use crate::support::TestServer;

const CHROMIUM: &str = "/usr/bin/chromium";

fn ensure_chromium() {
    if Path::new(CHROMIUM).exists() {
        return;
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    assert!(
        is_root,
        "the browser test needs Debian's chromium: run `sudo apt-get install chromium`"
    );
    for args in [
        vec!["update"],
        vec!["install", "-y", "--no-install-recommends", "chromium"],
    ] {
        let status = Command::new("apt-get")
            .args(&args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .expect("apt-get runs");
        assert!(status.success(), "apt-get {args:?} failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_dashboard_renders_in_chromium() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let api = |id: &'static str, query: &'static str| {
        let server = &server;
        async move {
            server
                .get_ok(&format!(
                    "/api/v1/panels/{id}/data?dashboard=sales-performance{query}"
                ))
                .await
        }
    };
    let overall = api("sales_overall_kpi", "").await;
    let entities = api("sales_entities_kpi", "").await;
    let fy2425 = api(
        "sales_overall_kpi",
        "&start_date=2024-04-01T00:00:00Z&end_date=2025-03-31T23:59:59Z",
    )
    .await;
    let page1 = api("sales_entity_table", "").await;
    let by_name = api("sales_entity_table", "&sort=entity_name&order=asc").await;
    let by_name_page2 = api("sales_entity_table", "&sort=entity_name&order=asc&page=2").await;

    let manifest = env!("CARGO_MANIFEST_DIR");
    let screenshot = dir.path().join("sales-performance.png");
    let mut node = Command::new("node");
    node.arg(Path::new(manifest).join("tests/browser/dashboard.mjs"))
        .arg(&server.base)
        .arg(dir.path().join("chromium-profile"))
        .arg(&screenshot);
    let output = tokio::task::spawn_blocking(move || node.output().expect("node runs"))
        .await
        .unwrap();
    server.stop().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();

    assert_eq!(seen["title"], "Sales Performance · Flexboard");
    let dashboards = seen["dashboards"].as_array().unwrap();
    assert_eq!(dashboards.len(), 2, "{seen}");
    let attainment = format!("{:.1}% achieved", overall["attainment"].as_f64().unwrap());
    let overall_text = seen["overallKpi"].as_str().unwrap();
    assert!(
        overall_text.contains(&attainment),
        "`{overall_text}` lacks `{attainment}`"
    );
    assert!(
        overall_text.contains(overall["status"]["label"].as_str().unwrap()),
        "{overall_text}"
    );
    let fy_attainment = format!("{:.1}% achieved", fy2425["attainment"].as_f64().unwrap());
    let fy_text = seen["overallKpiFy2425"].as_str().unwrap();
    assert!(
        fy_text.contains(&fy_attainment),
        "`{fy_text}` lacks `{fy_attainment}`"
    );
    assert_ne!(
        fy_text, overall_text,
        "the date range did not change the KPI"
    );
    assert_eq!(
        seen["entitiesKpi"].as_str().unwrap(),
        (entities["value"].as_f64().unwrap() as i64).to_string()
    );
    assert!(
        seen["chartPaintedPixels"].as_u64().unwrap() > 1_000,
        "the chart canvas is blank: {seen}"
    );
    assert_eq!(seen["tableRows"], 10);
    let first_cell = |row: &serde_json::Value| row[0].as_str().unwrap().to_owned();
    assert_eq!(
        first_cell(&seen["tableFirstRow"]),
        page1["rows"][0]["entity_name"].as_str().unwrap()
    );
    assert_eq!(
        first_cell(&seen["sortedFirstRow"]),
        by_name["rows"][0]["entity_name"].as_str().unwrap()
    );
    assert_eq!(
        first_cell(&seen["page2FirstRow"]),
        by_name_page2["rows"][0]["entity_name"].as_str().unwrap()
    );
    assert_eq!(
        seen["consoleErrors"].as_array().map(Vec::len),
        Some(0),
        "{seen}"
    );
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 10_000);
}
