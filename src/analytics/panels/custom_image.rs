//! Server-drawn images: a bullet chart or a sparkline written as SVG from the panel's query,
//! cached with the result like any panel data. The document is built here from numbers and
//! escaped text only: no script, no link, no external reference.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use super::kpi::{attainment, value_and_target};
use super::timeseries::grain_for_column;
use super::{PanelRequest, Runner, Tabular, json_number, number, query_measure};
use crate::analytics::AnalyticsError;
use crate::analytics::query::Query;
use crate::analytics::sql::Sql;
use crate::dashboards::{CustomImageSource, ImageKind, PanelConfig};
use crate::vocabulary::Grain;

/// Buckets a sparkline draws at most: the latest ones.
pub const MAX_SPARK_POINTS: usize = 1_000;
/// The colour of the value when the panel names none (or none that is a hex colour).
const DEFAULT_COLOUR: &str = "#2563EB";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CustomImageData {
    pub image: ImageKind,
    /// The picture: an SVG document drawn by the server.
    pub svg: String,
    /// A bullet's value, or a sparkline's last point.
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// value / target in percent.
    pub attainment: Option<f64>,
    /// A sparkline's `[bucket start, value]` points in time order.
    pub points: Vec<(String, Option<f64>)>,
}

impl CustomImageData {
    /// A bullet's one row, or a sparkline's row per bucket.
    pub fn tabular(&self) -> Tabular {
        match self.image {
            ImageKind::Bullet => Tabular {
                columns: ["value", "target", "attainment"]
                    .map(str::to_owned)
                    .to_vec(),
                rows: vec![vec![
                    json_number(self.value),
                    json_number(self.target),
                    json_number(self.attainment),
                ]],
            },
            ImageKind::Sparkline => Tabular {
                columns: ["time", "value"].map(str::to_owned).to_vec(),
                rows: self
                    .points
                    .iter()
                    .map(|(time, value)| vec![Json::String(time.clone()), json_number(*value)])
                    .collect(),
            },
        }
    }
}

pub(super) fn custom_image(
    run: &mut Runner<'_>,
    panel: &PanelConfig,
    source: &CustomImageSource,
    request: &PanelRequest,
) -> Result<CustomImageData, AnalyticsError> {
    let colour = panel
        .display
        .line_colors
        .first()
        .map(String::as_str)
        .filter(|c| is_hex_colour(c))
        .unwrap_or(DEFAULT_COLOUR);
    match source.image {
        ImageKind::Bullet => {
            let (value, target) = value_and_target(
                run,
                &source.value,
                source.target.as_ref(),
                &source.filters,
                request,
            )?;
            let attainment = attainment(value, target);
            let words = match attainment {
                Some(a) => format!("{}: {a:.1}% of target", panel.title),
                None => format!("{}: no value", panel.title),
            };
            Ok(CustomImageData {
                image: ImageKind::Bullet,
                svg: bullet_svg(value, target, colour, &words),
                value,
                target,
                attainment,
                points: Vec::new(),
            })
        }
        ImageKind::Sparkline => {
            let points = spark_points(run, source, request)?;
            let value = points.last().and_then(|p| p.1);
            let words = format!("{}: {} points over time", panel.title, points.len());
            Ok(CustomImageData {
                image: ImageKind::Sparkline,
                svg: sparkline_svg(&points, colour, &words),
                value,
                target: None,
                attainment: None,
                points,
            })
        }
    }
}

/// The measure per bucket, the latest [`MAX_SPARK_POINTS`] in time order.
fn spark_points(
    run: &mut Runner<'_>,
    source: &CustomImageSource,
    request: &PanelRequest,
) -> Result<Vec<(String, Option<f64>)>, AnalyticsError> {
    let time = run.dataset.time_column().ok_or_else(|| {
        AnalyticsError::Invalid(format!("dataset `{}` has no time column", run.dataset.name))
    })?;
    // The panel's check refuses `raw`, so every grain here is a bucket.
    let grain = grain_for_column(source.grain.unwrap_or(Grain::Month), time.column_type);
    let query = Query {
        measures: vec![query_measure(&source.value)],
        grain: Some(grain),
        filters: source.filters.clone(),
        range: request.range,
        ..Query::default()
    };
    let (inner, rollup, notes) = run.plan(&query)?;
    let sql = Sql {
        text: format!(
            "SELECT strftime(\"__t\", '%Y-%m-%dT%H:%M:%S'), \"__m0\" FROM ({}) WHERE \"__t\" IS NOT NULL ORDER BY 1 DESC LIMIT {MAX_SPARK_POINTS}",
            inner.text
        ),
        params: inner.params,
    };
    let mut points = Vec::new();
    run.each(&sql, (rollup, notes), |row| {
        points.push((row.get::<_, String>(0)?, number(row, 1)?));
        Ok(())
    })?;
    points.reverse();
    Ok(points)
}

fn is_hex_colour(text: &str) -> bool {
    let digits = text.strip_prefix('#').unwrap_or("");
    matches!(digits.len(), 3 | 4 | 6 | 8) && digits.chars().all(|c| c.is_ascii_hexdigit())
}

/// Text as XML character data or an attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn open_svg(view_box: &str, words: &str, extra: &str) -> String {
    let words = escape(words);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{view_box}\" role=\"img\" aria-label=\"{words}\"{extra}><title>{words}</title>"
    )
}

