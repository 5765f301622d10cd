//! The test harness: the real server on 127.0.0.1:0 with its own temporary data directory,
//! spoken to over real HTTP.

use std::path::{Path, PathBuf};
use std::time::Duration;

use flexboard::Config;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Demo size for tests: big enough to span every zone, month and entity kind, small enough to
/// generate in well under a second.
pub const TEST_ROWS: u64 = 20_000;

pub struct TestServer {
    pub base: String,
    pub data_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), flexboard::StartError>>>,
    pub client: reqwest::Client,
}

impl TestServer {
    /// Starts a server on a fresh temporary directory (kept inside `root`).
    pub async fn start(root: &Path) -> TestServer {
        Self::start_on(root.join("data"), TEST_ROWS).await
    }

    pub async fn start_on(data_dir: PathBuf, rows: u64) -> TestServer {
        let mut config = Config::for_data_dir(&data_dir);
        config.demo_rows = rows;
        Self::start_with(config).await
    }

    pub async fn start_with(mut config: Config) -> TestServer {
        let data_dir = config.data_dir.clone();
        config.duckdb_memory = "1GB".into();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(flexboard::serve(config, listener, async {
            let _ = stopped.await;
        }));
        let server = TestServer {
            base: format!("http://{address}"),
            data_dir,
            stop: Some(stop),
            task: Some(task),
            client: reqwest::Client::new(),
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        // The listener is bound before the demo is generated; connections wait in the backlog
        // until the server accepts, so one request with a generous timeout is enough.
        let response = self
            .client
            .get(format!("{}/readyz", self.base))
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .expect("the server answers /readyz");
        assert_eq!(
            response.status(),
            200,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    /// GET a path and return status and JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// GET a path that must answer 200 with JSON.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path} answered {status}: {body}");
        body
    }

    /// Stops the server and waits until it has released the data directory.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// Opens a stopped server's tenant database read-only, for computing expected values.
pub fn open_tenant_db(data_dir: &Path) -> duckdb::Connection {
    let tenants = data_dir.join("tenants");
    let tenant = std::fs::read_dir(&tenants)
        .unwrap()
        .next()
        .expect("one tenant directory")
        .unwrap()
        .path();
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .unwrap();
    duckdb::Connection::open_with_flags(tenant.join("data.duckdb"), config).unwrap()
}

/// Relative comparison for aggregated floating-point values.
pub fn assert_close(actual: f64, expected: f64, what: &str) {
    let scale = expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() / scale < 1e-9,
        "{what}: API {actual} != DuckDB {expected}"
    );
}
