//! `/api/v1/panels/{id}/data` (one panel) and `/api/v1/dashboards/{id}/data` (every panel of a
//! dashboard in one request), aggregated by the server from DuckDB.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::error::{ApiError, ErrorBody, ErrorCode};
use super::session::Granted;
use super::{blocking, flag};
use crate::analytics::drill::{Drill, DrillChoice};
use crate::analytics::panels::{MAX_PAGE_SIZE, QueryExplain};
use crate::analytics::periods::{self, Period, Preset, Window};
use crate::analytics::sql::TimeRange;
use crate::analytics::{PanelData, PanelRequest};
use crate::appliance::{Appliance, ExportFormat, PanelAnswer};
use crate::identity::policy::{Action, Resource};
use crate::vocabulary::{Grain, SortOrder};
use futures_util::StreamExt;

/// Query parameters, all taken as text so every mistake gets our own JSON error.
#[derive(Debug, Default, Deserialize)]
pub struct PanelParams {
    dashboard: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    /// `last_24h`, `last_7d`, `last_30d`, `this_month`, or `custom` (with the dates).
    preset: Option<String>,
    /// `mtd`, `qtd`, `ytd`, `fytd`: to `end_date`, or now.
    period: Option<String>,
    /// A whole fiscal year, e.g. `2025-2026`.
    fy: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    page: Option<String>,
    page_size: Option<String>,
    disable_aggregation: Option<String>,
    debug: Option<String>,
    /// Exports only: `csv` or `json`.
    format: Option<String>,
    /// Exports only: export the drill the other drill parameters name.
    drill: Option<String>,
    /// Drills: the point's value of the panel's dimension (a category, slice, line's name).
    value: Option<String>,
    /// Drills into a time series: the start of the point's bucket, and its grain.
    at: Option<String>,
    grain: Option<String>,
    /// Drills: the column to group the rows by.
    by: Option<String>,
    /// Drills: `grouped` (by `by`, the default) or `raw`.
    rows: Option<String>,
}

/// `GET /api/v1/panels/{id}/data`: the panel's data, with `_debug.queries` when asked for.
#[derive(Serialize, TS)]
pub struct PanelAnswerBody<'a> {
    #[serde(flatten)]
    pub data: &'a PanelData,
    /// When the data was read (RFC 3339, UTC): what "updated N s ago" counts from.
    #[serde(rename = "lastUpdatedAt")]
    pub last_updated_at: String,
    #[serde(rename = "_debug", skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub debug: Option<PanelDebug>,
}

#[derive(Serialize, TS)]
pub struct PanelDebug {
    /// Every statement the panel ran.
    pub queries: Vec<QueryExplain>,
}

/// One panel of a dashboard's batch: its data, or why it has none.
#[derive(Serialize, TS)]
#[serde(untagged)]
pub enum PanelOutcome<'a> {
    Data(PanelAnswerBody<'a>),
    Failed { error: &'a ErrorBody },
}

/// `GET /api/v1/dashboards/{id}/data`: every panel of the dashboard by id.
#[derive(Serialize, TS)]
pub struct DashboardDataBody<'a> {
    pub dashboard: &'a str,
    pub version: &'a str,
    pub panels: BTreeMap<&'a str, PanelOutcome<'a>>,
    #[serde(rename = "_debug", skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub debug: Option<DashboardDebug<'a>>,
}

#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardDebug<'a> {
    /// Panel id → the statements it ran.
    pub queries: BTreeMap<&'a str, &'a [QueryExplain]>,
    pub total_time_ms: f64,
}

#[tracing::instrument(skip_all, fields(panel = %panel))]
pub async fn data(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(panel): Path<String>,
    Query(params): Query<PanelParams>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = panel_request(&params, raw.as_deref())?;
    let debug = flag(params.debug.as_deref(), "debug")?;
    let answer = blocking(&app, move |app| {
        if debug {
            app.require_action(&g.grant, Resource::Dashboards, Action::Update, &panel)?;
        }
        app.panel_data(&g.grant, params.dashboard.as_deref(), &panel, &request)
    })
    .await?;
    let body = PanelAnswerBody {
        data: &answer.data,
        last_updated_at: timestamp(answer.computed_at),
        debug: debug.then_some(PanelDebug {
            queries: answer.explain.clone(),
        }),
    };
    Ok(Json(&body).into_response())
}

