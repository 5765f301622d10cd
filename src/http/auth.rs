//! `/api/v1/auth/*` and `/api/v1/tenants`: signing in and out, the caller, their password,
//! their tenants and the one they work in.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use ts_rs::TS;

use super::client::ClientAddress;
use super::error::ApiError;
use super::session::{Authed, session_cookie, session_token};
use super::{Body, blocking, hashing};
use crate::appliance::{Appliance, Me, TenantAccess};

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
}

#[tracing::instrument(skip_all)]
pub async fn login(
    State(app): State<Arc<Appliance>>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Body(body): Body<LoginBody>,
) -> Result<Response, ApiError> {
    let previous = session_token(&headers, app.secure_cookies());
    let outcome = hashing(&app, move |app| {
        app.login(&body.email, &body.password, address, previous.as_deref())
    })
    .await?;
    let cookie = session_cookie(&app, Some(&outcome.token));
    Ok(([(header::SET_COOKIE, cookie)], Json(outcome.me)).into_response())
}

#[tracing::instrument(skip_all)]
pub async fn logout(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
) -> Result<Response, ApiError> {
    blocking(&app, move |app| app.logout(&caller)).await?;
    let cookie = session_cookie(&app, None);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

pub async fn me(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(blocking(&app, move |app| app.me(&caller)).await?))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

#[tracing::instrument(skip_all)]
pub async fn change_password(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
    ClientAddress(address): ClientAddress,
    Body(body): Body<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    hashing(&app, move |app| {
        app.change_password(&caller, &body.current_password, &body.new_password, address)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn tenants(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
) -> Result<Json<Vec<TenantAccess>>, ApiError> {
    Ok(Json(
        blocking(&app, move |app| app.tenants_of(&caller)).await?,
    ))
}

#[tracing::instrument(skip_all, fields(tenant = %id))]
pub async fn select(
    State(app): State<Arc<Appliance>>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        blocking(&app, move |app| app.select_tenant(&caller, &id)).await?,
    ))
}
