//! `/api/v1/templates`, `/presets`, `/overrides`, `/experiments`: authoring dashboards. The
//! appliance checks permissions, revisions and the lifecycle; these handlers carry requests in
//! and answers out.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::error::ApiError;
use super::session::Granted;
use super::{Body, blocking};
use crate::appliance::{
    Appliance, ExperimentInput, NewTemplate, NewVersion, OverrideInput, PresetInput, TemplatePatch,
    TransitionInput,
};

type Answer<T> = Result<Json<T>, ApiError>;

fn json<T: serde::Serialize>(value: T) -> Json<Value> {
    Json(serde_json::to_value(value).unwrap_or(Value::Null))
}

pub async fn list(State(app): State<Arc<Appliance>>, g: Granted) -> Answer<Vec<Value>> {
    Ok(Json(
        blocking(&app, move |app| app.templates(&g.grant)).await?,
    ))
}

pub async fn create(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Body(body): Body<NewTemplate>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let t = blocking(&app, move |app| app.create_template(&g.grant, body)).await?;
    Ok((StatusCode::CREATED, json(t)))
}

pub async fn get(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Value> {
    Ok(Json(
        blocking(&app, move |app| app.template(&g.grant, &id)).await?,
    ))
}

pub async fn update(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<TemplatePatch>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.update_template(&g.grant, &id, body)).await?,
    ))
}

#[derive(Deserialize)]
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
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| {
            app.put_draft(&g.grant, &id, body.config, body.revision)
        })
        .await?,
    ))
}

pub async fn versions(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.versions(&g.grant, &id)).await?,
    ))
}

pub async fn create_version(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<NewVersion>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let v = blocking(&app, move |app| app.create_version(&g.grant, &id, body)).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

pub async fn version(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((id, number)): Path<(String, String)>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.version(&g.grant, &id, &number)).await?,
    ))
}

pub async fn transition(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((id, number)): Path<(String, String)>,
    Body(body): Body<TransitionInput>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| {
            app.transition(&g.grant, &id, &number, body)
        })
        .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

pub async fn restore(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((id, number)): Path<(String, String)>,
    Body(body): Body<ReasonBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let v = blocking(&app, move |app| {
        app.restore(&g.grant, &id, &number, &body.reason)
    })
    .await?;
    Ok((StatusCode::CREATED, json(v)))
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
) -> Answer<Value> {
    Ok(json(
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
) -> Answer<Value> {
    Ok(Json(
        blocking(&app, move |app| app.impact(&g.grant, &id, &number)).await?,
    ))
}

pub async fn overrides(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.overrides(&g.grant, &id)).await?,
    ))
}

pub async fn create_override(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<OverrideInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let o = blocking(&app, move |app| app.create_override(&g.grant, &id, body)).await?;
    Ok((StatusCode::CREATED, json(o)))
}

pub async fn get_override(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.override_record(&g.grant, &id)).await?,
    ))
}

pub async fn update_override(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<OverrideInput>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| {
            app.update_override(&g.grant, &id, body, false)
        })
        .await?,
    ))
}

#[derive(Deserialize)]
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
) -> Answer<Value> {
    Ok(json(
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
        .await?,
    ))
}

pub async fn presets(State(app): State<Arc<Appliance>>, g: Granted) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.presets(&g.grant)).await?,
    ))
}

pub async fn put_preset(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<PresetInput>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.put_preset(&g.grant, &id, body)).await?,
    ))
}

pub async fn experiments(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| app.experiments(&g.grant, &id)).await?,
    ))
}

pub async fn create_experiment(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<ExperimentInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let e = blocking(&app, move |app| app.create_experiment(&g.grant, &id, body)).await?;
    Ok((StatusCode::CREATED, json(e)))
}

pub async fn update_experiment(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Body(body): Body<ExperimentInput>,
) -> Answer<Value> {
    Ok(json(
        blocking(&app, move |app| {
            app.update_experiment(&g.grant, &id, body, None)
        })
        .await?,
    ))
}

#[derive(Deserialize)]
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
) -> Answer<Value> {
    Ok(json(
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
        .await?,
    ))
}