/// A moment as the answers write it: RFC 3339 in UTC, to the millisecond.
fn timestamp(moment: DateTime<chrono::Utc>) -> String {
    moment.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Every panel of a dashboard: `{dashboard, panels: {id: data | {error: {code, message}}}}`,
/// the panels queried concurrently. Sorting and paging parameters apply to its tables.
#[tracing::instrument(skip_all, fields(dashboard = %id))]
pub async fn dashboard_data(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(id): Path<String>,
    Query(params): Query<PanelParams>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    if params.dashboard.is_some() {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "`dashboard` is already in the path",
        ));
    }
    let request = panel_request(&params, raw.as_deref())?;
    let debug = flag(params.debug.as_deref(), "debug")?;
    let started = std::time::Instant::now();
    let data = blocking(&app, move |app| {
        if debug {
            app.require_action(&g.grant, Resource::Dashboards, Action::Update, &id)?;
        }
        app.dashboard_data(&g.grant, &id, &request)
    })
    .await?;
    // Errors become their public form first; the answers are then borrowed, not copied.
    let answers: Vec<(String, Result<PanelAnswer, ErrorBody>)> = data
        .panels
        .into_iter()
        .map(|(panel, answer)| {
            (
                panel,
                answer.map_err(|e| ErrorBody::from(ApiError::from(e))),
            )
        })
        .collect();
    let mut panels = BTreeMap::new();
    let mut queries = BTreeMap::new();
    for (panel, answer) in &answers {
        let outcome = match answer {
            Ok(answer) => {
                if debug {
                    queries.insert(panel.as_str(), answer.explain.as_slice());
                }
                PanelOutcome::Data(PanelAnswerBody {
                    data: &answer.data,
                    last_updated_at: timestamp(answer.computed_at),
                    debug: None,
                })
            }
            Err(error) => PanelOutcome::Failed { error },
        };
        panels.insert(panel.as_str(), outcome);
    }
    let body = DashboardDataBody {
        dashboard: &data.dashboard.config.id,
        version: &data.dashboard.meta.version,
        panels,
        debug: debug.then(|| DashboardDebug {
            queries,
            total_time_ms: started.elapsed().as_secs_f64() * 1000.0,
        }),
    };
    Ok(Json(&body).into_response())
}

/// `GET /api/v1/panels/{id}/image`: a `custom_image` panel's picture as an SVG document, with
/// the data parameters of `/data`.
#[tracing::instrument(skip_all, fields(panel = %panel))]
pub async fn image(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(panel): Path<String>,
    Query(params): Query<PanelParams>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = panel_request(&params, raw.as_deref())?;
    let id = panel.clone();
    let answer = blocking(&app, move |app| {
        app.panel_data(&g.grant, params.dashboard.as_deref(), &panel, &request)
    })
    .await?;
    let PanelData::CustomImage(image) = answer.data.as_ref() else {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("panel `{id}` is not a custom_image panel: it has no picture"),
        ));
    };
    // The page's CSP (no inline script) and `nosniff` come with every answer.
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "image/svg+xml; charset=utf-8",
        )],
        image.svg.clone(),
    )
        .into_response())
}

/// `GET /api/v1/panels/{id}/drill`: the rows behind one point of the panel.
#[derive(Serialize, TS)]
pub struct DrillAnswerBody<'a> {
    #[serde(flatten)]
    pub data: &'a PanelData,
    /// The column the rows are grouped by; `null` for the raw rows.
    pub by: Option<&'a str>,
    /// The columns the rows could be grouped by instead.
    pub choices: &'a [DrillChoice],
    #[serde(rename = "lastUpdatedAt")]
    pub last_updated_at: String,
}

/// The rows behind one point of a chart: `value` (the category, slice or line clicked), `at`
/// and `grain` (a time series point), `by` (the column to group by) or `rows=raw`, with the
/// panel's range, filters, sorting and paging parameters.
#[tracing::instrument(skip_all, fields(panel = %panel))]
pub async fn drill(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(panel): Path<String>,
    Query(params): Query<PanelParams>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut request = panel_request(&params, raw.as_deref())?;
    request.drill = Some(drill_request(&params)?);
    let answer = blocking(&app, move |app| {
        app.drill_data(&g.grant, params.dashboard.as_deref(), &panel, &request)
    })
    .await?;
    let body = DrillAnswerBody {
        data: &answer.answer.data,
        by: answer.by.as_deref(),
        choices: &answer.choices,
        last_updated_at: timestamp(answer.answer.computed_at),
    };
    Ok(Json(&body).into_response())
}

