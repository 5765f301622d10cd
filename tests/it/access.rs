//! Tenant isolation: every route of the route table, called with the credentials of another
//! tenant, of a lower role, of a revoked API key, of a logged-out session and of nobody, must
//! refuse (401/403/404) or answer only with the caller's own data. A route without an entry
//! below fails the test, so a new route cannot skip this check.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use flexboard::http::{Access, RouteInfo};
use flexboard::store::records::TemplateStatus;
use serde_json::{Value, json};

use crate::support::{Session, TestServer, serve_in_background};

const EXECUTIVE: &str = "executive@acme.example";
const MANAGER: &str = "north.manager@acme.example";
const VIEWER: &str = "viewer@acme.example";

/// How a class of caller must be answered on a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// 401, 403 or 404, and nothing of tenant A in the body.
    Deny,
    /// An answer about the caller's own things (any status below 500), with nothing of tenant
    /// A that this caller may not see.
    Own,
}

/// A concrete request for a route, aimed at tenant A, and what the other tenant's admin and
/// A's viewer must get. Revoked keys, logged-out sessions and anonymous callers always get 401.
struct Entry {
    path: String,
    body: Option<Value>,
    other_tenant: Expect,
    lower_role: Expect,
}

const SALES: &str = "sales-performance";
const OVERRIDE: &str = "executive-strategic";

#[derive(Clone)]
struct Fixture {
    experiment: String,
    tenant_a: String,
    executive_id: String,
    live_key_id: String,
    exec_panel: &'static str,
}

