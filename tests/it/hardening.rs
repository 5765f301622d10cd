//! Hardening: what a hostile editor, viewer, key or stranger tries, and the bound or check that
//! stops each. (The crash of a cyclic preset and the boolean variables run the real binary:
//! see `lifecycle.rs`.)

use std::time::Duration;

use flexboard::Config;
use flexboard::analytics::PanelData;
use flexboard::dashboards::PanelKind;
use flexboard::store::Store;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::client::Reply;
use crate::support::{Session, TEST_ROWS, TestServer};
use crate::versions::{own_sales_template, save_draft};

const SALES: &str = "sales-performance";
const VIEWER: &str = "viewer@acme.example";
const MANAGER: &str = "north.manager@acme.example";

fn config(dir: &tempfile::TempDir) -> Config {
    let mut config = Config::for_data_dir(dir.path().join("data"));
    config.demo_rows = TEST_ROWS;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_that_cycle_nest_too_deep_or_fan_out_are_refused_at_write_time() {
    // Shared: its presets and its template are its own.
    let server = TestServer::shared().await;
    let admin = server.api(&server.admin);
    for (content, why) in [
        (json!({"k": {"$preset": "loop"}}), "cycle: loop → loop"),
        (json!([{"$preset": "loop"}]), "cycle: loop → loop"),
        (json!({"$preset": "loop"}), "cycle: loop → loop"),
        (
            json!({"k": {"$preset": "nowhere"}}),
            "`nowhere` does not exist",
        ),
    ] {
        let message = admin
            .put_preset("loop", content)
            .await
            .refused(400, "invalid_request");
        assert!(message.contains(why), "{why}: {message}");
    }
    // Nine levels of ten references: refused once the expansion passes its budget.
    admin
        .put_preset("fan0", json!({"v": 1}))
        .await
        .answered(200);
    let mut refused = None;
    for level in 1..=9 {
        let refs: Vec<Value> = (0..10)
            .map(|_| json!({"$preset": format!("fan{}", level - 1)}))
            .collect();
        let reply = admin.put_preset(&format!("fan{level}"), json!(refs)).await;
        if reply.status != 200 {
            refused = Some((level, reply));
            break;
        }
    }
    let (level, reply) = refused.expect("the fan-out was refused");
    assert!(level <= 6, "refused only at level {level}");
    let message = reply.refused(400, "invalid_request");
    assert!(message.contains("values"), "{message}");
    // A draft that names a preset more than the budget allows is refused the same way.
    let id = "hardening-presets";
    let (ed, _, mut doubled) = own_sales_template(&server, id).await;
    let largest = json!({"$preset": format!("fan{}", level - 1)});
    doubled["panels"][0]["description"] = json!(vec![largest; 10]);
    let revision = server
        .api(&ed)
        .template(id)
        .await
        .ok()
        .template
        .draft_revision;
    server
        .api(&ed)
        .put_draft(id, &doubled, revision)
        .await
        .refused(400, "invalid_request");
    // Resolution still answers for everyone.
    admin.dashboard(SALES, "").await.answered(200);
    admin.dashboard(id, "").await.answered(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_get_capped_raw_series_and_editors_the_full_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    // A small result cache still answers (entries heavier than it are just not kept).
    config.result_cache_size = 64 << 10;
    config.reader_raw_points = 3_000;
    let server = TestServer::start_with(config).await;
    let viewer = server.login_as(VIEWER).await;
    let ops = server
        .api(&viewer)
        .dashboards()
        .await
        .ok()
        .dashboards
        .into_iter()
        .find(|d| d.id != SALES)
        .expect("the operations dashboard")
        .id;
    let resolved = server.api(&server.admin).dashboard(&ops, "").await.ok();
    let series = resolved
        .config
        .panels
        .iter()
        .find(|p| p.source.panel_kind() == PanelKind::Timeseries)
        .expect("a time series")
        .id
        .clone();
    // The demo's week of per-minute samples of eight servers.
    let query = "&start_date=2026-03-25&end_date=2026-03-31&disable_aggregation=true";
    let points = |reply: Reply<PanelData>| -> (usize, bool) {
        let PanelData::Timeseries(data) = reply.ok() else {
            panic!("a time series answers series")
        };
        (
            data.series.iter().map(|s| s.points.len()).sum(),
            data.truncated,
        )
    };
    let (as_viewer, truncated) = points(server.api(&viewer).panel_data(&ops, &series, query).await);
    assert!(as_viewer <= 3_000, "{as_viewer}");
    assert!(truncated);
    let (as_admin, _) = points(
        server
            .api(&server.admin)
            .panel_data(&ops, &series, query)
            .await,
    );
    assert!(as_admin > 3_000, "{as_admin}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_cannot_be_skipped_by_restore_or_an_experiment_arm() {
    // Shared: the template is its own.
    let server = TestServer::shared().await;
    let id = "hardening-review";
    let (ed, _, mut draft) = own_sales_template(&server, id).await;
    let admin = server.api(&server.admin);
    draft["name"] = json!("Sales, unreviewed");
    save_draft(&server, &ed, id, &draft).await;
    let number = admin
        .create_version(id, json!({"changelog": "rename"}))
        .await
        .answered(201)
        .version
        .number;
    for state in ["draft", "review"] {
        if state == "review" {
            admin.transition(id, &number, "review").await.answered(200);
        }
        let message = admin
            .restore(id, &number, "skip the review")
            .await
            .refused(400, "invalid_request");
        assert!(message.contains("never published"), "{state}: {message}");
        let message = admin
            .create_experiment(id, json!({"id": format!("skip-{state}"), "arms": [{"name": "b", "version": number, "weight": 100}], "reason": "skip the review"}))
            .await
            .refused(400, "invalid_request");
        assert!(
            message.contains("only a published or deprecated"),
            "{state}: {message}"
        );
    }
    // The published version is still what everyone sees.
    let resolved = admin.dashboard(id, "").await.ok();
    assert_eq!(resolved.meta.version, "1.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegated_administration_grants_at_most_what_its_holder_holds() {
    let dir = tempfile::tempdir().unwrap();
    // Its own server: a key of its rewrites the demo's sales dataset.
    let server = TestServer::start_with(config(&dir)).await;
    let admin = server.api(&server.admin);
    // A people manager: may manage people, memberships, roles and keys, and read dashboards
    // and the rows of its own zone.
    let permissions = json!([
        {"resource": "dashboards", "action": "read", "scope": "tenant"},
        {"resource": "data", "action": "read", "scope": "own"},
        {"resource": "users", "action": "*", "scope": "tenant"},
        {"resource": "memberships", "action": "*", "scope": "tenant"},
        {"resource": "roles", "action": "*", "scope": "tenant"},
        {"resource": "api_keys", "action": "*", "scope": "tenant"},
    ]);
    admin
        .put_role("people_manager", permissions.clone())
        .await
        .answered(200);
    let manager = server
        .person(
            "people@acme.example",
            "people_manager",
            json!({"zone": "NORTH"}),
        )
        .await;
    let me = server.api(&manager);
    let viewer_id = server.login_as(VIEWER).await.user_id();

    me.put_membership(&viewer_id, json!({"role": "tenant-admin"}))
        .await
        .refused(403, "forbidden");
    me.create_user(json!({"email": "boss@acme.example", "name": "Boss", "password": "a new admin passphrase", "role": "tenant-admin"}))
        .await
        .refused(403, "forbidden");
    let mut wider = permissions.clone();
    wider
        .as_array_mut()
        .unwrap()
        .push(json!({"resource": "data", "action": "read", "scope": "tenant"}));
    me.put_role("people_manager", wider)
        .await
        .refused(403, "forbidden");
    // A key reading past one's own rows.
    me.create_api_key("all rows", &["data:read"])
        .await
        .refused(403, "forbidden");
    // Someone reading only NORTH may not hand out SOUTH.
    me.create_user(json!({"email": "south@acme.example", "name": "South", "password": "a south passphrase", "role": "sales_manager", "attributes": {"zone": "SOUTH"}}))
        .await
        .refused(403, "forbidden");
    // What it holds, it may give.
    me.create_user(json!({"email": "north2@acme.example", "name": "North 2", "password": "a north passphrase", "role": "sales_manager", "attributes": {"zone": "NORTH"}}))
        .await
        .answered(201);

    // A key never does more than its creator does now: a tenant admin's key loses data:write
    // when the admin becomes a viewer.
    let ta = server
        .person("ta@acme.example", "tenant-admin", json!({}))
        .await;
    let secret = server
        .api(&ta)
        .create_api_key("loader", &["data:write"])
        .await
        .answered(201)
        .secret;
    let sales = admin
        .datasets()
        .await
        .ok()
        .into_iter()
        .find(|d| d.definition.name == "sales")
        .expect("the demo's sales dataset")
        .definition;
    let put_with_key = || {
        server
            .client
            .put(format!("{}/api/v1/datasets/sales", server.base))
            .bearer_auth(&secret)
            .json(&sales)
            .send()
    };
    let response = put_with_key().await.unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "a data:write key changes a dataset and gets the change back: {}",
        response.text().await.unwrap()
    );
    admin
        .put_membership(&ta.user_id(), json!({"role": "viewer"}))
        .await
        .answered(200);
    assert_eq!(put_with_key().await.unwrap().status().as_u16(), 403);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_tenant_admin_stays_and_other_workspaces_keep_their_sessions() {
    let dir = tempfile::tempdir().unwrap();
    // Its own server: it makes the super-admin a viewer of the demo.
    let server = TestServer::start_with(config(&dir)).await;
    let admin = server.api(&server.admin);
    let ta = server
        .person("only.admin@acme.example", "tenant-admin", json!({}))
        .await;
    let other = server
        .person("other.admin@acme.example", "tenant-admin", json!({}))
        .await;
    // One of two admins may remove the other; the last one may not step down, and nobody but
    // a super-admin touches a super-admin's membership.
    let as_ta = server.api(&ta);
    as_ta
        .remove_membership(&other.user_id())
        .await
        .answered(204);
    as_ta
        .put_membership(&ta.user_id(), json!({"role": "viewer"}))
        .await
        .refused(409, "conflict");
    admin
        .put_membership(&server.admin.user_id(), json!({"role": "viewer"}))
        .await
        .answered(200);
    as_ta
        .remove_membership(&server.admin.user_id())
        .await
        .refused(403, "forbidden");
    // A membership change in one workspace leaves the person's session in another.
    let viewer = server.login_as(VIEWER).await;
    let second = admin.create_tenant(json!({"name": "Second"})).await.ok();
    admin.select_tenant(&second.id).await.ok();
    for role in ["viewer", "editor"] {
        admin
            .put_membership(&viewer.user_id(), json!({"role": role}))
            .await
            .answered(200);
    }
    server.api(&viewer).dashboards().await.answered(200);
    server.stop().await;
}

async fn login_from(server: &TestServer, email: &str, password: &str, from: &str) -> u16 {
    server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("x-forwarded-for", from)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_an_attacker_cannot_lock_the_owner_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.trusted_proxies = vec![flexboard::config::parse_network("127.0.0.1").unwrap()];
    let server = TestServer::start_with(config).await;
    let owner = crate::support::ADMIN_EMAIL;
    let password = crate::support::ADMIN_PASSWORD;
    for _ in 0..25 {
        let status = login_from(&server, owner, "a guessed password", "203.0.113.66").await;
        assert!(status == 401 || status == 429, "{status}");
    }
    assert_eq!(
        login_from(&server, owner, password, "203.0.113.66").await,
        429,
        "the attacker's address waits"
    );
    assert_eq!(
        login_from(&server, owner, password, "198.51.100.7").await,
        200,
        "the owner, from an address that has not failed, gets in"
    );
    // A client cannot pick its own address in front of the proxy's entry.
    assert_eq!(
        login_from(&server, owner, password, "198.51.100.7, 203.0.113.66").await,
        429
    );
    // Changing one's password is throttled like signing in.
    let me = server.sign_in(owner, password).await.unwrap();
    let mut last = 0;
    for _ in 0..7 {
        last = server
            .api(&me)
            .change_password("not my password at all", "a brand new passphrase")
            .await
            .status;
    }
    assert_eq!(last, 429);
    // A sign-in body past the small limit is refused before any hashing.
    let huge = "x".repeat(100 * 1024);
    let response = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": huge, "password": "whatever it is"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_proxies_a_forwarded_address_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(config(&dir)).await;
    for i in 0..5 {
        login_from(
            &server,
            VIEWER,
            "wrong wrong wrong",
            &format!("203.0.113.{i}"),
        )
        .await;
    }
    let password = server.accounts[VIEWER].clone();
    assert_eq!(
        login_from(&server, VIEWER, &password, "198.51.100.7").await,
        429
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_coalesced_in_the_ledger_with_bounded_fields() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(config(&dir)).await;
    let viewer = server.login_as(VIEWER).await;
    for _ in 0..200 {
        let (status, _) = server
            .call("GET", "/api/v1/templates", Some(&viewer), None)
            .await;
        assert_eq!(status, 403);
    }
    let long_id = "x".repeat(60_000);
    let (status, _) = server
        .call(
            "GET",
            &format!("/api/v1/overrides/{long_id}"),
            Some(&viewer),
            None,
        )
        .await;
    assert!(status == 403 || status == 404, "{status}");
    let data_dir = server.data_dir.clone();
    server.stop().await;
    let store = Store::open(&data_dir.join("config.redb")).unwrap();
    store.verify_audit().unwrap();
    let entries = store.audit_entries(0, 100_000).unwrap();
    let denials: Vec<_> = entries
        .iter()
        .filter(|e| e.event.action == "access.deny" && e.event.target == "templates")
        .collect();
    let occurrences: u64 = denials
        .iter()
        .map(|e| {
            e.event
                .after
                .as_ref()
                .and_then(|a| a["occurrences"].as_u64())
                .unwrap_or(1)
        })
        .sum();
    assert_eq!(occurrences, 200, "every refusal is counted");
    assert!(
        denials.len() <= 2,
        "{} entries for one refusal",
        denials.len()
    );
    assert!(
        entries
            .iter()
            .all(|e| e.event.target.chars().count() <= 257),
        "a target is bounded"
    );
}

/// An import's request held open: headers and part of the body sent, the rest never.
async fn start_slow_import(server: &TestServer, session: &Session) -> tokio::net::TcpStream {
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/datasets/sales/import HTTP/1.1\r\nhost: {address}\r\ncookie: {}\r\nx-csrf-token: {}\r\ncontent-type: text/csv\r\ncontent-length: 100000000\r\n\r\nday,zone\r\n",
        session.cookie, session.csrf
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

async fn import_csv(server: &TestServer, dataset: &str, csv: String) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/api/v1/datasets/{dataset}/import", server.base))
        .header("cookie", &server.admin.cookie)
        .header("x-csrf-token", &server.admin.csrf)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn staged_files(server: &TestServer) -> usize {
    let tenants = server.data_dir.join("tenants");
    std::fs::read_dir(tenants)
        .unwrap()
        .flatten()
        .filter_map(|t| std::fs::read_dir(t.path().join("imports")).ok())
        .flat_map(|entries| entries.flatten())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_are_bounded_one_at_a_time_and_checked_before_staging() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.import_max_rows = 3;
    config.import_max_size = 64 << 10;
    let server = TestServer::start_with(config).await;
    server
        .api(&server.admin)
        .put_dataset(
            "events",
            json!({"name": "events", "label": "Events", "time_column": "at", "columns": [
                {"name": "at", "type": "timestamp", "role": "time"},
                {"name": "kind", "type": "varchar", "role": "dimension"},
                {"name": "v", "type": "double", "role": "measure"}
            ], "rollups": [{"name": "daily", "dimensions": ["kind"], "grain": "day", "measures": [{"column": "v", "agg": "sum"}]}]}),
        )
        .await
        .answered(200);

    // An unknown dataset is refused before a byte is staged.
    let (status, body) = import_csv(&server, "nope", "a\n1\n".into()).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(staged_files(&server), 0);
    // Rows, size and dates past their bounds.
    let rows = (0..4)
        .map(|i| format!("2026-01-0{} 00:00:00,a,{i}", i + 1))
        .collect::<Vec<_>>()
        .join("\n");
    let (status, body) = import_csv(&server, "events", format!("at,kind,v\n{rows}\n")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    let big = format!("at,kind,v\n{}", "2026-01-01 00:00:00,a,1\n".repeat(4_000));
    let (status, body) = import_csv(&server, "events", big).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large")),
        "{body}"
    );
    let (status, body) = import_csv(
        &server,
        "events",
        "at,kind,v\n10000-01-01 00:00:00,a,1\n2026-01-01 00:00:00,a,2\n".into(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_data")),
        "{body}"
    );
    assert_eq!(body["details"][0]["row"], 1, "{body}");
    // A file that is not what it says: the message names no server path.
    let response = server
        .client
        .post(format!(
            "{}/api/v1/datasets/events/import?format=parquet",
            server.base
        ))
        .header("cookie", &server.admin.cookie)
        .header("x-csrf-token", &server.admin.csrf)
        .body("this is not parquet")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let message = response.text().await.unwrap();
    let data_dir = server.data_dir.to_string_lossy().into_owned();
    assert!(
        !message.contains(&data_dir) && !message.contains("/imports/"),
        "{message}"
    );

    // One import at a time per workspace.
    let held = start_slow_import(&server, &server.admin).await;
    // Its staged file appears once it holds the workspace's import slot.
    for _ in 0..500 {
        if staged_files(&server) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(staged_files(&server), 1, "the held import is receiving");
    let (status, second) = import_csv(
        &server,
        "events",
        "at,kind,v\n2026-01-01 00:00:00,a,1\n".into(),
    )
    .await;
    assert_eq!(
        (status, second["code"].as_str()),
        (429, Some("too_many_requests")),
        "a second import while one runs is refused: {second}"
    );
    drop(held);
    // The slot is given back once the held import broke off (its staged file is gone).
    for _ in 0..500 {
        if staged_files(&server) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body) = import_csv(
        &server,
        "events",
        "at,kind,v\n2026-01-01 00:00:00,a,1\n".into(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_workspace_refuses_imports_with_quota_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.tenant_disk_quota = 1 << 20;
    let server = TestServer::start_with(config).await;
    let csv = "day,zone\n".to_owned();
    let (status, body) = import_csv(&server, "sales", csv).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (507, Some("quota_exceeded")),
        "{body}"
    );
    assert_eq!(staged_files(&server), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_or_too_many_connections_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.header_timeout = Duration::from_secs(1);
    config.max_connections = 8;
    let server = TestServer::start_with(config).await;
    let address = server.base.trim_start_matches("http://").to_owned();
    // Headers that never end: the connection is closed after the header timeout.
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "the server closed the slow connection");
    // Past the cap a connection is answered 503 at once. The eight held ones have sent their
    // headers and wait in the middle of a body (the body timeout is a minute), so the header
    // timeout frees none of them meanwhile.
    let mut idle = Vec::new();
    for _ in 0..8 {
        let mut held = tokio::net::TcpStream::connect(&address).await.unwrap();
        held.write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
        idle.push(held);
    }
    // The server may not have accepted every held connection yet when the machine is busy:
    // ask again until the cap answers, for at most five seconds.
    let mut answer = String::new();
    for _ in 0..50 {
        let mut extra = tokio::net::TcpStream::connect(&address).await.unwrap();
        answer.clear();
        let read = tokio::time::timeout(
            Duration::from_millis(100),
            extra.read_to_string(&mut answer),
        )
        .await;
        if read.is_ok() && answer.starts_with("HTTP/1.1 503") {
            break;
        }
    }
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("too_many_requests"), "{answer}");
    drop(idle);
    // Once the idle ones are gone (closed by the client or the timeout), requests are served.
    let mut served = false;
    for _ in 0..50 {
        if let Ok(response) = server
            .client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            && response.status().as_u16() == 200
        {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served);
    server.stop().await;
}

/// Strings a hostile caller might put in any parameter.
fn hostile_strings() -> Vec<String> {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut strings: Vec<String> = [
        "+262142-12-31",
        "-262143-01-01",
        "10000-01-01",
        "0000-01-01",
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "99999999999999999999",
        "-1",
        "0",
        "4294967296",
        "NaN",
        "true",
        "1e308",
        "'; DROP TABLE sales; --",
        "\u{0}",
        "%00",
        "last_7d",
        "fytd",
        "1900-1901",
        "9998-9999",
        "custom",
        "",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let generated = proptest::string::string_regex("[ -~]{0,24}").unwrap();
    let dates = proptest::string::string_regex(
        "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{1,2}:[0-9]{2}:[0-9]{2}Z)?",
    )
    .unwrap();
    for _ in 0..20 {
        strings.push(generated.new_tree(&mut runner).unwrap().current());
        strings.push(dates.new_tree(&mut runner).unwrap().current());
    }
    strings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_query_parameter_of_the_data_endpoints_gives_a_server_error() {
    // Shared: it only reads.
    let server = TestServer::shared().await;
    let viewer = server.login_as(VIEWER).await;
    let parameters = [
        "start_date",
        "end_date",
        "preset",
        "period",
        "fy",
        "sort",
        "order",
        "page",
        "page_size",
        "disable_aggregation",
        "debug",
        "dashboard",
    ];
    let strings = hostile_strings();
    for parameter in parameters {
        for value in &strings {
            for path in [
                "/api/v1/panels/sales_overall_kpi/data".to_owned(),
                format!("/api/v1/dashboards/{SALES}/data"),
            ] {
                let response = server
                    .client
                    .get(format!("{}{path}", server.base))
                    .query(&[(parameter, value.as_str())])
                    .header("cookie", &viewer.cookie)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                assert!(
                    status < 500,
                    "{path}?{parameter}={value:?} answered {status}: {}",
                    response.text().await.unwrap_or_default()
                );
            }
        }
    }
    // An end date past what dates hold is a clear 400, not a panic.
    server
        .api(&viewer)
        .panel_data(SALES, "sales_overall_kpi", "&end_date=%2B262142-12-31")
        .await
        .refused(400, "invalid_date");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_only_the_host_prefixed_cookie_opens_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.secure_cookies = true;
    let server = TestServer::start_with(config).await;
    let token = server.admin.cookie.split_once('=').unwrap().1.to_owned();
    let me = |cookie: String| {
        let server = &server;
        async move {
            server
                .client
                .get(format!("{}/api/v1/auth/me", server.base))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(format!("__Host-flexboard_session={token}")).await, 200);
    assert_eq!(me(format!("flexboard_session={token}")).await, 401);
    assert_eq!(
        me(format!(
            "__Host-flexboard_session=planted; __Host-flexboard_session={token}"
        ))
        .await,
        401
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_refuse_what_would_be_ignored_and_readers_see_only_their_share() {
    // Shared: its template is its own, and its refused writes change nothing.
    let server = TestServer::shared().await;
    let admin = server.api(&server.admin);
    // A pre-filter on a column no panel's dataset has would filter nothing.
    let id = "hardening-ignored";
    let (ed, _, mut draft) = own_sales_template(&server, id).await;
    draft["filters"] = json!([{"id": "typo", "column": "zoen", "op": "eq", "value": "NORTH"}]);
    let revision = server
        .api(&ed)
        .template(id)
        .await
        .ok()
        .template
        .draft_revision;
    let message = server
        .api(&ed)
        .put_draft(id, &draft, revision)
        .await
        .refused(400, "invalid_request");
    assert!(message.contains("`zoen`"), "{message}");
    // Rollup names that could share a table with another dataset's rollup.
    let message = admin
        .put_dataset(
            "a",
            json!({"name": "a", "label": "A", "columns": [
                {"name": "k", "type": "varchar", "role": "dimension"},
                {"name": "v", "type": "double", "role": "measure"}
            ], "rollups": [{"name": "b__c", "dimensions": ["k"], "measures": [{"column": "v", "agg": "sum"}]}]}),
        )
        .await
        .refused(400, "invalid_request");
    assert!(message.contains("`__`"), "{message}");
    // A reader of their own rows sees neither total row counts nor the row policies.
    let manager = server.login_as(MANAGER).await;
    let datasets = server.api(&manager).datasets().await.ok();
    assert!(!datasets.is_empty());
    for dataset in &datasets {
        assert!(dataset.rows.is_none(), "{dataset:?}");
        assert!(dataset.definition.row_policies.is_empty(), "{dataset:?}");
    }
    let all = admin.datasets().await.ok();
    assert!(all[0].rows.is_some(), "{all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_committed_without_its_ledger_entry_is_recorded_at_the_next_start() {
    use flexboard::analytics::ingest::{self, Format, ImportLimits};
    use flexboard::analytics::{DuckdbLimits, TenantDb};
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(config(&dir)).await;
    server
        .api(&server.admin)
        .put_dataset(
            "events",
            json!({"name": "events", "label": "Events", "time_column": "at", "columns": [
                {"name": "at", "type": "timestamp", "role": "time"},
                {"name": "v", "type": "double", "role": "measure"}
            ]}),
        )
        .await
        .answered(200);
    let (status, through_api) =
        import_csv(&server, "events", "at,v\n2026-01-01 00:00:00,1\n".into()).await;
    assert_eq!(status, 200, "{through_api}");
    let data_dir = server.data_dir.clone();
    server.stop().await;

    // The process stops after the tenant database committed and before the ledger wrote:
    // the import runs on the database alone.
    let store = Store::open(&data_dir.join("config.redb")).unwrap();
    let tenant = store.tenants().unwrap()[0].id.clone();
    let definition = store
        .datasets(&tenant)
        .unwrap()
        .into_iter()
        .find(|d| d.definition.name == "events")
        .unwrap()
        .definition;
    drop(store);
    let db_path = data_dir.join("tenants").join(&tenant).join("data.duckdb");
    let db = TenantDb::open(&db_path, &DuckdbLimits::default()).unwrap();
    let staged = flexboard::analytics::imports_dir(&db_path)
        .unwrap()
        .join("lost.csv");
    std::fs::write(&staged, "at,v\n2026-01-02 00:00:00,2\n").unwrap();
    let lost = ingest::import(
        &db,
        &definition,
        &staged,
        Format::Csv,
        &ImportLimits::unbounded(1),
        &mut |_| {},
    )
    .unwrap();
    drop(db);

    let mut restarted = config(&dir);
    restarted.data_dir = data_dir.clone();
    let server = TestServer::start_with(restarted).await;
    server.stop().await;
    let store = Store::open(&data_dir.join("config.redb")).unwrap();
    store.verify_audit().unwrap();
    let imports: Vec<_> = store
        .audit_entries(0, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == "data.import")
        .collect();
    let ids: Vec<(&str, &str)> = imports
        .iter()
        .map(|e| {
            (
                e.event.actor.as_str(),
                e.event.after.as_ref().unwrap()["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        ids.contains(&("system:recovery", lost.id.as_str())),
        "{ids:?}"
    );
    let api_id = through_api["id"].as_str().unwrap();
    assert_eq!(
        ids.iter().filter(|(_, id)| *id == api_id).count(),
        1,
        "a recorded import is not recorded again: {ids:?}"
    );
}
