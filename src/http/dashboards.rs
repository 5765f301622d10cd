//! `/api/v1/dashboards`: the list and one dashboard's configuration.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::blocking;
use super::error::ApiError;
use crate::appliance::Appliance;
use crate::dashboards::DashboardConfig;

#[derive(Debug, Deserialize)]
pub struct TenantParam {
    pub tenant: Option<String>,
}

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
    Query(param): Query<TenantParam>,
) -> Result<Json<DashboardList>, ApiError> {
    let (tenant, dashboards) = blocking(&app, move |app| {
        let tenant = app.tenant(param.tenant.as_deref())?;
        let dashboards = app.dashboards(&tenant)?;
        Ok((tenant, dashboards))
    })
    .await?;
    Ok(Json(DashboardList {
        tenant: TenantOut {
            id: tenant.id,
            name: tenant.name,
        },
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
    Path(id): Path<String>,
    Query(param): Query<TenantParam>,
) -> Result<Json<ResolvedDashboard>, ApiError> {
    let (tenant, template) = blocking(&app, move |app| {
        let tenant = app.tenant(param.tenant.as_deref())?;
        let template = app.dashboard(&tenant, &id)?;
        Ok((tenant, template))
    })
    .await?;
    Ok(Json(ResolvedDashboard {
        meta: Meta {
            template_id: template.id,
            version: template.version,
            tenant_id: tenant.id,
            resolved_at: Utc::now(),
        },
        config: template.config,
    }))
}
