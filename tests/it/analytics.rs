//! The analytics engine on a real DuckDB file: every query shape answered from rollups equals
//! the raw answer and a plain DuckDB query written here; the planner really uses the rollups;
//! rollup-only datasets refuse raw scans; runaway queries are interrupted.

use std::time::{Duration, Instant};

use flexboard::analytics::panels::{PanelRequest, panel_data};
use flexboard::analytics::periods::{self, Period, Window};
use flexboard::analytics::sql::TimeRange;
use flexboard::analytics::{AnalyticsError, DuckdbLimits, TenantDb};
use flexboard::catalog::DatasetDef;
use flexboard::dashboards::PanelConfig;

use crate::support::assert_close;
use serde_json::{Value, json};

const DATASET: &str = r"
name: facts
label: Facts
time_column: ts
fiscal_year_start: 4
columns:
  - { name: ts, type: timestamp, role: time }
  - { name: zone, type: varchar, role: dimension }
  - { name: channel, type: varchar, role: dimension }
  - { name: entity, type: varchar, role: dimension }
  - { name: amount, type: double, role: measure }
  - { name: qty, type: bigint, role: measure }
rollups:
  - name: minute_zone_channel
    dimensions: [zone, channel]
    grain: minute
    partition: month
    measures:
      - { column: amount, agg: avg }
      - { column: amount, agg: min }
      - { column: amount, agg: max }
      - { column: qty, agg: sum }
      - { column: entity, agg: count_distinct }
  - name: daily_entity
    dimensions: [zone, channel, entity]
    grain: day
    measures:
      - { column: amount, agg: sum }
      - { column: amount, agg: count }
      - { column: qty, agg: sum }
  - name: zones_total
    dimensions: [zone]
    measures:
      - { column: entity, agg: count_distinct }
      - { column: amount, agg: sum }
";

/// Rows spread over January–March 2025 at second resolution, with NULL amounts and zones.
const FILL: &str = "
INSERT INTO facts
SELECT TIMESTAMP '2025-01-01' + to_seconds(CAST(hash(i, 1) % (90 * 86400) AS BIGINT)),
       CASE WHEN hash(i, 2) % 97 = 0 THEN NULL
            ELSE ['NORTH', 'SOUTH', 'EAST', 'WEST'][CAST(hash(i, 3) % 4 AS INTEGER) + 1] END,
       ['web', 'store', 'phone'][CAST(hash(i, 4) % 3 AS INTEGER) + 1],
       'E' || CAST(hash(i, 5) % 150 AS VARCHAR),
       CASE WHEN hash(i, 6) % 50 = 0 THEN NULL ELSE round((hash(i, 7) % 100000) / 100.0, 2) END,
       CAST(hash(i, 8) % 20 AS BIGINT)
FROM range(?) r(i)";

fn dataset() -> DatasetDef {
    let def: DatasetDef = serde_yaml_ng::from_str(DATASET).unwrap();
    def.validate().unwrap();
    def
}

fn open(dir: &std::path::Path, rows: i64, limits: &DuckdbLimits) -> TenantDb {
    let db = TenantDb::open(&dir.join("facts.duckdb"), limits).unwrap();
    let def = dataset();
    db.write(|conn| {
        conn.execute_batch(&flexboard::analytics::sql::create_table(&def))?;
        conn.execute(FILL, [rows])?;
        Ok(())
    })
    .unwrap();
    db.ensure_rollups(&[def]).unwrap();
    db
}

fn panel(source: Value) -> PanelConfig {
    serde_json::from_value(json!({
        "id": "p", "title": "P", "position": {"row": 1, "col": 1},
        "type": source["type"], "data_source": source["data_source"],
    }))
    .unwrap()
}

