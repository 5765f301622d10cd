//! `/api/v1/templates`, `/presets`, `/overrides`, `/experiments`: authoring dashboards. The
//! appliance checks permissions, revisions and the lifecycle; these handlers carry requests in
//! and answers out.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use ts_rs::TS;

use super::error::ApiError;
use super::session::Granted;
use super::{Body, blocking};
use crate::appliance::{
    Appliance, ExperimentInput, ExperimentView, Impact, NewTemplate, NewVersion, NewVersionAnswer,
    OverrideInput, OverrideView, PresetInput, PresetView, TemplateDetail, TemplatePatch,
    TemplateSummary, TemplateView, TransitionInput, VersionSummary, VersionView,
};
use crate::versioning::compat::Compatibility;

type Answer<T> = Result<Json<T>, ApiError>;
type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

pub async fn list(State(app): State<Arc<Appliance>>, g: Granted) -> Answer<Vec<TemplateSummary>> {
    Ok(Json(
        blocking(&app, move |app| app.templates(&g.grant)).await?,
    ))
}

pub async fn create(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Body(body): Body<NewTemplate>,
) -> Created<TemplateView> {
    let t = blocking(&app, move |app| app.create_template(&g.grant, body)).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

pub async fn get(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<TemplateDetail> {
    Ok(Json(
        blocking(&app, move |app| app.template(&g.grant, &id)).await?,
    ))
}

pub async fn update(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<TemplatePatch>,
) -> Answer<TemplateView> {
    Ok(Json(
        blocking(&app, move |app| app.update_template(&g.grant, &id, body))
            .await?
            .into(),
    ))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    config: Value,
    revision: u64,
}

pub async fn put_draft(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<DraftBody>,
) -> Answer<TemplateView> {
    Ok(Json(
        blocking(&app, move |app| {
            app.put_draft(&g.grant, &id, body.config, body.revision)
        })
        .await?
        .into(),
    ))
}

pub async fn versions(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Vec<VersionSummary>> {
    Ok(Json(
        blocking(&app, move |app| app.versions(&g.grant, &id)).await?,
    ))
}

pub async fn create_version(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<NewVersion>,
) -> Created<NewVersionAnswer> {
    let v = blocking(&app, move |app| app.create_version(&g.grant, &id, body)).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

pub async fn version(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((id, number)): Path<(String, String)>,
) -> Answer<VersionView> {
    Ok(Json(
        blocking(&app, move |app| app.version(&g.grant, &id, &number))
            .await?
            .into(),
    ))
}

pub async fn transition(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((id, number)): Path<(String, String)>,
    Body(body): Body<TransitionInput>,
) -> Answer<VersionSummary> {
    Ok(Json(
        blocking(&app, move |app| {
            app.transition(&g.grant, &id, &number, body)
        })
        .await?,
    ))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

pub async fn restore(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((id, number)): Path<(String, String)>,
    Body(body): Body<ReasonBody>,
) -> Created<VersionSummary> {
    let v = blocking(&app, move |app| {
        app.restore(&g.grant, &id, &number, &body.reason)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Deserialize)]
pub struct CompareParams {
    from: String,
    to: String,
}

pub async fn compare(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Query(params): Query<CompareParams>,
) -> Answer<Compatibility> {
    Ok(Json(
        blocking(&app, move |app| {
            app.compare_versions(&g.grant, &id, &params.from, &params.to)
        })
        .await?,
    ))
}

pub async fn impact(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((id, number)): Path<(String, String)>,
) -> Answer<Impact> {
    Ok(Json(
        blocking(&app, move |app| app.impact(&g.grant, &id, &number)).await?,
    ))
}

pub async fn overrides(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Vec<OverrideView>> {
    let overrides = blocking(&app, move |app| app.overrides(&g.grant, &id)).await?;
    Ok(Json(
        overrides.into_iter().map(OverrideView::from).collect(),
    ))
}

pub async fn create_override(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<OverrideInput>,
) -> Created<OverrideView> {
    let o = blocking(&app, move |app| app.create_override(&g.grant, &id, body)).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

pub async fn get_override(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<OverrideView> {
    Ok(Json(
        blocking(&app, move |app| app.override_record(&g.grant, &id))
            .await?
            .into(),
    ))
}

pub async fn update_override(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<OverrideInput>,
) -> Answer<OverrideView> {
    Ok(Json(
        blocking(&app, move |app| {
            app.update_override(&g.grant, &id, body, false)
        })
        .await?
        .into(),
    ))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    reason: String,
    revision: u64,
}

pub async fn delete_override(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<DeleteBody>,
) -> Answer<OverrideView> {
    Ok(Json(
        blocking(&app, move |app| {
            let existing = app.override_record(&g.grant, &id)?;
            let input = OverrideInput {
                id: None,
                scope: existing.current.scope,
                priority: existing.current.priority,
                active: false,
                versions: existing.current.versions,
                patch: existing.current.patch,
                reason: body.reason,
                revision: Some(body.revision),
            };
            app.update_override(&g.grant, &id, input, true)
        })
        .await?
        .into(),
    ))
}

pub async fn presets(State(app): State<Arc<Appliance>>, g: Granted) -> Answer<Vec<PresetView>> {
    let presets = blocking(&app, move |app| app.presets(&g.grant)).await?;
    Ok(Json(presets.into_iter().map(PresetView::from).collect()))
}

pub async fn put_preset(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<PresetInput>,
) -> Answer<PresetView> {
    Ok(Json(
        blocking(&app, move |app| app.put_preset(&g.grant, &id, body))
            .await?
            .into(),
    ))
}

pub async fn experiments(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Vec<ExperimentView>> {
    let experiments = blocking(&app, move |app| app.experiments(&g.grant, &id)).await?;
    Ok(Json(
        experiments.into_iter().map(ExperimentView::from).collect(),
    ))
}

pub async fn create_experiment(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<ExperimentInput>,
) -> Created<ExperimentView> {
    let e = blocking(&app, move |app| app.create_experiment(&g.grant, &id, body)).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

pub async fn update_experiment(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<ExperimentInput>,
) -> Answer<ExperimentView> {
    Ok(Json(
        blocking(&app, move |app| {
            app.update_experiment(&g.grant, &id, body, None)
        })
        .await?
        .into(),
    ))
}

#[derive(Deserialize, TS)]
#[ts(optional_fields)]
#[serde(deny_unknown_fields)]
pub struct PromoteBody {
    arm: String,
    reason: String,
}

pub async fn promote(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<PromoteBody>,
) -> Answer<ExperimentView> {
    Ok(Json(
        blocking(&app, move |app| {
            let input = ExperimentInput {
                id: None,
                arms: None,
                audience: None,
                running: None,
                reason: body.reason,
            };
            app.update_experiment(&g.grant, &id, input, Some(&body.arm))
        })
        .await?
        .into(),
    ))
}
