//! The test harness: the real server on 127.0.0.1:0 with its own temporary data directory,
//! spoken to over real HTTP.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use flexboard::Config;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Demo size for tests: big enough to span every zone, month and entity kind, small enough to
/// generate in well under a second.
pub const TEST_ROWS: u64 = 20_000;

/// The moment the test servers' demo data ends: sales cover FY 2023-24 to 2025-26 and the
/// operations week runs from 25 to 31 March 2026.
pub fn demo_now() -> chrono::DateTime<chrono::Utc> {
    flexboard::config::parse_instant("2026-04-01T00:00:00Z").unwrap()
}

/// The super-admin every test server is created with (as `FLEXBOARD_ADMIN_EMAIL` and
/// `FLEXBOARD_ADMIN_PASSWORD` would).
pub const ADMIN_EMAIL: &str = "admin@test.example";
pub const ADMIN_PASSWORD: &str = "a long test admin passphrase";

/// A signed-in client: its session cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub me: Value,
}

pub struct TestServer {
    pub base: String,
    pub data_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), flexboard::StartError>>>,
    pub client: reqwest::Client,
    /// Email → password of the accounts made on this server's first start.
    pub accounts: BTreeMap<String, String>,
    /// The super-admin's session, used by `get`.
    pub admin: Session,
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
        // The demo's data ends where the tests' dates expect it to.
        config.demo_now.get_or_insert(demo_now());
        config.admin_email = Some(ADMIN_EMAIL.into());
        config.admin_password = Some(ADMIN_PASSWORD.into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = flexboard::open(config).await.expect("the appliance opens");
        let mut accounts = BTreeMap::new();
        accounts.insert(ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.to_owned());
        if let Some(first) = app.take_first_start() {
            for account in first.demo_users {
                accounts.insert(account.email, account.password.expect("generated"));
            }
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(flexboard::run(app, listener, async {
            let _ = stopped.await;
        }));
        let base = format!("http://{address}");
        let client = reqwest::Client::new();
        let admin = login(&client, &base, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect("the test super-admin signs in");
        TestServer {
            base,
            data_dir,
            stop: Some(stop),
            task: Some(task),
            client,
            accounts,
            admin,
        }
    }

    /// Signs in a first-start account by email.
    pub async fn login_as(&self, email: &str) -> Session {
        let password = self
            .accounts
            .get(email)
            .unwrap_or_else(|| panic!("no first-start account {email}"));
        login(&self.client, &self.base, email, password)
            .await
            .unwrap_or_else(|e| panic!("{email} cannot sign in: {e:?}"))
    }

    /// Signs in with any email and password; the session, or the refusal's status and body.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Session, (u16, Value)> {
        login(&self.client, &self.base, email, password).await
    }

    /// Creates a person in the session's workspace as the super-admin and signs them in.
    pub async fn person(&self, email: &str, role: &str, attributes: Value) -> Session {
        let password = "a test person's passphrase";
        let body = serde_json::json!({"email": email, "name": email, "password": password, "role": role, "attributes": attributes});
        self.api(&self.admin).create_user(body).await.ok();
        self.sign_in(email, password)
            .await
            .unwrap_or_else(|e| panic!("{email} cannot sign in: {e:?}"))
    }

    /// Sends a request as `session` (or anonymously) and returns status and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        session: Option<&Session>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(session) = session {
            request = request
                .header("cookie", &session.cookie)
                .header("x-csrf-token", &session.csrf);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// GET a path as the super-admin and return status and JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, Some(&self.admin), None).await
    }

    /// GET a path as the super-admin; it must answer 200 with JSON.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path} answered {status}: {body}");
        body
    }

    /// A handle on the one server this test binary shares between the tests whose state
    /// allows it (they read the demo, or write only objects of their own, such as a template
    /// under a name no other test uses). It runs on its own thread and runtime for as long as
    /// the binary, in a data directory under `CARGO_TARGET_TMPDIR` made anew on each run; the
    /// handle has its own HTTP client, and its `stop` does nothing.
    pub async fn shared() -> TestServer {
        static SHARED: OnceLock<(String, BTreeMap<String, String>, ())> = OnceLock::new();
        let (base, accounts, ()) = SHARED
            .get_or_init(|| serve_in_background("shared-server", |_| async {}))
            .clone();
        TestServer::attach(base, accounts).await
    }

    /// A handle on a server started by `serve_in_background`: its own HTTP client and a fresh
    /// super-admin session; its `stop` does nothing.
    pub async fn attach(base: String, accounts: BTreeMap<String, String>) -> TestServer {
        let client = reqwest::Client::new();
        let admin = login(&client, &base, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect("the test super-admin signs in");
        TestServer {
            data_dir: PathBuf::new(),
            base,
            stop: None,
            task: None,
            client,
            accounts,
            admin,
        }
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

/// `POST /api/v1/auth/login`; the session, or the refusal's status and body.
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<Session, (u16, Value)> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    match (status, cookie) {
        (200, Some(cookie)) => Ok(Session {
            cookie: cookie.split(';').next().unwrap().to_owned(),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            me: body,
        }),
        _ => Err((status, body)),
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

/// Starts a server that lives as long as the test binary, on its own thread and runtime, in
/// `CARGO_TARGET_TMPDIR/<name>` made anew; runs `setup` on it once and returns its address,
/// its first-start accounts and what `setup` made. Tests keep the result in a `OnceLock` and
/// reach the server through `TestServer::attach`.
pub fn serve_in_background<T, F, Fut>(
    name: &'static str,
    setup: F,
) -> (String, BTreeMap<String, String>, T)
where
    T: Send + 'static,
    F: FnOnce(&'static TestServer) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T>,
{
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for a background server");
        runtime.block_on(async move {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
            let _ = std::fs::remove_dir_all(&dir);
            // Serves until the test binary exits, so it may as well live for ever.
            let server: &'static TestServer = Box::leak(Box::new(TestServer::start(&dir).await));
            let made = setup(server).await;
            let _ = ready.send((server.base.clone(), server.accounts.clone(), made));
            std::future::pending::<()>().await;
        });
    });
    started.recv().expect("the background server starts")
}