fn at(text: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

/// JSON equality with numbers equal to 1e-9 (sums of sums round differently).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The filter cases: a typed filter and the same condition written by hand.
fn filter_cases() -> Vec<(Value, &'static str)> {
    vec![
        (json!([]), "TRUE"),
        (
            json!([{"column": "zone", "op": "eq", "value": "NORTH"}]),
            "zone = 'NORTH'",
        ),
        (
            json!([{"column": "zone", "op": "in", "value": ["NORTH", "EAST"]}]),
            "zone IN ('NORTH', 'EAST')",
        ),
        (
            json!([{"column": "channel", "op": "not_in", "value": ["web"]}]),
            "channel NOT IN ('web')",
        ),
        (
            json!([{"column": "zone", "op": "ne", "value": "SOUTH"}]),
            "zone <> 'SOUTH'",
        ),
        (
            json!([{"column": "entity", "op": "contains", "value": "e1"}]),
            "contains(lower(entity), 'e1')",
        ),
        (json!([{"column": "zone", "op": "is_null"}]), "zone IS NULL"),
        (
            json!([{"column": "zone", "op": "not_null"}, {"column": "channel", "op": "eq", "value": "store"}]),
            "zone IS NOT NULL AND channel = 'store'",
        ),
        (
            json!([{"column": "amount", "op": "between", "value": [100, 500]}]),
            "amount BETWEEN 100 AND 500",
        ),
        (
            json!([{"column": "ts", "op": "gte", "value": "2025-02-01 00:00:00"}]),
            "ts >= TIMESTAMP '2025-02-01 00:00:00'",
        ),
    ]
}

/// The range cases: aligned to months, to hours, not aligned at all, and none.
fn range_cases() -> Vec<(TimeRange, &'static str)> {
    let range = |start: &str, end: &str| TimeRange {
        start: Some(at(start)),
        end: Some(at(end)),
    };
    vec![
        (TimeRange::default(), "TRUE"),
        (
            range("2025-02-01 00:00:00", "2025-02-28 23:59:59.999999"),
            "ts BETWEEN TIMESTAMP '2025-02-01' AND TIMESTAMP '2025-02-28 23:59:59.999999'",
        ),
        (
            range("2025-02-03 10:00:00", "2025-02-03 13:59:59.999999"),
            "ts BETWEEN TIMESTAMP '2025-02-03 10:00:00' AND TIMESTAMP '2025-02-03 13:59:59.999999'",
        ),
        (
            range("2025-02-03 10:17:31", "2025-02-10 08:00:00"),
            "ts BETWEEN TIMESTAMP '2025-02-03 10:17:31' AND TIMESTAMP '2025-02-10 08:00:00'",
        ),
    ]
}

/// The panel shapes, each with the straightforward SQL that computes its rows (`{w}` is the
/// WHERE condition) and how to read the panel's JSON into the same rows.
struct Shape {
    name: &'static str,
    source: Value,
    sql: &'static str,
    rows: fn(&Value) -> Vec<Vec<Value>>,
}

fn kpi_rows(data: &Value) -> Vec<Vec<Value>> {
    vec![vec![data["value"].clone(), data["target"].clone()]]
}

fn bar_rows(data: &Value) -> Vec<Vec<Value>> {
    let categories = data["categories"].as_array().unwrap();
    categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![c.clone()];
            for s in data["series"].as_array().unwrap() {
                row.push(s["values"][i].clone());
            }
            row
        })
        .collect()
}

fn series_rows(data: &Value) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for s in data["series"].as_array().unwrap() {
        for point in s["points"].as_array().unwrap() {
            rows.push(vec![s["name"].clone(), point[0].clone(), point[1].clone()]);
        }
    }
    rows
}

fn table_rows(data: &Value) -> Vec<Vec<Value>> {
    let keys: Vec<&str> = data["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    let mut rows: Vec<Vec<Value>> = data["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| keys.iter().map(|k| r[*k].clone()).collect())
        .collect();
    rows.push(vec![data["total"].clone()]);
    rows
}

