//! `/api/v1/branding`: the workspace's colours, font, theme and logo.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, ErrorCode};
use super::session::Granted;
use super::{Body, blocking};
use crate::appliance::Appliance;
use crate::appliance::branding::BrandingInput;
use crate::store::records::WorkspaceBranding;

/// `GET /api/v1/branding`.
pub async fn get(
    State(app): State<Arc<Appliance>>,
    g: Granted,
) -> Result<Json<WorkspaceBranding>, ApiError> {
    Ok(Json(
        blocking(&app, move |app| app.branding(&g.grant)).await?,
    ))
}

/// `PUT /api/v1/branding`: colours, font and default theme; what is left out is cleared.
pub async fn put(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Body(input): Body<BrandingInput>,
) -> Result<Json<WorkspaceBranding>, ApiError> {
    Ok(Json(
        blocking(&app, move |app| app.set_branding(&g.grant, input)).await?,
    ))
}

/// `PUT /api/v1/branding/logo`: the image itself as the body, its type in `Content-Type`.
pub async fn put_logo(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<WorkspaceBranding>, ApiError> {
    let limit = app.server_limits().max_logo_bytes;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "a logo may be at most {} KB (--max-logo-size)",
                limit / 1024
            ),
        )
    })?;
    Ok(Json(
        blocking(&app, move |app| {
            app.put_logo(&g.grant, &content_type, &bytes)
        })
        .await?,
    ))
}

/// `DELETE /api/v1/branding/logo`.
pub async fn delete_logo(
    State(app): State<Arc<Appliance>>,
    g: Granted,
) -> Result<Json<WorkspaceBranding>, ApiError> {
    Ok(Json(
        blocking(&app, move |app| app.delete_logo(&g.grant)).await?,
    ))
}

/// `GET /api/v1/branding/logo`: the stored image. An SVG was rewritten on upload; it is also
/// served under a policy that runs nothing and loads nothing, should someone open it alone.
pub async fn logo(State(app): State<Arc<Appliance>>, g: Granted) -> Result<Response, ApiError> {
    let (info, bytes) = blocking(&app, move |app| app.logo(&g.grant)).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(kind) = HeaderValue::from_str(&info.content_type) {
        headers.insert(header::CONTENT_TYPE, kind);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
        ),
    );
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", info.digest)) {
        headers.insert(header::ETAG, tag);
    }
    Ok(response)
}
