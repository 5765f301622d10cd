//! The versioning engine over HTTP: the seed scenario's two people, the lifecycle with its
//! review rule and compatibility check, rollback, compare and impact, overrides with history,
//! `asOf` snapshots, experiments, debug provenance, stale writes and the ETag cache.

use flexboard::analytics::PanelData;
use flexboard::appliance::{AffectedMember, ResolvedDashboard};
use flexboard::versioning::VersionState;
use flexboard::versioning::compat::{Bump, DiffKind};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_scenario_resolves_for_a_north_manager_and_an_executive() {
    let server = TestServer::shared().await;
    let manager = server.login_as(MANAGER).await;
    let executive = server.login_as(EXECUTIVE).await;
    let m = server.api(&manager).dashboard(SALES, "").await.ok();
    let e = server.api(&executive).dashboard(SALES, "").await.ok();

    // Both: the tenant's branding and currency.
    for body in [&m, &e] {
        let branding = body.config.branding.as_ref().expect("branding");
        assert_eq!(branding.name.as_deref(), Some("Acme Corp"));
        assert_eq!(body.config.currency.as_deref(), Some("INR"));
        assert_eq!(body.meta.template_id, SALES);
        assert_eq!(body.meta.version, "1.0.0");
    }
    // The manager: manager-level KPIs, the NORTH pre-filter, no executive panels or exports.
    assert_eq!(
        m.meta.applied_overrides,
        ["acme-branding", "zone-north", "manager-kpis"]
    );
    let title = |d: &ResolvedDashboard, id: &str| {
        d.config
            .panel(id)
            .unwrap_or_else(|| panic!("no panel {id}"))
            .title
            .clone()
    };
    assert_eq!(title(&m, "sales_overall_kpi"), "Overall sales (my zone)");
    assert_eq!(
        serde_json::to_value(&m.config.filters).unwrap(),
        json!([{"id": "zone", "label": "Zone: NORTH", "column": "zone", "op": "eq", "value": "NORTH"}])
    );
    assert!(
        m.config
            .panels
            .iter()
            .all(|p| p.id != "sales_tyres_kpi" && p.id != "sales_by_channel")
    );
    let features = |d: &ResolvedDashboard| -> Vec<String> {
        d.config.features.iter().map(|f| f.id.clone()).collect()
    };
    assert_eq!(features(&m), ["export_csv"]);
    // The executive: strategic KPIs from the preset, every export, all zones (no filter).
    assert_eq!(
        e.meta.applied_overrides,
        ["acme-branding", "executive-strategic"]
    );
    for id in ["sales_tyres_kpi", "sales_spares_kpi", "sales_by_channel"] {
        assert!(e.config.panel(id).is_some(), "{id}");
    }
    assert_eq!(features(&e), ["export_csv", "export_json", "export_xlsx"]);
    assert!(e.config.filters.is_empty());
    assert_eq!(title(&e, "sales_overall_kpi"), "Overall sales");
    // The strategic KPI answers with data.
    let tyres = server
        .api(&executive)
        .panel_data(SALES, "sales_tyres_kpi", "")
        .await
        .ok();
    let PanelData::Kpi(tyres) = tyres else {
        panic!("a KPI answers KPI data: {tyres:?}")
    };
    assert!(tyres.value.unwrap() > 0.0);
}

/// The whole answer the seed scenario's manager gets, recorded: any change to what resolution
/// produces (a layer, a default, the order of panels) shows up here as a reviewed diff.
/// `INSTA_UPDATE=always cargo test --release snapshot` records it anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_north_managers_sales_dashboard_is_as_recorded() {
    let server = TestServer::shared().await;
    let manager = server.login_as(MANAGER).await;
    let mut answer = server.api(&manager).dashboard(SALES, "").await.body;
    // The only part that changes from one request to the next.
    answer["meta"]["resolvedAt"] = json!("<time>");
    insta::assert_json_snapshot!("north_manager_sales_dashboard", answer);
}

async fn author(server: &TestServer) -> (Session, Session) {
    author_as(server, "").await
}

