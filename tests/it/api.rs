//! The JSON API against the demo, with every value checked against DuckDB directly.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tokio::sync::OnceCell;

use crate::support::{TestServer, assert_close, open_tenant_db};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_dashboards_are_listed_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;

    let list = server.get_ok("/api/v1/dashboards").await;
    let ids: Vec<&str> = list["dashboards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ops-health", "sales-overview", "sales-performance"]);
    assert!(list["tenant"]["id"].as_str().unwrap().starts_with("WK-"));

    let dashboard = server.get_ok("/api/v1/dashboards/sales-performance").await;
    assert_eq!(dashboard["meta"]["templateId"], "sales-performance");
    assert_eq!(dashboard["meta"]["version"], "1.0.0");
    let config = &dashboard["config"];
    assert_eq!(config["layout"]["columns"], 12);
    let kinds: Vec<&str> = config["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "kpi",
            "kpi",
            "kpi",
            "kpi",
            "timeseries",
            "bar",
            "table",
            "bar"
        ]
    );
    // Default sizes are filled in: the KPI row gives no height.
    assert_eq!(config["panels"][0]["position"]["height"], 1);
    server.stop().await;
}

/// What the demo's panels answered on a server that has since stopped, so that the tests
/// below can read its database directly and compare. The server runs once per test binary.
struct Answers {
    data_dir: PathBuf,
    kpi: Value,
    kpi_range: Value,
    entities: Value,
    trend: Value,
    zones: Value,
    table: Value,
    table_by_name: Value,
    past_end: Value,
    errors: Value,
    cpu_day: Value,
    cpu_hours: Value,
    cpu_week: Value,
    memory: Value,
    health: Value,
    gauge: Value,
    zone_share: Value,
    state_share: Value,
    scatter: Value,
    zone_trend: Value,
    kpi_two_zones: Value,
    kpi_channel_entity: Value,
    bars_two_zones: Value,
    pie_one_channel: Value,
    gauge_daily_range: Value,
    daily_span: Value,
    bullet: Value,
    sparkline: Value,
    images: Vec<(u16, String, String)>,
    summary: Value,
    state_map: Value,
    map_drill: Value,
    /// Drafts of the overview with its text card's template replaced: status and body.
    card_drafts: Vec<(u16, Value)>,
    drill_bar: Value,
    drill_trend: Value,
    drill_raw: Value,
    drill_refusals: Vec<(u16, Value)>,
}