fn shapes() -> Vec<Shape> {
    let kpi = |agg: &str| {
        json!({"type": "kpi", "data_source": {"dataset": "facts",
            "value": {"column": "amount", "agg": agg}, "target": {"column": "qty", "agg": "sum"}}})
    };
    vec![
        Shape {
            name: "kpi sum",
            source: kpi("sum"),
            sql: "SELECT sum(amount), CAST(sum(qty) AS DOUBLE) FROM facts WHERE {w}",
            rows: kpi_rows,
        },
        Shape {
            name: "kpi avg",
            source: kpi("avg"),
            sql: "SELECT avg(amount), CAST(sum(qty) AS DOUBLE) FROM facts WHERE {w}",
            rows: kpi_rows,
        },
        Shape {
            name: "kpi count",
            source: kpi("count"),
            sql: "SELECT CAST(count(amount) AS DOUBLE), CAST(sum(qty) AS DOUBLE) FROM facts WHERE {w}",
            rows: kpi_rows,
        },
        Shape {
            name: "kpi min",
            source: kpi("min"),
            sql: "SELECT min(amount), CAST(sum(qty) AS DOUBLE) FROM facts WHERE {w}",
            rows: kpi_rows,
        },
        Shape {
            name: "kpi max",
            source: kpi("max"),
            sql: "SELECT max(amount), CAST(sum(qty) AS DOUBLE) FROM facts WHERE {w}",
            rows: kpi_rows,
        },
        Shape {
            name: "kpi distinct entities",
            source: json!({"type": "kpi", "data_source": {"dataset": "facts",
                "value": {"column": "entity", "agg": "count_distinct"}}}),
            sql: "SELECT CAST(count(DISTINCT entity) AS DOUBLE), CAST(NULL AS DOUBLE) FROM facts WHERE {w}",
            rows: kpi_rows,
        },
        Shape {
            name: "bar by zone",
            source: json!({"type": "bar", "data_source": {"dataset": "facts", "dimension": "zone",
                "measures": [{"column": "amount", "agg": "sum"}, {"column": "amount", "agg": "avg"}]}}),
            sql: "SELECT coalesce(zone, '(none)'), sum(amount), avg(amount) FROM facts WHERE {w} GROUP BY zone ORDER BY zone NULLS LAST",
            rows: bar_rows,
        },
        Shape {
            name: "bar distinct entities by channel",
            source: json!({"type": "bar", "data_source": {"dataset": "facts", "dimension": "channel",
                "measures": [{"column": "entity", "agg": "count_distinct"}]}}),
            sql: "SELECT channel, CAST(count(DISTINCT entity) AS DOUBLE) FROM facts WHERE {w} GROUP BY channel ORDER BY channel",
            rows: bar_rows,
        },
        Shape {
            name: "hourly average by zone",
            source: json!({"type": "timeseries", "data_source": {"dataset": "facts", "grain": "hour",
                "series_label": "zone", "measures": [{"column": "amount", "agg": "avg"}]}}),
            sql: "SELECT coalesce(zone, '(none)') AS z, strftime(date_trunc('hour', ts), '%Y-%m-%dT%H:%M:%S') AS t, avg(amount) FROM facts WHERE {w} GROUP BY ALL ORDER BY z, t",
            rows: series_rows,
        },
        Shape {
            name: "ten-minute maxima",
            source: json!({"type": "timeseries", "data_source": {"dataset": "facts", "grain": "ten_minutes",
                "measures": [{"column": "amount", "agg": "max", "label": "m"}]}}),
            sql: "SELECT 'm', strftime(time_bucket(INTERVAL '10 minutes', ts), '%Y-%m-%dT%H:%M:%S') AS t, max(amount) FROM facts WHERE {w} GROUP BY ALL ORDER BY t",
            rows: series_rows,
        },
        Shape {
            name: "weekly sums",
            source: json!({"type": "timeseries", "data_source": {"dataset": "facts", "grain": "week",
                "measures": [{"column": "amount", "agg": "sum", "label": "s"}]}}),
            sql: "SELECT 's', strftime(date_trunc('week', ts), '%Y-%m-%dT%H:%M:%S') AS t, sum(amount) FROM facts WHERE {w} GROUP BY ALL ORDER BY t",
            rows: series_rows,
        },
        Shape {
            name: "monthly quantities",
            source: json!({"type": "timeseries", "data_source": {"dataset": "facts", "grain": "month",
                "measures": [{"column": "qty", "agg": "sum", "label": "q"}]}}),
            sql: "SELECT 'q', strftime(date_trunc('month', ts), '%Y-%m-%dT%H:%M:%S') AS t, CAST(sum(qty) AS DOUBLE) FROM facts WHERE {w} GROUP BY ALL ORDER BY t",
            rows: series_rows,
        },
        Shape {
            name: "table by entity, second page",
            source: json!({"type": "table", "data_source": {"dataset": "facts", "columns": [
                {"name": "entity"}, {"name": "zone"},
                {"name": "amount", "agg": "sum"}, {"name": "qty", "agg": "sum"}]}}),
            sql: "SELECT entity, zone, s, q FROM (SELECT entity, zone, sum(amount) AS s, CAST(sum(qty) AS DOUBLE) AS q FROM facts WHERE {w} GROUP BY ALL) ORDER BY s DESC NULLS LAST, entity, zone NULLS LAST, q LIMIT 7 OFFSET 7",
            rows: table_rows,
        },
    ]
}

