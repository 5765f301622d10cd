//! `/api/v1/dashboards`: the list and one dashboard's configuration.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::error::ApiError;
use super::session::Granted;
use super::{Body, blocking};
use crate::appliance::Appliance;
use crate::dashboards::DashboardConfig;

#[derive(Serialize)]
pub struct DashboardList {
    tenant: TenantOut,
    dashboards: Vec<DashboardOut>,
}

#[derive(Serialize)]
pub struct TenantOut {
    id: String,
    name: String,
}

impl From<crate::appliance::TenantAccess> for TenantOut {
    fn from(t: crate::appliance::TenantAccess) -> Self {
        Self {
            id: t.id,
            name: t.name,
        }
    }
}

#[derive(Serialize)]
pub struct DashboardOut {
    id: String,
    name: String,
    description: String,
    panel_count: usize,
}

/// The resolved-dashboard shape of the versioning design: `{config, meta}`.
#[derive(Serialize)]
pub struct ResolvedDashboard {
    config: DashboardConfig,
    meta: Meta,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    template_id: String,
    version: String,
    tenant_id: String,
    resolved_at: DateTime<Utc>,
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

#[tracing::instrument(skip_all, fields(dashboard = %id))]
pub async fn get(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Result<Json<ResolvedDashboard>, ApiError> {
    let tenant_id = g.grant.tenant.clone();
    let template = blocking(&app, move |app| app.dashboard(&g.grant, &id)).await?;
    Ok(Json(ResolvedDashboard {
        meta: Meta {
            template_id: template.id,
            version: template.version,
            tenant_id,
            resolved_at: Utc::now(),
        },
        config: template.config,
    }))
}

/// Adds a dashboard (JSON, the shape `GET` returns as `config`), within the plan's limits.
#[tracing::instrument(skip_all)]
pub async fn create(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Body(config): Body<DashboardConfig>,
) -> Result<(StatusCode, Json<ResolvedDashboard>), ApiError> {
    let tenant_id = g.grant.tenant.clone();
    let template = blocking(&app, move |app| app.create_dashboard(&g.grant, config)).await?;
    Ok((
        StatusCode::CREATED,
        Json(ResolvedDashboard {
            meta: Meta {
                template_id: template.id,
                version: template.version,
                tenant_id,
                resolved_at: Utc::now(),
            },
            config: template.config,
        }),
    ))
}
