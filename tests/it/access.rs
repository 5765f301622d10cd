//! Tenant isolation: every route of the route table, called with the credentials of another
//! tenant, of a lower role, of a revoked API key, of a logged-out session and of nobody, must
//! refuse (401/403/404) or answer only with the caller's own data. A route without an entry
//! below fails the test, so a new route cannot skip this check.

use serde_json::{Value, json};

use crate::support::{Session, TestServer, login};

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
        Expect::Deny => assert!(
            [401, 403, 404].contains(status),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_keeps_tenants_roles_and_stale_credentials_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let admin = &server.admin;
    let tenant_a = admin.me["tenant"]["id"].as_str().unwrap().to_owned();

    // Tenant B with its own administrator.
    let (status, b) = server
        .call(
            "POST",
            "/api/v1/admin/tenants",
            Some(admin),
            Some(json!({"name": "Beta Ltd", "plan": "premium"})),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let tenant_b = b["id"].as_str().unwrap().to_owned();
    let (status, _) = server
        .call(
            "POST",
            &format!("/api/v1/tenants/{tenant_b}/select"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = server
        .call(
            "POST",
            "/api/v1/admin/users",
            Some(admin),
            Some(json!({"email": "boss@beta.example", "name": "Beta Boss", "password": "beta boss passphrase", "role": "tenant-admin"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let other = login(
        &server.client,
        &server.base,
        "boss@beta.example",
        "beta boss passphrase",
    )
    .await
    .unwrap();
    assert_eq!(other.me["tenant"]["id"], tenant_b.as_str());
    let (status, _) = server
        .call(
            "POST",
            &format!("/api/v1/tenants/{tenant_a}/select"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, 200);

    // In tenant A: a live key and a revoked one; a viewer; a signed-out session.
    let create_key = |name: &'static str| {
        let server = &server;
        async move {
            let (status, key) = server
                .call(
                    "POST",
                    "/api/v1/admin/api-keys",
                    Some(&server.admin),
                    Some(json!({"name": name, "scopes": ["dashboards:read", "data:read", "data:write", "sync:read"]})),
                )
                .await;
            assert_eq!(status, 201, "{key}");
            key
        }
    };
    let live_key = create_key("live").await;
    let revoked_key = create_key("revoked").await;
    let revoked_secret = revoked_key["secret"].as_str().unwrap().to_owned();
    let (status, _) = send(
        &server,
        "GET",
        "/api/v1/dashboards",
        None,
        None,
        Some(&revoked_secret),
    )
    .await;
    assert_eq!(status, 200, "the key works before it is revoked");
    let (status, _) = server
        .call(
            "DELETE",
            &format!(
                "/api/v1/admin/api-keys/{}",
                revoked_key["id"].as_str().unwrap()
            ),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let lower = server.login_as(VIEWER).await;
    let logged_out = server.login_as(VIEWER).await;
    let (status, _) = server
        .call("POST", "/api/v1/auth/logout", Some(&logged_out), None)
        .await;
    assert_eq!(status, 204);
    let (_, users) = server
        .call("GET", "/api/v1/admin/users", Some(admin), None)
        .await;
    let id_of = |email: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/v1/templates/{SALES}/experiments"),
            Some(admin),
            // Only executives are in it: a viewer bucketed into an arm would see its id, rightly.
            Some(json!({"id": "rollout-1", "arms": [{"name": "strategic", "override": OVERRIDE, "weight": 10}], "audience": {"type": "role", "value": "executive"}, "reason": "fixture"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let fixture = Fixture {
        experiment: "rollout-1".into(),
        tenant_a: tenant_a.clone(),
        executive_id: id_of(EXECUTIVE),
        live_key_id: live_key["id"].as_str().unwrap().to_owned(),
        exec_panel: "sales_by_channel",
    };

    // What each class must never see.
    let a_secrets: Vec<String> = vec![
        tenant_a.clone(),
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
    let admin_only: Vec<String> = vec![
        EXECUTIVE.into(),
        MANAGER.into(),
        fixture.live_key_id.clone(),
        fixture.exec_panel.into(),
        "rollout-1".into(),
    ];

    let mut routes = flexboard::http::route_table();
    // Signing out ends the sessions the walk uses: do it last.
    routes.sort_by_key(|r| r.path == "/api/v1/auth/logout");
    assert!(routes.len() >= 20, "{routes:?}");
    let mut missing = Vec::new();
    for route in &routes {
        let Some(entry) = entry(route.method, route.path, &fixture) else {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        };
        let what = |class: &str| format!("{} {} as {class}", route.method, entry.path);
        let body = entry.body.as_ref();
        let asked = format!(
            "{} {}",
            entry.path,
            body.map(Value::to_string).unwrap_or_default()
        );
        let public = route.access == flexboard::http::Access::Public;
        for (class, session, key) in [
            ("a revoked key", None, Some(revoked_secret.as_str())),
            ("a logged-out session", Some(&logged_out), None),
            ("nobody", None, None),
        ] {
            let answer = send(&server, route.method, &entry.path, body, session, key).await;
            if public {
                check(&what(class), entry.lower_role, &answer, &a_secrets, &asked);
            } else {
                assert_eq!(answer.0, 401, "{}: {}", what(class), answer.1);
                check(&what(class), Expect::Deny, &answer, &a_secrets, &asked);
            }
        }
        let answer = send(&server, route.method, &entry.path, body, Some(&other), None).await;
        check(
            &what("another tenant's admin"),
            entry.other_tenant,
            &answer,
            &a_secrets,
            &asked,
        );
        let answer = send(&server, route.method, &entry.path, body, Some(&lower), None).await;
        check(
            &what("a viewer"),
            entry.lower_role,
            &answer,
            &admin_only,
            &asked,
        );
    }
    assert!(
        missing.is_empty(),
        "routes without an isolation matrix entry: {missing:?}"
    );

    // Nothing above changed tenant A: the executive still signs in as before, the live key
    // still works, A is still active, its template, override and experiment are as they were.
    let (status, template) = server
        .call(
            "GET",
            &format!("/api/v1/templates/{SALES}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(template["template"]["draft_revision"], 1, "{template}");
    assert_eq!(
        template["versions"].as_array().unwrap().len(),
        1,
        "{template}"
    );
    assert_eq!(template["template"]["status"], "active");
    let (_, o) = server
        .call(
            "GET",
            &format!("/api/v1/overrides/{OVERRIDE}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(
        (o["revision"].as_u64(), o["current"]["deleted"].as_bool()),
        (Some(1), Some(false)),
        "{o}"
    );
    let (_, experiments) = server
        .call(
            "GET",
            &format!("/api/v1/templates/{SALES}/experiments"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(experiments[0]["current"]["running"], true, "{experiments}");
    let executive = server.login_as(EXECUTIVE).await;
    assert_eq!(executive.me["tenant"]["role"], "executive");
    let (status, _) = send(
        &server,
        "GET",
        "/api/v1/dashboards",
        None,
        None,
        live_key["secret"].as_str(),
    )
    .await;
    assert_eq!(status, 200);
    server.stop().await;
}