fn request(range: TimeRange) -> PanelRequest {
    PanelRequest {
        range,
        sort: Some("amount".into()),
        order: Some(flexboard::vocabulary::SortOrder::Desc),
        page: 2,
        page_size: Some(7),
        ..PanelRequest::default()
    }
}

/// Rows of a statement as JSON values (numbers as f64, text as text).
fn query_rows(conn: &duckdb::Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut statement = conn.prepare(sql).unwrap();
    let mut rows = statement.query([]).unwrap();
    let columns = rows.as_ref().unwrap().column_count();
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        out.push(
            (0..columns)
                .map(|i| match row.get_ref(i).unwrap() {
                    duckdb::types::ValueRef::Null => Value::Null,
                    duckdb::types::ValueRef::Double(d) => json!(d),
                    duckdb::types::ValueRef::BigInt(d) => json!(d),
                    duckdb::types::ValueRef::Text(t) => {
                        Value::String(String::from_utf8_lossy(t).into_owned())
                    }
                    other => panic!("unexpected {other:?}"),
                })
                .collect(),
        );
    }
    out
}

#[test]
fn rollups_raw_rows_and_plain_duckdb_agree_on_every_query_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 30_000, &DuckdbLimits::default());
    let def = dataset();
    let mut from_rollups = 0;
    let mut cases = 0;
    for shape in shapes() {
        let panel = panel(shape.source.clone());
        for (filters, filter_sql) in filter_cases() {
            let mut panel = panel.clone();
            *panel.source.filters_mut().unwrap() = serde_json::from_value(filters).unwrap();
            for (range, range_sql) in range_cases() {
                let request = request(range);
                let what = format!("{} | {filter_sql} | {range_sql}", shape.name);
                let run = |ready: bool| {
                    db.with_connection(|conn| {
                        panel_data(conn, &def, &panel, &request, &|r| {
                            ready && db.is_built(&def, r)
                        })
                    })
                    .unwrap()
                };
                let (planned, explain) = run(true);
                let (raw, raw_explain) = run(false);
                assert!(raw_explain.iter().all(|q| q.rollup.is_none()), "{what}");
                let planned = serde_json::to_value(&planned).unwrap();
                let raw = serde_json::to_value(&raw).unwrap();
                assert!(
                    same(&planned, &raw),
                    "{what}\nrollup ({:?}): {planned}\nraw: {raw}",
                    explain.iter().map(|q| &q.rollup).collect::<Vec<_>>()
                );
                let expected = db
                    .with_connection(|conn| {
                        Ok(query_rows(
                            conn,
                            &shape
                                .sql
                                .replace("{w}", &format!("({filter_sql}) AND ({range_sql})")),
                        ))
                    })
                    .unwrap();
                let mut expected = expected;
                let got = (shape.rows)(&planned);
                if shape.name.starts_with("table") {
                    let total = db
                        .with_connection(|conn| {
                            Ok(query_rows(
                                conn,
                                &format!(
                                    "SELECT count(*) FROM (SELECT entity, zone FROM facts WHERE ({filter_sql}) AND ({range_sql}) GROUP BY ALL)"
                                ),
                            ))
                        })
                        .unwrap();
                    expected.push(total[0].clone());
                }
                assert!(
                    same(&json!(got), &json!(expected)),
                    "{what}\nAPI: {got:?}\nDuckDB: {expected:?}"
                );
                cases += 1;
                if explain.iter().any(|q| q.rollup.is_some()) {
                    from_rollups += 1;
                }
            }
        }
    }
    assert_eq!(cases, 13 * 10 * 4);
    // Filters on dimensions with no or aligned ranges are the rollups' to answer.
    assert!(
        from_rollups >= 200,
        "only {from_rollups} of {cases} used a rollup"
    );
}

