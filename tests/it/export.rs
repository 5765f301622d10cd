//! Exports: a panel's data as CSV or JSON equals what the panel answers, only for callers
//! whose dashboard switches the format on, bounded and audited.

use flexboard::Config;
use flexboard::analytics::PanelData;
use flexboard::store::Store;
use serde_json::Value;

use crate::support::{TEST_ROWS, TestServer};

const SALES: &str = "sales-performance";
const RANGE: &str = "&start_date=2023-04-01&end_date=2026-03-31";

/// Every row of the entity table, page by page, as the panel answers them.
async fn table_rows(
    server: &TestServer,
    session: &crate::support::Session,
) -> (Vec<String>, Vec<Vec<Value>>) {
    let api = server.api(session);
    let mut rows = Vec::new();
    let mut columns = Vec::new();
    for page in 1.. {
        let query = format!("{RANGE}&page={page}&page_size=500");
        let PanelData::Table(table) = api
            .panel_data(SALES, "sales_entity_table", &query)
            .await
            .ok()
        else {
            panic!("the entity table is a table");
        };
        let tabular = PanelData::Table(table.clone()).tabular();
        columns = tabular.columns;
        rows.extend(tabular.rows);
        if rows.len() as u64 >= table.total || table.rows.is_empty() {
            break;
        }
    }
    (columns, rows)
}

