//! `/api/v1/panels/{id}/data`: one panel's data, aggregated by the server from DuckDB.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;

use super::blocking;
use super::error::{ApiError, ErrorCode};
use super::session::Granted;
use crate::analytics::panels::MAX_PAGE_SIZE;
use crate::analytics::sql::TimeRange;
use crate::analytics::{PanelData, PanelRequest};
use crate::appliance::Appliance;
use crate::dashboards::SortOrder;

/// Query parameters, all taken as text so every mistake gets our own JSON error.
#[derive(Debug, Default, Deserialize)]
pub struct PanelParams {
    dashboard: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    page: Option<String>,
    page_size: Option<String>,
    disable_aggregation: Option<String>,
}

#[tracing::instrument(skip_all, fields(panel = %panel))]
pub async fn data(
    State(app): State<Arc<Appliance>>,
    g: Granted,
    Path(panel): Path<String>,
    Query(params): Query<PanelParams>,
) -> Result<Json<PanelData>, ApiError> {
    let request = panel_request(&params)?;
    let data = blocking(&app, move |app| {
        app.panel_data(&g.grant, params.dashboard.as_deref(), &panel, &request)
    })
    .await?;
    Ok(Json(data))
}

fn panel_request(params: &PanelParams) -> Result<PanelRequest, ApiError> {
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
    if let (Some(start), Some(end)) = (start, end)
        && start > end
    {
        return Err(ApiError::new(
            ErrorCode::InvalidDate,
            format!("start_date {start} is after end_date {end}"),
        ));
    }
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidRequest, message);
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
    let disable_aggregation = match params.disable_aggregation.as_deref() {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            return Err(invalid(format!(
                "disable_aggregation must be `true` or `false`, not `{other}`"
            )));
        }
    };
    Ok(PanelRequest {
        range: TimeRange { start, end },
        sort: params.sort.clone().filter(|s| !s.is_empty()),
        order,
        page,
        page_size,
        disable_aggregation,
    })
}

/// ISO 8601: a date (`2026-03-01`, the whole day when it ends a range), a date and time with an
/// offset or `Z` (converted to UTC), or a date and time without one (taken as UTC).
fn parse_time(text: &str, end_of_range: bool) -> Result<NaiveDateTime, ApiError> {
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
        ] {
            assert_eq!(
                parse_time(bad, false).unwrap_err().code,
                ErrorCode::InvalidDate,
                "{bad}"
            );
        }
    }

    #[test]
    fn request_parameters_are_checked() {
        let params = |f: fn(&mut PanelParams)| {
            let mut p = PanelParams::default();
            f(&mut p);
            panel_request(&p)
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