async fn answers() -> &'static Answers {
    static ANSWERS: OnceCell<Answers> = OnceCell::const_new();
    ANSWERS
        .get_or_init(|| async {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-answers");
            let _ = std::fs::remove_dir_all(&dir);
            let server = TestServer::start(&dir).await;
            let panel =
                |id: &str, query: &str| format!("/api/v1/panels/{id}/data?dashboard={query}");
            let sales = |id: &str, query: &str| panel(id, &format!("sales-performance{query}"));
            let ops = |id: &str, query: &str| panel(id, &format!("ops-health{query}"));
            let overview = |id: &str| panel(id, "sales-overview");
            let drill = |id: &str, query: &str| {
                format!("/api/v1/panels/{id}/drill?dashboard={query}")
            };
            let answers = Answers {
                data_dir: server.data_dir.clone(),
                kpi: server.get_ok(&sales("sales_overall_kpi", "")).await,
                kpi_range: server
                    .get_ok(&sales(
                        "sales_overall_kpi",
                        "&start_date=2024-04-01&end_date=2025-03-31",
                    ))
                    .await,
                entities: server.get_ok(&sales("sales_entities_kpi", "")).await,
                trend: server.get_ok(&sales("sales_monthly_trend", "")).await,
                zones: server.get_ok(&sales("sales_by_zone", "")).await,
                table: server
                    .get_ok(&sales("sales_entity_table", "&page=2&page_size=10"))
                    .await,
                table_by_name: server
                    .get_ok(&sales(
                        "sales_entity_table",
                        "&sort=entity_name&order=asc&page=1&page_size=5",
                    ))
                    .await,
                past_end: server
                    .get_ok(&sales("sales_entity_table", "&page=1000&page_size=10"))
                    .await,
                errors: server.get_ok(&ops("ops_error_log", "")).await,
                cpu_day: server
                    .get_ok(&ops(
                        "ops_cpu_usage",
                        "&start_date=2026-03-30T00:00:00Z&end_date=2026-03-30T23:59:59Z",
                    ))
                    .await,
                cpu_hours: server
                    .get_ok(&ops(
                        "ops_cpu_usage",
                        "&start_date=2026-03-30T10:00:00Z&end_date=2026-03-30T12:00:00Z",
                    ))
                    .await,
                cpu_week: server.get_ok(&ops("ops_cpu_usage", "")).await,
                memory: server.get_ok(&ops("ops_memory_kpi", "")).await,
                health: server.get_ok(&ops("ops_service_health", "")).await,
                gauge: server.get_ok(&overview("overview_attainment")).await,
                zone_share: server.get_ok(&overview("overview_zone_share")).await,
                state_share: server.get_ok(&overview("overview_state_share")).await,
                scatter: server.get_ok(&overview("overview_state_scatter")).await,
                zone_trend: server.get_ok(&overview("overview_zone_trend")).await,
                kpi_two_zones: server
                    .get_ok(&sales("sales_overall_kpi", "&f.zone=WEST&f.zone=NORTH"))
                    .await,
                kpi_channel_entity: server
                    .get_ok(&sales(
                        "sales_overall_kpi",
                        "&f.channel=General%20Trade&f.entity=LUBES",
                    ))
                    .await,
                bars_two_zones: server
                    .get_ok(&sales("sales_by_zone", "&f.zone=NORTH&f.zone=WEST"))
                    .await,
                pie_one_channel: server
                    .get_ok(&panel(
                        "overview_zone_share",
                        "sales-overview&f.channel=Modern%20Trade",
                    ))
                    .await,
                gauge_daily_range: server
                    .get_ok(&panel(
                        "overview_attainment",
                        "sales-overview&f.daily=1000..3000",
                    ))
                    .await,
                daily_span: server
                    .get_ok("/api/v1/dashboards/sales-overview/controls/daily/options")
                    .await,
                bullet: {
                    // The workspace's colour draws a picture that names none.
                    let (status, body) = server
                        .call(
                            "PUT",
                            "/api/v1/branding",
                            Some(&server.admin),
                            Some(serde_json::json!({"primary_color": "#C2410C"})),
                        )
                        .await;
                    assert_eq!(status, 200, "{body}");
                    server.get_ok(&overview("overview_bullet")).await
                },
                sparkline: server.get_ok(&overview("overview_sparkline")).await,
                images: {
                    let api = server.api(&server.admin);
                    let mut images = Vec::new();
                    for id in ["overview_bullet", "overview_sparkline", "overview_attainment"] {
                        images.push(
                            api.text(&format!(
                                "/api/v1/panels/{id}/image?dashboard=sales-overview"
                            ))
                            .await,
                        );
                    }
                    images
                },
                summary: server.get_ok(&overview("overview_summary")).await,
                state_map: server.get_ok(&overview("overview_state_map")).await,
                map_drill: server
                    .get_ok(&drill(
                        "overview_state_map",
                        "sales-overview&value=Karnataka&rows=raw&page_size=5",
                    ))
                    .await,
                card_drafts: card_drafts(&server).await,
                drill_bar: server
                    .get_ok(&drill(
                        "sales_by_zone",
                        "sales-performance&value=NORTH&by=state&page_size=3",
                    ))
                    .await,
                drill_trend: server
                    .get_ok(&drill(
                        "overview_zone_trend",
                        "sales-overview&value=NORTH&at=2025-01-01T00:00:00&grain=month&by=channel_type",
                    ))
                    .await,
                drill_raw: server
                    .get_ok(&drill(
                        "overview_zone_share",
                        "sales-overview&value=WEST&rows=raw&sort=record_id&order=asc&page=2&page_size=5",
                    ))
                    .await,
                drill_refusals: {
                    let mut refusals = Vec::new();
                    for path in [
                        drill("sales_entity_table", "sales-performance"),
                        drill("sales_by_zone", "sales-performance&by=nope"),
                        drill("sales_by_zone", "sales-performance&at=2025-01-01"),
                        drill("sales_overall_kpi", "sales-performance&value=NORTH"),
                        drill("sales_by_zone", "sales-performance&rows=raw&by=state"),
                    ] {
                        refusals.push(server.get(&path).await);
                    }
                    refusals
                },
            };
            server.stop().await;
            answers
        })
        .await
}

/// Saves drafts of the overview whose text card holds each template below, in turn.
async fn card_drafts(server: &TestServer) -> Vec<(u16, Value)> {
    let base = "/api/v1/templates/sales-overview";
    let (status, template) = server.call("GET", base, Some(&server.admin), None).await;
    assert_eq!(status, 200, "{template}");
    let draft = template["template"]["draft"].clone();
    let mut revision = template["template"]["draft_revision"].as_u64().unwrap();
    let mut answers = Vec::new();
    for text in [
        "Sales {{ actual }",
        "Sales\n\n{{ profit }}",
        "{% for a in rows %}\n{% for b in rows %}{% endfor %}{% endfor %}",
        "**{{ actual }}** <script>alert(1)</script> [x](javascript:alert(1))",
    ] {
        let mut config = draft.clone();
        let card = config["panels"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|p| p["id"] == "overview_summary")
            .expect("the overview has a text card");
        card["data_source"]["template"] = Value::String(text.to_owned());
        let (status, body) = server
            .call(
                "PUT",
                &format!("{base}/draft"),
                Some(&server.admin),
                Some(serde_json::json!({"config": config, "revision": revision})),
            )
            .await;
        if status == 200 {
            revision += 1;
        }
        answers.push((status, body));
    }
    answers
}