/// A bar of the value over three bands of the target (to 60 %, 90 % and past it), the target a
/// tick across the bar.
fn bullet_svg(value: Option<f64>, target: Option<f64>, colour: &str, words: &str) -> String {
    let (width, height) = (300.0, 40.0);
    let value = value.filter(|v| v.is_finite()).unwrap_or(0.0).max(0.0);
    let target = target.filter(|t| t.is_finite() && *t > 0.0);
    let top = value
        .max(target.map_or(0.0, |t| t * 1.2))
        .max(f64::MIN_POSITIVE);
    let x = |v: f64| (v / top * width).clamp(0.0, width);
    // Stretched to the panel's width: bands and bars are rectangles, they stretch cleanly.
    let mut svg = open_svg(
        &format!("0 0 {width} {height}"),
        words,
        " preserveAspectRatio=\"none\"",
    );
    if let Some(target) = target {
        let mut from = 0.0;
        // Translucent greys, so the bands read on a light page and a dark one.
        for (share, shade) in [(0.6, "0.55"), (0.9, "0.35"), (f64::INFINITY, "0.18")] {
            let to = if share.is_finite() {
                x(target * share)
            } else {
                width
            };
            let _ = write!(
                svg,
                "<rect x=\"{from:.2}\" y=\"4\" width=\"{:.2}\" height=\"32\" fill=\"#94A3B8\" fill-opacity=\"{shade}\"/>",
                (to - from).max(0.0)
            );
            from = to;
        }
    }
    let _ = write!(
        svg,
        "<rect x=\"0\" y=\"14\" width=\"{:.2}\" height=\"12\" fill=\"{colour}\"/>",
        x(value)
    );
    if let Some(target) = target {
        let _ = write!(
            svg,
            "<rect x=\"{:.2}\" y=\"8\" width=\"3\" height=\"24\" fill=\"#1E293B\" stroke=\"#F8FAFC\" stroke-width=\"1\"/>",
            (x(target) - 1.5).clamp(0.0, width - 3.0)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line through the points scaled to the box, the last point marked.
fn sparkline_svg(points: &[(String, Option<f64>)], colour: &str, words: &str) -> String {
    let (width, height, pad) = (300.0, 60.0, 4.0);
    let values: Vec<f64> = points
        .iter()
        .filter_map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    let mut svg = open_svg(
        &format!("0 0 {width} {height}"),
        words,
        " preserveAspectRatio=\"none\"",
    );
    if values.is_empty() {
        svg.push_str("</svg>");
        return svg;
    }
    let (low, high) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let span = if high > low { high - low } else { 1.0 };
    let step = if points.len() > 1 {
        (width - 2.0 * pad) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let mut line = String::new();
    let mut last = None;
    for (index, (_, value)) in points.iter().enumerate() {
        let Some(v) = value.filter(|v| v.is_finite()) else {
            continue;
        };
        let px = pad + step * index as f64;
        let py = height - pad - (v - low) / span * (height - 2.0 * pad);
        let _ = write!(line, "{px:.2},{py:.2} ");
        last = Some((px, py));
    }
    let _ = write!(
        svg,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"/>",
        line.trim_end()
    );
    if let Some((px, py)) = last {
        let _ = write!(
            svg,
            "<circle cx=\"{px:.2}\" cy=\"{py:.2}\" r=\"3\" fill=\"{colour}\"/>"
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_an_image_is_escaped_and_colours_must_be_hex() {
        let svg = bullet_svg(
            Some(5.0),
            Some(10.0),
            "#10B981",
            "<script>alert('x')</script> & \"quotes\"",
        );
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains(
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;quotes&quot;"
        ));
        assert!(is_hex_colour("#10B981") && is_hex_colour("#fff"));
        for bad in [
            "red",
            "#12345",
            "#10B981\"/><script>",
            "url(javascript:x)",
            "",
        ] {
            assert!(!is_hex_colour(bad), "{bad}");
        }
    }

    #[test]
    fn a_bullet_places_the_value_and_the_target_on_one_scale() {
        // Target 100 → the scale ends at 120; a value of 60 fills half of 300.
        let svg = bullet_svg(Some(60.0), Some(100.0), DEFAULT_COLOUR, "t");
        assert!(
            svg.contains("<rect x=\"0\" y=\"14\" width=\"150.00\""),
            "{svg}"
        );
        assert!(svg.contains("<rect x=\"248.50\" y=\"8\""), "{svg}");
        // Past the target the value sets the scale and fills it.
        let svg = bullet_svg(Some(300.0), Some(100.0), DEFAULT_COLOUR, "t");
        assert!(svg.contains("width=\"300.00\" height=\"12\""), "{svg}");
    }

    #[test]
    fn a_sparkline_spans_its_points_and_skips_gaps() {
        let points: Vec<(String, Option<f64>)> = vec![
            ("a".into(), Some(1.0)),
            ("b".into(), None),
            ("c".into(), Some(3.0)),
        ];
        let svg = sparkline_svg(&points, DEFAULT_COLOUR, "t");
        assert!(svg.contains("points=\"4.00,56.00 296.00,4.00\""), "{svg}");
        assert!(svg.contains("<circle cx=\"296.00\" cy=\"4.00\""), "{svg}");
        assert!(sparkline_svg(&[], DEFAULT_COLOUR, "t").ends_with("<title>t</title></svg>"));
    }
}
