//! HTTP: the router, the handlers (one file per resource), the error table, sessions and the
//! embedded UI. Only this module knows axum. Handlers extract, call one `Appliance` operation
//! on a blocking thread, and map the result.
//!
//! Every route is declared once, in [`routes`], which records it in the route table the
//! tenant-isolation test walks: a route cannot be added without the test knowing it.

mod admin;
mod assets;
mod auth;
mod branding;
mod client;
mod dashboards;
mod datasets;
pub mod error;
mod headers;
mod health;
mod panels;
mod session;
mod templates;
pub mod wire;

pub use dashboards::{DashboardList, DashboardOut, TenantOut};

use std::future::Future;
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
    .add(
        "POST",
        "/api/v1/auth/login",
        Public,
        auth::login.layer(axum::extract::DefaultBodyLimit::max(CREDENTIALS_BODY_LIMIT)),
    )
    .add("POST", "/api/v1/auth/logout", Signed, auth::logout)
    .add("GET", "/api/v1/auth/me", Signed, auth::me)
    .add(
        "POST",
        "/api/v1/auth/password",
        Signed,
        auth::change_password.layer(axum::extract::DefaultBodyLimit::max(CREDENTIALS_BODY_LIMIT)),
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
    .add(
        "GET",
        "/api/v1/dashboards/{id}/controls/{control}/options",
        Tenant,
        panels::control_options,
    )
    .add("GET", "/api/v1/panels/{id}/data", Tenant, panels::data)
    .add("GET", "/api/v1/panels/{id}/export", Tenant, panels::export)
    .add("GET", "/api/v1/panels/{id}/drill", Tenant, panels::drill)
    .add("GET", "/api/v1/panels/{id}/image", Tenant, panels::image)
    .add("GET", "/api/v1/branding", Tenant, branding::get)
    .add("PUT", "/api/v1/branding", Tenant, branding::put)
    .add("GET", "/api/v1/branding/logo", Tenant, branding::logo)
    .add("PUT", "/api/v1/branding/logo", Tenant, branding::put_logo)
    .add(
        "DELETE",
        "/api/v1/branding/logo",
        Tenant,
        branding::delete_logo,
    )
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

/// The largest sign-in or password-change body: an email and passwords fit many times over,
/// and nobody queues a 2 MB body for the password hasher.
pub const CREDENTIALS_BODY_LIMIT: usize = 16 * 1024;

/// Serves until `shutdown` resolves, then finishes the requests under way.
///
/// Each connection gets [`ServerLimits`](crate::appliance::ServerLimits): its headers must
/// arrive within the header timeout (which also closes a kept-alive connection idle that
/// long), a body that stalls longer than the body timeout is broken off, and past the
/// connection cap a new connection is answered `503` and closed at once.
pub async fn serve(
    app: Arc<Appliance>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let limits = app.server_limits();
    let router = router(app);
    let connections = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            tokio::spawn(refuse_connection(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let body_timeout = limits.body_timeout;
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                // A body that sends nothing for the body timeout breaks off.
                let request = request.map(|body| {
                    axum::body::Body::new(tower_http::timeout::TimeoutBody::new(body_timeout, body))
                });
                router.clone().oneshot(request)
            },
        );
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Answers a connection past the cap with `503` and closes it, without reading its request.
async fn refuse_connection(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    const BODY: &str = r#"{"code":"too_many_requests","message":"the server has as many connections as it serves at once (--max-connections); try again shortly"}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let write = stream.write_all(response.as_bytes());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), write).await;
    let _ = stream.shutdown().await;
}

/// A JSON request body whose mistakes answer with our own `{code, message}`.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let code = if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::PayloadTooLarge
        } else {
            ErrorCode::InvalidRequest
        };
        ApiError::new(code, rejection.body_text())
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
