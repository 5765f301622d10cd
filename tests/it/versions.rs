//! The versioning engine over HTTP: the seed scenario's two people, the lifecycle with its
//! review rule and compatibility check, rollback, compare and impact, overrides with history,
//! `asOf` snapshots, experiments, debug provenance, stale writes and the ETag cache.

use serde_json::{Value, json};

use crate::support::{Session, TestServer};

const SALES: &str = "sales-performance";
const EXECUTIVE: &str = "executive@acme.example";
const MANAGER: &str = "north.manager@acme.example";
const VIEWER: &str = "viewer@acme.example";

fn panel_ids(body: &Value) -> Vec<String> {
    body["config"]["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

fn panel<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["config"]["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no panel {id} in {body}"))
}

fn feature_ids(body: &Value) -> Vec<String> {
    body["config"]["features"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_scenario_resolves_for_a_north_manager_and_an_executive() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let manager = server.login_as(MANAGER).await;
    let executive = server.login_as(EXECUTIVE).await;
    let path = format!("/api/v1/dashboards/{SALES}");
    let (status, m) = server.call("GET", &path, Some(&manager), None).await;
    assert_eq!(status, 200, "{m}");
    let (_, e) = server.call("GET", &path, Some(&executive), None).await;

    // Both: the tenant's branding and currency.
    for body in [&m, &e] {
        assert_eq!(body["config"]["branding"]["name"], "Acme Corp", "{body}");
        assert_eq!(body["config"]["currency"], "INR");
        assert_eq!(body["meta"]["templateId"], SALES);
        assert_eq!(body["meta"]["version"], "1.0.0");
    }
    // The manager: manager-level KPIs, the NORTH pre-filter, no executive panels or exports.
    assert_eq!(
        m["meta"]["appliedOverrides"],
        json!(["acme-branding", "zone-north", "manager-kpis"])
    );
    assert_eq!(
        panel(&m, "sales_overall_kpi")["title"],
        "Overall sales (my zone)"
    );
    assert_eq!(
        m["config"]["filters"],
        json!([{"id": "zone", "label": "Zone: NORTH", "column": "zone", "op": "eq", "value": "NORTH"}])
    );
    assert!(
        !panel_ids(&m)
            .iter()
            .any(|p| p == "sales_tyres_kpi" || p == "sales_by_channel")
    );
    assert_eq!(feature_ids(&m), ["export_csv"]);
    // The executive: strategic KPIs from the preset, every export, all zones (no filter).
    assert_eq!(
        e["meta"]["appliedOverrides"],
        json!(["acme-branding", "executive-strategic"])
    );
    for id in ["sales_tyres_kpi", "sales_spares_kpi", "sales_by_channel"] {
        assert!(panel_ids(&e).contains(&id.to_owned()), "{id}");
    }
    assert_eq!(feature_ids(&e), ["export_csv", "export_xlsx", "export_pdf"]);
    assert!(e["config"].get("filters").is_none(), "{}", e["config"]);
    assert_eq!(panel(&e, "sales_overall_kpi")["title"], "Overall sales");
    // The strategic KPI answers with data.
    let (status, tyres) = server
        .call(
            "GET",
            &format!("/api/v1/panels/sales_tyres_kpi/data?dashboard={SALES}"),
            Some(&executive),
            None,
        )
        .await;
    assert_eq!(status, 200, "{tyres}");
    assert!(tyres["value"].as_f64().unwrap() > 0.0);
    server.stop().await;
}

async fn author(server: &TestServer) -> (Session, Session) {
    // Two editors: one writes, the other reviews.
    let admin = Some(&server.admin);
    for (email, name) in [
        ("ed@acme.example", "Ed Author"),
        ("rita@acme.example", "Rita Reviewer"),
    ] {
        let (status, body) = server
            .call("POST", "/api/v1/admin/users", admin, Some(json!({"email": email, "name": name, "password": "an editor passphrase", "role": "editor"})))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let login = |email: &'static str| {
        crate::support::login(&server.client, &server.base, email, "an editor passphrase")
    };
    (
        login("ed@acme.example").await.unwrap(),
        login("rita@acme.example").await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_follow_the_lifecycle_review_rule_and_semver() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (ed, rita) = author(&server).await;
    let viewer = server.login_as(VIEWER).await;
    let base = format!("/api/v1/templates/{SALES}");
    let (_, template) = server.call("GET", &base, Some(&ed), None).await;
    let mut draft = template["template"]["draft"].clone();

    // A text change: patch. Stale revision: 409.
    draft["panels"][0]["title"] = json!("Overall sales, all categories");
    let (status, body) = server
        .call(
            "PUT",
            &format!("{base}/draft"),
            Some(&ed),
            Some(json!({"config": draft, "revision": 0})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let (status, body) = server
        .call(
            "PUT",
            &format!("{base}/draft"),
            Some(&ed),
            Some(json!({"config": draft, "revision": 1})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = server
        .call(
            "PUT",
            &format!("{base}/draft"),
            Some(&viewer),
            Some(json!({"config": draft, "revision": 2})),
        )
        .await;
    assert_eq!(status, 403, "viewers do not author");
    let (status, v) = server
        .call(
            "POST",
            &format!("{base}/versions"),
            Some(&ed),
            Some(json!({"changelog": "Clearer KPI title"})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (
            v["version"]["number"].as_str(),
            v["version"]["state"].as_str()
        ),
        (Some("1.0.1"), Some("draft"))
    );
    assert_eq!(v["compatibility"]["required"], "patch");

    // The lifecycle: no skipping, the author cannot approve, a reviewer can.
    let transition = |number: &'static str, to: &'static str, who: &Session| {
        let who = who.clone();
        let server = &server;
        let base = base.clone();
        async move {
            server
                .call(
                    "POST",
                    &format!("{base}/versions/{number}/transition"),
                    Some(&who),
                    Some(json!({"to": to, "reason": "test"})),
                )
                .await
        }
    };
    let (status, body) = transition("1.0.1", "published", &ed).await;
    assert_eq!(status, 409, "draft cannot be published directly: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("draft → review → published")
    );
    assert_eq!(transition("1.0.1", "review", &ed).await.0, 200);
    let (status, body) = transition("1.0.1", "published", &ed).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (status, body) = transition("1.0.1", "published", &rita).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["reviewer"], rita.me["user"]["id"]);
    let (_, resolved) = server
        .call(
            "GET",
            &format!("/api/v1/dashboards/{SALES}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(resolved["meta"]["version"], "1.0.1");
    assert_eq!(
        panel(&resolved, "sales_overall_kpi")["title"],
        "Overall sales, all categories"
    );
    let (_, versions) = server
        .call("GET", &format!("{base}/versions"), Some(&ed), None)
        .await;
    assert_eq!(
        versions[0]["state"], "deprecated",
        "publishing deprecates the previous: {versions}"
    );
    assert_eq!(transition("1.0.0", "archived", &ed).await.0, 200);
    assert_eq!(
        transition("1.0.0", "published", &ed).await.0,
        409,
        "archived is final"
    );

    // Removing a panel is breaking: a patch bump is refused unless forced with a reason.
    let mut smaller = draft.clone();
    smaller["panels"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["id"] != "sales_entities_kpi");
    server
        .call(
            "PUT",
            &format!("{base}/draft"),
            Some(&ed),
            Some(json!({"config": smaller, "revision": 2})),
        )
        .await;
    let (status, body) = server
        .call(
            "POST",
            &format!("{base}/versions"),
            Some(&ed),
            Some(json!({"changelog": "Drop a KPI", "bump": "patch"})),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Major"),
        "{body}"
    );
    let (status, v) = server
        .call("POST", &format!("{base}/versions"), Some(&ed), Some(json!({"changelog": "Drop a KPI", "bump": "patch", "force_reason": "nobody used it"})))
        .await;
    assert_eq!(
        (status, v["version"]["number"].as_str()),
        (201, Some("1.0.2")),
        "{v}"
    );
    let (status, v) = server
        .call(
            "POST",
            &format!("{base}/versions"),
            Some(&ed),
            Some(json!({"changelog": "again"})),
        )
        .await;
    // Without a bump the check's proposal applies: major, against the published 1.0.1.
    assert_eq!(
        (status, v["version"]["number"].as_str()),
        (201, Some("2.0.0")),
        "{v}"
    );

    // Compare: a structured diff.
    let (status, diff) = server
        .call(
            "GET",
            &format!("{base}/compare?from=1.0.1&to=1.0.2"),
            Some(&ed),
            None,
        )
        .await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff["required"], "major");
    assert_eq!(diff["changes"][0]["path"], "panels[id=sales_entities_kpi]");
    assert_eq!(diff["changes"][0]["kind"], "removed");

    // Impact of 1.0.2: the manager override touches the removed KPI; who would see a change.
    let (status, impact) = server
        .call(
            "GET",
            &format!("{base}/versions/1.0.2/impact"),
            Some(&ed),
            None,
        )
        .await;
    assert_eq!(status, 200, "{impact}");
    assert_eq!(
        impact["overridesTouchingRemovedPaths"][0]["id"], "manager-kpis",
        "{impact}"
    );
    // An editor may not read people: the members are told by role, without emails.
    let affected: Vec<&str> = impact["affectedMembers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert!(m.get("email").is_none() && m.get("user").is_none(), "{m}");
            m["role"].as_str().unwrap()
        })
        .collect();
    assert!(
        affected.contains(&"viewer") && affected.contains(&"sales_manager"),
        "{affected:?}"
    );
    // Whoever may read people (the super-admin here) sees who they are.
    let (_, impact) = server.get(&format!("{base}/versions/1.0.2/impact")).await;
    let emails: Vec<&str> = impact["affectedMembers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(
        emails.contains(&VIEWER) && emails.contains(&MANAGER),
        "{emails:?}"
    );

    // Rollback: a new published version restored from 1.0.0.
    let (status, restored) = server
        .call(
            "POST",
            &format!("{base}/versions/1.0.0/restore"),
            Some(&ed),
            Some(json!({"reason": "the new title confused people"})),
        )
        .await;
    assert_eq!(status, 201, "{restored}");
    assert_eq!(
        (
            restored["number"].as_str(),
            restored["restored_from"].as_str(),
            restored["state"].as_str()
        ),
        (Some("2.0.1"), Some("1.0.0"), Some("published"))
    );
    let (_, resolved) = server
        .call(
            "GET",
            &format!("/api/v1/dashboards/{SALES}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(resolved["meta"]["version"], "2.0.1");
    assert_eq!(
        panel(&resolved, "sales_overall_kpi")["title"],
        "Overall sales"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_serves_what_was_live_across_a_publish_and_an_override_change() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (ed, rita) = author(&server).await;
    let manager = server.login_as(MANAGER).await;
    let base = format!("/api/v1/templates/{SALES}");
    let resolve = |session: &Session, query: String| {
        let session = session.clone();
        let server = &server;
        async move {
            server
                .call(
                    "GET",
                    &format!("/api/v1/dashboards/{SALES}{query}"),
                    Some(&session),
                    None,
                )
                .await
                .1
        }
    };
    let before = resolve(&manager, String::new()).await;
    let t0 = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    // A publish…
    let (_, template) = server.call("GET", &base, Some(&ed), None).await;
    let mut draft = template["template"]["draft"].clone();
    draft["description"] = json!("Now with a new description.");
    server
        .call(
            "PUT",
            &format!("{base}/draft"),
            Some(&ed),
            Some(json!({"config": draft, "revision": 1})),
        )
        .await;
    server
        .call(
            "POST",
            &format!("{base}/versions"),
            Some(&ed),
            Some(json!({"changelog": "New description"})),
        )
        .await;
    for (to, who) in [("review", &ed), ("published", &rita)] {
        let (status, body) = server
            .call(
                "POST",
                &format!("{base}/versions/1.0.1/transition"),
                Some(who),
                Some(json!({"to": to, "reason": "t"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let t1 = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // …then an override change, kept in its history.
    let (_, o) = server
        .call("GET", "/api/v1/overrides/manager-kpis", Some(&ed), None)
        .await;
    let mut patch = o["current"]["patch"].clone();
    patch["panels"][0]["title"] = json!("North sales");
    let (status, body) = server
        .call("PUT", "/api/v1/overrides/manager-kpis", Some(&ed), Some(json!({"scope": o["current"]["scope"], "patch": patch, "reason": "shorter", "revision": 1, "versions": o["current"]["versions"]})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = server
        .call("PUT", "/api/v1/overrides/manager-kpis", Some(&ed), Some(json!({"scope": o["current"]["scope"], "patch": patch, "reason": "stale", "revision": 1})))
        .await;
    assert_eq!(status, 409, "a stale override write is refused");
    let now = resolve(&manager, String::new()).await;
    assert_eq!(now["meta"]["version"], "1.0.1");
    assert_eq!(panel(&now, "sales_overall_kpi")["title"], "North sales");

    let at = |t: chrono::DateTime<chrono::Utc>| {
        format!(
            "?asOf={}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .replace('+', "%2B")
        )
    };
    let then = resolve(&manager, at(t0)).await;
    assert_eq!(then["meta"]["version"], "1.0.0");
    assert_eq!(
        then["config"], before["config"],
        "asOf t0 is exactly what was served at t0"
    );
    let middle = resolve(&manager, at(t1)).await;
    assert_eq!(middle["meta"]["version"], "1.0.1");
    assert_eq!(
        panel(&middle, "sales_overall_kpi")["title"],
        "Overall sales (my zone)"
    );
    let (_, history) = server
        .call("GET", "/api/v1/overrides/manager-kpis", Some(&ed), None)
        .await;
    assert_eq!(history["history"].as_array().unwrap().len(), 2);
    assert_eq!(
        history["history"][0]["state"]["patch"]["panels"][0]["title"],
        "Overall sales (my zone)"
    );
    let (status, _) = server
        .call(
            "GET",
            &format!("/api/v1/dashboards/{SALES}?asOf=2001-01-01T00:00:00Z"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(status, 404, "nothing was published then");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_provenance_cache_etag_and_experiments() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (ed, _) = author(&server).await;
    let manager = server.login_as(MANAGER).await;
    let path = format!("/api/v1/dashboards/{SALES}");

    // Debug is for editors; it names the layer that set each changed path and what was cut.
    let (status, _) = server
        .call("GET", &format!("{path}?debug=true"), Some(&manager), None)
        .await;
    assert_eq!(status, 403);
    let (status, body) = server
        .call(
            "GET",
            &format!(
                "{path}?debug=true&as_user={}",
                manager.me["user"]["id"].as_str().unwrap()
            ),
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let debug = &body["_debug"]["resolution"];
    assert_eq!(debug["baseVersion"], "1.0.0");
    assert_eq!(
        debug["provenance"]["panels[id=sales_overall_kpi].title"], "manager-kpis",
        "{debug}"
    );
    assert_eq!(debug["provenance"]["currency"], "acme-branding");
    assert_eq!(debug["provenance"]["filters"], "zone-north");
    assert_eq!(
        debug["permissionFilters"],
        json!(["panels[id=sales_by_channel]"])
    );
    assert!(debug["resolutionTimeMs"].as_f64().unwrap() >= 0.0);

    // ETag: the same answer again is 304; a change makes a new one.
    let get = |etag: Option<String>| {
        let server = &server;
        let manager = manager.clone();
        let path = path.clone();
        async move {
            let mut request = server
                .client
                .get(format!("{}{path}", server.base))
                .header("cookie", &manager.cookie);
            if let Some(etag) = etag {
                request = request.header("if-none-match", etag);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let etag = response
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, etag, response.text().await.unwrap())
        }
    };
    let (status, etag, first) = get(None).await;
    assert_eq!(status, 200);
    let etag = etag.expect("an ETag");
    let (status, _, _) = get(Some(etag.clone())).await;
    assert_eq!(status, 304);
    let (_, again_etag, again) = get(None).await;
    assert_eq!(
        (again_etag.as_ref(), &again),
        (Some(&etag), &first),
        "a cached answer is byte for byte the same"
    );
    let (_, o) = server
        .call("GET", "/api/v1/overrides/zone-north", Some(&ed), None)
        .await;
    let (status, body) = server
        .call("PUT", "/api/v1/overrides/zone-north", Some(&ed), Some(json!({"scope": o["current"]["scope"], "patch": {"filters": [{"id": "zone", "column": "zone", "op": "eq", "value": "NORTH", "label": "North only"}]}, "reason": "label", "revision": 1})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, new_etag, changed) = get(Some(etag.clone())).await;
    assert_eq!(
        status, 200,
        "the override changed, so the old ETag no longer matches"
    );
    assert_ne!(new_etag.unwrap(), etag);
    assert!(changed.contains("North only"));

    // An experiment: a sticky 100 % rollout of an override for managers, then promoted.
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/v1/templates/{SALES}/overrides"),
            Some(&ed),
            Some(json!({"id": "compact-title", "scope": {"type": "role", "value": "sales_manager"}, "active": false, "priority": 900, "patch": {"name": "Sales (compact)"}, "reason": "trial"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/v1/templates/{SALES}/experiments"),
            Some(&ed),
            Some(json!({"id": "compact", "arms": [{"name": "compact", "override": "compact-title", "weight": 100}], "audience": {"type": "role", "value": "sales_manager"}, "reason": "try a shorter name"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, in_arm) = server.call("GET", &path, Some(&manager), None).await;
    assert_eq!(
        in_arm["meta"]["experiment"],
        json!({"id": "compact", "arm": "compact"})
    );
    assert_eq!(in_arm["config"]["name"], "Sales (compact)");
    let viewer = server.login_as(VIEWER).await;
    let (_, outside) = server.call("GET", &path, Some(&viewer), None).await;
    assert!(
        outside["meta"].get("experiment").is_none(),
        "the audience is managers only"
    );
    let (status, body) = server
        .call(
            "POST",
            "/api/v1/experiments/compact/promote",
            Some(&ed),
            Some(json!({"arm": "compact", "reason": "it worked"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["current"]["running"].as_bool(),
            body["current"]["winner"].as_str()
        ),
        (Some(false), Some("compact"))
    );
    let (_, after) = server.call("GET", &path, Some(&manager), None).await;
    assert!(after["meta"].get("experiment").is_none());
    assert_eq!(
        after["config"]["name"], "Sales (compact)",
        "the winning override is on for everyone it scopes"
    );
    server.stop().await;
}

/// Removes every `visible_to` member, anywhere.
fn strip_audiences(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("visible_to");
            map.values_mut().for_each(strip_audiences);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_audiences),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audience_named_only_by_an_override_still_hides_its_panel() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (ed, _) = author(&server).await;
    let manager = server.login_as(MANAGER).await;
    let base = format!("/api/v1/templates/{SALES}");
    let (_, template) = server.call("GET", &base, Some(&ed), None).await;
    let mut draft = template["template"]["draft"].clone();
    strip_audiences(&mut draft);
    let revision = template["template"]["draft_revision"].as_u64().unwrap();
    let (status, body) = server
        .call(
            "PUT",
            &format!("{base}/draft"),
            Some(&ed),
            Some(json!({"config": draft, "revision": revision})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let preview = format!(
        "/api/v1/dashboards/{SALES}?preview=draft&debug=true&as_user={}",
        manager.me["user"]["id"].as_str().unwrap()
    );
    let (status, before) = server
        .call("GET", &preview, Some(&server.admin), None)
        .await;
    assert_eq!(status, 200, "{before}");
    assert!(panel_ids(&before).contains(&"sales_by_channel".to_owned()));
    assert!(panel_ids(&before).contains(&"sales_overall_kpi".to_owned()));

    let (status, body) = server
        .call(
            "POST",
            &format!("{base}/overrides"),
            Some(&ed),
            Some(json!({"id": "kpi-for-executives", "scope": {"type": "role", "value": "sales_manager"}, "patch": {"panels": [{"id": "sales_overall_kpi", "visible_to": ["executive"]}]}, "reason": "executives only"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, after) = server
        .call("GET", &preview, Some(&server.admin), None)
        .await;
    assert_eq!(status, 200, "{after}");
    assert!(
        !panel_ids(&after).contains(&"sales_overall_kpi".to_owned()),
        "{after}"
    );
    assert_eq!(
        after["_debug"]["resolution"]["permissionFilters"],
        json!(["panels[id=sales_overall_kpi]"])
    );
    server.stop().await;
}

/// A user override may name its user by email (any case): it reaches that user, whether they
/// ask themselves or an admin views the dashboard as them, and nobody else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_override_named_by_email_reaches_that_user_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (ed, _) = author(&server).await;
    let manager = server.login_as(MANAGER).await;
    let executive = server.login_as("executive@acme.example").await;
    let (status, body) = server
        .call(
            "POST",
            &format!("/api/v1/templates/{SALES}/overrides"),
            Some(&ed),
            Some(json!({"id": "nikhil-title", "scope": {"type": "user", "value": MANAGER.to_uppercase()}, "patch": {"panels": [{"id": "sales_overall_kpi", "title": "Nikhil's sales"}]}, "reason": "named by email"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let path = format!("/api/v1/dashboards/{SALES}");
    let title = |body: &Value| panel(body, "sales_overall_kpi")["title"].clone();
    let (status, own) = server.call("GET", &path, Some(&manager), None).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(title(&own), "Nikhil's sales");
    assert!(
        own["meta"]["appliedOverrides"]
            .as_array()
            .unwrap()
            .contains(&json!("nikhil-title"))
    );
    let as_manager = format!(
        "{path}?as_user={}",
        manager.me["user"]["id"].as_str().unwrap()
    );
    let (status, viewed) = server
        .call("GET", &as_manager, Some(&server.admin), None)
        .await;
    assert_eq!(status, 200, "{viewed}");
    assert_eq!(title(&viewed), "Nikhil's sales");
    let (status, other) = server.call("GET", &path, Some(&executive), None).await;
    assert_eq!(status, 200, "{other}");
    assert_eq!(title(&other), "Overall sales");
    server.stop().await;
}
