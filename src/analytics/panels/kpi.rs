//! KPI cards: one aggregate (and its target), the attainment, and the threshold reached.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use serde_json::Value as Json;

use super::{PanelRequest, Runner, Tabular, json_number, number, query_measure};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::dashboards::{KpiSource, Measure, PanelConfig, PanelDisplay, Threshold, ThresholdBasis};
use crate::vocabulary::Filter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KpiData {
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// value / target in percent, when both are known and the target is not zero.
    pub attainment: Option<f64>,
    pub status: Option<Threshold>,
}

impl KpiData {
    /// One row: the value, its target, the attainment and the threshold reached.
    pub fn tabular(&self) -> Tabular {
        Tabular {
            columns: ["value", "target", "attainment", "status"]
                .map(str::to_owned)
                .to_vec(),
            rows: vec![vec![
                json_number(self.value),
                json_number(self.target),
                json_number(self.attainment),
                self.status
                    .as_ref()
                    .map_or(Json::Null, |s| Json::String(s.label.clone())),
            ]],
        }
    }
}

pub(super) fn kpi(
    run: &mut Runner<'_>,
    panel: &PanelConfig,
    source: &KpiSource,
    request: &PanelRequest,
) -> Result<KpiData, AnalyticsError> {
    let (value, target) = value_and_target(
        run,
        &source.value,
        source.target.as_ref(),
        &source.filters,
        request,
    )?;
    let attainment = attainment(value, target);
    Ok(KpiData {
        value,
        target,
        attainment,
        status: status(&panel.display, value, attainment),
    })
}

/// The threshold reached by the value, or by the attainment when the panel compares that.
pub(super) fn status(
    display: &PanelDisplay,
    value: Option<f64>,
    attainment: Option<f64>,
) -> Option<Threshold> {
    let basis = match display.thresholds_on {
        Some(ThresholdBasis::Attainment) => attainment,
        _ => value,
    };
    basis.and_then(|x| threshold_for(&display.thresholds, x))
}

/// One measure and its optional target, aggregated in one statement.
pub(super) fn value_and_target(
    run: &mut Runner<'_>,
    value: &Measure,
    target: Option<&Measure>,
    filters: &[Filter],
    request: &PanelRequest,
) -> Result<(Option<f64>, Option<f64>), AnalyticsError> {
    let mut measures = vec![query_measure(value)];
    measures.extend(target.map(query_measure));
    let query = Query {
        measures,
        filters: filters.to_vec(),
        range: request.range,
        ..Query::default()
    };
    let (sql, rollup, notes) = run.plan(&query)?;
    let has_target = target.is_some();
    run.one(&sql, (rollup, notes), |row| {
        Ok((
            number(row, 0)?,
            if has_target { number(row, 1)? } else { None },
        ))
    })
}

/// value / target in percent, when both are known and the target is not zero.
pub(super) fn attainment(value: Option<f64>, target: Option<f64>) -> Option<f64> {
    match (value, target) {
        (Some(v), Some(t)) if t != 0.0 => Some(v / t * 100.0),
        _ => None,
    }
}

/// The highest threshold whose value is at most `x`.
pub fn threshold_for(thresholds: &[Threshold], x: f64) -> Option<Threshold> {
    thresholds
        .iter()
        .filter(|t| t.value <= x)
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_reached_threshold_wins() {
        let t = |value: f64, label: &str| Threshold {
            value,
            color: String::new(),
            label: label.into(),
        };
        let thresholds = [t(90.0, "red"), t(0.0, "green"), t(70.0, "amber")];
        let label = |x| threshold_for(&thresholds, x).map(|t| t.label);
        assert_eq!(label(-1.0), None);
        assert_eq!(label(0.0).as_deref(), Some("green"));
        assert_eq!(label(70.0).as_deref(), Some("amber"));
        assert_eq!(label(99.0).as_deref(), Some("red"));
    }
}