/// A JSON cell as the CSV holds it. Sums of doubles may differ in the last digits between two
/// queries (DuckDB adds in parallel, in no fixed order), so numbers agree to 1e-9.
fn same_cell(csv: &str, json: &Value) -> bool {
    match json {
        Value::Null => csv.is_empty(),
        Value::Number(n) => match (csv.parse::<f64>(), n.as_f64()) {
            (Ok(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            _ => false,
        },
        Value::String(s) => csv == s,
        other => other.to_string().as_str() == csv,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_exports_every_row_as_csv_equal_to_its_pages() {
    let server = TestServer::shared().await;
    let viewer = server.login_as("viewer@acme.example").await;
    let (columns, rows) = table_rows(&server, &viewer).await;
    assert!(rows.len() > 20, "{}", rows.len());
    let (status, kind, body) = server
        .api(&viewer)
        .export(
            SALES,
            "sales_entity_table",
            "csv",
            &format!("{RANGE}&page_size=7"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, columns);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(&rows) {
        assert_eq!(record.len(), row.len());
        for (cell, value) in record.iter().zip(row) {
            assert!(
                same_cell(cell, value),
                "{cell} against {value} in {record:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pies_gauges_and_scatters_export_the_rows_they_draw() {
    let server = TestServer::shared().await;
    let viewer = server.login_as("viewer@acme.example").await;
    let api = server.api(&viewer);
    for panel in [
        "overview_attainment",
        "overview_zone_share",
        "overview_state_share",
        "overview_state_scatter",
        "overview_zone_trend",
    ] {
        let tabular = api
            .panel_data("sales-overview", panel, RANGE)
            .await
            .ok()
            .tabular();
        assert!(!tabular.rows.is_empty(), "{panel}");
        let (status, _, body) = api.export("sales-overview", panel, "csv", RANGE).await;
        assert_eq!(status, 200, "{panel}: {body}");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<&str> = reader
            .headers()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
            .to_vec();
        assert_eq!(header, tabular.columns, "{panel}");
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), tabular.rows.len(), "{panel}");
        for (record, row) in records.iter().zip(&tabular.rows) {
            for (cell, value) in record.iter().zip(row) {
                assert!(same_cell(cell, value), "{panel}: {cell} against {value}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_table_exports_the_rows_it_pages() {
    let server = TestServer::shared().await;
    let viewer = server.login_as("viewer@acme.example").await;
    let drill = "&value=NORTH&by=entity_name";
    let (status, first) = server
        .call(
            "GET",
            &format!(
                "/api/v1/panels/sales_by_zone/drill?dashboard={SALES}{RANGE}{drill}&page_size=500"
            ),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let rows = first["rows"].as_array().unwrap();
    assert!(rows.len() > 5, "{first}");
    assert_eq!(first["total"], rows.len() as u64);
    let (status, _, body) = server
        .api(&viewer)
        .export(
            SALES,
            "sales_by_zone",
            "csv",
            &format!("{RANGE}&drill=true{drill}"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, ["entity_name", "overall_actual", "overall_target"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(rows) {
        for (cell, key) in record.iter().zip(&header) {
            assert!(same_cell(cell, &row[key]), "{cell} against {row}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_export_is_for_whom_the_dashboard_switches_it_on() {
    let server = TestServer::shared().await;
    let viewer = server.login_as("viewer@acme.example").await;
    let executive = server.login_as("executive@acme.example").await;
    // The base template offers CSV to everyone; only the executives' override adds JSON.
    let (status, _, body) = server
        .api(&viewer)
        .export(SALES, "sales_overall_kpi", "json", RANGE)
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "forbidden"
    );
    let (status, kind, body) = server
        .api(&executive)
        .export(SALES, "sales_overall_kpi", "json", RANGE)
        .await;
    assert_eq!((status, kind.as_str()), (200, "application/json"), "{body}");
    let exported: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&body).unwrap();
    let answer = server
        .api(&executive)
        .panel_data(SALES, "sales_overall_kpi", RANGE)
        .await
        .ok()
        .tabular();
    let expected: Vec<serde_json::Map<String, Value>> = answer
        .rows
        .iter()
        .map(|row| {
            answer
                .columns
                .iter()
                .cloned()
                .zip(row.iter().cloned())
                .collect()
        })
        .collect();
    assert_eq!(exported, expected);
    assert!(!exported.is_empty());
    // Operations Health switches no export on, for anyone.
    let (status, _, body) = server
        .api(&server.admin)
        .export("ops-health", "ops_cpu_kpi", "csv", "")
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = server
        .api(&viewer)
        .export(SALES, "sales_overall_kpi", "xml", RANGE)
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_past_the_row_limit_is_refused_and_one_within_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(dir.path().join("data"));
    config.demo_rows = TEST_ROWS;
    config.export_max_rows = 30;
    let server = TestServer::start_with(config).await;
    let viewer = server.login_as("viewer@acme.example").await;
    let (status, _, body) = server
        .api(&viewer)
        .export(SALES, "sales_entity_table", "csv", RANGE)
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("--export-max-rows"), "{body}");
    let (status, _, body) = server
        .api(&viewer)
        .export(SALES, "sales_by_zone", "csv", RANGE)
        .await;
    assert_eq!(status, 200, "{body}");
    let viewer_id = viewer.user_id();
    let data_dir = server.data_dir.clone();
    server.stop().await;
    let store = Store::open(&data_dir.join("config.redb")).unwrap();
    let exports: Vec<_> = store
        .audit_entries(0, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == "data.export")
        .collect();
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert_eq!(exports[0].event.target, "sales_by_zone");
    assert!(
        exports[0].event.actor.contains(&viewer_id),
        "{:?}",
        exports[0].event
    );
}

/// The cells of an exported spreadsheet's one sheet, row by row: text as `Value::String`,
/// numbers as numbers (read from its XML, which holds text as shared strings).
fn sheet_cells(xlsx: &[u8]) -> Vec<Vec<Value>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        if let Ok(mut file) = archive.by_name(name) {
            file.read_to_string(&mut text).unwrap();
        }
        text
    };
    let strings_xml = read("xl/sharedStrings.xml");
    let sheet = read("xl/worksheets/sheet1.xml");
    assert!(
        !sheet.contains("<f>"),
        "a spreadsheet export holds no formula: {sheet}"
    );
    let unescape = |t: &str| {
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    let strings: Vec<String> = strings_xml
        .split("<si>")
        .skip(1)
        .map(|si| {
            let start = si
                .find("<t")
                .and_then(|i| si[i..].find('>').map(|j| i + j + 1));
            let end = si.find("</t>");
            match (start, end) {
                (Some(a), Some(b)) => unescape(&si[a..b]),
                _ => String::new(),
            }
        })
        .collect();
    sheet
        .split("<row ")
        .skip(1)
        .map(|row| {
            row.split("<c ")
                .skip(1)
                .map(|cell| {
                    let shared = cell.split('>').next().unwrap().contains("t=\"s\"");
                    let value = cell
                        .find("<v>")
                        .and_then(|a| cell[a + 3..].find("</v>").map(|b| &cell[a + 3..a + 3 + b]))
                        .unwrap_or("");
                    if shared {
                        Value::String(strings[value.parse::<usize>().unwrap()].clone())
                    } else {
                        serde_json::from_str(value).unwrap_or(Value::Null)
                    }
                })
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spreadsheet_export_holds_the_panel_as_text_and_numbers() {
    let server = TestServer::shared().await;
    let viewer = server.login_as("viewer@acme.example").await;
    let executive = server.login_as("executive@acme.example").await;
    let path = format!("/api/v1/panels/sales_by_zone/export?dashboard={SALES}&format=xlsx{RANGE}");
    let (status, _, _) = server.api(&viewer).bytes(&path).await;
    assert_eq!(
        status, 403,
        "only the executives' override switches XLSX on"
    );
    let (status, kind, body) = server.api(&executive).bytes(&path).await;
    assert_eq!(
        (status, kind.as_str()),
        (
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    );
    let cells = sheet_cells(&body);
    let answer = server
        .api(&executive)
        .panel_data(SALES, "sales_by_zone", RANGE)
        .await
        .ok()
        .tabular();
    let header: Vec<Value> = answer.columns.iter().cloned().map(Value::String).collect();
    assert_eq!(cells[0], header);
    assert_eq!(cells.len(), answer.rows.len() + 1);
    for (got, want) in cells[1..].iter().zip(&answer.rows) {
        assert_eq!(got.len(), want.len(), "{got:?} {want:?}");
        for (a, b) in got.iter().zip(want) {
            match (a, b) {
                (Value::Number(x), Value::Number(y)) => {
                    crate::support::assert_close(x.as_f64().unwrap(), y.as_f64().unwrap(), "a cell")
                }
                _ => assert_eq!(a, b),
            }
        }
    }
}
