//! HTTP: the router, the handlers (one file per resource), the error table and the embedded
//! UI. Only this module knows axum. Handlers extract, call one `Appliance` operation on a
//! blocking thread, and map the result.

mod assets;
mod dashboards;
pub mod error;
mod headers;
mod health;
mod panels;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tower_http::trace::TraceLayer;

use crate::appliance::{Appliance, ServiceError};
use error::ApiError;

/// Every route of the appliance, in one place.
pub fn router(app: Arc<Appliance>) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/dashboards", get(dashboards::list))
        .route("/api/v1/dashboards/{id}", get(dashboards::get))
        .route("/api/v1/panels/{id}/data", get(panels::data))
        .fallback(assets::serve)
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// Serves until `shutdown` resolves, then finishes the requests under way.
pub async fn serve(
    app: Arc<Appliance>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs blocking appliance work (redb, DuckDB) off the async workers.
async fn blocking<T: Send + 'static>(
    app: &Arc<Appliance>,
    work: impl FnOnce(&Appliance) -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ApiError> {
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || work(&app))
        .await
        .map_err(|error| ApiError::internal(&error))?
        .map_err(ApiError::from)
}
