//! Identity: the first start's accounts, passwords, throttling, sessions, CSRF, plans, API
//! keys, tenants, row and panel access, and the audit trail of all of it.

use std::time::Duration;

use flexboard::Config;
use flexboard::identity::password;
use flexboard::identity::policy::Plan;
use flexboard::store::Store;
use serde_json::{Value, json};

use crate::support::{ADMIN_EMAIL, Session, TEST_ROWS, TestServer, open_tenant_db};

const EXECUTIVE: &str = "executive@acme.example";
const MANAGER: &str = "north.manager@acme.example";
const VIEWER: &str = "viewer@acme.example";

fn audit_actions(data_dir: &std::path::Path) -> Vec<(String, String, String)> {
    let store = Store::open(&data_dir.join("config.redb")).unwrap();
    store.verify_audit().unwrap();
    store
        .audit_entries(0, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.event.action, e.event.actor, e.event.target))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_creates_accounts_once_and_never_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(dir.path().join("data"));
    config.demo_rows = TEST_ROWS;

    // A weak FLEXBOARD_ADMIN_PASSWORD is refused before anything is created.
    let mut weak = config.clone();
    weak.admin_email = Some("root@example.com".into());
    weak.admin_password = Some("password1234".into());
    let error = flexboard::open(weak)
        .await
        .err()
        .expect("a weak password is refused");
    assert!(error.to_string().contains("common passwords"), "{error}");

    let app = flexboard::open(config.clone()).await.unwrap();
    let first = app
        .take_first_start()
        .expect("the first start makes accounts");
    assert!(app.take_first_start().is_none(), "shown once");
    assert_eq!(first.admin.email, "admin@flexboard.local");
    let admin_password = first.admin.password.clone().expect("generated");
    assert_eq!(password::check_policy(&admin_password), Ok(()));
    let emails: Vec<&str> = first.demo_users.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails, [EXECUTIVE, MANAGER, VIEWER]);
    let banner = first.banner();
    for account in std::iter::once(&first.admin).chain(&first.demo_users) {
        assert!(
            banner.contains(account.password.as_deref().unwrap()),
            "{banner}"
        );
    }
    assert!(first.demo_users[1].description.contains("zone=NORTH"));
    drop(app);

    // Second start, even with admin variables set: no new account, nothing to print.
    let mut again = config.clone();
    again.admin_email = Some("late@example.com".into());
    again.admin_password = Some("a late passphrase here".into());
    let app = flexboard::open(again).await.unwrap();
    assert!(app.take_first_start().is_none());
    drop(app);

    let store = Store::open(&dir.path().join("data/config.redb")).unwrap();
    let users = store.users().unwrap();
    assert_eq!(users.len(), 4, "{users:?}");
    assert!(!users.iter().any(|u| u.email == "late@example.com"));
    // Every stored hash is argon2id at or above OWASP's floor, and matches its password.
    for user in &users {
        assert!(
            password::meets_floor(&user.password_hash),
            "{}",
            user.password_hash
        );
    }
    let admin = users.iter().find(|u| u.super_admin).unwrap();
    assert!(password::verify(&admin_password, &admin.password_hash));
    assert!(!admin.password_hash.contains(&admin_password));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_follow_the_policy_on_every_path() {
    // Shared: it makes and changes a person of its own.
    let server = TestServer::shared().await;
    let admin = server.api(&server.admin);
    let email = "policy.person@acme.example";
    let create = |password: &str| json!({"email": email, "name": "New Person", "password": password, "role": "viewer"});
    for (bad, why) in [
        ("short", "at least 12"),
        ("password1234", "common"),
        ("qwertyuiop123", "common"),
    ] {
        let message = admin
            .create_user(create(bad))
            .await
            .refused(400, "invalid_request");
        assert!(message.contains(why), "{bad}: {message}");
    }
    admin
        .create_user(json!({"email": "n.policy@acme.example", "name": "N", "password": "x".repeat(129), "role": "viewer"}))
        .await
        .refused(400, "invalid_request");
    let created = admin
        .create_user(create("a perfectly fine passphrase"))
        .await;
    assert!(
        created.body.get("password_hash").is_none() && !created.body.to_string().contains("argon2"),
        "{}",
        created.body
    );
    let user = created.answered(201);
    admin
        .create_user(create("another fine passphrase"))
        .await
        .refused(409, "conflict");

    // An admin reset: policy applies, and the person's sessions end.
    let person = server
        .sign_in(email, "a perfectly fine passphrase")
        .await
        .unwrap();
    admin
        .update_user(&user.id, json!({"password": "123456789012"}))
        .await
        .refused(400, "invalid_request");
    admin
        .update_user(&user.id, json!({"password": "a reset passphrase here"}))
        .await
        .ok();
    server.api(&person).me().await.refused(401, "unauthorized");
    assert!(
        server
            .sign_in(email, "a perfectly fine passphrase")
            .await
            .is_err()
    );

    // Changing one's own password: the current one is checked, this session continues.
    let person = server
        .sign_in(email, "a reset passphrase here")
        .await
        .unwrap();
    let own = server.api(&person);
    own.change_password("wrong current pass", "my own new passphrase")
        .await
        .refused(400, "invalid_request");
    own.change_password("a reset passphrase here", "short")
        .await
        .refused(400, "invalid_request");
    own.change_password("a reset passphrase here", "my own new passphrase")
        .await
        .answered(204);
    assert_eq!(own.me().await.ok().user.email, email);
    assert!(server.sign_in(email, "my own new passphrase").await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_throttled_with_growing_delays_and_one_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let attempt = |email: &'static str, password: &'static str| {
        let server = &server;
        async move {
            let response = server
                .client
                .post(format!("{}/api/v1/auth/login", server.base))
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            (status, retry, response.json::<Value>().await.unwrap())
        }
    };
    // Unknown email and wrong password: the same answer.
    let (s1, _, unknown) = attempt("nobody@acme.example", "wrong password 1").await;
    let (s2, _, wrong) = attempt(VIEWER, "wrong password 1").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(unknown, wrong);
    for _ in 0..4 {
        assert_eq!(attempt(VIEWER, "wrong password 2").await.0, 401);
    }
    // Five failures: even the right password waits now.
    let right = server.accounts[VIEWER].clone();
    let blocked = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": VIEWER, "password": right}))
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status().as_u16(), 429);
    let first_wait: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(first_wait, 1);
    // Another failure after the delay doubles it.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(attempt(VIEWER, "wrong password 3").await.0, 401);
    let (status, retry, body) = attempt(VIEWER, "wrong password 4").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    assert_eq!(retry, Some(2));
    // Once the delay has passed, the right password works and clears the count.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(server.sign_in(VIEWER, &right).await.is_ok());

    // Per address: many accounts from one address are throttled too.
    // Seven failures so far; thirteen more from other accounts make twenty for the address.
    let emails: Vec<String> = (0..13).map(|i| format!("spray{i}@acme.example")).collect();
    for email in &emails {
        let status = server
            .client
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"email": email, "password": "spraying passwords"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 401, "{email}");
    }
    let (status, _, _) = attempt("fresh@acme.example", "one more try here").await;
    assert_eq!(status, 429, "the address has failed 20 times");
    server.stop().await;
    // Repeats of one failure share an entry that says how many it stands for (written at the
    // latest when the server stops).
    let store = Store::open(&server_dir(&dir).join("config.redb")).unwrap();
    let failures: u64 = store
        .audit_entries(0, 100_000)
        .unwrap()
        .iter()
        .filter(|e| e.event.action == "auth.login_failed")
        .map(|e| {
            e.event
                .after
                .as_ref()
                .and_then(|a| a["occurrences"].as_u64())
                .unwrap_or(1)
        })
        .sum();
    assert!(failures >= 20, "{failures} failed sign-ins audited");
}