fn entry(method: &str, path: &str, f: &Fixture) -> Option<Entry> {
    use Expect::{Deny, Own};
    let e = |path: String, body: Option<Value>, other_tenant, lower_role| {
        Some(Entry {
            path,
            body,
            other_tenant,
            lower_role,
        })
    };
    let a = &f.tenant_a;
    let unique = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    match (method, path) {
        ("GET", "/healthz") | ("GET", "/readyz") => e(path.into(), None, Own, Own),
        ("POST", "/api/v1/auth/login") => e(
            path.into(),
            Some(json!({"email": VIEWER, "password": "not the password at all"})),
            Deny,
            Deny,
        ),
        ("POST", "/api/v1/auth/logout") => e(path.into(), None, Own, Own),
        ("GET", "/api/v1/auth/me") => e(path.into(), None, Own, Own),
        ("POST", "/api/v1/auth/password") => e(
            path.into(),
            Some(
                json!({"current_password": "wrong wrong wrong", "new_password": "another long passphrase"}),
            ),
            Own,
            Own,
        ),
        ("GET", "/api/v1/tenants") => e(path.into(), None, Own, Own),
        ("POST", "/api/v1/tenants/{id}/select") => {
            e(format!("/api/v1/tenants/{a}/select"), None, Deny, Own)
        }
        ("GET", "/api/v1/dashboards") => e(path.into(), None, Own, Own),
        ("GET", "/api/v1/branding") | ("GET", "/api/v1/branding/logo") => {
            e(path.into(), None, Own, Own)
        }
        ("PUT", "/api/v1/branding") => e(
            path.into(),
            Some(json!({"primary_color": "#112233"})),
            Own,
            Deny,
        ),
        ("PUT", "/api/v1/branding/logo") => {
            e(path.into(), Some(json!({"not": "an image"})), Own, Deny)
        }
        ("DELETE", "/api/v1/branding/logo") => e(path.into(), None, Own, Deny),
        ("GET", "/api/v1/templates") => e(path.into(), None, Own, Deny),
        ("POST", "/api/v1/templates") => e(
            path.into(),
            Some(
                json!({"config": {"id": format!("d{unique}"), "name": "X", "panels": [{
                    "id": "p", "title": "P", "position": {"row": 1, "col": 1},
                    "type": "kpi", "data_source": {"dataset": "sales", "value": {"column": "overall_actual", "agg": "sum"}}
                }]}}),
            ),
            Own,
            Deny,
        ),
        ("GET", "/api/v1/templates/{id}") => {
            e(format!("/api/v1/templates/{SALES}"), None, Deny, Deny)
        }
        ("PATCH", "/api/v1/templates/{id}") => e(
            format!("/api/v1/templates/{SALES}"),
            Some(json!({"status": "archived", "reason": "probe"})),
            Deny,
            Deny,
        ),
        ("PUT", "/api/v1/templates/{id}/draft") => e(
            format!("/api/v1/templates/{SALES}/draft"),
            Some(json!({"config": {"id": SALES, "name": "Hijacked", "panels": []}, "revision": 1})),
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/templates/{id}/versions") => e(
            format!("/api/v1/templates/{SALES}/versions"),
            None,
            Deny,
            Deny,
        ),
        ("POST", "/api/v1/templates/{id}/versions") => e(
            format!("/api/v1/templates/{SALES}/versions"),
            Some(json!({"changelog": "probe", "bump": "major"})),
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/templates/{id}/versions/{version}") => e(
            format!("/api/v1/templates/{SALES}/versions/1.0.0"),
            None,
            Deny,
            Deny,
        ),
        ("POST", "/api/v1/templates/{id}/versions/{version}/transition") => e(
            format!("/api/v1/templates/{SALES}/versions/1.0.0/transition"),
            Some(json!({"to": "deprecated", "reason": "probe"})),
            Deny,
            Deny,
        ),
        ("POST", "/api/v1/templates/{id}/versions/{version}/restore") => e(
            format!("/api/v1/templates/{SALES}/versions/1.0.0/restore"),
            Some(json!({"reason": "probe"})),
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/templates/{id}/versions/{version}/impact") => e(
            format!("/api/v1/templates/{SALES}/versions/1.0.0/impact"),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/templates/{id}/compare") => e(
            format!("/api/v1/templates/{SALES}/compare?from=published&to=draft"),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/templates/{id}/overrides") => e(
            format!("/api/v1/templates/{SALES}/overrides"),
            None,
            Deny,
            Deny,
        ),
        ("POST", "/api/v1/templates/{id}/overrides") => e(
            format!("/api/v1/templates/{SALES}/overrides"),
            Some(
                json!({"id": "probe", "scope": {"type": "role", "value": "viewer"}, "patch": {"name": "Hijacked"}, "reason": "probe"}),
            ),
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/overrides/{id}") => {
            e(format!("/api/v1/overrides/{OVERRIDE}"), None, Deny, Deny)
        }
        ("PUT", "/api/v1/overrides/{id}") => e(
            format!("/api/v1/overrides/{OVERRIDE}"),
            Some(
                json!({"scope": {"type": "role", "value": "viewer"}, "patch": {"name": "Hijacked"}, "reason": "probe", "revision": 1}),
            ),
            Deny,
            Deny,
        ),
        ("DELETE", "/api/v1/overrides/{id}") => e(
            format!("/api/v1/overrides/{OVERRIDE}"),
            Some(json!({"reason": "probe", "revision": 1})),
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/presets") => e(path.into(), None, Own, Deny),
        ("PUT", "/api/v1/presets/{id}") => e(
            "/api/v1/presets/strategic-kpis".into(),
            Some(json!({"kind": "kpi", "content": [], "reason": "probe", "revision": 1})),
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/templates/{id}/experiments") => e(
            format!("/api/v1/templates/{SALES}/experiments"),
            None,
            Deny,
            Deny,
        ),
        ("POST", "/api/v1/templates/{id}/experiments") => e(
            format!("/api/v1/templates/{SALES}/experiments"),
            Some(
                json!({"id": "probe", "arms": [{"name": "b", "override": OVERRIDE, "weight": 100}], "reason": "probe"}),
            ),
            Deny,
            Deny,
        ),
        ("PATCH", "/api/v1/experiments/{id}") => e(
            format!("/api/v1/experiments/{}", f.experiment),
            Some(json!({"running": false, "reason": "probe"})),
            Deny,
            Deny,
        ),
        ("POST", "/api/v1/experiments/{id}/promote") => e(
            format!("/api/v1/experiments/{}/promote", f.experiment),
            Some(json!({"arm": "strategic", "reason": "probe"})),
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/dashboards/{id}") => e(
            "/api/v1/dashboards/sales-performance".into(),
            None,
            Deny,
            Own,
        ),
        ("GET", "/api/v1/dashboards/{id}/data") => e(
            "/api/v1/dashboards/sales-performance/data".into(),
            None,
            Deny,
            Own,
        ),
        ("GET", "/api/v1/dashboards/{id}/controls/{control}/options") => e(
            "/api/v1/dashboards/sales-performance/controls/zone/options".into(),
            None,
            Deny,
            Own,
        ),
        ("GET", "/api/v1/datasets") => e(path.into(), None, Own, Own),
        ("PUT", "/api/v1/datasets/{name}") => e(
            "/api/v1/datasets/probe".into(),
            Some(
                json!({"name": "probe", "label": "Probe", "columns": [{"name": "a", "type": "varchar"}]}),
            ),
            Own,
            Deny,
        ),
        ("POST", "/api/v1/datasets/{name}/import") => e(
            "/api/v1/datasets/sales/import?format=csv".into(),
            None,
            Own,
            Deny,
        ),
        ("GET", "/api/v1/panels/{id}/export") => e(
            format!(
                "/api/v1/panels/{}/export?dashboard=sales-performance&format=csv",
                f.exec_panel
            ),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/panels/{id}/drill") => e(
            format!(
                "/api/v1/panels/{}/drill?dashboard=sales-performance",
                f.exec_panel
            ),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/panels/{id}/image") => e(
            format!(
                "/api/v1/panels/{}/image?dashboard=sales-performance",
                f.exec_panel
            ),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/panels/{id}/data") => e(
            format!(
                "/api/v1/panels/{}/data?dashboard=sales-performance",
                f.exec_panel
            ),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/admin/users") => e(path.into(), None, Own, Deny),
        ("POST", "/api/v1/admin/users") => e(
            path.into(),
            Some(
                json!({"email": format!("u{unique}@b.example"), "name": "New", "password": "a new long passphrase", "role": "viewer"}),
            ),
            Own,
            Deny,
        ),
        ("PATCH", "/api/v1/admin/users/{id}") => e(
            format!("/api/v1/admin/users/{}", f.executive_id),
            Some(json!({"disabled": true})),
            Deny,
            Deny,
        ),
        ("PUT", "/api/v1/admin/memberships/{user}") => e(
            format!("/api/v1/admin/memberships/{}", f.executive_id),
            Some(json!({"role": "tenant-admin"})),
            Deny,
            Deny,
        ),
        ("DELETE", "/api/v1/admin/memberships/{user}") => e(
            format!("/api/v1/admin/memberships/{}", f.executive_id),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/admin/roles") => e(path.into(), None, Own, Deny),
        ("PUT", "/api/v1/admin/roles/{name}") => e(
            "/api/v1/admin/roles/executive".into(),
            Some(
                json!({"permissions": [{"resource": "data", "action": "read", "scope": "tenant"}]}),
            ),
            Own,
            Deny,
        ),
        ("DELETE", "/api/v1/admin/roles/{name}") => {
            e("/api/v1/admin/roles/sales_manager".into(), None, Deny, Deny)
        }
        ("GET", "/api/v1/admin/api-keys") => e(path.into(), None, Own, Deny),
        ("POST", "/api/v1/admin/api-keys") => e(
            path.into(),
            Some(json!({"name": "probe", "scopes": ["data:read"]})),
            Own,
            Deny,
        ),
        ("DELETE", "/api/v1/admin/api-keys/{id}") => e(
            format!("/api/v1/admin/api-keys/{}", f.live_key_id),
            None,
            Deny,
            Deny,
        ),
        ("GET", "/api/v1/admin/tenants") => e(path.into(), None, Deny, Deny),
        ("POST", "/api/v1/admin/tenants") => {
            e(path.into(), Some(json!({"name": "Sneaky"})), Deny, Deny)
        }
        ("PATCH", "/api/v1/admin/tenants/{id}") => e(
            format!("/api/v1/admin/tenants/{a}"),
            Some(json!({"active": false})),
            Deny,
            Deny,
        ),
        _ => None,
    }
}

/// Sends a request with a session, an API key, or nothing.
async fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    body: Option<&Value>,
    session: Option<&Session>,
    key: Option<&str>,
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = server
        .client
        .request(method, format!("{}{path}", server.base));
    if let Some(session) = session {
        request = request
            .header("cookie", &session.cookie)
            .header("x-csrf-token", &session.csrf);
    }
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Checks an answer; `asked` (the request's path and body) may be echoed back, anything else
/// from `secrets` may not.
fn check(
    what: &str,
    expect: Expect,
    (status, body): &(u16, String),
    secrets: &[String],
    asked: &str,
) {
    match expect {
        // The three walks run at once and each signs in wrongly five times: the sign-in
        // route may answer that there were too many tries, which refuses as well.
        Expect::Deny => assert!(
            [401, 403, 404].contains(status)
                || (*status == 429 && what.contains(" /api/v1/auth/login ")),
            "{what}: expected a refusal, got {status}: {body}"
        ),
        Expect::Own => assert!(*status < 500, "{what}: {status}: {body}"),
    }
    for secret in secrets.iter().filter(|s| !asked.contains(s.as_str())) {
        assert!(
            !body.contains(secret.as_str()),
            "{what}: the answer reveals `{secret}`: {body}"
        );
    }
}

/// Tenant A (the demo) with a live and a revoked key, a viewer, a signed-out session and an
/// experiment; tenant B with its own administrator; and what each class must never see.
#[derive(Clone)]
struct Walk {
    fixture: Fixture,
    live_secret: String,
    revoked_secret: String,
    other: Session,
    lower: Session,
    logged_out: Session,
    /// What nobody outside tenant A may see.
    a_secrets: Vec<String>,
    /// What A's viewer may not see.
    admin_only: Vec<String>,
}

/// The walk's server, made once for the three walks; they only send refused or read-only
/// requests to tenant A, and each ends only its own session.
async fn walk_server() -> (TestServer, Walk) {
    static WALK: OnceLock<(String, BTreeMap<String, String>, Walk)> = OnceLock::new();
    let (base, accounts, walk) = WALK
        .get_or_init(|| serve_in_background("access-walk", set_up_walk))
        .clone();
    (TestServer::attach(base, accounts).await, walk)
}

async fn set_up_walk(server: &'static TestServer) -> Walk {
    let admin = &server.admin;
    let api = server.api(admin);
    let tenant_a = admin.tenant_id();

    let tenant_b = api
        .create_tenant(json!({"name": "Beta Ltd", "plan": "premium"}))
        .await
        .answered(201)
        .id;
    api.select_tenant(&tenant_b).await.ok();
    let other = server
        .person("boss@beta.example", "tenant-admin", json!({}))
        .await;
    assert_eq!(other.tenant_id(), tenant_b);
    api.select_tenant(&tenant_a).await.ok();

    let scopes = ["dashboards:read", "data:read", "data:write", "sync:read"];
    let live_key = api.create_api_key("live", &scopes).await.answered(201);
    let revoked_key = api.create_api_key("revoked", &scopes).await.answered(201);
    let (status, _) = send(
        server,
        "GET",
        "/api/v1/dashboards",
        None,
        None,
        Some(&revoked_key.secret),
    )
    .await;
    assert_eq!(status, 200, "the key works before it is revoked");
    api.revoke_api_key(&revoked_key.key.id).await.ok();
    let lower = server.login_as(VIEWER).await;
    let logged_out = server.login_as(VIEWER).await;
    server.api(&logged_out).logout().await.answered(204);
    let executive_id = api
        .users()
        .await
        .ok()
        .into_iter()
        .find(|u| u.email == EXECUTIVE)
        .expect("the demo executive")
        .id;
    // Only executives are in it: a viewer bucketed into an arm would see its id, rightly.
    api.create_experiment(
        SALES,
        json!({"id": "rollout-1", "arms": [{"name": "strategic", "override": OVERRIDE, "weight": 10}], "audience": {"type": "role", "value": "executive"}, "reason": "fixture"}),
    )
    .await
    .answered(201);
    let fixture = Fixture {
        experiment: "rollout-1".into(),
        tenant_a: tenant_a.clone(),
        executive_id,
        live_key_id: live_key.key.id.clone(),
        exec_panel: "sales_by_channel",
    };
    let a_secrets = vec![
        tenant_a,
        OVERRIDE.into(),
        "rollout-1".into(),
        "strategic-kpis".into(),
        "sales-performance".into(),
        "ops-health".into(),
        EXECUTIVE.into(),
        MANAGER.into(),
        fixture.executive_id.clone(),
        fixture.live_key_id.clone(),
    ];
    let admin_only = vec![
        EXECUTIVE.into(),
        MANAGER.into(),
        fixture.live_key_id.clone(),
        fixture.exec_panel.into(),
        "rollout-1".into(),
    ];
    Walk {
        fixture,
        live_secret: live_key.secret,
        revoked_secret: revoked_key.secret,
        other,
        lower,
        logged_out,
        a_secrets,
        admin_only,
    }
}

/// Calls every route of the route table with `call` (signing out last, since it ends the
/// session the walk uses); a route without an isolation entry fails the walk.
async fn walk_routes<F, Fut>(walk: &Walk, mut call: F)
where
    F: FnMut(RouteInfo, Entry, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut routes = flexboard::http::route_table();
    routes.sort_by_key(|r| r.path == "/api/v1/auth/logout");
    assert!(routes.len() >= 20, "{routes:?}");
    let mut missing = Vec::new();
    for route in routes {
        let Some(entry) = entry(route.method, route.path, &walk.fixture) else {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        };
        let asked = format!(
            "{} {}",
            entry.path,
            entry
                .body
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_default()
        );
        call(route, entry, asked).await;
    }
    assert!(
        missing.is_empty(),
        "routes without an isolation matrix entry: {missing:?}"
    );
}

/// Nothing a walk sent changed tenant A: its template, override and experiment are as they
/// were, the executive still signs in as before and the live key still works.
async fn tenant_a_is_unchanged(server: &TestServer, walk: &Walk) {
    let api = server.api(&server.admin);
    let sales = api.template(SALES).await.ok();
    assert_eq!(sales.template.draft_revision, 1, "{sales:?}");
    assert_eq!(sales.versions.len(), 1, "{sales:?}");
    assert_eq!(sales.template.status, TemplateStatus::Active);
    let o = api.override_(OVERRIDE).await.ok();
    assert_eq!((o.revision, o.current.deleted), (1, false), "{o:?}");
    let experiments = api.experiments(SALES).await.ok();
    assert!(experiments[0].current.running, "{experiments:?}");
    let executive = server.login_as(EXECUTIVE).await;
    assert_eq!(executive.me["tenant"]["role"], "executive");
    let (status, _) = send(
        server,
        "GET",
        "/api/v1/dashboards",
        None,
        None,
        Some(&walk.live_secret),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_answers_a_revoked_key_a_signed_out_session_or_nobody() {
    let (server, walk) = walk_server().await;
    walk_routes(&walk, |route, entry, asked| {
        let (server, walk) = (&server, &walk);
        async move {
            let public = route.access == Access::Public;
            for (class, session, key) in [
                ("a revoked key", None, Some(walk.revoked_secret.as_str())),
                ("a logged-out session", Some(&walk.logged_out), None),
                ("nobody", None, None),
            ] {
                let what = format!("{} {} as {class}", route.method, entry.path);
                let body = entry.body.as_ref();
                let answer = send(server, route.method, &entry.path, body, session, key).await;
                if public {
                    check(&what, entry.lower_role, &answer, &walk.a_secrets, &asked);
                } else {
                    assert_eq!(answer.0, 401, "{what}: {}", answer.1);
                    check(&what, Expect::Deny, &answer, &walk.a_secrets, &asked);
                }
            }
        }
    })
    .await;
    tenant_a_is_unchanged(&server, &walk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_shows_or_changes_a_workspace_for_another_workspaces_admin() {
    let (server, walk) = walk_server().await;
    walk_routes(&walk, |route, entry, asked| {
        let (server, walk) = (&server, &walk);
        async move {
            let what = format!("{} {} as another tenant's admin", route.method, entry.path);
            let body = entry.body.as_ref();
            let answer = send(
                server,
                route.method,
                &entry.path,
                body,
                Some(&walk.other),
                None,
            )
            .await;
            check(&what, entry.other_tenant, &answer, &walk.a_secrets, &asked);
        }
    })
    .await;
    tenant_a_is_unchanged(&server, &walk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_gives_a_viewer_what_only_administrators_may_see_or_do() {
    let (server, walk) = walk_server().await;
    walk_routes(&walk, |route, entry, asked| {
        let (server, walk) = (&server, &walk);
        async move {
            let what = format!("{} {} as a viewer", route.method, entry.path);
            let body = entry.body.as_ref();
            let answer = send(
                server,
                route.method,
                &entry.path,
                body,
                Some(&walk.lower),
                None,
            )
            .await;
            check(&what, entry.lower_role, &answer, &walk.admin_only, &asked);
        }
    })
    .await;
    tenant_a_is_unchanged(&server, &walk).await;
}