#[test]
fn the_planner_explains_its_choice() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 5_000, &DuckdbLimits::default());
    let def = dataset();
    let explain = |source: Value, range: TimeRange| {
        let panel = panel(source);
        db.with_connection(|conn| {
            panel_data(conn, &def, &panel, &request(range), &|r| {
                db.is_built(&def, r)
            })
        })
        .unwrap()
        .1
    };
    let kpi = shapes().remove(0).source;
    let q = explain(kpi.clone(), TimeRange::default());
    assert_eq!(q[0].rollup.as_deref(), Some("minute_zone_channel"));
    assert!(
        q[0].sql.contains("__rollup__facts__minute_zone_channel"),
        "{}",
        q[0].sql
    );
    assert!(
        q[0].rollup_notes
            .iter()
            .any(|n| n.starts_with("zones_total:")),
        "{:?}",
        q[0].rollup_notes
    );
    let unaligned = TimeRange {
        start: Some(at("2025-02-03 10:17:31")),
        end: None,
    };
    let q = explain(kpi, unaligned);
    assert_eq!(q[0].rollup, None);
    assert!(
        q[0].rollup_notes
            .iter()
            .any(|n| n.contains("inside a minute bucket")),
        "{:?}",
        q[0].rollup_notes
    );
}

#[test]
fn rollup_only_datasets_refuse_raw_scans() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 2_000, &DuckdbLimits::default());
    let mut def = dataset();
    def.rollup_only = true;
    let run = |source: Value| {
        let panel = panel(source);
        db.with_connection(|conn| {
            panel_data(conn, &def, &panel, &PanelRequest::default(), &|r| {
                db.is_built(&dataset(), r)
            })
        })
    };
    assert!(run(shapes().remove(0).source).is_ok());
    let plain_table = json!({"type": "table", "data_source": {"dataset": "facts", "columns": [{"name": "entity"}]}});
    match run(plain_table) {
        Err(AnalyticsError::RollupRequired { dataset, reasons }) => {
            assert_eq!(dataset, "facts");
            assert!(reasons.contains("raw rows"), "{reasons}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let latest = json!({"type": "kpi", "data_source": {"dataset": "facts", "value": {"column": "amount", "agg": "latest"}}});
    assert!(matches!(
        run(latest),
        Err(AnalyticsError::RollupRequired { .. })
    ));
}

#[test]
fn periods_and_fiscal_years_select_the_right_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 10_000, &DuckdbLimits::default());
    let def = dataset();
    let kpi = panel(shapes().remove(0).source);
    let value = |window: Window| {
        let request = PanelRequest {
            range: periods::resolve(window, at("2026-11-22 13:00:00"), def.fiscal_year_start),
            ..PanelRequest::default()
        };
        let (data, _) = db
            .with_connection(|conn| {
                panel_data(conn, &def, &kpi, &request, &|r| db.is_built(&def, r))
            })
            .unwrap();
        serde_json::to_value(data).unwrap()["value"].as_f64()
    };
    let sum = |condition: &str| {
        db.with_connection(|conn| {
            Ok(conn.query_row(
                &format!("SELECT sum(amount) FROM facts WHERE {condition}"),
                [],
                |row| row.get::<_, Option<f64>>(0),
            )?)
        })
        .unwrap()
    };
    // Fiscal years start in April here: FY 2024-2025 holds January to March 2025.
    let fy = value(Window::FiscalYear { first_year: 2024 }).unwrap();
    assert_close(
        fy,
        sum("ts < TIMESTAMP '2025-04-01'").unwrap(),
        "FY 2024-2025",
    );
    assert_eq!(value(Window::FiscalYear { first_year: 2025 }), None);
    let anchor = Some(at("2025-02-14 23:59:59.999999"));
    let mtd = value(Window::Period {
        period: Period::Mtd,
        anchor,
    })
    .unwrap();
    assert_close(
        mtd,
        sum("ts BETWEEN TIMESTAMP '2025-02-01' AND TIMESTAMP '2025-02-14 23:59:59.999999'")
            .unwrap(),
        "MTD",
    );
    let ytd = value(Window::Period {
        period: Period::Ytd,
        anchor,
    })
    .unwrap();
    assert_close(
        ytd,
        sum("ts <= TIMESTAMP '2025-02-14 23:59:59.999999'").unwrap(),
        "YTD",
    );
    // The fiscal quarter holding February (from April: January to March) started in January.
    let qtd = value(Window::Period {
        period: Period::Qtd,
        anchor,
    })
    .unwrap();
    assert_close(qtd, ytd, "QTD from January");
}

