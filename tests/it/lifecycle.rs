//! Starting, stopping and crashing: the data directory survives restarts and `kill -9`, the
//! demo is generated once, and start-up refuses clearly what it cannot do.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use flexboard::store::Store;

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, TEST_ROWS, TestServer, login};

fn demo_generated_at(data_dir: &Path) -> String {
    let store = Store::open(&data_dir.join("config.redb")).unwrap();
    let tenants = store.tenants().unwrap();
    assert_eq!(tenants.len(), 1);
    tenants[0].demo.as_ref().unwrap().generated_at.to_rfc3339()
}

/// The audit ledger's entries, after checking its hash chain.
fn audit_actions(data_dir: &Path) -> Vec<String> {
    let store = Store::open(&data_dir.join("config.redb")).unwrap();
    let count = store.verify_audit().unwrap();
    let entries = store.audit_entries(0, 1000).unwrap();
    assert_eq!(entries.len() as u64, count);
    entries
        .iter()
        .map(|e| format!("{} {} by {}", e.event.action, e.event.target, e.event.actor))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_everything_and_regenerates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let path = "/api/v1/panels/sales_overall_kpi/data?dashboard=sales-performance";

    let first = TestServer::start_on(data_dir.clone(), TEST_ROWS).await;
    let before = first.get_ok(path).await;
    first.stop().await;
    let generated = demo_generated_at(&data_dir);
    let audited = audit_actions(&data_dir);
    assert!(audited[0].starts_with("tenant.create WK-"), "{audited:?}");
    let count = |prefix: &str| audited.iter().filter(|a| a.starts_with(prefix)).count();
    assert_eq!(count("template.create"), 3, "{audited:?}");
    // The super-admin and the demo's three people, once; the admin's sign-in.
    assert_eq!(count("user.create"), 4, "{audited:?}");
    assert_eq!(count("auth.login "), 1, "{audited:?}");
    assert!(audited.contains(&"template.create sales-performance by system:demo".to_owned()));

    // A different --demo-rows must not matter: the directory already has data.
    let second = TestServer::start_on(data_dir.clone(), 5_000).await;
    let mut after = second.get_ok(path).await;
    second.stop().await;
    // The same data, read again by the new process (so at a later moment).
    let mut before = before;
    for answer in [&mut before, &mut after] {
        answer.as_object_mut().unwrap().remove("lastUpdatedAt");
    }
    assert_eq!(before, after);
    assert_eq!(
        demo_generated_at(&data_dir),
        generated,
        "the demo was generated again"
    );
}

/// A running `flexboard` binary whose stderr is read line by line.
struct Process {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Process {
    fn start(args: &[&str]) -> Process {
        Self::start_with_env(args, &[])
    }

    fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flexboard"))
            .args(args)
            .envs(env.iter().copied())
            .env("NO_COLOR", "1")
            .env("FLEXBOARD_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("FLEXBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Process { child, lines }
    }

    /// Waits for a line containing `needle` and returns it.
    fn wait_for(&self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(error) => panic!("no line with `{needle}` ({error})"),
            }
        }
    }

    fn ready_url(&self) -> String {
        let line = self.wait_for("Flexboard is ready");
        let start = line.find("http://").expect("the ready line has the URL");
        line[start..].split_whitespace().next().unwrap().to_owned()
    }

    fn kill_hard(mut self) {
        // SIGKILL: no shutdown code runs, as after a crash or power loss.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn exit(mut self) -> (i32, String) {
        let status = self.child.wait().unwrap();
        // The reader thread ends at end of file, after the last line; iterating waits for it.
        let output: Vec<String> = self.lines.iter().collect();
        (status.code().unwrap_or(-1), output.join("\n"))
    }
}

/// Runs `work` with a signed-in super-admin session on the server at `base`.
fn as_admin<T>(
    base: &str,
    work: impl AsyncFnOnce(&reqwest::Client, &crate::support::Session) -> T,
) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let session = login(&client, base, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect("the super-admin signs in");
        work(&client, &session).await
    })
}

