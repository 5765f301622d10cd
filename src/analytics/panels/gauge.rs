//! Gauges: one measure on a dial, with its target and the panel's thresholds as bands, all in
//! the measure's own units.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::kpi::{attainment, status, value_and_target};
use super::{PanelRequest, Runner, Tabular, json_number};
use crate::analytics::AnalyticsError;
use crate::dashboards::{GaugeSource, PanelConfig, Threshold, ThresholdBasis};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GaugeData {
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// value / target in percent, when both are known and the target is not zero.
    pub attainment: Option<f64>,
    /// The dial's ends: the panel's, or round numbers around the value and target.
    pub min: f64,
    pub max: f64,
    /// The thresholds as coloured stretches of the dial, in the value's units, lowest first.
    pub bands: Vec<GaugeBand>,
    pub status: Option<Threshold>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GaugeBand {
    pub from: f64,
    pub to: f64,
    pub color: String,
    pub label: String,
}

impl GaugeData {
    /// One row: the value, its target, the attainment, the dial's ends and the status.
    pub fn tabular(&self) -> Tabular {
        Tabular {
            columns: ["value", "target", "attainment", "min", "max", "status"]
                .map(str::to_owned)
                .to_vec(),
            rows: vec![vec![
                json_number(self.value),
                json_number(self.target),
                json_number(self.attainment),
                json_number(Some(self.min)),
                json_number(Some(self.max)),
                self.status
                    .as_ref()
                    .map_or(Json::Null, |s| Json::String(s.label.clone())),
            ]],
        }
    }
}

pub(super) fn gauge(
    run: &mut Runner<'_>,
    panel: &PanelConfig,
    source: &GaugeSource,
    request: &PanelRequest,
) -> Result<GaugeData, AnalyticsError> {
    let (value, target) = value_and_target(
        run,
        &source.value,
        source.target.as_ref(),
        &source.filters,
        request,
    )?;
    let attainment = attainment(value, target);
    let on_attainment = panel.display.thresholds_on == Some(ThresholdBasis::Attainment);
    let (min, max) = dial(source.min, source.max, value, target);
    // Thresholds on attainment are percentages of the target: place them on the value's dial.
    let at = |threshold: f64| -> Option<f64> {
        if on_attainment {
            target.map(|t| t * threshold / 100.0)
        } else {
            Some(threshold)
        }
    };
    let mut thresholds: Vec<&Threshold> = panel.display.thresholds.iter().collect();
    thresholds.sort_by(|a, b| a.value.total_cmp(&b.value));
    let mut bands = Vec::new();
    for (index, threshold) in thresholds.iter().enumerate() {
        let Some(from) = at(threshold.value) else {
            continue;
        };
        let to = match thresholds.get(index + 1) {
            Some(next) => at(next.value).unwrap_or(max),
            None => max,
        };
        let (from, to) = (from.clamp(min, max), to.clamp(min, max));
        if to > from {
            bands.push(GaugeBand {
                from,
                to,
                color: threshold.color.clone(),
                label: threshold.label.clone(),
            });
        }
    }
    Ok(GaugeData {
        value,
        target,
        attainment,
        min,
        max,
        bands,
        status: status(&panel.display, value, attainment),
    })
}

/// The dial's ends: the panel's own, else from 0 (or below a negative value) to a round number
/// a fifth past the larger of the value and the target.
fn dial(min: Option<f64>, max: Option<f64>, value: Option<f64>, target: Option<f64>) -> (f64, f64) {
    let value = value.filter(|v| v.is_finite());
    let target = target.filter(|t| t.is_finite());
    let min = min.unwrap_or_else(|| match value {
        Some(v) if v < 0.0 => -round_up(-v),
        _ => 0.0,
    });
    let max = max.unwrap_or_else(|| {
        let top = value
            .into_iter()
            .chain(target.map(|t| t * 1.2))
            .fold(f64::NEG_INFINITY, f64::max);
        if top > min { round_up(top) } else { min + 1.0 }
    });
    if max > min {
        (min, max)
    } else {
        (min, min + 1.0)
    }
}

/// The smallest of 1, 2, 2.5, 5 and 10 times a power of ten that is at least `x` (> 0).
fn round_up(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|s| s * power >= x * (1.0 - 1e-12))
        .unwrap_or(10.0);
    step * power
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dials_end_at_round_numbers_past_value_and_target() {
        assert_eq!(round_up(7.0), 10.0);
        assert_eq!(round_up(1.0), 1.0);
        assert_eq!(round_up(2.2), 2.5);
        assert_eq!(round_up(4100.0), 5000.0);
        assert_eq!(dial(None, None, Some(80.0), Some(100.0)), (0.0, 200.0));
        assert_eq!(dial(None, None, Some(130.0), None), (0.0, 200.0));
        assert_eq!(dial(None, None, Some(-30.0), None), (-50.0, 1.0));
        assert_eq!(dial(Some(10.0), Some(20.0), Some(80.0), None), (10.0, 20.0));
        assert_eq!(dial(None, None, None, None), (0.0, 1.0));
    }
}
