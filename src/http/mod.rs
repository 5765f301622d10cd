//! HTTP: the router, the handlers (one file per resource), the error table, sessions and the
//! embedded UI. Only this module knows axum. Handlers extract, call one `Appliance` operation
//! on a blocking thread, and map the result.
//!
//! Every route is declared once, in [`routes`], which records it in the route table the
//! tenant-isolation test walks: a route cannot be added without the test knowing it.

mod admin;
mod assets;
mod auth;
mod dashboards;
mod datasets;
pub mod error;
mod headers;
mod health;
mod panels;
mod session;
mod templates;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use tower_http::trace::TraceLayer;

use crate::appliance::{Appliance, ServiceError};
use error::{ApiError, ErrorCode};

/// Who may call a route, for documentation and the isolation test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health probes, sign-in).
    Public,
    /// A valid session or API key.
    Signed,
    /// A valid session or key with a tenant and a permission there.
    Tenant,
    /// A super-admin.
    SuperAdmin,
}

/// One entry of the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

struct Routes {
    router: Router<Arc<Appliance>>,
    table: Vec<RouteInfo>,
}

impl Routes {
    fn add<H, T>(
        mut self,
        method: &'static str,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, Arc<Appliance>>,
        T: 'static,
    {
        let filter = match method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            "PATCH" => MethodFilter::PATCH,
            "DELETE" => MethodFilter::DELETE,
            other => panic!("unsupported method {other}"),
        };
        self.router = self.router.route(path, on(filter, handler));
        self.table.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }
}

