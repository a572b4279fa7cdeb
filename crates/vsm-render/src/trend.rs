//! Trend charts for the HTML report: one small line chart per metric over the map's snapshots.

use std::fmt::Write as _;

use vsm_core::format_number;
use vsm_core::metrics::{self, Unit};

use crate::svg::text::escape;

/// A map's history, as the report charts it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trend {
    /// When each snapshot was taken (RFC 3339), oldest first.
    pub taken_at: Vec<String>,
    /// One series per metric, each with a value (or none) per snapshot.
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

/// A metric's value for people.
pub fn show(name: &str, value: f64) -> String {
    match metrics::unit(name) {
        Unit::Seconds => vsm_core::Duration::from_secs_f64(value).human(),
        Unit::Percent => vsm_core::format_percent(value),
        Unit::Items => format_number(value, 0),
        Unit::PerWeek => format!("{}/week", format_number(value, 1)),
    }
}

/// How a metric moved from `first` to `last`, the way every report says it: a percentage in
/// points (`+5 pts`), anything else relative to where it started (`+50%`; nothing from 0).
pub fn change(name: &str, first: f64, last: f64) -> String {
    let signed = |value: f64, unit: &str| {
        let sign = if value < 0.0 { "-" } else { "+" };
        format!("{sign}{}{unit}", format_number(value.abs(), 2))
    };
    match metrics::unit(name) {
        Unit::Percent => signed(last - first, " pts"),
        _ if first == 0.0 => String::new(),
        _ => signed((last - first) / first.abs() * 100.0, "%"),
    }
}

/// What a metric is called on the page.
fn title(name: &str) -> String {
    match name {
        "items.lead_time.p85" => "Lead time, p85 of items".into(),
        "items.lead_time.p50" => "Lead time, p50 of items".into(),
        "items.lead_time.p95" => "Lead time, p95 of items".into(),
        "items.lead_time.mean" => "Lead time, mean of items".into(),
        "rework_time" => "Rework per item".into(),
        "unnamed_time" => "Unnamed activities per item".into(),
        "lead_time" => "Lead time".into(),
        "process_time" => "Process time".into(),
        "wait_time" => "Wait time".into(),
        "work_content" => "Work content".into(),
        "lead_time_with_rework" => "Lead time with rework".into(),
        "activity_ratio" => "Activity ratio".into(),
        "rolled_complete_accurate" => "Rolled %C&A".into(),
        other => other.replace('_', " "),
    }
}

const WIDTH: f64 = 220.0;
const HEIGHT: f64 = 56.0;

/// One chart: the line through the snapshots' values, a dot per snapshot (with its date and value
/// on hover), and the first and last values.
pub fn chart(name: &str, taken_at: &[String], values: &[Option<f64>]) -> String {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let low = present.iter().copied().fold(f64::INFINITY, f64::min);
    let high = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if high > low { high - low } else { 1.0 };
    let steps = (values.len().max(2) - 1) as f64;
    let x = |i: usize| 4.0 + i as f64 / steps * (WIDTH - 8.0);
    let y = |v: f64| {
        if high > low {
            HEIGHT - 6.0 - (v - low) / span * (HEIGHT - 12.0)
        } else {
            HEIGHT / 2.0
        }
    };
    let mut svg = format!(
        "<svg class=\"trend\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{} over {} snapshots\">",
        escape(&title(name)),
        values.len()
    );
    // Breaks in the line where a snapshot lacks the metric.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let _ = write!(
                    path,
                    "{}{},{} ",
                    if pen_down { "L" } else { "M" },
                    format_number(x(i), 1),
                    format_number(y(*v), 1)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(
        svg,
        "<path d=\"{}\" class=\"trend-line\"/>",
        path.trim_end()
    );
    for (i, value) in values.iter().enumerate() {
        if let Some(v) = value {
            let when = taken_at.get(i).map_or("", |t| t.get(..10).unwrap_or(t));
            let _ = write!(
                svg,
                "<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" class=\"trend-dot\"><title>{when}: {}</title></circle>",
                format_number(x(i), 1),
                format_number(y(*v), 1),
                escape(&show(name, *v))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A row of the report's trend section.
#[derive(Debug)]
pub struct TrendRow {
    pub title: String,
    pub chart: String,
    pub first: String,
    pub last: String,
    pub change: String,
}

/// The rows for the report, one per series with at least one value.
pub fn rows(trend: &Trend) -> Vec<TrendRow> {
    trend
        .series
        .iter()
        .filter_map(|(name, values)| {
            let present: Vec<f64> = values.iter().flatten().copied().collect();
            let (first, last) = (*present.first()?, *present.last()?);
            Some(TrendRow {
                title: title(name),
                chart: chart(name, &trend.taken_at, values),
                first: show(name, first),
                last: show(name, last),
                change: if present.len() < 2 {
                    String::new()
                } else {
                    change(name, first, last)
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_each_snapshot_and_breaks_at_gaps() {
        let taken = [
            "2026-10-01T00:00:00Z",
            "2026-10-08T00:00:00Z",
            "2026-10-15T00:00:00Z",
        ]
        .map(String::from);
        let svg = chart("lead_time", &taken, &[Some(86_400.0), None, Some(43_200.0)]);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<title>2026-10-01: 1d</title>"), "{svg}");
        // Two pieces: the gap lifts the pen.
        assert_eq!(svg.matches('M').count(), 2, "{svg}");
        let rows = rows(&Trend {
            taken_at: taken.to_vec(),
            series: vec![
                (
                    "activity_ratio".into(),
                    vec![Some(10.0), Some(12.0), Some(15.0)],
                ),
                ("wait_time".into(), vec![None, None, None]),
            ],
        });
        assert_eq!(rows.len(), 1, "a series without values is left out");
        assert_eq!(
            (rows[0].first.as_str(), rows[0].last.as_str()),
            ("10%", "15%")
        );
        assert_eq!(rows[0].change, "+5 pts", "a percentage moves in points");
        assert_eq!(change("lead_time", 100.0, 63.75), "-36.25%");
        assert_eq!(
            change("steps.a.complete_accurate", 60.0, 63.75),
            "+3.75 pts"
        );
    }
}
