//! The demo in headless Chromium: after signing in, KPI values, a drawn chart and the table
//! appear and agree with the API; a NORTH sales manager and an executive each reach what
//! their role allows and nothing more. Chromium comes from Debian (`chromium`), installed by
//! `.ci/install-chromium` (which `.ci/run` calls before the tests).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, TestServer};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium is installed by the project's own script (the one `.ci/run` calls first), never here.
/// The browser tests run at once; one of them installs, the others wait for it.
fn ensure_chromium() {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if Path::new(CHROMIUM).exists() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/install-chromium");
    let status = Command::new("bash")
        .arg(&script)
        .status()
        .expect("bash runs");
    assert!(
        status.success() && Path::new(CHROMIUM).exists(),
        "the browser test needs Debian's chromium; {} could not install it",
        script.display()
    );
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
    let fy2324 = api("sales_overall_kpi", "&fy=2023-2024").await;
    let page1 = api("sales_entity_table", "").await;
    let by_name = api("sales_entity_table", "&sort=entity_name&order=asc").await;
    let by_name_page2 = api("sales_entity_table", "&sort=entity_name&order=asc&page=2").await;
    let gauge = server
        .get_ok("/api/v1/panels/overview_attainment/data?dashboard=sales-overview")
        .await;
    let e_commerce = api("sales_overall_kpi", "&fy=2023-2024&f.channel=E-commerce").await;
    let modern_pie = server
        .get_ok("/api/v1/panels/overview_zone_share/data?dashboard=sales-overview&fy=2024-2025&f.channel=Modern%20Trade")
        .await;
    let drill = |query: &'static str| {
        let server = &server;
        async move {
            server
                .get_ok(&format!(
                    "/api/v1/panels/sales_by_zone/drill?dashboard=sales-performance&fy=2023-2024&value=NORTH{query}"
                ))
                .await
        }
    };
    let north = drill("").await;
    let north_raw = drill("&rows=raw").await;
    let kpi_rows = server
        .get_ok("/api/v1/panels/sales_overall_kpi/drill?dashboard=sales-performance&fy=2023-2024")
        .await;
    let summary = server
        .get_ok("/api/v1/panels/overview_summary/data?dashboard=sales-overview")
        .await;
    // The workspace's own look: a logo, a colour and a font the pages must show.
    let (status, body) = server
        .call(
            "PUT",
            "/api/v1/branding",
            Some(&server.admin),
            Some(serde_json::json!({"primary_color": "#C2410C", "font": "IBM Plex Sans"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="80" height="24"><rect width="80" height="24" rx="4" fill="#C2410C"/><circle cx="12" cy="12" r="7" fill="#fff"/></svg>"##;
    let logo = server
        .api(&server.admin)
        .raw(
            "PUT",
            "/api/v1/branding/logo",
            Some(("image/svg+xml", svg.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(logo.status, 200);

    let manifest = env!("CARGO_MANIFEST_DIR");
    let screenshot = dir.path().join("sales-performance.png");
    let mut node = Command::new("node");
    node.arg(Path::new(manifest).join("tests/browser/dashboard.mjs"))
        .arg(&server.base)
        .arg(dir.path().join("chromium-profile"))
        .arg(&screenshot)
        .arg(ADMIN_EMAIL)
        .arg(ADMIN_PASSWORD);
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
    assert_eq!(dashboards.len(), 3, "{seen}");
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
    let toggle = format!("{:.1}% achieved", fy2324["attainment"].as_f64().unwrap());
    let toggle_text = seen["overallKpiFy2324"].as_str().unwrap();
    assert!(
        toggle_text.contains(&toggle),
        "`{toggle_text}` lacks `{toggle}`"
    );
    // One request brings every panel; the range and fiscal year live in the URL and in words.
    assert_eq!(
        seen["firstLoadRequests"],
        serde_json::json!(["/api/v1/dashboards/sales-performance/data"]),
        "{seen}"
    );
    assert!(
        seen["fiscalYears"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("FY 2023-24")),
        "{seen}"
    );
    assert_eq!(seen["rangeWords"], "FY 2023-24", "{seen}");
    assert!(
        seen["url"]
            .as_str()
            .unwrap()
            .ends_with("#/d/sales-performance?fy=2023-2024"),
        "{seen}"
    );
    assert_eq!(seen["reloadedKpi"], seen["overallKpiFy2324"], "{seen}");
    assert_eq!(seen["reloadedRangeWords"], "FY 2023-24", "{seen}");
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

    // The first channel, chosen in the filter bar, narrows the KPI to the API's figure.
    assert_eq!(seen["channelChoice"], "E-commerce", "{seen}");
    let narrowed = format!(
        "{:.1}% achieved",
        e_commerce["attainment"].as_f64().unwrap()
    );
    let channel_text = seen["channelKpi"].as_str().unwrap();
    assert!(
        channel_text.contains(&narrowed),
        "`{channel_text}` lacks `{narrowed}`"
    );
    assert!(
        seen["channelUrl"]
            .as_str()
            .unwrap()
            .contains("f.channel=E-commerce"),
        "{seen}"
    );

    // A click on the NORTH bar opens its rows grouped by state, the API's first page; the URL
    // holds the drill, and the raw rows export as a file with every one of them.
    assert_eq!(seen["drillTitle"], "Sales by zone: NORTH", "{seen}");
    assert!(
        seen["drillPage2Url"].as_str().unwrap().contains("dpage=2"),
        "{seen}"
    );
    assert_ne!(seen["drillPage2Range"], seen["drillRawRange"], "{seen}");
    assert_eq!(
        seen["drillReloadedRange"], seen["drillPage2Range"],
        "{seen}"
    );
    // The KPI's rows: the same groups the API gives for the figure as a whole.
    assert_eq!(seen["kpiDrillTitle"], "Overall sales", "{seen}");
    let kpi_total = kpi_rows["total"].as_u64().unwrap();
    assert!(
        seen["kpiDrillRange"]
            .as_str()
            .unwrap()
            .ends_with(&format!("of {kpi_total}")),
        "{seen} vs {kpi_rows}"
    );
    assert_eq!(seen["drillBy"], "state", "{seen}");
    assert_eq!(north["by"], "state");
    let drill_url = seen["drillUrl"].as_str().unwrap();
    assert!(
        drill_url.contains("drill=sales_by_zone") && drill_url.contains("dv=NORTH"),
        "{drill_url}"
    );
    let first = &north["rows"][0];
    let first_row = &seen["drillFirstRow"];
    assert_eq!(first_row[0], first["state"], "{seen}");
    let inr = |value: &Value| format!("{:.0}", value.as_f64().unwrap());
    let digits = |text: &Value| {
        text.as_str()
            .unwrap()
            .replace(|c: char| !c.is_ascii_digit(), "")
    };
    assert_eq!(
        digits(&first_row[1]),
        inr(&first["overall_actual"]),
        "{seen}"
    );
    let total = north["total"].as_u64().unwrap();
    assert!(
        seen["drillRange"]
            .as_str()
            .unwrap()
            .ends_with(&format!("of {total}")),
        "{seen}"
    );
    assert!(seen["drillPainted"].as_u64().unwrap() > 1_000, "{seen}");
    let raw_total = north_raw["total"].as_u64().unwrap();
    assert!(
        seen["drillRawRange"]
            .as_str()
            .unwrap()
            .replace(',', "")
            .ends_with(&format!("of {raw_total}")),
        "{seen}"
    );
    assert_eq!(seen["drillCsvLines"], raw_total + 1, "{seen}");
    assert!(
        seen["drillCsvHeader"]
            .as_str()
            .unwrap()
            .starts_with("record_id,"),
        "{seen}"
    );
    assert!(
        !seen["afterDrillUrl"].as_str().unwrap().contains("drill="),
        "{seen}"
    );

    // The text card shows the API's totals, formatted, and a line per zone.
    let card = seen["cardText"].as_str().unwrap();
    let entities = summary["totals"][2].as_f64().unwrap() as u64;
    assert!(card.contains(&format!("by {entities} entities")), "{card}");
    assert!(card.contains("sold against a target of ₹"), "{card}");
    let zones = summary["rows"].as_array().unwrap();
    for zone in zones {
        assert!(
            card.contains(&format!("{}: ₹", zone["label"].as_str().unwrap())),
            "{card}"
        );
    }
    assert_eq!(
        seen["cardValues"].as_array().unwrap().len(),
        3 + 2 * zones.len(),
        "{seen}"
    );

    // The workspace's logo, colour and font are on the page; a dashboard's own branding
    // (Sales Performance sets Inter) comes first there.
    assert!(seen["logoWidth"].as_u64().unwrap() > 0, "{seen}");
    assert_eq!(seen["topbarBorder"], "rgb(194, 65, 12)", "{seen}");
    assert!(
        seen["overviewFont"]
            .as_str()
            .unwrap()
            .starts_with("\"IBM Plex Sans\""),
        "{seen}"
    );
    assert!(
        seen["performanceFont"]
            .as_str()
            .unwrap()
            .starts_with("Inter"),
        "{seen}"
    );
    assert_eq!(seen["performanceBorder"], "rgb(11, 95, 255)", "{seen}");

    // Both server-drawn images load, the bullet's words in the dashboard's currency.
    let images = seen["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "{seen}");
    assert!(images.iter().all(|w| w.as_u64().unwrap() > 0), "{seen}");
    let bullet = seen["bulletWords"].as_str().unwrap();
    assert!(
        bullet.starts_with('₹') && bullet.contains(" of ₹") && bullet.ends_with('%'),
        "{bullet}"
    );

    // A report is one panel alone at a link holding its range and filters.
    assert!(
        seen["reportUrl"].as_str().unwrap().ends_with(
            "#/r/sales-overview/overview_zone_share?fy=2024-2025&f.channel=Modern%20Trade"
        ),
        "{seen}"
    );
    assert_eq!(seen["reportPanels"], 1, "{seen}");
    assert!(seen["reportPainted"].as_u64().unwrap() > 2_000, "{seen}");
    assert_eq!(
        seen["reportScope"], "FY 2024-25 · Channel: Modern Trade",
        "{seen}"
    );
    assert_eq!(
        seen["reportTitle"],
        "Share of sales by zone · Sales Overview · Flexboard"
    );
    // The range and the channel reach the panel: its total is not the unfiltered one.
    assert!(modern_pie["total"].as_f64().unwrap() > 0.0);
    let report_total = seen["reportTotal"].as_str().unwrap();
    assert!(report_total.starts_with("Total ₹"), "{report_total}");
    assert_ne!(seen["reportTotal"], seen["pieTotal"], "{seen}");

    // axe-core finds no serious or critical WCAG 2.1 A/AA violation, light or dark.
    assert_eq!(seen["accessibilityLight"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["accessibilityDark"], serde_json::json!([]), "{seen}");

    // Every new kind draws, and says what the API says.
    for (id, pixels) in seen["overviewPainted"].as_object().unwrap() {
        assert!(pixels.as_u64().unwrap() > 2_000, "{id} painted {pixels}");
    }
    let attained = format!("{:.1}%", gauge["attainment"].as_f64().unwrap());
    let gauge_text = seen["gaugeReading"].as_str().unwrap();
    assert!(
        gauge_text.contains(&attained)
            && gauge_text.contains('₹')
            && gauge_text.contains(gauge["status"]["label"].as_str().unwrap()),
        "the gauge reads `{gauge_text}`, the API says {attained}"
    );
    assert!(
        seen["pieTotal"].as_str().unwrap().starts_with("Total ₹"),
        "{seen}"
    );
    assert_ne!(seen["lightBackground"], seen["darkBackground"], "{seen}");
    assert!(seen["darkCharts"].as_u64().unwrap() >= 4, "{seen}");
    assert_eq!(seen["phoneOverflow"], 0, "{seen}");
    assert_eq!(seen["phoneColumns"], 1, "{seen}");
}

/// Runs a script of `tests/browser/` for one person and returns what the page showed.
async fn run_as(
    script: &str,
    server: &TestServer,
    profile: &Path,
    email: &str,
    password: &str,
) -> serde_json::Value {
    let mut node = Command::new("node");
    node.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser")
            .join(script),
    )
    .arg(&server.base)
    .arg(profile)
    .arg(email)
    .arg(password);
    let output = tokio::task::spawn_blocking(move || node.output().expect("node runs"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser script failed for {email}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_north_manager_and_an_executive_reach_what_their_roles_allow() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let kpi = "/api/v1/panels/sales_overall_kpi/data?dashboard=sales-performance";
    let attainment =
        |body: &serde_json::Value| format!("{:.1}% achieved", body["attainment"].as_f64().unwrap());
    let manager_session = server.login_as("north.manager@acme.example").await;
    let executive_session = server.login_as("executive@acme.example").await;
    let (_, manager_kpi) = server.call("GET", kpi, Some(&manager_session), None).await;
    let (_, executive_kpi) = server
        .call("GET", kpi, Some(&executive_session), None)
        .await;
    assert_ne!(
        attainment(&manager_kpi),
        attainment(&executive_kpi),
        "NORTH differs from the whole company"
    );

    let reach = |email: &'static str, profile: &'static str| {
        let server = &server;
        let profile = dir.path().join(profile);
        async move {
            run_as(
                "roles.mjs",
                server,
                &profile,
                email,
                &server.accounts[email],
            )
            .await
        }
    };
    let manager = reach("north.manager@acme.example", "manager-profile").await;
    let executive = reach("executive@acme.example", "executive-profile").await;
    let csv = |session| {
        let api = server.api(session);
        async move {
            let (status, _, body) = api
                .export("sales-performance", "sales_entity_table", "csv", "")
                .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let manager_csv = csv(&manager_session).await;
    let executive_csv = csv(&executive_session).await;
    server.stop().await;

    // The download is the server's export, under each person's row policy; JSON is the
    // executive's alone.
    assert_eq!(
        manager["exportFormats"],
        serde_json::json!(["CSV"]),
        "{manager}"
    );
    assert_eq!(
        executive["exportFormats"],
        serde_json::json!(["CSV", "JSON", "XLSX"]),
        "{executive}"
    );
    assert_eq!(
        executive["exportName"],
        "sales-performance-sales_entity_table.csv"
    );
    assert_eq!(executive["exportCsv"].as_str().unwrap(), executive_csv);
    assert_eq!(manager["exportCsv"].as_str().unwrap(), manager_csv);
    assert_ne!(manager_csv, executive_csv, "NORTH sees fewer rows");

    for seen in [&manager, &executive] {
        assert!(
            seen["wrongPassword"].as_str().unwrap().contains("wrong"),
            "{seen}"
        );
        assert_eq!(seen["workspaces"], serde_json::json!(["Acme Corp (demo)"]));
        assert_eq!(seen["adminLink"], 0, "neither administers anything: {seen}");
        assert_eq!(seen["signedOut"], true);
    }
    assert!(
        manager["userName"]
            .as_str()
            .unwrap()
            .contains("Nikhil North"),
        "{manager}"
    );
    assert!(
        manager["userName"]
            .as_str()
            .unwrap()
            .contains("sales_manager"),
        "{manager}"
    );
    assert_eq!(
        manager["dashboards"],
        serde_json::json!(["Sales Overview", "Sales Performance"])
    );
    let panels = |seen: &serde_json::Value| -> Vec<String> {
        seen["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        !panels(&manager).contains(&"sales_by_channel".to_owned()),
        "{manager}"
    );
    assert_eq!(panels(&manager).len(), 7, "{manager}");
    assert!(
        manager["overallKpi"]
            .as_str()
            .unwrap()
            .contains(&attainment(&manager_kpi)),
        "{manager}"
    );
    assert!(
        manager["opsHealth"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{manager}"
    );
    // The resolved dashboard: the NORTH pre-filter shows, and the footer names the overrides.
    assert_eq!(manager["filters"], "Zone: NORTH", "{manager}");
    assert!(
        manager["meta"].as_str().unwrap().contains("zone-north"),
        "{manager}"
    );
    assert_eq!(executive["filters"], "", "{executive}");
    assert!(
        executive["meta"]
            .as_str()
            .unwrap()
            .contains("executive-strategic"),
        "{executive}"
    );

    assert!(
        executive["userName"]
            .as_str()
            .unwrap()
            .contains("Erin Executive"),
        "{executive}"
    );
    assert_eq!(
        executive["dashboards"],
        serde_json::json!(["Operations Health", "Sales Overview", "Sales Performance"])
    );
    assert!(
        panels(&executive).contains(&"sales_by_channel".to_owned()),
        "{executive}"
    );
    assert!(
        executive["overallKpi"]
            .as_str()
            .unwrap()
            .contains(&attainment(&executive_kpi)),
        "{executive}"
    );
    assert_eq!(executive["opsHealth"], "opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_pages_add_people_keys_and_workspaces() {
    ensure_chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let seen = run_as(
        "admin.mjs",
        &server,
        &dir.path().join("profile"),
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
    )
    .await;

    // What the pages showed is what the server holds.
    let secret = seen["secret"].as_str().unwrap();
    let key_status = server
        .client
        .get(format!("{}/api/v1/dashboards", server.base))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
        .status();
    let dana = crate::support::login(
        &server.client,
        &server.base,
        "dana@acme.example",
        "dana has a long passphrase",
    )
    .await;
    let (_, tenants) = server.get("/api/v1/admin/tenants").await;
    server.stop().await;

    assert!(
        seen["weakPassword"].as_str().unwrap().contains("common"),
        "{seen}"
    );
    assert_eq!(
        seen["peopleAfter"].as_u64(),
        seen["peopleBefore"].as_u64().map(|n| n + 1),
        "{seen}"
    );
    let row = seen["danaRow"].as_str().unwrap();
    assert!(
        row.contains("sales_manager") && row.contains("zone=EAST"),
        "{row}"
    );
    assert!(secret.starts_with("fbk_AK-"), "{seen}");
    assert!(
        seen["keyRow"].as_str().unwrap().contains("revoked"),
        "{seen}"
    );
    assert_eq!(key_status, 401, "the revoked key no longer works");
    let dana = dana.expect("the person added in the UI signs in");
    assert_eq!(dana.me["tenant"]["attributes"]["zone"], "EAST");
    assert!(
        seen["tenantRow"].as_str().unwrap().contains("5 dashboards"),
        "{seen}"
    );
    assert!(tenants.to_string().contains("Delta Depot"));
    assert!(
        seen["workspaces"].to_string().contains("Delta Depot"),
        "{seen}"
    );
}
