//! Liveness and readiness probes.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::blocking;
use super::error::{ApiError, ErrorCode};
use crate::appliance::Appliance;

#[derive(Serialize, Deserialize, TS)]
pub struct Status {
    status: &'static str,
}

/// `GET /healthz`: the process is up and answering.
pub async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// `GET /readyz`: the store and every tenant database answer.
#[tracing::instrument(skip_all)]
pub async fn readyz(State(app): State<Arc<Appliance>>) -> Result<Json<Status>, ApiError> {
    blocking(&app, |app| app.check_ready())
        .await
        .map_err(|error| ApiError::new(ErrorCode::NotReady, error.message))?;
    Ok(Json(Status { status: "ready" }))
}