#[test]
fn runaway_queries_are_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let limits = DuckdbLimits {
        query_timeout: Duration::from_millis(300),
        ..DuckdbLimits::default()
    };
    let db = open(dir.path(), 100, &limits);
    let started = Instant::now();
    let result = db.with_connection(|conn| {
        Ok(conn.query_row(
            "SELECT count(*) FROM range(100000000000) a(x) WHERE hash(x) % 7 = 3",
            [],
            |row| row.get::<_, i64>(0),
        )?)
    });
    assert!(
        matches!(result, Err(AnalyticsError::Timeout(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // The connection is usable again afterwards.
    let after = db.with_connection(|conn| {
        Ok(conn.query_row("SELECT count(*) FROM facts", [], |row| row.get::<_, i64>(0))?)
    });
    assert_eq!(after.unwrap(), 100);
}

#[test]
fn injection_payloads_match_no_rows_and_touch_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 3_000, &DuckdbLimits::default());
    let def = dataset();
    let count = |filters: Value, ready: bool| {
        let mut panel = panel(json!({"type": "kpi", "data_source": {"dataset": "facts",
            "value": {"column": "amount", "agg": "count"}}}));
        *panel.source.filters_mut().unwrap() = serde_json::from_value(filters).unwrap();
        let (data, _) = db
            .with_connection(|conn| {
                panel_data(conn, &def, &panel, &PanelRequest::default(), &|r| {
                    ready && db.is_built(&def, r)
                })
            })
            .unwrap();
        serde_json::to_value(data).unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    let outside = dir.path().join("stolen.csv");
    for payload in [
        "' OR 1=1--".to_owned(),
        "NORTH' OR '1'='1".to_owned(),
        "x'); ATTACH 'evil.db' AS evil; --".to_owned(),
        format!("'); COPY facts TO '{}'; --", outside.display()),
        "read_csv('/etc/passwd')".to_owned(),
    ] {
        for ready in [true, false] {
            for filters in [
                json!([{"column": "zone", "op": "eq", "value": payload}]),
                json!([{"column": "zone", "op": "in", "value": [payload, "NOWHERE"]}]),
                json!([{"column": "entity", "op": "contains", "value": payload}]),
            ] {
                assert_eq!(count(filters.clone(), ready), 0.0, "{filters}");
            }
        }
    }
    assert!(!outside.exists());
    assert!(!dir.path().join("evil.db").exists());
    assert!(count(json!([]), true) > 0.0);
}

#[test]
fn the_command_line_imports_into_a_stopped_appliance() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = crate::support::TestServer::start_on(data_dir.clone(), 5_000).await;
        server.stop().await;
    });
    let file = dir.path().join("more.csv");
    std::fs::write(
        &file,
        "record_id,entity_id,entity_name,entity_type,zone,state,channel_type,record_date,lubricants_actual,lubricants_target,batteries_actual,batteries_target,tyres_actual,tyres_target,spares_actual,spares_target,overall_actual,overall_target\n\
         1,C1,Cli,dealer,WEST,Goa,retail,2024-02-02,1,1,1,1,1,1,1,1,10,10\n\
         2,C1,Cli,dealer,WEST,Goa,retail,2024-02-03,1,1,1,1,1,1,1,1,10,10\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_flexboard"))
            .arg("import")
            .args(args)
            .arg("--data-dir")
            .arg(&data_dir)
            .output()
            .unwrap()
    };
    let output = run(&["--dataset", "sales", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("imported 2 rows into `sales`"), "{stdout}");
    assert!(stdout.contains("rollup `daily_geo`: refreshed"), "{stdout}");
    let output = run(&["--dataset", "nope", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no dataset `nope`"));
    let conn = crate::support::open_tenant_db(&data_dir);
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM sales WHERE entity_id = 'C1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 2);
}

#[test]
fn tenant_databases_read_no_files_but_their_imports_and_stay_locked() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 10, &DuckdbLimits::default());
    let outside = dir.path().join("outside.csv");
    std::fs::write(&outside, "a\n1\n").unwrap();
    let inside = flexboard::analytics::imports_dir(&dir.path().join("facts.duckdb"))
        .unwrap()
        .join("staged.csv");
    std::fs::write(&inside, "a\n1\n").unwrap();
    let run = |statement: String| db.with_connection(|conn| Ok(conn.execute_batch(&statement)?));
    for refused in [
        format!("SELECT * FROM read_csv('{}')", outside.display()),
        "SELECT * FROM read_csv('/etc/passwd')".to_owned(),
        format!("COPY facts TO '{}'", dir.path().join("copy.csv").display()),
        format!(
            "ATTACH '{}' AS other",
            dir.path().join("other.duckdb").display()
        ),
        "SET enable_external_access = true".to_owned(),
        "SET GLOBAL allowed_directories = ['/']".to_owned(),
        "SET memory_limit = '100GB'".to_owned(),
        "SET threads = 64".to_owned(),
        "INSTALL httpfs".to_owned(),
    ] {
        assert!(run(refused.clone()).is_err(), "{refused}");
    }
    assert!(!dir.path().join("copy.csv").exists());
    assert!(!dir.path().join("other.duckdb").exists());
    // The staged-imports folder is the one place it reads.
    assert!(run(format!("SELECT * FROM read_csv('{}')", inside.display())).is_ok());
}