/// Two editors, one who writes and one who reviews; `tag` keeps their emails apart from other
/// tests' on a shared server.
pub(crate) async fn author_as(server: &TestServer, tag: &str) -> (Session, Session) {
    let admin = Some(&server.admin);
    let emails = [
        (format!("ed{tag}@acme.example"), "Ed Author"),
        (format!("rita{tag}@acme.example"), "Rita Reviewer"),
    ];
    for (email, name) in &emails {
        let (status, body) = server
            .call("POST", "/api/v1/admin/users", admin, Some(json!({"email": email, "name": name, "password": "an editor passphrase", "role": "editor"})))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let login = |email: &str| {
        let email = email.to_owned();
        async move {
            crate::support::login(&server.client, &server.base, &email, "an editor passphrase")
                .await
                .unwrap()
        }
    };
    (login(&emails[0].0).await, login(&emails[1].0).await)
}

/// A template of the calling test's own on the shared server: the demo's sales dashboard under
/// `id`, with version 1.0.0 published (written by the first editor, approved by the second).
/// Returns the editors and the draft.
pub(crate) async fn own_sales_template(server: &TestServer, id: &str) -> (Session, Session, Value) {
    let (ed, rita) = author_as(server, &format!(".{id}")).await;
    let sales = server.api(&server.admin).template(SALES).await.ok();
    let mut config = sales.template.draft;
    config["id"] = json!(id);
    let template = server.api(&ed).create_template(&config).await.ok();
    let first = server
        .api(&ed)
        .create_version(id, json!({"changelog": "First"}))
        .await
        .ok();
    assert_eq!(first.version.number, "1.0.0");
    review_and_publish(server, &ed, &rita, id, "1.0.0").await;
    (ed, rita, template.draft)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_draft_is_a_conflict_viewers_do_not_author_and_a_text_change_is_a_patch() {
    let server = TestServer::shared().await;
    let id = "lifecycle-drafts";
    let (ed, _, mut draft) = own_sales_template(&server, id).await;
    let viewer = server.login_as(VIEWER).await;
    let revision = server
        .api(&ed)
        .template(id)
        .await
        .ok()
        .template
        .draft_revision;
    draft["panels"][0]["title"] = json!("Overall sales, all categories");
    server
        .api(&ed)
        .put_draft(id, &draft, revision - 1)
        .await
        .refused(409, "conflict");
    server.api(&ed).put_draft(id, &draft, revision).await.ok();
    server
        .api(&viewer)
        .put_draft(id, &draft, revision + 1)
        .await
        .refused(403, "forbidden");
    let v = server
        .api(&ed)
        .create_version(id, json!({"changelog": "Clearer KPI title"}))
        .await
        .ok();
    assert_eq!(v.version.number, "1.0.1");
    assert_eq!(v.version.state, VersionState::Draft);
    assert_eq!(v.compatibility.unwrap().required, Some(Bump::Patch));
}

/// The author sends version `number` to review, the reviewer publishes it.
pub(crate) async fn review_and_publish(
    server: &TestServer,
    author: &Session,
    reviewer: &Session,
    id: &str,
    number: &str,
) {
    server
        .api(author)
        .transition(id, number, "review")
        .await
        .ok();
    server
        .api(reviewer)
        .transition(id, number, "published")
        .await
        .ok();
}

/// Saves `draft` as the template's draft, at the revision the server has.
pub(crate) async fn save_draft(server: &TestServer, ed: &Session, id: &str, draft: &Value) {
    let revision = server
        .api(ed)
        .template(id)
        .await
        .ok()
        .template
        .draft_revision;
    server.api(ed).put_draft(id, draft, revision).await.ok();
}

/// The change a major bump is needed for: a KPI removed.
fn drop_entities_kpi(draft: &mut Value) {
    draft["panels"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["id"] != "sales_entities_kpi");
}

/// Ed's draft with a new KPI title, versioned as 1.0.1 (a draft).
async fn retitled(server: &TestServer, ed: &Session, id: &str, mut draft: Value) {
    draft["panels"][0]["title"] = json!("Overall sales, all categories");
    save_draft(server, ed, id, &draft).await;
    let v = server
        .api(ed)
        .create_version(id, json!({"changelog": "Clearer KPI title"}))
        .await
        .ok();
    assert_eq!(v.version.number, "1.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_is_reviewed_by_someone_else_before_it_is_published() {
    let server = TestServer::shared().await;
    let id = "lifecycle-review";
    let (ed, rita, draft) = own_sales_template(&server, id).await;
    let viewer = server.login_as(VIEWER).await;
    retitled(&server, &ed, id, draft).await;
    // No skipping: a draft goes to review first.
    let message = server
        .api(&ed)
        .transition(id, "1.0.1", "published")
        .await
        .refused(409, "conflict");
    assert!(message.contains("draft → review → published"), "{message}");
    server.api(&ed).transition(id, "1.0.1", "review").await.ok();
    // The author cannot approve; a reviewer can.
    server
        .api(&ed)
        .transition(id, "1.0.1", "published")
        .await
        .refused(403, "forbidden");
    let published = server
        .api(&rita)
        .transition(id, "1.0.1", "published")
        .await
        .ok();
    assert_eq!(
        published.reviewer.as_deref(),
        rita.me["user"]["id"].as_str()
    );
    let resolved = server.api(&viewer).dashboard(id, "").await.ok();
    assert_eq!(resolved.meta.version, "1.0.1");
    assert_eq!(
        resolved.config.panel("sales_overall_kpi").unwrap().title,
        "Overall sales, all categories"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_deprecates_the_previous_version_and_archived_is_final() {
    let server = TestServer::shared().await;
    let id = "lifecycle-retire";
    let (ed, rita, draft) = own_sales_template(&server, id).await;
    retitled(&server, &ed, id, draft).await;
    review_and_publish(&server, &ed, &rita, id, "1.0.1").await;
    let versions = server.api(&ed).versions(id).await.ok();
    assert_eq!(versions[0].number, "1.0.0");
    assert_eq!(versions[0].state, VersionState::Deprecated, "{versions:?}");
    server
        .api(&ed)
        .transition(id, "1.0.0", "archived")
        .await
        .ok();
    server
        .api(&ed)
        .transition(id, "1.0.0", "published")
        .await
        .refused(409, "conflict");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_panel_needs_a_major_bump_unless_forced_with_a_reason() {
    let server = TestServer::shared().await;
    let id = "lifecycle-semver";
    let (ed, _, mut draft) = own_sales_template(&server, id).await;
    drop_entities_kpi(&mut draft);
    save_draft(&server, &ed, id, &draft).await;
    let message = server
        .api(&ed)
        .create_version(id, json!({"changelog": "Drop a KPI", "bump": "patch"}))
        .await
        .refused(409, "conflict");
    assert!(message.contains("Major"), "{message}");
    let forced = server
        .api(&ed)
        .create_version(
            id,
            json!({"changelog": "Drop a KPI", "bump": "patch", "force_reason": "nobody used it"}),
        )
        .await
        .ok();
    assert_eq!(forced.version.number, "1.0.1");
    // Without a bump the check's proposal applies: major, against the published 1.0.0.
    let proposed = server
        .api(&ed)
        .create_version(id, json!({"changelog": "again"}))
        .await
        .ok();
    assert_eq!(proposed.version.number, "2.0.0");
    // Compare: a structured diff.
    let diff = server.api(&ed).compare(id, "1.0.0", "1.0.1").await.ok();
    assert_eq!(diff.required, Some(Bump::Major));
    assert_eq!(diff.changes[0].path, "panels[id=sales_entities_kpi]");
    assert_eq!(diff.changes[0].kind, DiffKind::Removed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impact_names_touched_overrides_and_names_people_only_to_who_may_read_them() {
    let server = TestServer::shared().await;
    let id = "lifecycle-impact";
    let (ed, _, mut draft) = own_sales_template(&server, id).await;
    // An override of the managers' that retitles the KPI the next version removes.
    server
        .api(&ed)
        .create_override(
            id,
            json!({
                "id": "lifecycle-impact-managers",
                "scope": {"type": "role", "value": "sales_manager"},
                "patch": {"panels": [{"id": "sales_entities_kpi", "title": "Entities (managers)"}]},
                "reason": "managers name it differently"
            }),
        )
        .await
        .ok();
    drop_entities_kpi(&mut draft);
    save_draft(&server, &ed, id, &draft).await;
    let v = server
        .api(&ed)
        .create_version(id, json!({"changelog": "Drop a KPI"}))
        .await
        .ok();
    let number = v.version.number;
    let impact = server.api(&ed).impact(id, &number).await.ok();
    assert_eq!(
        impact.overrides_touching_removed_paths[0].id,
        "lifecycle-impact-managers"
    );
    // An editor may not read people: the members are told by role, without emails.
    let roles: Vec<&str> = impact
        .affected_members
        .iter()
        .map(|m| match m {
            AffectedMember::Role { role } => role.as_str(),
            AffectedMember::Person { .. } => panic!("an editor is told no names: {m:?}"),
        })
        .collect();
    assert!(
        roles.contains(&"viewer") && roles.contains(&"sales_manager"),
        "{roles:?}"
    );
    // Whoever may read people (the super-admin here) sees who they are.
    let impact = server.api(&server.admin).impact(id, &number).await.ok();
    let emails: Vec<&str> = impact
        .affected_members
        .iter()
        .map(|m| match m {
            AffectedMember::Person { email, .. } => email.as_str(),
            AffectedMember::Role { .. } => panic!("the super-admin is told names: {m:?}"),
        })
        .collect();
    assert!(
        emails.contains(&VIEWER) && emails.contains(&MANAGER),
        "{emails:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_publishes_a_new_version_with_an_earlier_published_configuration() {
    let server = TestServer::shared().await;
    let id = "lifecycle-restore";
    let (ed, rita, draft) = own_sales_template(&server, id).await;
    let viewer = server.login_as(VIEWER).await;
    retitled(&server, &ed, id, draft).await;
    review_and_publish(&server, &ed, &rita, id, "1.0.1").await;
    let restored = server
        .api(&ed)
        .restore(id, "1.0.0", "the new title confused people")
        .await
        .ok();
    assert_eq!(restored.number, "1.0.2");
    assert_eq!(restored.restored_from.as_deref(), Some("1.0.0"));
    assert_eq!(restored.state, VersionState::Published);
    let resolved = server.api(&viewer).dashboard(id, "").await.ok();
    assert_eq!(resolved.meta.version, "1.0.2");
    assert_eq!(
        resolved.config.panel("sales_overall_kpi").unwrap().title,
        "Overall sales"
    );
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