/// The drill the parameters name.
fn drill_request(params: &PanelParams) -> Result<Drill, ApiError> {
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidRequest, message);
    let text = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    let raw = match params.rows.as_deref() {
        None | Some("") | Some("grouped") => false,
        Some("raw") => true,
        Some(other) => {
            return Err(invalid(format!(
                "rows must be `grouped` or `raw`, not `{other}`"
            )));
        }
    };
    let grain = match params.grain.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            serde_json::from_value::<Grain>(serde_json::Value::String(text.to_owned()))
                .map_err(|_| {
                    invalid(format!(
                        "grain must be raw, minute, ten_minutes, hour, day, week, month, quarter or year; not `{text}`"
                    ))
                })?,
        ),
    };
    Ok(Drill {
        value: text(&params.value),
        at: text(&params.at)
            .map(|t| parse_time(&t, false))
            .transpose()?,
        grain,
        by: text(&params.by),
        raw,
    })
}

/// `GET /api/v1/panels/{id}/export?format=csv|json|xlsx`: the panel's data (every row of a table,
/// in its sort order) as a download, written while its pages are read. Refused with 403 when
/// the dashboard's `export_<format>` feature is off for the caller.
#[tracing::instrument(skip_all, fields(panel = %panel))]
pub async fn export(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(panel): Path<String>,
    Query(params): Query<PanelParams>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut request = panel_request(&params, raw.as_deref())?;
    if flag(params.drill.as_deref(), "drill")? {
        request.drill = Some(drill_request(&params)?);
    }
    let format = match params.format.as_deref() {
        Some(text) => ExportFormat::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidRequest,
                format!("format must be `csv`, `json` or `xlsx`, not `{text}`"),
            )
        })?,
        None => {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "format is required: `csv`, `json` or `xlsx`",
            ));
        }
    };
    let name = format!(
        "{}-{}.{}",
        params.dashboard.as_deref().unwrap_or("panel"),
        panel,
        format.name()
    )
    .replace(
        |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'),
        "_",
    );
    // A few pieces in flight at most: the query waits for a slow reader.
    let (sender, mut pieces) = tokio::sync::mpsc::channel::<Result<Vec<u8>, ApiError>>(4);
    let app = Arc::clone(&app);
    tokio::spawn(async move {
        blocking(&app, move |app| {
            let result = app.export_panel(
                &g.grant,
                params.dashboard.as_deref(),
                &panel,
                &request,
                format,
                &mut |piece| sender.blocking_send(Ok(piece)).is_ok(),
            );
            if let Err(error) = result {
                let _ = sender.blocking_send(Err(ApiError::from(error)));
            }
            Ok(())
        })
        .await
    });
    // The first piece decides the status: a refusal comes before any data.
    let first = match pieces.recv().await {
        Some(Ok(piece)) => piece,
        Some(Err(error)) => return Err(error),
        None => return Err(ApiError::new(ErrorCode::Internal, "the export stopped")),
    };
    let rest = futures_util::stream::unfold(pieces, |mut pieces| async move {
        match pieces.recv().await {
            Some(Ok(piece)) => Some((Ok::<_, std::io::Error>(piece), pieces)),
            Some(Err(error)) => {
                tracing::warn!(?error, "an export failed after it started");
                Some((Err(std::io::Error::other("the export failed")), pieces))
            }
            None => None,
        }
    });
    let body = futures_util::stream::once(async move { Ok(first) }).chain(rest);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                format.content_type().to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// The filter controls a query string sets: `f.<id>=value`, repeated for several values.
/// Values left empty are ignored (a cleared input), and each control's values are kept in the
/// order given.
fn control_values(raw: Option<&str>) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let mut controls: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let Some(id) = key.strip_prefix("f.") else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        match controls.iter_mut().find(|(known, _)| known == id) {
            Some((_, values)) => values.push(value.into_owned()),
            None => {
                if controls.len() == crate::dashboards::MAX_CONTROLS {
                    return Err(ApiError::new(
                        ErrorCode::InvalidRequest,
                        format!(
                            "at most {} filters may be set at once",
                            crate::dashboards::MAX_CONTROLS
                        ),
                    ));
                }
                controls.push((id.to_owned(), vec![value.into_owned()]));
            }
        }
    }
    // One order whatever the URL's: the cache sees the same request.
    for (_, values) in &mut controls {
        values.sort();
        values.dedup();
    }
    controls.sort();
    Ok(controls)
}