/// Every route of the appliance, in one place.
fn routes() -> Routes {
    use Access::{Public, Signed, SuperAdmin, Tenant};
    Routes {
        router: Router::new(),
        table: Vec::new(),
    }
    .add("GET", "/healthz", Public, health::healthz)
    .add("GET", "/readyz", Public, health::readyz)
    .add("POST", "/api/v1/auth/login", Public, auth::login)
    .add("POST", "/api/v1/auth/logout", Signed, auth::logout)
    .add("GET", "/api/v1/auth/me", Signed, auth::me)
    .add(
        "POST",
        "/api/v1/auth/password",
        Signed,
        auth::change_password,
    )
    .add("GET", "/api/v1/tenants", Signed, auth::tenants)
    .add("POST", "/api/v1/tenants/{id}/select", Signed, auth::select)
    .add("GET", "/api/v1/dashboards", Tenant, dashboards::list)
    .add("GET", "/api/v1/dashboards/{id}", Tenant, dashboards::get)
    .add(
        "GET",
        "/api/v1/dashboards/{id}/data",
        Tenant,
        panels::dashboard_data,
    )
    .add("GET", "/api/v1/panels/{id}/data", Tenant, panels::data)
    .add("GET", "/api/v1/datasets", Tenant, datasets::list)
    .add("PUT", "/api/v1/datasets/{name}", Tenant, datasets::put)
    .add(
        "POST",
        "/api/v1/datasets/{name}/import",
        Tenant,
        datasets::import,
    )
    .add("GET", "/api/v1/templates", Tenant, templates::list)
    .add("POST", "/api/v1/templates", Tenant, templates::create)
    .add("GET", "/api/v1/templates/{id}", Tenant, templates::get)
    .add("PATCH", "/api/v1/templates/{id}", Tenant, templates::update)
    .add(
        "PUT",
        "/api/v1/templates/{id}/draft",
        Tenant,
        templates::put_draft,
    )
    .add(
        "GET",
        "/api/v1/templates/{id}/versions",
        Tenant,
        templates::versions,
    )
    .add(
        "POST",
        "/api/v1/templates/{id}/versions",
        Tenant,
        templates::create_version,
    )
    .add(
        "GET",
        "/api/v1/templates/{id}/versions/{version}",
        Tenant,
        templates::version,
    )
    .add(
        "POST",
        "/api/v1/templates/{id}/versions/{version}/transition",
        Tenant,
        templates::transition,
    )
    .add(
        "POST",
        "/api/v1/templates/{id}/versions/{version}/restore",
        Tenant,
        templates::restore,
    )
    .add(
        "GET",
        "/api/v1/templates/{id}/versions/{version}/impact",
        Tenant,
        templates::impact,
    )
    .add(
        "GET",
        "/api/v1/templates/{id}/compare",
        Tenant,
        templates::compare,
    )
    .add(
        "GET",
        "/api/v1/templates/{id}/overrides",
        Tenant,
        templates::overrides,
    )
    .add(
        "POST",
        "/api/v1/templates/{id}/overrides",
        Tenant,
        templates::create_override,
    )
    .add(
        "GET",
        "/api/v1/overrides/{id}",
        Tenant,
        templates::get_override,
    )
    .add(
        "PUT",
        "/api/v1/overrides/{id}",
        Tenant,
        templates::update_override,
    )
    .add(
        "DELETE",
        "/api/v1/overrides/{id}",
        Tenant,
        templates::delete_override,
    )
    .add("GET", "/api/v1/presets", Tenant, templates::presets)
    .add("PUT", "/api/v1/presets/{id}", Tenant, templates::put_preset)
    .add(
        "GET",
        "/api/v1/templates/{id}/experiments",
        Tenant,
        templates::experiments,
    )
    .add(
        "POST",
        "/api/v1/templates/{id}/experiments",
        Tenant,
        templates::create_experiment,
    )
    .add(
        "PATCH",
        "/api/v1/experiments/{id}",
        Tenant,
        templates::update_experiment,
    )
    .add(
        "POST",
        "/api/v1/experiments/{id}/promote",
        Tenant,
        templates::promote,
    )
    .add("GET", "/api/v1/admin/users", Tenant, admin::users)
    .add("POST", "/api/v1/admin/users", Tenant, admin::create_user)
    .add(
        "PATCH",
        "/api/v1/admin/users/{id}",
        Tenant,
        admin::update_user,
    )
    .add(
        "PUT",
        "/api/v1/admin/memberships/{user}",
        Tenant,
        admin::put_membership,
    )
    .add(
        "DELETE",
        "/api/v1/admin/memberships/{user}",
        Tenant,
        admin::remove_membership,
    )
    .add("GET", "/api/v1/admin/roles", Tenant, admin::roles)
    .add("PUT", "/api/v1/admin/roles/{name}", Tenant, admin::put_role)
    .add(
        "DELETE",
        "/api/v1/admin/roles/{name}",
        Tenant,
        admin::delete_role,
    )
    .add("GET", "/api/v1/admin/api-keys", Tenant, admin::api_keys)
    .add(
        "POST",
        "/api/v1/admin/api-keys",
        Tenant,
        admin::create_api_key,
    )
    .add(
        "DELETE",
        "/api/v1/admin/api-keys/{id}",
        Tenant,
        admin::revoke_api_key,
    )
    .add("GET", "/api/v1/admin/tenants", SuperAdmin, admin::tenants)
    .add(
        "POST",
        "/api/v1/admin/tenants",
        SuperAdmin,
        admin::create_tenant,
    )
    .add(
        "PATCH",
        "/api/v1/admin/tenants/{id}",
        SuperAdmin,
        admin::update_tenant,
    )
}

/// The route table: every method and path the router serves (besides the UI's files).
pub fn route_table() -> Vec<RouteInfo> {
    routes().table
}

/// The router with its middleware.
pub fn router(app: Arc<Appliance>) -> Router {
    routes()
        .router
        .fallback(assets::serve)
        .layer(axum::middleware::from_fn(session::same_origin))
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
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// A JSON request body whose mistakes answer with our own `{code, message}`.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, rejection.body_text())
    }
}

/// A boolean query parameter: absent, empty, `false` or `0` is false; `true` or `1` is true;
/// anything else is a 400 naming the parameter.
fn flag(value: Option<&str>, name: &str) -> Result<bool, ApiError> {
    match value {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("{name} must be `true` or `false`, not `{other}`"),
        )),
    }
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

/// Like [`blocking`], for work that hashes passwords: waits for a hashing permit first, so
/// at most one argon2id computation per core runs at a time whatever the load.
async fn hashing<T: Send + 'static>(
    app: &Arc<Appliance>,
    work: impl FnOnce(&Appliance) -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = app
        .hashing_permits()
        .acquire()
        .await
        .map_err(|error| ApiError::internal(&error))?;
    blocking(app, work).await
}