fn server_dir(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("data")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_rotate_expire_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(server_dir(&dir));
    config.demo_rows = TEST_ROWS;
    config.session_idle = Duration::from_secs(2);
    config.session_lifetime = Duration::from_secs(5);
    let server = TestServer::start_with(config).await;
    let me = |session: &Session| {
        let session = session.clone();
        let server = &server;
        async move { server.api(&session).me().await.status }
    };
    let password = server.accounts[VIEWER].clone();

    // The cookie: opaque, long, HttpOnly, SameSite.
    let response = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": VIEWER, "password": password}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP has no Secure cookie"
    );
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(token.len() >= 32, "at least 128 bits: {token}");

    // Rotation: signing in again with the old cookie replaces it.
    let first = server.sign_in(VIEWER, &password).await.unwrap();
    let rotated = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("cookie", &first.cookie)
        .json(&json!({"email": VIEWER, "password": password}))
        .send()
        .await
        .unwrap();
    let new_cookie = rotated.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(new_cookie, first.cookie);
    assert_eq!(
        me(&first).await,
        401,
        "the old session ended at the new sign-in"
    );

    // Idle timeout.
    let idle = server.sign_in(VIEWER, &password).await.unwrap();
    assert_eq!(me(&idle).await, 200);
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    assert_eq!(me(&idle).await, 401, "idle for longer than 2 s");

    // Absolute timeout, however active.
    let busy = server.sign_in(VIEWER, &password).await.unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        assert_eq!(me(&busy).await, 200);
    }
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    assert_eq!(me(&busy).await, 401, "older than 5 s");

    // Logout, disabling, and a role change each end sessions on the next request.
    let out = server.sign_in(VIEWER, &password).await.unwrap();
    server.api(&out).logout().await.answered(204);
    assert_eq!(me(&out).await, 401);

    let manager = server.login_as(MANAGER).await;
    let manager_id = manager.user_id();
    let admin = server
        .sign_in(ADMIN_EMAIL, crate::support::ADMIN_PASSWORD)
        .await
        .unwrap();
    server
        .api(&admin)
        .put_membership(
            &manager_id,
            json!({"role": "sales_manager", "attributes": {"zone": "SOUTH"}}),
        )
        .await
        .ok();
    assert_eq!(me(&manager).await, 401, "a role change ends the session");

    let executive = server.login_as(EXECUTIVE).await;
    let executive_id = executive.user_id();
    let disabled = server
        .api(&admin)
        .update_user(&executive_id, json!({"disabled": true}))
        .await
        .ok();
    assert!(disabled.disabled);
    assert_eq!(me(&executive).await, 401, "disabling ends the session");
    let refused = server
        .sign_in(EXECUTIVE, &server.accounts[EXECUTIVE])
        .await
        .expect_err("a disabled user cannot sign in");
    assert_eq!(
        (refused.0, refused.1["code"].as_str()),
        (401, Some("invalid_credentials")),
        "{refused:?}"
    );
    let admin_id = admin.user_id();
    server.stop().await;

    // Who did what to whom, when: every change above is in the ledger.
    let store = Store::open(&server_dir(&dir).join("config.redb")).unwrap();
    let entries = store.audit_entries(0, 100_000).unwrap();
    let find = |action: &str, target: &str| {
        entries
            .iter()
            .rev()
            .find(|e| e.event.action == action && e.event.target == target)
            .unwrap_or_else(|| panic!("no {action} of {target} in the audit ledger"))
    };
    let membership = find("membership.put", &manager_id);
    assert_eq!(membership.event.actor, admin_id);
    assert!(membership.event.before.is_some() && membership.event.after.is_some());
    let disabled = find("user.update", &executive_id);
    assert_eq!(disabled.event.actor, admin_id);
    assert_eq!(disabled.event.after.as_ref().unwrap()["disabled"], true);
    assert!(
        !disabled
            .event
            .after
            .as_ref()
            .unwrap()
            .to_string()
            .contains("argon2")
    );
    assert!(find("auth.login", &executive_id).at <= disabled.at);
    assert_eq!(
        find("auth.logout", &out.user_id()).event.actor,
        out.user_id()
    );
    assert!(
        entries
            .iter()
            .any(|e| e.event.action == "auth.login_failed" && e.event.target == EXECUTIVE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(server_dir(&dir));
    config.demo_rows = TEST_ROWS;
    config.secure_cookies = true;
    let server = TestServer::start_with(config).await;
    assert!(
        server.admin.cookie.starts_with("__Host-flexboard_session="),
        "{}",
        server.admin.cookie
    );
    let response = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": VIEWER, "password": server.accounts[VIEWER]}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("__Host-flexboard_session=")
            && cookie.contains("; Secure")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    server.api(&server.admin).me().await.ok();
    // Behind a proxy: the browser's host arrives as X-Forwarded-Host.
    let behind_proxy = server
        .client
        .post(format!("{}/api/v1/auth/logout", server.base))
        .header("cookie", &server.admin.cookie)
        .header("x-csrf-token", &server.admin.csrf)
        .header("origin", "https://dash.example.com")
        .header("x-forwarded-host", "dash.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(behind_proxy.status().as_u16(), 204);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_need_the_csrf_token_and_the_same_origin() {
    // Shared: it ends only its own session, and the refused sign-ins fail before any password
    // is checked, so no account is throttled.
    let server = TestServer::shared().await;
    let viewer = server.login_as(VIEWER).await;
    let post = |path: &'static str, csrf: Option<&'static str>, origin: Option<&'static str>| {
        let server = &server;
        let viewer = viewer.clone();
        async move {
            let mut request = server
                .client
                .post(format!("{}{path}", server.base))
                .header("cookie", &viewer.cookie);
            if let Some(csrf) = csrf {
                request = request.header("x-csrf-token", csrf);
            }
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = post("/api/v1/auth/logout", None, None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("csrf_failed")));
    let (status, _) = post("/api/v1/auth/logout", Some("forged-token"), None).await;
    assert_eq!(status, 403);
    // The session survived both attempts.
    server.api(&viewer).me().await.ok();

    // Another site's form or script is refused even before authentication.
    let response = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("origin", "https://evil.example")
        .json(&json!({"email": VIEWER, "password": server.accounts[VIEWER]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(response.headers().get("set-cookie").is_none());
    let response = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={VIEWER}&password=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400, "only JSON signs in");
    // The same origin with the token passes.
    let origin: &'static str = Box::leak(server.base.clone().into_boxed_str());
    let csrf: &'static str = Box::leak(viewer.csrf.clone().into_boxed_str());
    let (status, _) = post("/api/v1/auth/logout", Some(csrf), Some(origin)).await;
    assert_eq!(status, 204);

    // No GET changes state: the route table has none that could.
    for route in flexboard::http::route_table() {
        if route.method == "GET" {
            assert!(
                !["logout", "select", "password"]
                    .iter()
                    .any(|w| route.path.contains(w)),
                "{route:?}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_limit_writes_and_premium_features() {
    let dir = tempfile::tempdir().unwrap();
    // Its own server: it changes the demo workspace's plan.
    let server = TestServer::start(dir.path()).await;
    let admin = server.api(&server.admin);
    let tenant = server.admin.tenant_id();
    let sales = admin.dashboard("sales-performance", "").await.ok();
    let copy = |id: &str| {
        let mut config = serde_json::to_value(&sales.config).unwrap();
        config["id"] = json!(id);
        config
    };
    let free = admin
        .update_tenant(&tenant, json!({"plan": "free"}))
        .await
        .ok();
    assert_eq!(free.limits.max_dashboards, 5, "{:?}", free.limits);

    // Free: five dashboards; the demo has three.
    for n in 0..2 {
        admin
            .create_template(&copy(&format!("copy-{n}")))
            .await
            .answered(201);
    }
    let message = admin
        .create_template(&copy("copy-2"))
        .await
        .refused(403, "limit_exceeded");
    assert!(message.contains("5 dashboards"), "{message}");
    admin
        .create_template(&copy("copy-0"))
        .await
        .refused(409, "conflict");

    // Free: premium features are refused with a clear error.
    let read_dashboards = json!([{"resource": "dashboards", "action": "read", "scope": "tenant"}]);
    admin
        .put_role("analyst", read_dashboards.clone())
        .await
        .refused(403, "premium_required");
    admin
        .create_api_key("agent", &["sync:read"])
        .await
        .refused(403, "premium_required");

    // Premium: more dashboards, but not more than 60 panels on one.
    admin
        .update_tenant(&tenant, json!({"plan": "premium"}))
        .await
        .ok();
    admin.create_template(&copy("copy-2")).await.answered(201);
    let mut wide = copy("wide");
    let panel = wide["panels"][0].clone();
    wide["panels"] = json!(
        (0..61)
            .map(|i| {
                let mut p = panel.clone();
                p["id"] = json!(format!("kpi_{i}"));
                p
            })
            .collect::<Vec<_>>()
    );
    admin
        .create_template(&wide)
        .await
        .refused(403, "limit_exceeded");
    let analyst = admin.put_role("analyst", read_dashboards).await.ok();
    assert_eq!(analyst.permissions.len(), 1);
    admin
        .create_api_key("agent", &["sync:read"])
        .await
        .answered(201);
    // A role may not reach beyond its tenant.
    admin
        .put_role(
            "overlord",
            json!([{"resource": "tenants", "action": "*", "scope": "all"}]),
        )
        .await
        .refused(400, "invalid_request");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_scoped_shown_once_tracked_and_revocable() {
    let dir = tempfile::tempdir().unwrap();
    // Its own server: it reads the ledger from the data directory.
    let server = TestServer::start(dir.path()).await;
    let admin = server.api(&server.admin);
    let key = admin
        .create_api_key("dashboards only", &["dashboards:read"])
        .await
        .answered(201);
    let secret = key.secret.clone();
    assert!(secret.starts_with("fbk_AK-"), "{secret}");
    admin
        .create_api_key("bad", &["everything"])
        .await
        .refused(400, "invalid_request");

    let with_key = |path: &'static str, secret: String| {
        let server = &server;
        async move {
            let response = server
                .client
                .get(format!("{}{path}", server.base))
                .bearer_auth(secret)
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }
    };
    assert_eq!(with_key("/api/v1/dashboards", secret.clone()).await, 200);
    assert_eq!(
        with_key(
            "/api/v1/panels/sales_overall_kpi/data?dashboard=sales-performance",
            secret.clone()
        )
        .await,
        403,
        "the key has no data:read"
    );
    assert_eq!(with_key("/api/v1/admin/users", secret.clone()).await, 403);
    // Change the last hex digit (to a different one: the secret may already end in `0`).
    let last = if secret.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &secret[..secret.len() - 1]);
    assert_eq!(with_key("/api/v1/dashboards", tampered).await, 401);

    let listed = admin.api_keys().await;
    assert!(
        listed.body[0].get("secret").is_none() && !listed.body.to_string().contains(&secret[15..]),
        "{}",
        listed.body
    );
    let listed = listed.ok();
    assert!(listed[0].last_used_at.is_some(), "{listed:?}");

    let id = key.key.id.clone();
    let revoked = admin.revoke_api_key(&id).await.answered(200);
    assert!(revoked.revoked_at.is_some());
    assert_eq!(with_key("/api/v1/dashboards", secret).await, 401);
    server.stop().await;
    let audited = audit_actions(&server_dir(&dir));
    assert!(
        audited
            .iter()
            .any(|(a, actor, t)| a == "api_key.create" && *t == id && actor.starts_with("US-"))
    );
    assert!(
        audited
            .iter()
            .any(|(a, _, t)| a == "api_key.revoke" && *t == id)
    );
    assert!(
        audited
            .iter()
            .any(|(a, actor, _)| a == "access.deny" && *actor == id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_created_renamed_and_deactivated() {
    let dir = tempfile::tempdir().unwrap();
    // Its own server: it deactivates the demo workspace.
    let server = TestServer::start(dir.path()).await;
    let admin = server.api(&server.admin);
    let created = admin
        .create_tenant(json!({"name": "Gamma Works"}))
        .await
        .ok();
    assert!(
        created.id.starts_with("WK-") && created.id.len() == 12,
        "{}",
        created.id
    );
    assert_eq!(
        (created.plan, created.slug.as_str()),
        (Plan::Free, "gamma-works")
    );
    let renamed = admin
        .update_tenant(&created.id, json!({"name": "Gamma Group"}))
        .await
        .ok();
    assert_eq!(renamed.name, "Gamma Group");
    admin
        .create_tenant(json!({"name": "  "}))
        .await
        .refused(400, "invalid_request");

    // Deactivating the demo tenant shuts its members out, keeps its data.
    let viewer = server.login_as(VIEWER).await;
    let demo = viewer.tenant_id();
    admin
        .update_tenant(&demo, json!({"active": false}))
        .await
        .ok();
    server
        .api(&viewer)
        .dashboards()
        .await
        .refused(403, "forbidden");
    assert!(server.api(&viewer).tenants().await.ok().is_empty());
    admin
        .update_tenant(&demo, json!({"active": true}))
        .await
        .ok();
    let list = server.api(&viewer).dashboards().await.ok();
    assert_eq!(list.tenant.id, demo);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_manager_sees_only_their_zone_and_never_executive_panels() {
    let dir = tempfile::tempdir().unwrap();
    // Its own server: it counts every dashboard the manager is shown.
    let server = TestServer::start(dir.path()).await;
    let manager = server.login_as(MANAGER).await;
    let executive = server.login_as(EXECUTIVE).await;
    let (as_manager, as_executive) = (server.api(&manager), server.api(&executive));
    let sales = "sales-performance";
    let north = as_manager
        .panel_data(sales, "sales_overall_kpi", "")
        .await
        .kpi();
    let all = as_executive
        .panel_data(sales, "sales_overall_kpi", "")
        .await
        .kpi();
    let zones = as_manager
        .panel_data(sales, "sales_by_zone", "")
        .await
        .bar();
    let listed: Vec<String> = as_manager
        .dashboards()
        .await
        .ok()
        .dashboards
        .into_iter()
        .map(|d| d.id)
        .collect();
    let seen_by_manager = as_manager.dashboard(sales, "").await.ok();
    as_manager
        .panel_data(sales, "sales_by_channel", "")
        .await
        .refused(404, "not_found");
    as_manager
        .dashboard("ops-health", "")
        .await
        .refused(404, "not_found");
    as_manager
        .panel_data("ops-health", "ops_cpu_kpi", "")
        .await
        .refused(404, "not_found");
    let seen_by_executive = as_executive.dashboard(sales, "").await.ok();
    as_executive
        .panel_data(sales, "sales_by_channel", "")
        .await
        .answered(200);
    server.stop().await;

    let db = open_tenant_db(&server_dir(&dir));
    let sum = |filter: &str| -> f64 {
        db.query_row(
            &format!("SELECT sum(overall_actual) FROM sales {filter}"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    crate::support::assert_close(
        north.value.expect("a NORTH total"),
        sum("WHERE zone = 'NORTH'"),
        "NORTH",
    );
    crate::support::assert_close(all.value.unwrap(), sum(""), "all zones");
    assert_eq!(zones.categories, ["NORTH"], "{zones:?}");
    assert_eq!(listed, ["sales-overview", sales]);
    assert!(seen_by_manager.config.panel("sales_by_channel").is_none());
    assert!(seen_by_executive.config.panel("sales_by_channel").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_admin_cannot_change_people_who_also_belong_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    // Its own server: it reads the ledger from the data directory.
    let server = TestServer::start(dir.path()).await;
    let admin = server.api(&server.admin);
    // A tenant admin in the demo, and the executive who also joins another workspace.
    let ta = server
        .person("ta@acme.example", "tenant-admin", json!({}))
        .await;
    let executive_id = server.login_as(EXECUTIVE).await.user_id();
    let demo = server.admin.tenant_id();
    let other = admin.create_tenant(json!({"name": "Other"})).await.ok();
    admin.select_tenant(&other.id).await.ok();
    admin
        .put_membership(&executive_id, json!({"role": "viewer"}))
        .await
        .ok();
    admin.select_tenant(&demo).await.ok();

    let message = server
        .api(&ta)
        .update_user(&executive_id, json!({"password": "a takeover passphrase"}))
        .await
        .refused(403, "forbidden");
    assert!(!message.is_empty());
    // A super-admin without membership is not this tenant's to see.
    server
        .api(&ta)
        .update_user(&server.admin.user_id(), json!({"disabled": true}))
        .await
        .refused(404, "not_found");
    // The refusal is audited, and the executive still signs in with their password.
    assert!(
        server
            .sign_in(EXECUTIVE, &server.accounts[EXECUTIVE])
            .await
            .is_ok()
    );
    server.stop().await;
    let audited = audit_actions(&server_dir(&dir));
    assert!(
        audited
            .iter()
            .any(|(a, _, t)| a == "access.deny" && t == &executive_id),
        "{audited:?}"
    );
}

/// The workspace logo sent as a file of `kind`, as `session`.
async fn put_logo(
    server: &TestServer,
    session: &Session,
    kind: &str,
    body: Vec<u8>,
) -> crate::client::RawReply {
    server
        .api(session)
        .raw("PUT", "/api/v1/branding/logo", Some((kind, body)))
        .await
}

async fn get_logo(server: &TestServer, session: &Session) -> crate::client::RawReply {
    server
        .api(session)
        .raw("GET", "/api/v1/branding/logo", None)
        .await
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE,
    0x42, 0x60, 0x82,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_branding_is_checked_sanitized_served_to_members_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let admin = &server.admin;
    let viewer = server.login_as(VIEWER).await;

    let (status, empty) = server
        .call("GET", "/api/v1/branding", Some(&viewer), None)
        .await;
    assert_eq!((status, empty.clone()), (200, json!({})));

    // Colours are #RRGGBB, fonts the embedded ones; viewers cannot change anything.
    let good = json!({"primary_color": "#0B5FFF", "accent_color": "#F59E0B", "font": "Inter", "theme": "dark"});
    for (body, status) in [
        (json!({"primary_color": "red"}), 400),
        (json!({"primary_color": "#0B5FFF;x:url(evil)"}), 400),
        (json!({"font": "Comic Sans"}), 400),
        (json!({"logo": "https://example.com/x.png"}), 400),
        (good.clone(), 200),
    ] {
        let (got, answer) = server
            .call("PUT", "/api/v1/branding", Some(admin), Some(body.clone()))
            .await;
        assert_eq!(got, status, "{body}: {answer}");
    }
    let (status, _) = server
        .call("PUT", "/api/v1/branding", Some(&viewer), Some(good.clone()))
        .await;
    assert_eq!(status, 403);
    // A workspace's own admin may brand it (no super-admin needed).
    let (status, body) = server
        .call("POST", "/api/v1/admin/users", Some(admin), Some(json!({"email": "owner@acme.example", "name": "Olga Owner", "password": "an owner passphrase", "role": "tenant-admin"})))
        .await;
    assert_eq!(status, 201, "{body}");
    let owner = crate::support::login(
        &server.client,
        &server.base,
        "owner@acme.example",
        "an owner passphrase",
    )
    .await
    .unwrap();
    let (status, body) = server
        .call("PUT", "/api/v1/branding", Some(&owner), Some(good.clone()))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, seen) = server
        .call("GET", "/api/v1/branding", Some(&viewer), None)
        .await;
    assert_eq!(seen, good);

    // A raster logo is kept byte for byte and served as what it is.
    let logo = "/api/v1/branding/logo";
    let put = put_logo(&server, admin, "image/png", PNG.to_vec()).await;
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let got = get_logo(&server, &viewer).await;
    assert_eq!((got.status, got.body.as_slice()), (200, PNG));
    assert_eq!(got.kind, "image/png");
    let csp = got.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );

    // Bytes that are not what they claim, or not an image, or too large, are refused.
    for (kind, body, status) in [
        ("image/jpeg", PNG.to_vec(), 415),
        (
            "text/html",
            b"<html><script>alert(1)</script></html>".to_vec(),
            415,
        ),
        ("image/png", vec![0u8; 600 * 1024], 413),
        (
            "image/svg+xml",
            b"<svg xmlns='http://www.w3.org/2000/svg'><use href='#a'/></svg>".to_vec(),
            400,
        ),
    ] {
        let answer = put_logo(&server, admin, kind, body).await;
        assert_eq!(
            answer.status,
            status,
            "{kind}: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    assert_eq!(
        put_logo(&server, &viewer, "image/png", PNG.to_vec())
            .await
            .status,
        403
    );

    // An SVG comes back as shapes only.
    let hostile = br##"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20" onload="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)"><rect width="60" height="20" fill="#0B5FFF"/></a></svg>"##;
    let answer = put_logo(&server, admin, "image/svg+xml", hostile.to_vec()).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let got = get_logo(&server, &viewer).await;
    let svg = String::from_utf8(got.body).unwrap();
    assert!(got.kind.starts_with("image/svg+xml"), "{}", got.kind);
    assert!(
        svg.contains("<path") && !svg.contains("script") && !svg.contains("alert"),
        "{svg}"
    );

    let (status, after) = server.call("DELETE", logo, Some(admin), None).await;
    assert_eq!(status, 200, "{after}");
    assert!(after.get("logo").is_none(), "{after}");
    let (status, _) = server.call("GET", logo, Some(&viewer), None).await;
    assert_eq!(status, 404);

    let data_dir = server.data_dir.clone();
    server.stop().await;
    let actions: Vec<String> = audit_actions(&data_dir)
        .into_iter()
        .map(|(a, _, _)| a)
        .collect();
    for action in ["branding.update", "branding.logo", "branding.logo.delete"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}