#[test]
fn an_import_past_its_timeout_is_stopped_and_imports_nothing() {
    use flexboard::analytics::ingest::{self, Format, ImportError, ImportLimits};
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 10, &DuckdbLimits::default());
    let staged = flexboard::analytics::imports_dir(&dir.path().join("facts.duckdb"))
        .unwrap()
        .join("big.parquet");
    // Three million rows: seconds of reading, checking and refreshing the rollups.
    let writer = duckdb::Connection::open_in_memory().unwrap();
    writer
        .execute_batch(&format!(
            "COPY (SELECT TIMESTAMP '2025-01-01' + to_seconds(i % 7776000) AS ts, 'NORTH' AS zone, 'web' AS channel, 'E' || CAST(i % 150 AS VARCHAR) AS entity, CAST(i % 1000 AS DOUBLE) AS amount, CAST(i % 20 AS BIGINT) AS qty FROM range(3000000) r(i)) TO '{}' (FORMAT parquet)",
            staged.display()
        ))
        .unwrap();
    let limits = ImportLimits {
        timeout: Some(Duration::from_millis(100)),
        ..ImportLimits::unbounded(2)
    };
    let count = || {
        db.with_connection(|conn| {
            Ok(conn.query_row("SELECT count(*) FROM facts", [], |r| r.get::<_, i64>(0))?)
        })
        .unwrap()
    };
    let error = ingest::import(
        &db,
        &dataset(),
        &staged,
        Format::Parquet,
        &limits,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(error, AnalyticsError::Import(ImportError::TimedOut(_))),
        "{error}"
    );
    assert_eq!(count(), 10, "nothing was imported");
    // A row cap is checked from the Parquet metadata before anything is read.
    let capped = ImportLimits {
        max_rows: Some(1_000),
        ..ImportLimits::unbounded(2)
    };
    let error = ingest::import(
        &db,
        &dataset(),
        &staged,
        Format::Parquet,
        &capped,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            AnalyticsError::Import(ImportError::TooManyRows {
                rows: 3_000_000,
                max: 1_000
            })
        ),
        "{error}"
    );
}