fn panel_request(params: &PanelParams, raw: Option<&str>) -> Result<PanelRequest, ApiError> {
    let start = params
        .start_date
        .as_deref()
        .map(|t| parse_time(t, false))
        .transpose()?;
    let end = params
        .end_date
        .as_deref()
        .map(|t| parse_time(t, true))
        .transpose()?;
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidRequest, message);
    let preset = match params.preset.as_deref() {
        None | Some("") | Some("custom") => None,
        Some(text) => Some(Preset::parse(text).ok_or_else(|| {
            invalid(format!(
                "preset must be one of {}, custom; not `{text}`",
                Preset::NAMES
            ))
        })?),
    };
    let period = match params.period.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Period::parse(text).ok_or_else(|| {
            invalid(format!(
                "period must be one of {}; not `{text}`",
                Period::NAMES
            ))
        })?),
    };
    let fiscal_year = match params.fy.as_deref() {
        None | Some("") => None,
        Some(text) => Some(periods::parse_fiscal_year(text).map_err(invalid)?),
    };
    let chosen = [preset.is_some(), period.is_some(), fiscal_year.is_some()]
        .iter()
        .filter(|c| **c)
        .count();
    if chosen > 1 {
        return Err(invalid(
            "choose one of preset, period and fy, not several".into(),
        ));
    }
    if (preset.is_some() || fiscal_year.is_some()) && (start.is_some() || end.is_some()) {
        return Err(invalid(
            "start_date and end_date make a custom range; they do not combine with a preset or fy"
                .into(),
        ));
    }
    if period.is_some() && start.is_some() {
        return Err(invalid(
            "a period runs from its own start; give only end_date (or nothing, for now)".into(),
        ));
    }
    if params.preset.as_deref() == Some("custom") && (start.is_none() || end.is_none()) {
        return Err(invalid(
            "the custom preset needs start_date and end_date".into(),
        ));
    }
    let window = match (preset, period, fiscal_year) {
        (Some(preset), _, _) => Some(Window::Preset { preset }),
        (_, Some(period), _) => Some(Window::Period {
            period,
            anchor: end,
        }),
        (_, _, Some(first_year)) => Some(Window::FiscalYear { first_year }),
        _ => None,
    };
    if let (Some(start), Some(end)) = (start, end)
        && start > end
    {
        return Err(ApiError::new(
            ErrorCode::InvalidDate,
            format!("start_date {start} is after end_date {end}"),
        ));
    }
    let order = match params.order.as_deref() {
        None | Some("") => None,
        Some("asc") => Some(SortOrder::Asc),
        Some("desc") => Some(SortOrder::Desc),
        Some(other) => {
            return Err(invalid(format!(
                "order must be `asc` or `desc`, not `{other}`"
            )));
        }
    };
    let page = match params.page.as_deref() {
        None | Some("") => 1,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| invalid(format!("page must be a whole number from 1, not `{text}`")))?,
    };
    let page_size = match params.page_size.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<u32>()
                .ok()
                .filter(|size| (1..=MAX_PAGE_SIZE).contains(size))
                .ok_or_else(|| {
                    invalid(format!(
                        "page_size must be 1 to {MAX_PAGE_SIZE}, not `{text}`"
                    ))
                })?,
        ),
    };
    let disable_aggregation = flag(params.disable_aggregation.as_deref(), "disable_aggregation")?;
    Ok(PanelRequest {
        range: TimeRange { start, end },
        sort: params.sort.clone().filter(|s| !s.is_empty()),
        order,
        page,
        page_size,
        disable_aggregation,
        raw_point_limit: None,
        window,
        controls: control_values(raw)?,
        drill: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct OptionsParams {
    q: Option<String>,
    limit: Option<String>,
}

/// `GET /api/v1/dashboards/{id}/controls/{control}/options`: what a filter control offers
/// the caller (`q` narrows the values to those containing it; `limit`, 200 by default).
pub async fn control_options(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path((dashboard, control)): Path<(String, String)>,
    Query(params): Query<OptionsParams>,
) -> Result<Response, ApiError> {
    use crate::analytics::options::{DEFAULT_OPTIONS, MAX_OPTIONS};
    let limit = match params.limit.as_deref() {
        None | Some("") => DEFAULT_OPTIONS,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_OPTIONS).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidRequest,
                    format!("limit must be a whole number from 1 to {MAX_OPTIONS}, not `{text}`"),
                )
            })?,
    };
    let search = params.q.filter(|q| !q.is_empty());
    if search
        .as_ref()
        .is_some_and(|q| q.chars().count() > crate::dashboards::MAX_VALUE_CHARS)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "q may have at most {} characters",
                crate::dashboards::MAX_VALUE_CHARS
            ),
        ));
    }
    let options = blocking(&app, move |app| {
        app.control_options(&g.grant, &dashboard, &control, search.as_deref(), limit)
    })
    .await?;
    Ok(Json(&options).into_response())
}