#[test]
fn a_preset_naming_itself_is_refused_and_the_process_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut process = Process::start(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
        "--demo-rows",
        "1000",
    ]);
    let url = process.ready_url();
    let base = url.trim_end_matches('/').to_owned();
    as_admin(&base, async |client, session| {
        for content in [
            serde_json::json!({"k": {"$preset": "itself"}}),
            serde_json::json!([{"$preset": "itself"}]),
        ] {
            let response = client
                .put(format!("{base}/api/v1/presets/itself"))
                .header("cookie", &session.cookie)
                .header("x-csrf-token", &session.csrf)
                .json(&serde_json::json!({"kind": "kpi", "content": content, "reason": "try to crash it"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 400);
            let body: serde_json::Value = response.json().await.unwrap();
            assert!(
                body["message"].as_str().unwrap().contains("cycle"),
                "{body}"
            );
        }
        let resolved = client
            .get(format!("{base}/api/v1/dashboards/sales-performance"))
            .header("cookie", &session.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resolved.status().as_u16(), 200);
        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status().as_u16(), 200);
    });
    assert!(
        process.child.try_wait().unwrap().is_none(),
        "the process is alive"
    );
    process.kill_hard();
}

#[test]
fn boolean_variables_take_the_usual_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let process = Process::start_with_env(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[("FLEXBOARD_NO_DEMO", "1")],
    );
    let url = process.ready_url();
    let base = url.trim_end_matches('/').to_owned();
    let tenants = as_admin(&base, async |client, session| {
        client
            .get(format!("{base}/api/v1/admin/tenants"))
            .header("cookie", &session.cookie)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    });
    assert_eq!(
        tenants,
        serde_json::json!([]),
        "FLEXBOARD_NO_DEMO=1 starts empty"
    );
    process.kill_hard();
}

/// Signs in as the test super-admin on the server at the start of `url`, then GETs `url`.
fn blocking_get(url: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let base: String = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        let session = login(&client, &base, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect("the super-admin signs in");
        client
            .get(url)
            .header("cookie", session.cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

#[test]
fn kill_during_demo_generation_then_restart_gives_a_complete_demo() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_arg,
        "--demo-rows",
        "1000000",
    ];

    let first = Process::start(&args);
    first.wait_for("demo: sales 250000/1000000");
    first.kill_hard();
    assert!(
        !data.join("config.redb").exists() || {
            let store = Store::open(&data.join("config.redb")).unwrap();
            store.tenants().unwrap().is_empty()
        },
        "an unfinished demo must not be recorded"
    );

    let second = Process::start(&args);
    let url = second.ready_url();
    let kpi = blocking_get(&format!("{url}/api/v1/panels/sales_entities_kpi/data"));
    assert_eq!(kpi["value"].as_f64(), Some(588.0), "{kpi}");
    let table = blocking_get(&format!(
        "{url}/api/v1/panels/sales_entity_table/data?page_size=1"
    ));
    let total = table["total"].as_u64().unwrap();
    second.kill_hard();

    // After kill -9 of a running server, the next start serves the same data without
    // generating anything.
    let generated = demo_generated_at(&data);
    let third = Process::start(&args);
    let url = third.ready_url();
    let again = blocking_get(&format!(
        "{url}/api/v1/panels/sales_entity_table/data?page_size=1"
    ));
    assert_eq!(again["total"].as_u64(), Some(total));
    third.kill_hard();
    assert_eq!(demo_generated_at(&data), generated);
}

#[test]
fn a_taken_port_changes_nothing_on_disk() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let process = Process::start(&["--listen", &port, "--data-dir", data.to_str().unwrap()]);
    let (code, output) = process.exit();
    assert_ne!(code, 0);
    assert!(
        output.contains(&format!("cannot listen on {port}")),
        "{output}"
    );
    assert!(!data.exists(), "the data directory was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_on_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let data = server.data_dir.to_str().unwrap().to_owned();
    let process = Process::start(&["--listen", "127.0.0.1:0", "--data-dir", &data]);
    let (code, output) = tokio::task::spawn_blocking(move || process.exit())
        .await
        .unwrap();
    assert_ne!(code, 0);
    assert!(
        output.contains("another Flexboard instance is using the data directory"),
        "{output}"
    );
    // The first instance is unharmed.
    server.get_ok("/readyz").await;
    server.stop().await;
}

#[test]
fn an_unusable_data_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let inside = file.join("data");
    let process = Process::start(&[
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        inside.to_str().unwrap(),
    ]);
    let (code, output) = process.exit();
    assert_ne!(code, 0);
    assert!(
        output.contains("cannot create the data directory"),
        "{output}"
    );
}

#[test]
fn help_documents_every_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_flexboard"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--listen",
        "--data-dir",
        "--demo-rows",
        "--demo-seed",
        "--no-demo",
        "--duckdb-memory",
        "--duckdb-threads",
        "FLEXBOARD_LISTEN",
        "FLEXBOARD_DATA_DIR",
    ] {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
}
