//! A typed client for the tests: one method per endpoint, answering a [`Reply`] whose body
//! reads as the API's own wire types, so a test names fields the compiler checks instead of
//! looking them up by string.

use std::marker::PhantomData;

use flexboard::analytics::PanelData;
use flexboard::analytics::panels::{BarData, KpiData};
use flexboard::appliance::{
    ApiKeyView, DatasetView, ExperimentView, Impact, Me, MemberView, NewApiKey, NewVersionAnswer,
    OverrideView, PresetView, ResolvedDashboard, RoleView, TemplateDetail, TemplateView,
    TenantAccess, TenantView, UserView, VersionSummary,
};
use flexboard::http::DashboardList;
use flexboard::versioning::compat::Compatibility;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::support::{Session, TestServer};

/// An answer: the status, the raw body, and the type a success reads as.
#[derive(Debug)]
pub struct Reply<T> {
    pub status: u16,
    pub body: Value,
    answer: PhantomData<T>,
}

impl<T: DeserializeOwned> Reply<T> {
    /// The body as `T`; the request must have succeeded.
    #[track_caller]
    pub fn ok(self) -> T {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("the answer does not read as its type ({e}): {}", self.body))
    }

    /// The body as `T`; the request must have answered exactly `status` (201 for a creation,
    /// 204 for an answer without a body).
    #[track_caller]
    pub fn answered(self, status: u16) -> T {
        assert_eq!(self.status, status, "{}", self.body);
        self.ok()
    }

    /// The request was refused with `status` and error `code`; returns the message.
    #[track_caller]
    pub fn refused(self, status: u16, code: &str) -> String {
        assert_eq!(
            (self.status, self.body["code"].as_str()),
            (status, Some(code)),
            "{}",
            self.body
        );
        self.body["message"].as_str().unwrap_or_default().to_owned()
    }
}

impl Reply<PanelData> {
    /// A KPI panel's data; the request must have succeeded.
    #[track_caller]
    pub fn kpi(self) -> KpiData {
        match self.ok() {
            PanelData::Kpi(kpi) => kpi,
            other => panic!("a KPI answers KPI data: {other:?}"),
        }
    }

    /// A bar panel's data; the request must have succeeded.
    #[track_caller]
    pub fn bar(self) -> BarData {
        match self.ok() {
            PanelData::Bar(bar) => bar,
            other => panic!("a bar panel answers bar data: {other:?}"),
        }
    }
}

/// The API as one caller sees it.
/// An answer read whole: status, content type, every header and the body.
pub struct RawReply {
    pub status: u16,
    pub kind: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

pub struct Api<'a> {
    server: &'a TestServer,
    session: &'a Session,
}

impl TestServer {
    pub fn api<'a>(&'a self, session: &'a Session) -> Api<'a> {
        Api {
            server: self,
            session,
        }
    }
}

fn path(segment: &str) -> String {
    segment.replace('/', "%2F")
}