/// ISO 8601: a date (`2026-03-01`, the whole day when it ends a range), a date and time with an
/// offset or `Z` (converted to UTC), or a date and time without one (taken as UTC).
fn parse_time(text: &str, end_of_range: bool) -> Result<NaiveDateTime, ApiError> {
    let at = parse_any_time(text, end_of_range)?;
    // Bucket and range arithmetic adds days, weeks and months to these: outside the years
    // 1 to 9999 it could leave what dates can hold.
    if !(1..=9999).contains(&at.year()) {
        return Err(ApiError::new(
            ErrorCode::InvalidDate,
            format!("`{text}` is outside the years 1 to 9999"),
        ));
    }
    Ok(at)
}

fn parse_any_time(text: &str, end_of_range: bool) -> Result<NaiveDateTime, ApiError> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let time = if end_of_range {
            NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)
        } else {
            NaiveTime::from_hms_opt(0, 0, 0)
        };
        return Ok(date.and_time(time.unwrap_or_default()));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.naive_utc());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(at);
        }
    }
    Err(ApiError::new(
        ErrorCode::InvalidDate,
        format!(
            "`{text}` is not an ISO 8601 date or date-time (e.g. 2026-03-01 or 2026-03-01T10:00:00Z)"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn iso_dates_parse_to_utc() {
        let check = |text: &str, end: bool, expect: &str| {
            assert_eq!(parse_time(text, end).unwrap(), at(expect), "{text}");
        };
        check("2026-03-01", false, "2026-03-01 00:00:00");
        check("2026-03-01", true, "2026-03-01 23:59:59.999999");
        check("2026-03-01T10:00:00Z", false, "2026-03-01 10:00:00");
        check("2026-03-01T10:00:00+05:30", false, "2026-03-01 04:30:00");
        check("2026-03-01T10:00:00", false, "2026-03-01 10:00:00");
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-03-01T25:00:00Z",
            "'; DROP TABLE sales",
            "+262142-12-31",
            "10000-01-01",
            "-0001-01-01",
            "0000-12-31T23:59:59Z",
        ] {
            assert_eq!(
                parse_time(bad, false).unwrap_err().code,
                ErrorCode::InvalidDate,
                "{bad}"
            );
        }
    }

    #[test]
    fn controls_come_from_repeated_f_parameters_in_one_order() {
        let read = |raw: &str| control_values(Some(raw)).unwrap();
        assert_eq!(
            read("fy=2024-2025&f.zone=WEST&f.channel=Retail&f.zone=NORTH&f.zone=WEST&f.entity="),
            [
                ("channel".to_owned(), vec!["Retail".to_owned()]),
                (
                    "zone".to_owned(),
                    vec!["NORTH".to_owned(), "WEST".to_owned()]
                ),
            ]
        );
        assert_eq!(
            read("f.q=a%20b%26c"),
            [("q".to_owned(), vec!["a b&c".to_owned()])]
        );
        let many: Vec<String> = (0..=crate::dashboards::MAX_CONTROLS)
            .map(|i| format!("f.c{i}=x"))
            .collect();
        assert!(control_values(Some(&many.join("&"))).is_err());
    }

    #[test]
    fn request_parameters_are_checked() {
        let params = |f: fn(&mut PanelParams)| {
            let mut p = PanelParams::default();
            f(&mut p);
            panel_request(&p, None)
        };
        assert!(params(|p| p.page = Some("0".into())).is_err());
        assert!(params(|p| p.page_size = Some("501".into())).is_err());
        assert!(params(|p| p.order = Some("sideways".into())).is_err());
        assert!(
            params(|p| {
                p.start_date = Some("2026-03-02".into());
                p.end_date = Some("2026-03-01".into());
            })
            .is_err()
        );
        let ok = params(|p| {
            p.page = Some("3".into());
            p.order = Some("desc".into());
        })
        .unwrap();
        assert_eq!((ok.page, ok.order), (3, Some(SortOrder::Desc)));
    }
}