#[test]
fn text_cards_keep_data_markup_as_text_and_sum_like_duckdb() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), 2_000, &DuckdbLimits::default());
    let def = dataset();
    let hostile = [
        "<script>alert(1)</script>",
        "[win](javascript:alert(2))",
        "**bold** # heading",
    ];
    db.write(|conn| {
        for (i, zone) in hostile.iter().enumerate() {
            conn.execute(
                "UPDATE facts SET zone = ? WHERE hash(qty, amount) % 7 = ?",
                duckdb::params![zone, i as i64],
            )?;
        }
        Ok(())
    })
    .unwrap();
    let card = panel(json!({"type": "custom_template", "data_source": {
        "dataset": "facts",
        "values": [{"name": "amount", "column": "amount", "agg": "sum"},
                   {"name": "rows_seen", "column": "qty", "agg": "count"}],
        "rows_by": "zone", "limit": 100,
        "template": "Total {{ amount }}\n\n{% for row in rows %}- {{ row.zone }} {{ row.amount }}\n{% endfor %}"
    }}));
    let (data, _) = db
        .with_connection(|conn| panel_data(conn, &def, &card, &PanelRequest::default(), &|_| false))
        .unwrap();
    let data = serde_json::to_value(data).unwrap();
    let rows_of = |sql: &str| db.with_connection(|c| Ok(query_rows(c, sql))).unwrap();
    let expected = rows_of(
        "SELECT coalesce(zone, '(none)'), sum(amount) FROM facts \
         GROUP BY zone ORDER BY 2 DESC NULLS LAST, zone NULLS LAST",
    );
    let items = data["blocks"][1]["items"].as_array().unwrap();
    assert_eq!(items.len(), expected.len(), "{data}");
    for (item, row) in items.iter().zip(&expected) {
        let text = &item[0]["text"];
        // The zone is one text node, character for character: no link, emphasis or heading.
        assert_eq!(
            text[0],
            json!({"type": "text", "text": format!("{} ", row[0].as_str().unwrap())})
        );
        assert_eq!(text[1]["type"], "value");
        assert!(same(&text[1]["value"], &row[1]), "{text} vs {row:?}");
    }
    let all = data["blocks"].to_string();
    let labels: Vec<&str> = data["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    for zone in hostile {
        assert!(labels.contains(&zone), "{labels:?}");
    }
    assert!(!all.contains("\"link\""), "{all}");
    assert!(!all.contains("\"strong\""), "{all}");
    assert_eq!(data["blocks"].as_array().unwrap().len(), 2, "{all}");
    let total = rows_of("SELECT sum(amount) FROM facts");
    assert!(same(&data["totals"][0], &total[0][0]));
}
