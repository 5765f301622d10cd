//! Flexboard: a self-hosted dashboard appliance in one binary.
//!
//! Modules, from the edge inwards:
//! - [`cli`] — command line (`flexboard`, `flexboard serve`); [`config`] — the typed `Config`.
//! - [`http`] — axum router, handlers, the error → status table, the embedded web UI.
//! - [`appliance`] — the opened data directory and the operations handlers call (blocking).
//! - [`dashboards`] — dashboard and panel configuration, YAML folders, validation.
//! - [`catalog`] — dataset definitions: the only source of SQL identifiers.
//! - [`analytics`] — DuckDB per tenant: hardened connections, SQL building, panel queries.
//! - [`store`] — redb: tenants, datasets, templates, the audit ledger; [`audit`] — its entries.
//! - [`identity`] — passwords, secrets, login throttling and the access policy (RBAC × ABAC).
//! - [`demo`] — the demo workspace created on first start.
//! - [`datadir`] — data directory layout and its single-owner lock.
//! - [`versioning`] — the pure rules of versions, merges, compatibility and experiments.
//! - [`vocabulary`] — the query vocabulary (aggregations, filters, grains, sort orders): a leaf.
//! - [`text_card`] — text cards: a template filled with values, read as Markdown into safe nodes.
//! - [`digest`] — SHA-256 as hex and constant-time comparison: a leaf.
//!
//! A panel request flows:
//! 1. `http::panels` parses path and query (dates, sort, page) into a `PanelRequest`;
//! 2. on a blocking thread, `Appliance::panel_data` finds the tenant, the dashboard holding
//!    the panel, and the panel's dataset in the catalog;
//! 3. `analytics::panels` builds SQL from the typed panel (identifiers from the catalog, values
//!    bound) and runs it on a pooled DuckDB connection;
//! 4. the shaped result goes back as JSON; errors map to `{code, message}` with one status.

pub mod analytics;
pub mod appliance;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod dashboards;
pub mod datadir;
pub mod demo;
pub mod digest;
pub mod http;
pub mod identity;
pub mod store;
pub mod text_card;
pub mod versioning;
pub mod vocabulary;

/// Every Rust allocation goes through mimalloc: resolving and serving dashboards allocate many
/// small JSON values, and glibc's allocator was about 40 % of a resolution cache miss.
/// (DuckDB's C++ keeps its own allocations.)
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::future::Future;
use std::sync::Arc;

pub use appliance::{Appliance, StartError};
pub use config::Config;

/// Opens the appliance (creating the demo on first start) on a blocking thread.
pub async fn open(config: Config) -> Result<Arc<Appliance>, StartError> {
    let appliance = tokio::task::spawn_blocking(move || Appliance::open(&config))
        .await
        .map_err(|error| StartError::Join(error.to_string()))??;
    Ok(Arc::new(appliance))
}

/// Runs Flexboard on `listener` until `shutdown` resolves: opens the data directory, creates
/// the demo when it is empty, then serves the UI and API.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let appliance = open(config).await?;
    if let Some(first) = appliance.take_first_start() {
        // The console, not the log: these passwords are shown once and must not be shipped
        // to a log collector.
        eprintln!("{}", first.banner());
    }
    run(appliance, listener, shutdown).await
}

/// Serves an opened appliance until `shutdown` resolves, then closes it.
pub async fn run(
    appliance: Arc<Appliance>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let address = listener.local_addr()?;
    tracing::info!("Flexboard is ready: open http://{address} in a browser");
    let live = appliance
        .live_demo()
        .then(|| tokio::spawn(live_demo(Arc::downgrade(&appliance))));
    let served = http::serve(Arc::clone(&appliance), listener, shutdown).await;
    if let Some(task) = live {
        task.abort();
        let _ = task.await;
    }
    served?;
    close(appliance).await;
    Ok(())
}

/// Appends the demo's new data once a minute (the first step at once, filling what a pause
/// missed), for as long as the appliance serves.
async fn live_demo(appliance: std::sync::Weak<Appliance>) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(60));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let Some(app) = appliance.upgrade() else {
            return;
        };
        let step = tokio::task::spawn_blocking(move || app.demo_step(chrono::Utc::now())).await;
        match step {
            Ok(Ok(step)) if step.metric_rows + step.error_rows + step.sales_rows > 0 => {
                tracing::debug!(
                    metrics = step.metric_rows,
                    errors = step.error_rows,
                    sales = step.sales_rows,
                    "live demo: appended"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "live demo: could not append"),
            Err(error) => tracing::warn!(%error, "live demo: the step stopped"),
        }
    }
}

/// Closes the databases and releases the data directory once the last request has let go of
/// the appliance, so that when `serve` returns another process may open the directory.
async fn close(mut appliance: Arc<Appliance>) {
    // Connection tasks can still be dropping their handle just after the server stops.
    for _ in 0..1_000 {
        match Arc::try_unwrap(appliance) {
            Ok(owned) => {
                // Closing DuckDB may checkpoint: keep it off the async workers.
                let _ = tokio::task::spawn_blocking(move || drop(owned)).await;
                return;
            }
            Err(shared) => {
                appliance = shared;
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
    tracing::warn!("requests were still running after 10 s; leaving without closing the databases");
}
