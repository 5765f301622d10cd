//! `/api/v1/admin/*`: users, memberships (roles and attributes), business roles, API keys and
//! tenants. The appliance decides who may do what; these handlers only carry requests in and
//! answers out.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use ts_rs::TS;

use super::error::ApiError;
use super::session::{Authed, Granted};
use super::{Body, blocking, hashing};
use crate::appliance::{
    ApiKeyView, Appliance, MemberView, NewApiKey, NewUser, RoleView, TenantPatch, TenantView,
    UserPatch, UserView,
};
use crate::identity::policy::{Permission, Plan};

type Answer<T> = Result<Json<T>, ApiError>;

pub async fn users(State(app): State<Arc<Appliance>>, g: Granted) -> Answer<Vec<UserView>> {
    Ok(Json(blocking(&app, move |app| app.users(&g.grant)).await?))
}

pub async fn create_user(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Body(body): Body<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user = hashing(&app, move |app| app.create_user(&g.grant, body)).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

pub async fn update_user(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<UserPatch>,
) -> Answer<UserView> {
    Ok(Json(
        hashing(&app, move |app| app.update_user(&g.grant, &id, body)).await?,
    ))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct MembershipBody {
    role: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

pub async fn put_membership(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(user): Path<String>,
    Body(body): Body<MembershipBody>,
) -> Answer<MemberView> {
    Ok(Json(
        blocking(&app, move |app| {
            app.put_membership(&g.grant, &user, &body.role, body.attributes)
        })
        .await?,
    ))
}

pub async fn remove_membership(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    blocking(&app, move |app| app.remove_membership(&g.grant, &user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn roles(State(app): State<Arc<Appliance>>, g: Granted) -> Answer<Vec<RoleView>> {
    Ok(Json(blocking(&app, move |app| app.roles(&g.grant)).await?))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    #[serde(default)]
    description: String,
    permissions: Vec<Permission>,
}

pub async fn put_role(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(name): Path<String>,
    Body(body): Body<RoleBody>,
) -> Answer<RoleView> {
    Ok(Json(
        blocking(&app, move |app| {
            app.put_role(&g.grant, &name, body.description, body.permissions)
        })
        .await?,
    ))
}

pub async fn delete_role(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    blocking(&app, move |app| app.delete_role(&g.grant, &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn api_keys(State(app): State<Arc<Appliance>>, g: Granted) -> Answer<Vec<ApiKeyView>> {
    Ok(Json(
        blocking(&app, move |app| app.api_keys(&g.grant)).await?,
    ))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyBody {
    name: String,
    scopes: Vec<String>,
}

pub async fn create_api_key(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Body(body): Body<ApiKeyBody>,
) -> Result<(StatusCode, Json<NewApiKey>), ApiError> {
    let key = blocking(&app, move |app| {
        app.create_api_key(&g.grant, &body.name, body.scopes)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(key)))
}

pub async fn revoke_api_key(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<ApiKeyView> {
    Ok(Json(
        blocking(&app, move |app| app.revoke_api_key(&g.grant, &id)).await?,
    ))
}

pub async fn tenants(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
) -> Answer<Vec<TenantView>> {
    Ok(Json(
        blocking(&app, move |app| app.all_tenants(&caller)).await?,
    ))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct TenantBody {
    name: String,
    #[serde(default)]
    plan: Plan,
}

pub async fn create_tenant(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
    Body(body): Body<TenantBody>,
) -> Result<(StatusCode, Json<TenantView>), ApiError> {
    let tenant = blocking(&app, move |app| {
        app.create_tenant(&caller, &body.name, body.plan)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(tenant)))
}

pub async fn update_tenant(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(body): Body<TenantPatch>,
) -> Answer<TenantView> {
    Ok(Json(
        blocking(&app, move |app| app.update_tenant(&caller, &id, body)).await?,
    ))
}
