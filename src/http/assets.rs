//! The web UI, embedded at build time. `build.rs` runs the Vite build into `$OUT_DIR/web` and
//! writes a gzip copy beside each file; asset names carry content hashes, so they are cached
//! for a year, while `index.html` is revalidated by ETag on every load.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use super::error::{ApiError, ErrorCode};

#[derive(RustEmbed)]
#[folder = "$OUT_DIR/web"]
struct WebAssets;

/// Serves an embedded file; paths that are not files get `index.html`, so the UI's own routes
/// load, and unknown `/api/` paths get a JSON 404.
pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return ApiError::new(ErrorCode::NotFound, format!("no API endpoint at /{path}"))
            .into_response();
    }
    let (path, file) = match WebAssets::get(path) {
        Some(file) if !path.is_empty() => (path, file),
        _ => match WebAssets::get("index.html") {
            Some(file) => ("index.html", file),
            None => {
                return ApiError::internal(&"the embedded web UI has no index.html")
                    .into_response();
            }
        },
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()));
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    let mime = file.metadata.mimetype();
    if let Ok(value) = HeaderValue::from_str(mime) {
        response_headers.insert(header::CONTENT_TYPE, value);
    }
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if accepts_gzip && let Some(compressed) = WebAssets::get(&format!("{path}.gz")) {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return (response_headers, Body::from(compressed.data.into_owned())).into_response();
    }
    (response_headers, Body::from(file.data.into_owned())).into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
