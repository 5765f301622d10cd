//! `/api/v1/datasets`: the catalog (list, create or change a definition) and imports (a CSV,
//! Parquet or JSON file streamed in the request body).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::error::{ApiError, ErrorCode};
use super::session::Granted;
use super::{Body, blocking};
use crate::analytics::ingest::{Format, ImportSummary};
use crate::appliance::{Appliance, DatasetView, StagedImport};
use crate::catalog::DatasetDef;

#[tracing::instrument(skip_all)]
pub async fn list(
    State(app): State<Arc<Appliance>>,
    g: Granted,
) -> Result<Json<Vec<DatasetView>>, ApiError> {
    Ok(Json(
        blocking(&app, move |app| app.datasets(&g.grant)).await?,
    ))
}

/// Creates or changes a dataset definition (the body is the definition; its `name` must be the
/// one in the path).
#[tracing::instrument(skip_all, fields(dataset = %name))]
pub async fn put(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(name): Path<String>,
    Body(definition): Body<DatasetDef>,
) -> Result<Json<DatasetView>, ApiError> {
    if definition.name != name {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "the body defines `{}`, the path names `{name}`",
                definition.name
            ),
        ));
    }
    Ok(Json(
        blocking(&app, move |app| app.put_dataset(&g.grant, definition)).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportParams {
    format: Option<String>,
}

/// The format named by `?format=`, else by the content type.
fn format_of(params: &ImportParams, headers: &HeaderMap) -> Result<Format, ApiError> {
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidRequest, m);
    if let Some(text) = params.format.as_deref() {
        return Format::parse(text).ok_or_else(|| {
            invalid(format!(
                "format must be one of {}, not `{text}`",
                Format::NAMES
            ))
        });
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" => Ok(Format::Csv),
        "application/json" | "application/x-ndjson" | "application/jsonl" => Ok(Format::Json),
        "application/vnd.apache.parquet" | "application/x-parquet" => Ok(Format::Parquet),
        _ => Err(invalid(format!(
            "say what the file is: `?format=` one of {}, or a Content-Type of text/csv, application/json or application/vnd.apache.parquet (got `{content_type}`)",
            Format::NAMES
        ))),
    }
}

/// Streams the body to a staged file under the tenant's imports folder, then imports it in one
/// transaction with the dataset's rollups. `422 invalid_data` lists failing values by row and
/// column; nothing is imported then.
#[tracing::instrument(skip_all, fields(dataset = %name))]
pub async fn import(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(name): Path<String>,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<ImportSummary>, ApiError> {
    let format = format_of(&params, &headers)?;
    // Refuse before reading a byte of a body that could not be imported anyway: no permission,
    // no such dataset, another import running, no disk left.
    let staged = {
        let grant = g.grant.clone();
        let dataset = name.clone();
        blocking(&app, move |app| app.begin_import(&grant, &dataset, format)).await?
    };
    if let Err(error) = receive(body, &staged).await {
        // The slot goes back first: once the partial file is gone, another import may start.
        let path = staged.path.clone();
        drop(staged);
        if let Err(cleanup) = tokio::fs::remove_file(&path).await {
            tracing::warn!(path = %path.display(), %cleanup, "could not remove a partial upload");
        }
        return Err(error);
    }
    let summary = blocking(&app, move |app| {
        app.import_staged(&g.grant, &name, staged, &mut |_| {})
    })
    .await?;
    Ok(Json(summary))
}

async fn receive(body: axum::body::Body, staged: &StagedImport) -> Result<(), ApiError> {
    let mut file = tokio::fs::File::create(&staged.path)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let mut stream = body.into_data_stream();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidRequest,
                format!("the upload broke off: {e}"),
            )
        })?;
        received += chunk.len() as u64;
        if received > staged.max_bytes {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "an import through the API may hold at most {} MiB (--import-max-size); use `flexboard import` for larger files",
                    staged.max_bytes >> 20
                ),
            ));
        }
        if received > staged.quota_left {
            return Err(ApiError::new(
                ErrorCode::QuotaExceeded,
                format!(
                    "this file would pass the workspace's disk quota (--tenant-disk-quota): {} MiB are left",
                    staged.quota_left >> 20
                ),
            ));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal(&e))?;
    }
    file.flush().await.map_err(|e| ApiError::internal(&e))?;
    if received == 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "the request body is empty: send the file's bytes",
        ));
    }
    Ok(())
}