impl Api<'_> {
    async fn send<T>(&self, method: &str, url: String, body: Option<Value>) -> Reply<T> {
        let (status, body) = self
            .server
            .call(method, &url, Some(self.session), body)
            .await;
        Reply {
            status,
            body,
            answer: PhantomData,
        }
    }

    /// `GET /api/v1/dashboards/{id}` with a query string (`""`, `"?debug=true"`, …).
    pub async fn dashboard(&self, id: &str, query: &str) -> Reply<ResolvedDashboard> {
        self.send(
            "GET",
            format!("/api/v1/dashboards/{}{query}", path(id)),
            None,
        )
        .await
    }

    /// `GET /api/v1/panels/{id}/data?dashboard=…` with more query parameters.
    pub async fn panel_data(&self, dashboard: &str, panel: &str, query: &str) -> Reply<PanelData> {
        let url = format!(
            "/api/v1/panels/{}/data?dashboard={}{query}",
            path(panel),
            path(dashboard)
        );
        self.send("GET", url, None).await
    }

    /// `GET /api/v1/panels/{id}/export?dashboard=…&format=…`: status, content type, body.
    pub async fn export(
        &self,
        dashboard: &str,
        panel: &str,
        format: &str,
        query: &str,
    ) -> (u16, String, String) {
        self.text(&format!(
            "/api/v1/panels/{}/export?dashboard={}&format={format}{query}",
            path(panel),
            path(dashboard)
        ))
        .await
    }

    /// A GET answered with text: its status, content type and body.
    pub async fn text(&self, path: &str) -> (u16, String, String) {
        let (status, kind, body) = self.bytes(path).await;
        (status, kind, String::from_utf8_lossy(&body).into_owned())
    }

    /// A GET: its status, content type and body as bytes.
    pub async fn bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let reply = self.raw("GET", path, None).await;
        (reply.status, reply.kind, reply.body)
    }

    /// A request whose body, when given, is a file of the given type (a logo, say), with the
    /// answer read whole.
    pub async fn raw(&self, method: &str, path: &str, file: Option<(&str, Vec<u8>)>) -> RawReply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .server
            .client
            .request(method, format!("{}{path}", self.server.base))
            .header("cookie", &self.session.cookie)
            .header("x-csrf-token", &self.session.csrf);
        if let Some((kind, body)) = file {
            request = request.header("content-type", kind).body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let kind = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.bytes().await.unwrap().to_vec();
        RawReply {
            status,
            kind,
            headers,
            body,
        }
    }

    /// `POST /api/v1/templates` with a configuration.
    pub async fn create_template(&self, config: &Value) -> Reply<TemplateView> {
        self.send(
            "POST",
            "/api/v1/templates".into(),
            Some(json!({ "config": config })),
        )
        .await
    }

    pub async fn template(&self, id: &str) -> Reply<TemplateDetail> {
        self.send("GET", format!("/api/v1/templates/{}", path(id)), None)
            .await
    }

    pub async fn put_draft(&self, id: &str, config: &Value, revision: u64) -> Reply<TemplateView> {
        self.send(
            "PUT",
            format!("/api/v1/templates/{}/draft", path(id)),
            Some(json!({ "config": config, "revision": revision })),
        )
        .await
    }

    /// `POST /api/v1/templates/{id}/versions` with a body such as `{"changelog": …}`.
    pub async fn create_version(&self, id: &str, body: Value) -> Reply<NewVersionAnswer> {
        self.send(
            "POST",
            format!("/api/v1/templates/{}/versions", path(id)),
            Some(body),
        )
        .await
    }

    pub async fn versions(&self, id: &str) -> Reply<Vec<VersionSummary>> {
        self.send(
            "GET",
            format!("/api/v1/templates/{}/versions", path(id)),
            None,
        )
        .await
    }

    pub async fn transition(&self, id: &str, number: &str, to: &str) -> Reply<VersionSummary> {
        let url = format!(
            "/api/v1/templates/{}/versions/{number}/transition",
            path(id)
        );
        self.send("POST", url, Some(json!({ "to": to, "reason": "test" })))
            .await
    }

    pub async fn restore(&self, id: &str, number: &str, reason: &str) -> Reply<VersionSummary> {
        let url = format!("/api/v1/templates/{}/versions/{number}/restore", path(id));
        self.send("POST", url, Some(json!({ "reason": reason })))
            .await
    }

    pub async fn compare(&self, id: &str, from: &str, to: &str) -> Reply<Compatibility> {
        let url = format!("/api/v1/templates/{}/compare?from={from}&to={to}", path(id));
        self.send("GET", url, None).await
    }

    pub async fn impact(&self, id: &str, number: &str) -> Reply<Impact> {
        let url = format!("/api/v1/templates/{}/versions/{number}/impact", path(id));
        self.send("GET", url, None).await
    }

    /// `POST /api/v1/templates/{id}/overrides` with an override's body.
    pub async fn create_override(&self, template: &str, body: Value) -> Reply<OverrideView> {
        let url = format!("/api/v1/templates/{}/overrides", path(template));
        self.send("POST", url, Some(body)).await
    }

    /// `GET /api/v1/dashboards`: the dashboards meant for the caller.
    pub async fn dashboards(&self) -> Reply<DashboardList> {
        self.send("GET", "/api/v1/dashboards".into(), None).await
    }

    /// `GET /api/v1/tenants`: the workspaces the caller may reach.
    pub async fn tenants(&self) -> Reply<Vec<TenantAccess>> {
        self.send("GET", "/api/v1/tenants".into(), None).await
    }

    /// `POST /api/v1/admin/tenants` (super-admins).
    pub async fn create_tenant(&self, body: Value) -> Reply<TenantView> {
        self.send("POST", "/api/v1/admin/tenants".into(), Some(body))
            .await
    }

    /// `PATCH /api/v1/admin/tenants/{id}` (super-admins).
    pub async fn update_tenant(&self, id: &str, body: Value) -> Reply<TenantView> {
        let url = format!("/api/v1/admin/tenants/{}", path(id));
        self.send("PATCH", url, Some(body)).await
    }

    /// `GET /api/v1/auth/me`.
    pub async fn me(&self) -> Reply<Me> {
        self.send("GET", "/api/v1/auth/me".into(), None).await
    }

    /// `POST /api/v1/auth/logout`.
    pub async fn logout(&self) -> Reply<()> {
        self.send("POST", "/api/v1/auth/logout".into(), None).await
    }

    /// `POST /api/v1/auth/password`: one's own password.
    pub async fn change_password(&self, current: &str, new: &str) -> Reply<()> {
        let body = json!({"current_password": current, "new_password": new});
        self.send("POST", "/api/v1/auth/password".into(), Some(body))
            .await
    }

    /// `POST /api/v1/tenants/{id}/select`: the session's current workspace.
    pub async fn select_tenant(&self, id: &str) -> Reply<Me> {
        let url = format!("/api/v1/tenants/{}/select", path(id));
        self.send("POST", url, None).await
    }

    /// `POST /api/v1/admin/users` with a new person's body.
    pub async fn create_user(&self, body: Value) -> Reply<UserView> {
        self.send("POST", "/api/v1/admin/users".into(), Some(body))
            .await
    }

    /// `GET /api/v1/admin/users`: the people of the session's workspace.
    pub async fn users(&self) -> Reply<Vec<UserView>> {
        self.send("GET", "/api/v1/admin/users".into(), None).await
    }

    /// `PATCH /api/v1/admin/users/{id}`.
    pub async fn update_user(&self, id: &str, body: Value) -> Reply<UserView> {
        let url = format!("/api/v1/admin/users/{}", path(id));
        self.send("PATCH", url, Some(body)).await
    }

    /// `PUT /api/v1/admin/memberships/{user}` in the session's workspace.
    pub async fn put_membership(&self, user: &str, body: Value) -> Reply<MemberView> {
        let url = format!("/api/v1/admin/memberships/{}", path(user));
        self.send("PUT", url, Some(body)).await
    }

    /// `DELETE /api/v1/admin/memberships/{user}`.
    pub async fn remove_membership(&self, user: &str) -> Reply<()> {
        let url = format!("/api/v1/admin/memberships/{}", path(user));
        self.send("DELETE", url, None).await
    }

    /// `PUT /api/v1/admin/roles/{name}` with its permissions.
    pub async fn put_role(&self, name: &str, permissions: Value) -> Reply<RoleView> {
        let url = format!("/api/v1/admin/roles/{}", path(name));
        self.send("PUT", url, Some(json!({ "permissions": permissions })))
            .await
    }

    /// `POST /api/v1/admin/api-keys` with a name and scopes.
    pub async fn create_api_key(&self, name: &str, scopes: &[&str]) -> Reply<NewApiKey> {
        let body = json!({"name": name, "scopes": scopes});
        self.send("POST", "/api/v1/admin/api-keys".into(), Some(body))
            .await
    }

    pub async fn api_keys(&self) -> Reply<Vec<ApiKeyView>> {
        self.send("GET", "/api/v1/admin/api-keys".into(), None)
            .await
    }

    pub async fn revoke_api_key(&self, id: &str) -> Reply<ApiKeyView> {
        let url = format!("/api/v1/admin/api-keys/{}", path(id));
        self.send("DELETE", url, None).await
    }

    /// `PUT /api/v1/presets/{id}` of kind `kpi` with `content`.
    pub async fn put_preset(&self, id: &str, content: Value) -> Reply<PresetView> {
        let body = json!({"kind": "kpi", "content": content, "reason": "test"});
        let url = format!("/api/v1/presets/{}", path(id));
        self.send("PUT", url, Some(body)).await
    }

    /// `POST /api/v1/templates/{id}/experiments` with an experiment's body.
    pub async fn create_experiment(&self, template: &str, body: Value) -> Reply<ExperimentView> {
        let url = format!("/api/v1/templates/{}/experiments", path(template));
        self.send("POST", url, Some(body)).await
    }

    pub async fn experiments(&self, template: &str) -> Reply<Vec<ExperimentView>> {
        let url = format!("/api/v1/templates/{}/experiments", path(template));
        self.send("GET", url, None).await
    }

    /// `GET /api/v1/overrides/{id}`.
    pub async fn override_(&self, id: &str) -> Reply<OverrideView> {
        let url = format!("/api/v1/overrides/{}", path(id));
        self.send("GET", url, None).await
    }

    pub async fn datasets(&self) -> Reply<Vec<DatasetView>> {
        self.send("GET", "/api/v1/datasets".into(), None).await
    }

    /// `PUT /api/v1/datasets/{name}` with a definition.
    pub async fn put_dataset(&self, name: &str, definition: Value) -> Reply<DatasetView> {
        let url = format!("/api/v1/datasets/{}", path(name));
        self.send("PUT", url, Some(definition)).await
    }
}

impl Session {
    /// The signed-in person's id.
    pub fn user_id(&self) -> String {
        self.me["user"]["id"]
            .as_str()
            .expect("a user id")
            .to_owned()
    }

    /// The id of the session's current workspace.
    pub fn tenant_id(&self) -> String {
        self.me["tenant"]["id"]
            .as_str()
            .expect("a workspace")
            .to_owned()
    }
}
