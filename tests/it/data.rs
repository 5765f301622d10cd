//! Data over HTTP: the dashboard batch endpoint, periods, the explain output and the result
//! cache, imports (CSV, JSON, Parquet; all or nothing; rollups refreshed; results
//! invalidated), and row policies through every data endpoint.

use serde_json::{Value, json};

use crate::support::{Session, TestServer, assert_close};

const SALES: &str = "sales-performance";
const MANAGER: &str = "north.manager@acme.example";
const VIEWER: &str = "viewer@acme.example";

const HEADER: &str = "record_id,entity_id,entity_name,entity_type,zone,state,channel_type,record_date,lubricants_actual,lubricants_target,batteries_actual,batteries_target,tyres_actual,tyres_target,spares_actual,spares_target,overall_actual,overall_target";

fn csv_row(id: u64, date: &str, overall: &str) -> String {
    format!(
        "{id},X-{id},Imported {id},dealer,NORTH,Punjab,retail,{date},1,2,3,4,5,6,7,8,{overall},900"
    )
}

async fn upload(
    server: &TestServer,
    session: &Session,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let response = server
        .client
        .post(format!(
            "{}/api/v1/datasets/sales/import{query}",
            server.base
        ))
        .header("cookie", &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn kpi(server: &TestServer, extra: &str) -> Value {
    server
        .get_ok(&format!(
            "/api/v1/panels/sales_overall_kpi/data?dashboard={SALES}&debug=true{extra}"
        ))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_batch_answers_every_panel_as_the_panel_endpoint_does() {
    let server = TestServer::shared().await;
    for query in [
        "",
        "?fy=2024-2025",
        "?period=fytd&end_date=2025-12-31",
        "?preset=last_30d",
    ] {
        let batch = server
            .get_ok(&format!("/api/v1/dashboards/{SALES}/data{query}"))
            .await;
        let panels = batch["panels"].as_object().unwrap();
        assert_eq!(panels.len(), 8, "{batch}");
        let separator = if query.is_empty() { "?" } else { "&" };
        for (id, data) in panels {
            let single = server
                .get_ok(&format!(
                    "/api/v1/panels/{id}/data{query}{separator}dashboard={SALES}"
                ))
                .await;
            // When each was read may differ (a preset's range moves with the minute).
            let (mut data, mut single) = (data.clone(), single);
            for answer in [&mut data, &mut single] {
                let read = answer.as_object_mut().unwrap().remove("lastUpdatedAt");
                let read = read.as_ref().and_then(Value::as_str).unwrap_or_default();
                assert!(
                    chrono::DateTime::parse_from_rfc3339(read).is_ok(),
                    "{id} {query}: lastUpdatedAt `{read}`"
                );
            }
            assert_eq!(data, single, "{id} {query}");
        }
    }
    // A fiscal year is the same range as its dates.
    let fy = kpi(&server, "&fy=2024-2025").await;
    let dates = kpi(&server, "&start_date=2024-04-01&end_date=2025-03-31").await;
    assert_eq!(fy["value"], dates["value"]);
    assert!(fy["value"].as_f64().unwrap() > 0.0);

    // The explain output names the rollup; the second answer comes from the cache.
    let debug = server
        .get_ok(&format!(
            "/api/v1/dashboards/{SALES}/data?debug=true&fy=2023-2024"
        ))
        .await;
    let queries = &debug["_debug"]["queries"];
    assert_eq!(
        queries["sales_overall_kpi"][0]["rollup"], "monthly_geo",
        "{debug}"
    );
    assert_eq!(queries["sales_by_zone"][0]["rollup"], "monthly_geo");
    assert_eq!(queries["sales_entity_table"][0]["rollup"], "monthly_entity");
    assert_eq!(queries["sales_overall_kpi"][0]["cacheHit"], false);
    let sql = queries["sales_overall_kpi"][0]["sql"].as_str().unwrap();
    assert!(
        sql.contains("__rollup__sales__monthly_geo") && sql.contains('?'),
        "{sql}"
    );
    let again = server
        .get_ok(&format!(
            "/api/v1/dashboards/{SALES}/data?debug=true&fy=2023-2024"
        ))
        .await;
    assert_eq!(
        again["_debug"]["queries"]["sales_overall_kpi"][0]["cacheHit"],
        true
    );
    // A cached answer says when it was read, not when it was asked for.
    assert_eq!(
        again["panels"]["sales_overall_kpi"]["lastUpdatedAt"],
        debug["panels"]["sales_overall_kpi"]["lastUpdatedAt"]
    );
    assert_eq!(again["panels"], debug["panels"]);

    // Mistakes are refused with a clear message; viewers may not see the SQL.
    for bad in [
        "?preset=yesterday",
        "?period=mtd&start_date=2025-01-01",
        "?fy=2025-2027",
        "?fy=2025-2026&preset=last_7d",
        "?preset=custom",
        "?debug=maybe",
    ] {
        let (status, body) = server
            .get(&format!("/api/v1/dashboards/{SALES}/data{bad}"))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["code"], "invalid_request", "{bad}");
    }
    let viewer = server.login_as(VIEWER).await;
    let (status, _) = server
        .call(
            "GET",
            &format!("/api/v1/dashboards/{SALES}/data?debug=true"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = server
        .call(
            "GET",
            &format!("/api/v1/dashboards/{SALES}/data"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["panels"].get("sales_by_channel").is_none(), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_refreshes_the_rollups_it_touches_and_invalidates_results() {
    let dir = tempfile::tempdir().unwrap();
    // Each import test has its own server: they compare totals before and after.
    let server = TestServer::start(dir.path()).await;
    let admin = server.admin.clone();
    let before = kpi(&server, "").await;
    let total = before["value"].as_f64().unwrap();
    assert_eq!(before["_debug"]["queries"][0]["rollup"], "monthly_geo");
    let start_rows = sales_rows(&server).await;
    let days_before = kpi(&server, "&start_date=2025-06-10&end_date=2025-06-20").await["value"]
        .as_f64()
        .unwrap();
    let june_before = kpi(&server, "&start_date=2025-06-01&end_date=2025-06-30").await["value"]
        .as_f64()
        .unwrap();

    // A good CSV: three rows of 1,000 each.
    let csv = [
        HEADER.to_owned(),
        csv_row(9_000_001, "2025-06-15", "1000"),
        csv_row(9_000_002, "2025-06-16", "1000"),
        csv_row(9_000_003, "2025-07-01", "1000.0"),
    ]
    .join("\n");
    let (status, summary) = upload(&server, &admin, "", "text/csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["rows"], 3);
    assert_eq!(sales_rows(&server).await, start_rows + 3);
    let refreshed: Vec<&str> = summary["rollups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["mode"].as_str().unwrap())
        .collect();
    assert_eq!(refreshed, ["refresh", "refresh", "refresh"], "{summary}");
    let after = kpi(&server, "").await;
    assert_close(
        after["value"].as_f64().unwrap(),
        total + 3000.0,
        "after import",
    );
    assert_eq!(after["_debug"]["queries"][0]["rollup"], "monthly_geo");
    assert_eq!(after["_debug"]["queries"][0]["cacheHit"], false);
    // The refreshed June partition holds the two new June rows.
    let june = kpi(&server, "&start_date=2025-06-01&end_date=2025-06-30").await;
    assert_eq!(june["_debug"]["queries"][0]["rollup"], "monthly_geo");
    assert_close(
        june["value"].as_f64().unwrap(),
        june_before + 2000.0,
        "june",
    );

    // Days inside a month come from the daily rollup, refreshed too.
    let days = kpi(&server, "&start_date=2025-06-10&end_date=2025-06-20").await;
    assert_eq!(days["_debug"]["queries"][0]["rollup"], "daily_geo");
    assert_close(
        days["value"].as_f64().unwrap(),
        days_before + 2000.0,
        "10 to 20 June",
    );
    server.stop().await;
}

/// The rows of the demo's sales dataset.
async fn sales_rows(server: &TestServer) -> u64 {
    server
        .api(&server.admin)
        .datasets()
        .await
        .ok()
        .into_iter()
        .find(|d| d.definition.name == "sales")
        .and_then(|d| d.rows)
        .expect("the sales dataset's rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_one_bad_value_imports_nothing_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let admin = server.admin.clone();
    let total = kpi(&server, "").await["value"].as_f64().unwrap();
    let start_rows = sales_rows(&server).await;
    // A bad value anywhere: nothing is imported, and the error says where.
    let bad = [
        HEADER.to_owned(),
        csv_row(9_000_004, "2025-06-15", "1000"),
        csv_row(9_000_005, "2025-06-15", "lots"),
        csv_row(9_000_006, "2025-13-45", "1"),
    ]
    .join("\n");
    let (status, body) = upload(
        &server,
        &admin,
        "?format=csv",
        "text/plain",
        bad.into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "invalid_data");
    assert_eq!(
        body["details"],
        json!([
            {"row": 2, "column": "overall_actual", "value": "lots", "expected": "double"},
            {"row": 3, "column": "record_date", "value": "2025-13-45", "expected": "date"},
        ]),
        "{body}"
    );
    let missing = "record_id,zone\n1,NORTH".to_owned();
    let (status, body) = upload(&server, &admin, "", "text/csv", missing.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(
        body["message"].as_str().unwrap().contains("`entity_id`"),
        "{body}"
    );
    let unknown = format!("{HEADER},bonus\n{},7", csv_row(1, "2025-01-01", "1"));
    let (status, body) = upload(&server, &admin, "", "text/csv", unknown.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(
        body["message"].as_str().unwrap().contains("`bonus`"),
        "{body}"
    );
    let (status, body) = upload(&server, &admin, "", "application/zip", b"PK".to_vec()).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = upload(&server, &admin, "", "text/csv", Vec::new()).await;
    assert_eq!(status, 400);
    assert_close(
        kpi(&server, "").await["value"].as_f64().unwrap(),
        total,
        "after refused imports",
    );
    assert_eq!(sales_rows(&server).await, start_rows);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_and_parquet_import_and_no_staged_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let admin = server.admin.clone();
    let total = kpi(&server, "").await["value"].as_f64().unwrap();
    let start_rows = sales_rows(&server).await;
    // JSON lines and Parquet.
    let record = |id: u64| {
        json!({"record_id": id, "entity_id": "J", "entity_name": "Json", "entity_type": "dealer",
            "zone": "SOUTH", "state": "Kerala", "channel_type": "retail", "record_date": "2024-01-10",
            "lubricants_actual": 1, "lubricants_target": 1, "batteries_actual": 1, "batteries_target": 1,
            "tyres_actual": 1, "tyres_target": 1, "spares_actual": 1, "spares_target": 1,
            "overall_actual": 250.5, "overall_target": 300})
    };
    let lines = format!("{}\n{}\n", record(9_100_001), record(9_100_002));
    let (status, summary) = upload(
        &server,
        &admin,
        "",
        "application/x-ndjson",
        lines.into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["rows"], 2);
    let parquet_path = dir.path().join("rows.parquet");
    let scratch = duckdb::Connection::open_in_memory().unwrap();
    scratch
        .execute_batch(&format!(
            "COPY (SELECT 9200001::BIGINT AS record_id, 'P' AS entity_id, 'Parquet' AS entity_name, 'dealer' AS entity_type, 'EAST' AS zone, 'Bihar' AS state, 'retail' AS channel_type, DATE '2023-05-05' AS record_date, 1.0 AS lubricants_actual, 1.0 AS lubricants_target, 1.0 AS batteries_actual, 1.0 AS batteries_target, 1.0 AS tyres_actual, 1.0 AS tyres_target, 1.0 AS spares_actual, 1.0 AS spares_target, 99.5 AS overall_actual, 100.0 AS overall_target) TO '{}' (FORMAT parquet)",
            parquet_path.display()
        ))
        .unwrap();
    let (status, summary) = upload(
        &server,
        &admin,
        "?format=parquet",
        "application/octet-stream",
        std::fs::read(&parquet_path).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    assert_close(
        kpi(&server, "").await["value"].as_f64().unwrap(),
        total + 501.0 + 99.5,
        "after two imports",
    );
    assert_eq!(sales_rows(&server).await, start_rows + 3);

    // Viewers may not import; imports are audited.
    let viewer = server.login_as(VIEWER).await;
    let (status, _) = upload(&server, &viewer, "", "text/csv", b"x".to_vec()).await;
    assert_eq!(status, 403);
    let data_dir = server.data_dir.clone();
    server.stop().await;
    let imports = std::fs::read_dir(
        std::fs::read_dir(data_dir.join("tenants"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
            .join("imports"),
    )
    .unwrap()
    .count();
    assert_eq!(imports, 0, "staged files are removed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_north_manager_gets_only_north_rows_from_every_data_endpoint() {
    let server = TestServer::shared().await;
    let manager = server.login_as(MANAGER).await;
    let admin_zones = server
        .get_ok(&format!(
            "/api/v1/panels/sales_by_zone/data?dashboard={SALES}"
        ))
        .await;
    let north = admin_zones["categories"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "NORTH")
        .unwrap();
    let north_actual = admin_zones["series"][0]["values"][north].as_f64().unwrap();
    for query in [
        "",
        "?fy=2024-2025",
        "?period=ytd&end_date=2025-06-30",
        "?page_size=500",
    ] {
        let (status, batch) = server
            .call(
                "GET",
                &format!("/api/v1/dashboards/{SALES}/data{query}"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, 200, "{batch}");
        let panels = &batch["panels"];
        assert_eq!(
            panels["sales_by_zone"]["categories"],
            json!(["NORTH"]),
            "{query}"
        );
        for row in panels["sales_entity_table"]["rows"].as_array().unwrap() {
            assert_eq!(row["zone"], "NORTH", "{query}: {row}");
        }
        if query.is_empty() {
            assert_close(
                panels["sales_overall_kpi"]["value"].as_f64().unwrap(),
                north_actual,
                "NORTH total",
            );
        }
        assert!(panels.get("sales_by_channel").is_none());
        let sort = if query.is_empty() { "?" } else { "&" };
        let (status, single) = server
            .call(
                "GET",
                &format!(
                    "/api/v1/panels/sales_entity_table/data{query}{sort}dashboard={SALES}&sort=zone&order=desc"
                ),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, 200, "{single}");
        for row in single["rows"].as_array().unwrap() {
            assert_eq!(row["zone"], "NORTH");
        }
    }

    // A filter control narrows within the row policy, never past it: asking for SOUTH gives
    // a manager of NORTH nothing, asking for both gives NORTH alone; the options say so too.
    let get = |path: String| {
        let (server, manager) = (&server, &manager);
        async move {
            let (status, body) = server.call("GET", &path, Some(manager), None).await;
            assert_eq!(status, 200, "{path}: {body}");
            body
        }
    };
    let kpi = |zones: &'static str| {
        format!("/api/v1/panels/sales_overall_kpi/data?dashboard={SALES}{zones}")
    };
    let south = get(kpi("&f.zone=SOUTH")).await;
    assert_eq!(south["value"], Value::Null, "{south}");
    let both = get(kpi("&f.zone=SOUTH&f.zone=NORTH")).await;
    assert_close(
        both["value"].as_f64().unwrap(),
        north_actual,
        "NORTH within the filter",
    );
    let zones = get(format!("/api/v1/dashboards/{SALES}/controls/zone/options")).await;
    assert_eq!(zones["values"], json!(["NORTH"]), "{zones}");
    let everyone = server
        .get_ok(&format!("/api/v1/dashboards/{SALES}/controls/zone/options"))
        .await;
    assert_eq!(
        everyone["values"],
        json!(["CENTRAL", "EAST", "NORTH", "SOUTH", "WEST"])
    );
    // A drill reads the rows the panel reads: a SOUTH bar holds nothing of the manager's, and
    // the NORTH bar's raw rows are all NORTH.
    let drill = |query: &'static str| {
        format!("/api/v1/panels/sales_by_zone/drill?dashboard={SALES}{query}")
    };
    let south = get(drill("&value=SOUTH&by=state")).await;
    assert_eq!(south["total"], 0, "{south}");
    let north = get(drill("&value=NORTH&rows=raw&page_size=50&sort=zone")).await;
    assert!(north["total"].as_u64().unwrap() > 0, "{north}");
    for row in north["rows"].as_array().unwrap() {
        assert_eq!(row["zone"], "NORTH", "{row}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_controls_refuse_what_they_cannot_filter_by() {
    let server = TestServer::shared().await;
    let refused = |query: &'static str, expected: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server
                .call(
                    "GET",
                    &format!("/api/v1/dashboards/{SALES}/data?{query}"),
                    Some(&server.admin),
                    None,
                )
                .await;
            assert_eq!(
                (status, &body["code"]),
                (400, &json!("invalid_request")),
                "{query}: {body}"
            );
            let message = body["message"].as_str().unwrap();
            assert!(message.contains(expected), "{query}: {message}");
        }
    };
    refused("f.region=NORTH", "has no filter `region`").await;
    refused("f.channel=a&f.channel=b", "takes one value; 2 were given").await;
    let many: String = (0..101).map(|i| format!("&f.zone=z{i}")).collect();
    let (status, body) = server
        .call(
            "GET",
            &format!("/api/v1/panels/sales_overall_kpi/data?dashboard={SALES}{many}"),
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("at most 100 values"),
        "{body}"
    );

    // Options: a search narrows them; an unknown control is not found; limits are checked.
    let entities = server
        .get_ok(&format!(
            "/api/v1/dashboards/{SALES}/controls/entity/options?q=LUBES&limit=1000"
        ))
        .await;
    let values = entities["values"].as_array().unwrap();
    assert!(!values.is_empty(), "{entities}");
    for value in values {
        assert!(
            value.as_str().unwrap().to_lowercase().contains("lubes"),
            "{value}"
        );
    }
    let one = server
        .get_ok(&format!(
            "/api/v1/dashboards/{SALES}/controls/entity/options?limit=1"
        ))
        .await;
    assert_eq!(
        (one["values"].as_array().unwrap().len(), &one["truncated"]),
        (1, &json!(true))
    );
    let (status, body) = server
        .call(
            "GET",
            &format!("/api/v1/dashboards/{SALES}/controls/nope/options"),
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = server
        .call(
            "GET",
            &format!("/api/v1/dashboards/{SALES}/controls/zone/options?limit=0"),
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dataset_definition_change_reaches_cached_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    // The demo's fiscal year starts in April; the answer is cached after the first request.
    let april = kpi(&server, "&fy=2024-2025").await;
    let again = kpi(&server, "&fy=2024-2025").await;
    assert_eq!(again["_debug"]["queries"][0]["cacheHit"], true, "{again}");
    assert_eq!(again["value"], april["value"]);

    let list = server.get_ok("/api/v1/datasets").await;
    let mut sales = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "sales")
        .unwrap()
        .clone();
    let definition = sales.as_object_mut().unwrap();
    definition.remove("rows");
    definition.remove("rollupState");
    definition.insert("fiscal_year_start".into(), json!(7));
    let (status, body) = server
        .call(
            "PUT",
            "/api/v1/datasets/sales",
            Some(&server.admin),
            Some(sales),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The same request now means July to June.
    let july = kpi(&server, "&fy=2024-2025").await;
    assert_eq!(july["_debug"]["queries"][0]["cacheHit"], false, "{july}");
    let dates = kpi(&server, "&start_date=2024-07-01&end_date=2025-06-30").await;
    assert_eq!(july["value"], dates["value"]);
    assert_ne!(july["value"], april["value"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_made_today_shows_data_for_the_last_day_week_and_month() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = flexboard::Config::for_data_dir(dir.path().join("data"));
    config.demo_rows = crate::support::TEST_ROWS;
    config.demo_now = Some(chrono::Utc::now());
    let server = TestServer::start_with(config).await;
    let admin = server.api(&server.admin);
    // Sales end yesterday, so the last week and month hold sales.
    for preset in ["last_7d", "last_30d"] {
        let sales = admin
            .panel_data(SALES, "sales_overall_kpi", &format!("&preset={preset}"))
            .await
            .kpi();
        assert!(sales.value.unwrap_or_default() > 0.0, "{preset}: {sales:?}");
    }
    // Operations data runs to this minute.
    for preset in ["last_24h", "last_7d", "this_month"] {
        let cpu = admin
            .panel_data("ops-health", "ops_cpu_usage", &format!("&preset={preset}"))
            .await
            .ok();
        let flexboard::analytics::PanelData::Timeseries(cpu) = cpu else {
            panic!("a time series answers series")
        };
        let points: usize = cpu.series.iter().map(|s| s.points.len()).sum();
        assert!(points > 0, "{preset}: no CPU samples");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_demo_appends_metrics_to_the_minute_and_sales_to_the_day_before() {
    use chrono::{TimeDelta, Timelike};
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut config = flexboard::Config::for_data_dir(&data_dir);
    config.demo_rows = crate::support::TEST_ROWS;
    config.duckdb_memory = "1GB".into();
    let made = crate::support::demo_now();
    config.demo_now = Some(made);
    let app = flexboard::open(config).await.unwrap();
    assert!(!app.live_demo(), "a demo pinned to a moment stays still");
    let step = |at: chrono::DateTime<chrono::Utc>| {
        let app = std::sync::Arc::clone(&app);
        async move {
            tokio::task::spawn_blocking(move || app.demo_step(at))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let later = made + TimeDelta::days(2) + TimeDelta::minutes(5) + TimeDelta::seconds(30);
    let first = step(later).await;
    // Every minute since the demo's last sample (the minute before it was made), eight
    // servers, two metrics each.
    assert_eq!(first.metric_rows, 16 * (2 * 24 * 60 + 5 + 1));
    // About 3 errors in 10 minutes, as in the demo's week.
    let minutes = 2 * 24 * 60 + 5 + 1;
    assert!(
        (minutes * 2 / 10..minutes * 4 / 10).contains(&first.error_rows),
        "{first:?}"
    );
    // Nothing is missing any more: the same moment appends nothing.
    let again = step(later).await;
    assert_eq!(
        (again.metric_rows, again.error_rows, again.sales_rows),
        (0, 0, 0)
    );

    let data = std::sync::Arc::try_unwrap(app)
        .ok()
        .expect("no other handle");
    tokio::task::spawn_blocking(move || drop(data))
        .await
        .unwrap();
    let db = crate::support::open_tenant_db(&data_dir);
    let (last_minute, per_minute): (chrono::NaiveDateTime, i64) = db
        .query_row(
            "SELECT max(recorded_at), count(*) FILTER (WHERE recorded_at = (SELECT max(recorded_at) FROM metrics)) FROM metrics",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        last_minute,
        later
            .naive_utc()
            .with_second(0)
            .unwrap()
            .with_nanosecond(0)
            .unwrap()
    );
    assert_eq!(per_minute, 16);
    // The two finished days, each with as many rows as the demo's days hold on average.
    let (last_day, day_one, day_two, per_day, ids_unique): (chrono::NaiveDate, i64, i64, i64, bool) = db
        .query_row(
            "SELECT max(record_date), \
             count(*) FILTER (WHERE record_date = DATE '2026-04-01'), \
             count(*) FILTER (WHERE record_date = DATE '2026-04-02'), \
             CAST(count(*) FILTER (WHERE record_date <= DATE '2026-03-31') / \
                  count(DISTINCT record_date) FILTER (WHERE record_date <= DATE '2026-03-31') AS BIGINT), \
             count(DISTINCT record_id) = count(*) FROM sales",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        last_day,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 2).unwrap()
    );
    assert_eq!((day_one, day_two), (per_day, per_day));
    assert_eq!(first.sales_rows, 2 * per_day as u64);
    assert!(ids_unique, "record ids continue after the demo's");
    drop(db);
    let store = flexboard::store::Store::open(&data_dir.join("config.redb")).unwrap();
    let imports: Vec<String> = store
        .audit_entries(0, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event.actor == "system:demo" && e.event.action == "data.import")
        .map(|e| e.event.target)
        .collect();
    assert_eq!(imports, ["metrics", "error_logs", "sales"]);
    let (errors_after, last_error): (i64, chrono::NaiveDateTime) = {
        let db = crate::support::open_tenant_db(&data_dir);
        db.query_row(
            // The demo made 3,000.
            "SELECT count(*) - 3000, max(timestamp) FROM error_logs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    assert_eq!(errors_after as u64, first.error_rows);
    assert!(last_error <= later.naive_utc(), "{last_error}");
}