impl Answers {
    fn db(&self) -> duckdb::Connection {
        open_tenant_db(&self.data_dir)
    }
}

/// Two numbers a query answers.
fn pair(db: &duckdb::Connection, sql: &str) -> (f64, f64) {
    db.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpis_equal_duckdb_over_all_data_and_one_fiscal_year() {
    let Answers {
        kpi,
        kpi_range,
        entities,
        ..
    } = answers().await;
    let db = answers().await.db();
    let (actual, target) = pair(
        &db,
        "SELECT sum(overall_actual), sum(overall_target) FROM sales",
    );
    assert_close(kpi["value"].as_f64().unwrap(), actual, "overall actual");
    assert_close(kpi["target"].as_f64().unwrap(), target, "overall target");
    assert_close(
        kpi["attainment"].as_f64().unwrap(),
        actual / target * 100.0,
        "attainment",
    );
    assert!(kpi["status"]["label"].is_string(), "{kpi}");
    let (fy_actual, fy_target) = pair(
        &db,
        "SELECT sum(overall_actual), sum(overall_target) FROM sales WHERE record_date BETWEEN DATE '2024-04-01' AND DATE '2025-03-31'",
    );
    assert_close(
        kpi_range["value"].as_f64().unwrap(),
        fy_actual,
        "FY 2024-25 actual",
    );
    assert_close(
        kpi_range["target"].as_f64().unwrap(),
        fy_target,
        "FY 2024-25 target",
    );
    let distinct: i64 = db
        .query_row("SELECT count(DISTINCT entity_id) FROM sales", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(entities["value"].as_f64().unwrap(), distinct as f64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_trend_has_a_point_per_month_equal_to_duckdb() {
    let trend = &answers().await.trend;
    let db = answers().await.db();
    assert_eq!(trend["bucket"], "month");
    assert_eq!(trend["series"].as_array().unwrap().len(), 2);
    assert_eq!(
        trend["series"][0]["points"].as_array().unwrap().len(),
        36,
        "three fiscal years of months"
    );
    let january = |series: usize| -> f64 {
        trend["series"][series]["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == "2025-01-01T00:00:00")
            .expect("a January 2025 bucket")[1]
            .as_f64()
            .unwrap()
    };
    let (jan_actual, jan_target) = pair(
        &db,
        "SELECT sum(overall_actual), sum(overall_target) FROM sales WHERE record_date >= DATE '2025-01-01' AND record_date < DATE '2025-02-01'",
    );
    assert_close(january(0), jan_actual, "January actual");
    assert_close(january(1), jan_target, "January target");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bars_are_one_per_zone_in_zone_order() {
    let zones = &answers().await.zones;
    let db = answers().await.db();
    let categories: Vec<&str> = zones["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(categories, ["CENTRAL", "EAST", "NORTH", "SOUTH", "WEST"]);
    let (north, _) = pair(
        &db,
        "SELECT sum(overall_actual), 0.0 FROM sales WHERE zone = 'NORTH'",
    );
    assert_close(
        zones["series"][0]["values"][2].as_f64().unwrap(),
        north,
        "NORTH actual",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gauge_places_value_target_and_bands_as_duckdb_sums_them() {
    let gauge = &answers().await.gauge;
    let db = answers().await.db();
    let (actual, target) = pair(
        &db,
        "SELECT sum(overall_actual), sum(overall_target) FROM sales",
    );
    let number = |key: &str| gauge[key].as_f64().unwrap();
    assert_close(number("value"), actual, "gauge value");
    assert_close(number("target"), target, "gauge target");
    assert_eq!(number("min"), 0.0);
    assert!(
        number("max") >= target * 1.2 && number("max") >= actual,
        "{gauge}"
    );
    // The attainment thresholds (0, 85, 100 %) become stretches of the dial in money.
    let bands = gauge["bands"].as_array().unwrap();
    assert_eq!(bands.len(), 3, "{gauge}");
    assert_eq!(bands[0]["from"].as_f64().unwrap(), 0.0);
    assert_close(
        bands[0]["to"].as_f64().unwrap(),
        target * 0.85,
        "first band",
    );
    assert_close(
        bands[1]["from"].as_f64().unwrap(),
        target * 0.85,
        "second band",
    );
    assert_close(bands[2]["from"].as_f64().unwrap(), target, "last band");
    assert_eq!(bands[2]["to"].as_f64().unwrap(), number("max"));
    let attainment = actual / target * 100.0;
    let expected = if attainment >= 100.0 {
        "on target"
    } else if attainment >= 85.0 {
        "near target"
    } else {
        "behind target"
    };
    assert_eq!(gauge["status"]["label"], expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pie_slices_are_the_largest_groups_with_the_rest_as_other() {
    let Answers {
        zone_share,
        state_share,
        ..
    } = answers().await;
    let db = answers().await.db();
    let groups = |column: &str| -> Vec<(String, f64)> {
        let mut statement = db
            .prepare(&format!(
                "SELECT {column}, sum(overall_actual) AS v FROM sales GROUP BY 1 ORDER BY v DESC, 1"
            ))
            .unwrap();
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let slices = |answer: &Value| -> Vec<(String, f64, bool, u64)> {
        answer["slices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_owned(),
                    s["value"].as_f64().unwrap(),
                    s["other"].as_bool().unwrap(),
                    s["members"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // Five zones fit: every one named, largest first, nothing left over.
    let zones = groups("zone");
    let served = slices(zone_share);
    assert_eq!(served.len(), zones.len());
    for ((name, value, other, members), (zone, sum)) in served.iter().zip(&zones) {
        assert_eq!((name, *other, *members), (zone, false, 1));
        assert_close(*value, *sum, zone);
    }
    let total: f64 = zones.iter().map(|z| z.1).sum();
    assert_close(zone_share["total"].as_f64().unwrap(), total, "zone total");
    // States: the top six by name and value, then one "Other" holding the rest exactly.
    let states = groups("state");
    assert!(states.len() > 7, "the demo has many states");
    let served = slices(state_share);
    assert_eq!(served.len(), 7, "{state_share}");
    for ((name, value, other, _), (state, sum)) in served.iter().zip(&states[..6]) {
        assert_eq!((name, *other), (state, false));
        assert_close(*value, *sum, state);
    }
    let rest: f64 = states[6..].iter().map(|s| s.1).sum();
    let (name, value, other, members) = &served[6];
    assert_eq!((name.as_str(), *other), ("Other", true));
    assert_eq!(*members as usize, states.len() - 6);
    assert_close(*value, rest, "the other states");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scatter_points_are_one_per_state_placed_by_duckdb_sums() {
    let scatter = &answers().await.scatter;
    let db = answers().await.db();
    assert_eq!(
        (
            &scatter["x"],
            &scatter["y"],
            &scatter["size"],
            &scatter["color_by"]
        ),
        (
            &Value::from("Target"),
            &Value::from("Actual"),
            &Value::from("Entities"),
            &Value::from("Zone")
        )
    );
    let mut statement = db
        .prepare(
            "SELECT state, zone, sum(overall_target), sum(overall_actual), count(DISTINCT entity_id) \
             FROM sales GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .unwrap();
    let expected: Vec<(String, String, f64, f64, i64)> = statement
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let points = scatter["points"].as_array().unwrap();
    assert_eq!(points.len(), expected.len(), "{scatter}");
    assert_eq!(scatter["truncated"], false);
    for (point, (state, zone, target, actual, entities)) in points.iter().zip(&expected) {
        assert_eq!(
            (&point["label"], &point["group"]),
            (&Value::from(state.as_str()), &Value::from(zone.as_str()))
        );
        assert_close(point["x"].as_f64().unwrap(), *target, state);
        assert_close(point["y"].as_f64().unwrap(), *actual, state);
        assert_eq!(point["size"].as_f64().unwrap(), *entities as f64, "{state}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_top_zones_get_a_line_each_and_the_rest_sum_into_other() {
    let trend = &answers().await.zone_trend;
    let db = answers().await.db();
    let mut statement = db
        .prepare("SELECT zone FROM sales GROUP BY 1 ORDER BY sum(overall_actual) DESC, 1")
        .unwrap();
    let zones: Vec<String> = statement
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let names: Vec<&str> = trend["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names[..3],
        zones[..3].iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
    assert_eq!(names[3], "Other");
    assert_eq!(trend["hidden_series"], zones.len() as u64 - 3);
    let month = |series: usize| -> f64 {
        trend["series"][series]["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == "2025-01-01T00:00:00")
            .expect("a January 2025 point")[1]
            .as_f64()
            .unwrap()
    };
    let in_january = |zones: &[String]| -> f64 {
        let list = zones
            .iter()
            .map(|z| format!("'{z}'"))
            .collect::<Vec<_>>()
            .join(", ");
        db.query_row(
            &format!(
                "SELECT sum(overall_actual) FROM sales WHERE zone IN ({list}) \
                 AND record_date >= DATE '2025-01-01' AND record_date < DATE '2025-02-01'"
            ),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    for (index, zone) in zones[..3].iter().enumerate() {
        assert_close(month(index), in_january(std::slice::from_ref(zone)), zone);
    }
    assert_close(month(3), in_january(&zones[3..]), "the other zones");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_controls_change_the_numbers_as_the_same_sql_filter_does() {
    let answers = answers().await;
    let db = answers.db();
    let sum = |filter: &str| -> f64 {
        db.query_row(
            &format!("SELECT sum(overall_actual) FROM sales WHERE {filter}"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_close(
        answers.kpi_two_zones["value"].as_f64().unwrap(),
        sum("zone IN ('NORTH', 'WEST')"),
        "two zones",
    );
    assert_close(
        answers.kpi_channel_entity["value"].as_f64().unwrap(),
        sum("channel_type = 'General Trade' AND contains(lower(entity_name), 'lubes')"),
        "a channel and a search",
    );
    assert_eq!(
        answers.bars_two_zones["categories"],
        serde_json::json!(["NORTH", "WEST"])
    );
    // Controls narrow every kind whose dataset has the column: a pie too.
    let slices = answers.pie_one_channel["slices"].as_array().unwrap();
    assert!(!slices.is_empty());
    for slice in slices {
        let zone = slice["name"].as_str().unwrap();
        assert_close(
            slice["value"].as_f64().unwrap(),
            sum(&format!(
                "channel_type = 'Modern Trade' AND zone = '{zone}'"
            )),
            zone,
        );
    }
    // A range control: the dial counts only the days in the range.
    assert_close(
        answers.gauge_daily_range["value"].as_f64().unwrap(),
        sum("overall_actual BETWEEN 1000 AND 3000"),
        "a range",
    );
    let (min, max) = pair(
        &db,
        "SELECT min(overall_actual), max(overall_actual) FROM sales",
    );
    assert_close(
        answers.daily_span["min"].as_f64().unwrap(),
        min,
        "smallest day",
    );
    assert_close(
        answers.daily_span["max"].as_f64().unwrap(),
        max,
        "largest day",
    );
    assert_eq!(answers.daily_span["values"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_pages_are_sorted_counted_and_may_run_past_the_end() {
    let Answers {
        table,
        table_by_name,
        past_end,
        ..
    } = answers().await;
    let db = answers().await.db();
    // Page 2 of entities by actual sales, descending.
    let mut statement = db
        .prepare(
            "SELECT entity_name, CAST(sum(overall_actual) AS DOUBLE) AS a FROM sales
             GROUP BY entity_name, entity_type, zone, state, channel_type
             ORDER BY a DESC, entity_name, entity_type, zone, state, channel_type LIMIT 10 OFFSET 10",
        )
        .unwrap();
    let expected: Vec<(String, f64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    for (row, (name, total)) in rows.iter().zip(&expected) {
        assert_eq!(row["entity_name"].as_str().unwrap(), name);
        assert_close(row["overall_actual"].as_f64().unwrap(), *total, name);
    }
    let groups: i64 = db
        .query_row(
            "SELECT count(*) FROM (SELECT 1 FROM sales GROUP BY entity_name, entity_type, zone, state, channel_type)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(table["total"].as_i64().unwrap(), groups);
    assert_eq!(past_end["rows"].as_array().unwrap().len(), 0);
    assert_eq!(
        past_end["total"].as_i64().unwrap(),
        groups,
        "a page past the end still counts"
    );
    assert_eq!(
        (table["page"].as_i64(), table["sort"].as_str()),
        (Some(2), Some("overall_actual"))
    );
    let first_names: Vec<String> = db
        .prepare("SELECT DISTINCT entity_name FROM sales ORDER BY 1 LIMIT 5")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let names: Vec<&str> = table_by_name["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["entity_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, first_names);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_rows_are_filtered_and_newest_first() {
    let errors = &answers().await.errors;
    let db = answers().await.db();
    let (count, _) = pair(
        &db,
        "SELECT count(*)::DOUBLE, 0.0 FROM error_logs WHERE severity IN ('ERROR', 'CRITICAL')",
    );
    assert_eq!(errors["total"].as_f64().unwrap(), count);
    let newest: String = db
        .query_row(
            "SELECT strftime(max(timestamp), '%Y-%m-%dT%H:%M:%S') FROM error_logs WHERE severity IN ('ERROR', 'CRITICAL')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(errors["rows"][0]["timestamp"].as_str().unwrap(), newest);
    assert!(
        errors["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["severity"] != "WARNING")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_buckets_follow_the_range_and_average_as_duckdb_does() {
    let Answers {
        cpu_day,
        cpu_hours,
        cpu_week,
        ..
    } = answers().await;
    let db = answers().await.db();
    // A day in minutes, two hours raw, the week in hours.
    assert_eq!(cpu_day["bucket"], "minute");
    assert_eq!(cpu_hours["bucket"], "raw");
    assert_eq!(cpu_week["bucket"], "hour");
    let series = |data: &Value, server: &str| -> Vec<Value> {
        data["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == server)
            .unwrap()["points"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(
        cpu_day["series"].as_array().unwrap().len(),
        8,
        "one line per server"
    );
    assert_eq!(series(cpu_day, "db-01").len(), 1440);
    assert_eq!(
        series(cpu_hours, "db-01").len(),
        121,
        "raw minutes, both ends included"
    );
    assert_eq!(series(cpu_week, "db-01").len(), 7 * 24);
    let (hour_avg, _) = pair(
        &db,
        "SELECT avg(cpu_percent), 0.0 FROM metrics WHERE metric_type = 'cpu' AND server_name = 'db-01'
         AND recorded_at >= TIMESTAMP '2026-03-28 13:00:00' AND recorded_at < TIMESTAMP '2026-03-28 14:00:00'",
    );
    let point = series(cpu_week, "db-01")
        .into_iter()
        .find(|p| p[0] == "2026-03-28T13:00:00")
        .unwrap();
    assert_close(point[1].as_f64().unwrap(), hour_avg, "db-01 CPU 13:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latest_memory_and_the_services_down_equal_duckdb() {
    let Answers { memory, health, .. } = answers().await;
    let db = answers().await.db();
    let (latest, _) = pair(
        &db,
        "SELECT max(memory_percent), 0.0 FROM metrics WHERE metric_type = 'memory'
         AND recorded_at = (SELECT max(recorded_at) FROM metrics WHERE metric_type = 'memory')",
    );
    assert_close(memory["value"].as_f64().unwrap(), latest, "latest memory");
    let (down, _) = pair(
        &db,
        "SELECT count(*)::DOUBLE, 0.0 FROM service_health WHERE last_check_status = 2",
    );
    let reported_down = health["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["label"] == "Down")
        .count();
    assert_eq!(reported_down as f64, down);
    assert_eq!(health["items"].as_array().unwrap().len(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_json_with_stable_codes() {
    // Shared: it only reads.
    let server = TestServer::shared().await;
    let check = |path: &'static str, status: u16, code: &'static str| {
        let server = &server;
        async move {
            let (actual_status, body) = server.get(path).await;
            assert_eq!(
                (actual_status, body["code"].as_str()),
                (status, Some(code)),
                "{path}: {body}"
            );
            let message = body["message"].as_str().unwrap();
            assert!(
                !message.is_empty() && !message.contains("DuckDB"),
                "{path}: {message}"
            );
        }
    };
    check("/api/v1/dashboards/nope", 404, "not_found").await;
    check("/api/v1/panels/nope/data", 404, "not_found").await;
    check(
        "/api/v1/panels/sales_overall_kpi/data?dashboard=nope",
        404,
        "not_found",
    )
    .await;
    check(
        "/api/v1/panels/sales_overall_kpi/data?dashboard=sales-performance&start_date=yesterday",
        400,
        "invalid_date",
    )
    .await;
    check(
        "/api/v1/panels/sales_overall_kpi/data?dashboard=sales-performance&start_date=2025-02-01&end_date=2025-01-01",
        400,
        "invalid_date",
    )
    .await;
    check(
        "/api/v1/panels/sales_entity_table/data?dashboard=sales-performance&page=0",
        400,
        "invalid_request",
    )
    .await;
    check(
        "/api/v1/panels/sales_entity_table/data?dashboard=sales-performance&page_size=100000",
        400,
        "invalid_request",
    )
    .await;
    check(
        "/api/v1/panels/sales_entity_table/data?dashboard=sales-performance&order=up",
        400,
        "invalid_request",
    )
    .await;
    // A sort key is checked against the table's columns, so SQL in it goes nowhere.
    check(
        "/api/v1/panels/sales_entity_table/data?dashboard=sales-performance&sort=overall_actual%3B%20DROP%20TABLE%20sales",
        400,
        "invalid_request",
    )
    .await;
    check(
        "/api/v1/panels/sales_entity_table/data?dashboard=sales-performance&sort=record_id",
        400,
        "invalid_request",
    )
    .await;
    check("/api/v1/nothing-here", 404, "not_found").await;
    let (status, body) = server
        .call(
            "POST",
            "/api/v1/tenants/WK-000000000/select",
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_demo_the_api_says_there_is_no_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = flexboard::Config::for_data_dir(dir.path().join("data"));
    config.no_demo = true;
    let server = TestServer::start_with(config).await;
    let (status, body) = server.get("/api/v1/dashboards").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("--no-demo"),
        "{body}"
    );
    assert!(
        !server.data_dir.join("tenants").exists(),
        "no tenant database was made"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_is_served_compressed_and_cached() {
    let server = TestServer::shared().await;
    let client = reqwest::Client::builder().no_gzip().build().unwrap();
    let index = client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    let etag = index.headers()["etag"].to_str().unwrap().to_owned();
    let html = index.text().await.unwrap();
    assert!(html.contains("<div id=\"root\">"), "{html}");
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("index.html loads a script")
        .to_owned();
    assert!(script.starts_with("/assets/"), "{script}");

    let asset = client
        .get(format!("{}{script}", server.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["content-encoding"], "gzip");
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let compressed = asset.bytes().await.unwrap().len();
    assert!(
        compressed < 500 * 1024,
        "the gzipped bundle is {compressed} bytes"
    );

    let again = client
        .get(format!("{}/", server.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let csp = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self';") && !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{csp}"
    );
    assert_eq!(again.headers()["x-content-type-options"], "nosniff");
    let api = client
        .get(format!("{}/api/v1/dashboards", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert!(
        api.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(api.headers()["referrer-policy"], "no-referrer");
    // The UI's own routes load the app too.
    let deep = client
        .get(format!("{}/some/ui/route", server.base))
        .send()
        .await
        .unwrap();
    assert!(deep.text().await.unwrap().contains("<div id=\"root\">"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_into_a_bar_groups_its_rows_by_another_dimension() {
    let answers = answers().await;
    let drill = &answers.drill_bar;
    let db = answers.db();
    let mut statement = db
        .prepare(
            "SELECT state, sum(overall_actual), sum(overall_target) FROM sales \
             WHERE zone = 'NORTH' GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        .unwrap();
    let expected: Vec<(String, f64, f64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(drill["by"], "state");
    assert_eq!(drill["total"], expected.len() as u64);
    assert_eq!(drill["sort"], "overall_actual");
    let rows = drill["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for (row, (state, actual, target)) in rows.iter().zip(&expected) {
        assert_eq!(row["state"], state.as_str());
        assert_close(row["overall_actual"].as_f64().unwrap(), *actual, state);
        assert_close(row["overall_target"].as_f64().unwrap(), *target, state);
    }
    // The measures keep the panel's format; the choices are the dataset's dimensions.
    assert_eq!(drill["columns"][1]["format"], "currency");
    let choices: Vec<&str> = drill["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(choices.contains(&"zone") && choices.contains(&"channel_type"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_into_a_line_point_reads_that_bucket_of_that_line() {
    let answers = answers().await;
    let drill = &answers.drill_trend;
    let db = answers.db();
    let mut statement = db
        .prepare(
            "SELECT channel_type, sum(overall_actual) FROM sales WHERE zone = 'NORTH' \
             AND record_date >= DATE '2025-01-01' AND record_date < DATE '2025-02-01' \
             GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        .unwrap();
    let expected: Vec<(String, f64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!expected.is_empty());
    let rows = drill["rows"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len());
    for (row, (channel, actual)) in rows.iter().zip(&expected) {
        assert_eq!(row["channel_type"], channel.as_str());
        assert_close(row["overall_actual"].as_f64().unwrap(), *actual, channel);
    }
    // The groups add up to the line's point.
    let point = answers.zone_trend["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "NORTH")
        .expect("a NORTH line")["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == "2025-01-01T00:00:00")
        .expect("a January point")[1]
        .as_f64()
        .unwrap();
    assert_close(expected.iter().map(|e| e.1).sum(), point, "January");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_drill_pages_the_rows_behind_a_slice() {
    let answers = answers().await;
    let drill = &answers.drill_raw;
    let db = answers.db();
    let total: i64 = db
        .query_row("SELECT count(*) FROM sales WHERE zone = 'WEST'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut statement = db
        .prepare("SELECT record_id FROM sales WHERE zone = 'WEST' ORDER BY 1 LIMIT 5 OFFSET 5")
        .unwrap();
    let ids: Vec<i64> = statement
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(drill["total"], total);
    assert_eq!(drill["by"], Value::Null);
    let served: Vec<i64> = drill["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["zone"], "WEST");
            r["record_id"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(served, ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drills_that_make_no_sense_are_refused_with_the_reason() {
    let refusals = &answers().await.drill_refusals;
    let expect = [
        "has no points to drill into",
        "cannot drill by `nope`",
        "only a time series",
        "not split by a dimension",
        "raw rows are not grouped",
    ];
    for ((status, body), words) in refusals.iter().zip(expect) {
        assert_eq!(*status, 400, "{body}");
        assert_eq!(body["code"], "invalid_request", "{body}");
        assert!(
            body["message"].as_str().unwrap().contains(words),
            "{words}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_drawn_images_hold_the_numbers_duckdb_gives() {
    let answers = answers().await;
    let db = answers.db();
    let (actual, target) = pair(
        &db,
        "SELECT sum(lubricants_actual), sum(lubricants_target) FROM sales",
    );
    let bullet = &answers.bullet;
    assert_eq!(bullet["image"], "bullet");
    assert_close(bullet["value"].as_f64().unwrap(), actual, "bullet value");
    assert_close(bullet["target"].as_f64().unwrap(), target, "bullet target");
    assert_close(
        bullet["attainment"].as_f64().unwrap(),
        actual / target * 100.0,
        "attainment",
    );
    let svg = bullet["svg"].as_str().unwrap();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(
        svg.contains(&format!("{:.1}% of target", actual / target * 100.0)),
        "{svg}"
    );
    assert!(svg.contains("#C2410C"), "the workspace's colour: {svg}");

    // One point per month, the latest last, each the month's sum.
    let mut statement = db
        .prepare(
            "SELECT strftime(date_trunc('month', record_date), '%Y-%m-%dT%H:%M:%S'), \
             sum(overall_actual) FROM sales GROUP BY 1 ORDER BY 1",
        )
        .unwrap();
    let months: Vec<(String, f64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let points = answers.sparkline["points"].as_array().unwrap();
    assert_eq!(points.len(), months.len());
    for (point, (month, sum)) in points.iter().zip(&months) {
        assert_eq!(point[0], month.as_str());
        assert_close(point[1].as_f64().unwrap(), *sum, month);
    }
    assert!(
        answers.sparkline["svg"]
            .as_str()
            .unwrap()
            .contains("<polyline")
    );

    // The image route serves the same document as SVG; other kinds have no picture.
    let (status, kind, body) = &answers.images[0];
    assert_eq!(
        (*status, kind.as_str()),
        (200, "image/svg+xml; charset=utf-8")
    );
    assert_eq!(body, svg);
    assert_eq!(answers.images[1].0, 200);
    let (status, _, refusal) = &answers.images[2];
    assert_eq!(*status, 400, "{refusal}");
    assert!(refusal.contains("not a custom_image panel"), "{refusal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_cards_fill_in_the_numbers_duckdb_gives() {
    let answers = answers().await;
    let db = answers.db();
    let summary = &answers.summary;
    let (actual, target) = pair(
        &db,
        "SELECT sum(overall_actual), sum(overall_target) FROM sales",
    );
    let entities: i64 = db
        .query_row("SELECT count(DISTINCT entity_id) FROM sales", [], |r| {
            r.get(0)
        })
        .unwrap();
    let totals = summary["totals"].as_array().unwrap();
    assert_eq!(
        summary["names"],
        serde_json::json!(["actual", "target", "entities"])
    );
    assert_close(totals[0].as_f64().unwrap(), actual, "actual");
    assert_close(totals[1].as_f64().unwrap(), target, "target");
    assert_eq!(totals[2].as_f64().unwrap(), entities as f64);

    // The loop's rows: zones, largest first, each with its own sums.
    let mut statement = db
        .prepare(
            "SELECT zone, sum(overall_actual), sum(overall_target) FROM sales \
             GROUP BY zone ORDER BY 2 DESC LIMIT 6",
        )
        .unwrap();
    let zones: Vec<(String, f64, f64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let rows = summary["rows"].as_array().unwrap();
    assert_eq!(rows.len(), zones.len());
    for (row, (zone, actual, target)) in rows.iter().zip(&zones) {
        assert_eq!(row["label"], zone.as_str());
        assert_close(row["values"][0].as_f64().unwrap(), *actual, zone);
        assert_close(row["values"][1].as_f64().unwrap(), *target, zone);
    }

    // The text: the totals as value nodes in a paragraph, then a list item per zone naming it
    // and holding its numbers.
    let blocks = summary["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "paragraph");
    assert_eq!(
        blocks[0]["text"][0],
        serde_json::json!({"type": "strong", "text": [{"type": "value", "index": 0, "value": totals[0]}]})
    );
    assert_eq!(blocks[1]["type"], "list");
    let items = blocks[1]["items"].as_array().unwrap();
    assert_eq!(items.len(), zones.len());
    for (item, (zone, actual, _)) in items.iter().zip(&zones) {
        let text = &item[0]["text"];
        assert_eq!(text[0]["text"], format!("{zone}: "));
        assert_eq!(text[1]["type"], "value");
        assert_close(text[1]["value"].as_f64().unwrap(), *actual, zone);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_text_card_is_refused_with_its_place_and_markup_stays_text() {
    let answers = answers().await;
    let drafts = &answers.card_drafts;
    for ((status, body), place) in drafts.iter().zip([
        "template line 1, column 17",
        "template line 3, column 4",
        "template line 2, column 1: a loop inside a loop",
    ]) {
        assert_eq!(*status, 400, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("overview_summary"), "{message}");
        assert!(message.contains(place), "{place}: {message}");
    }
    // Markup in a template is allowed to be saved: it can only ever show as text.
    assert_eq!(drafts[3].0, 200, "{}", drafts[3].1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_colours_each_state_by_the_sum_duckdb_gives() {
    let answers = answers().await;
    let db = answers.db();
    let map = &answers.state_map;
    assert_eq!(map["map"], "india_states");
    let mut statement = db
        .prepare("SELECT state, sum(overall_actual) FROM sales GROUP BY state ORDER BY 2 DESC")
        .unwrap();
    let states: Vec<(String, f64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let regions = map["regions"].as_array().unwrap();
    assert_eq!(regions.len(), states.len());
    for (region, (state, sum)) in regions.iter().zip(&states) {
        assert_eq!(region["name"], state.as_str());
        assert_close(region["value"].as_f64().unwrap(), *sum, state);
    }
    // A click on a state opens its rows.
    let karnataka: i64 = db
        .query_row(
            "SELECT count(*) FROM sales WHERE state = 'Karnataka'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        answers.map_drill["total"], karnataka,
        "{}",
        answers.map_drill
    );
}
