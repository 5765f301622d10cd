//! `/api/v1/dashboards`: the list, and one dashboard resolved for the caller.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::error::{ApiError, ErrorCode};
use super::session::Granted;
use super::{blocking, flag};
use crate::appliance::{Appliance, ResolveOptions};

/// `GET /api/v1/dashboards`: the caller's workspace and the dashboards meant for them.
#[derive(Debug, Serialize, Deserialize, TS)]
pub struct DashboardList {
    pub tenant: TenantOut,
    pub dashboards: Vec<DashboardOut>,
}

#[derive(Debug, Serialize, Deserialize, TS)]
pub struct TenantOut {
    pub id: String,
    pub name: String,
}

impl From<crate::appliance::TenantAccess> for TenantOut {
    fn from(t: crate::appliance::TenantAccess) -> Self {
        Self {
            id: t.id,
            name: t.name,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, TS)]
pub struct DashboardOut {
    pub id: String,
    pub name: String,
    pub description: String,
    pub panel_count: usize,
}

#[tracing::instrument(skip_all)]
pub async fn list(
    State(app): State<Arc<Appliance>>,
    g: Granted,
) -> Result<Json<DashboardList>, ApiError> {
    let (tenant, dashboards) = blocking(&app, move |app| {
        let dashboards = app.dashboards(&g.grant)?;
        let tenant = app
            .tenants_of(&g.caller)?
            .into_iter()
            .find(|t| t.id == g.grant.tenant)
            .ok_or_else(|| crate::appliance::ServiceError::NotFound {
                kind: "tenant",
                id: g.grant.tenant.clone(),
            })?;
        Ok((tenant, dashboards))
    })
    .await?;
    Ok(Json(DashboardList {
        tenant: TenantOut::from(tenant),
        dashboards: dashboards
            .into_iter()
            .map(|d| DashboardOut {
                id: d.id,
                name: d.name,
                description: d.description,
                panel_count: d.panel_count,
            })
            .collect(),
    }))
}

/// `?debug=true`, `?asOf=<RFC 3339>`, `?preview=draft`, `?as_user=<user id>`.
#[derive(Debug, Default, Deserialize)]
pub struct ResolveParams {
    debug: Option<String>,
    #[serde(rename = "asOf")]
    as_of: Option<String>,
    preview: Option<String>,
    as_user: Option<String>,
}

/// The resolved dashboard: `{config, meta}` (and `_debug` when asked), with a strong ETag.
#[tracing::instrument(skip_all, fields(dashboard = %id))]
pub async fn get(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Query(params): Query<ResolveParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidRequest, m);
    let as_of = params
        .as_of
        .as_deref()
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::new(
                        ErrorCode::InvalidDate,
                        format!("asOf `{t}` is not an RFC 3339 time (e.g. 2026-03-01T10:00:00Z)"),
                    )
                })
        })
        .transpose()?;
    let preview = match params.preview.as_deref() {
        None | Some("") => false,
        Some("draft") => true,
        Some(other) => return Err(invalid(format!("preview must be `draft`, not `{other}`"))),
    };
    let options = ResolveOptions {
        as_of,
        preview,
        debug: flag(params.debug.as_deref(), "debug")?,
    };
    let as_user = params.as_user.clone().filter(|u| !u.is_empty());
    // A cached answer is served from memory; anything else resolves on the blocking pool.
    let remembered = match as_user {
        None => app.resolve_remembered(&g.grant, &id, &options),
        Some(_) => None,
    };
    let resolved = match remembered {
        Some(resolved) => resolved,
        None => {
            blocking(&app, move |app| match as_user {
                Some(user) => app.resolve_as(&g.grant, &id, &user, &options),
                None => app.resolve(&g.grant, &id, &options),
            })
            .await?
        }
    };
    let etag = resolved.etag.clone();
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, "application/json".to_owned()),
        ],
        resolved.bytes.clone(),
    )
        .into_response())
}
