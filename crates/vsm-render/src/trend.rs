//! A map's numbers over its snapshots: `vsm trend` as JSON and for people (a sparkline per
//! metric), and the HTML report's charts (one small line chart per metric).

use std::fmt::Write as _;

use serde::Serialize;
use vsm_core::format_number;
use vsm_core::metrics::{self, ItemsMetric, MetricKey, StepMetric, Unit};
use vsm_core::model::{Target, TargetMetric};

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
        Unit::PerDay => format!("{}/day", format_number(value, 2)),
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
        Unit::Percent => vsm_core::format_points(last - first),
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

const WIDTH: f64 = 300.0;
const HEIGHT: f64 = 140.0;
/// Room left of the plot for the value axis's labels, and under it for the dates.
const PLOT_LEFT: f64 = 66.0;
const PLOT_RIGHT: f64 = WIDTH - 12.0;
const PLOT_TOP: f64 = 10.0;
const PLOT_BOTTOM: f64 = HEIGHT - 26.0;

/// A bound on a series from the map's `targets:`, in the series' unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Bound {
    fn holds(&self, value: f64) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }

    /// `≤ 21d`, `≥ 80%`, `20% to 40%`.
    fn said(&self, name: &str) -> String {
        let show = |v: f64| show(name, v);
        match (self.min, self.max) {
            (Some(min), Some(max)) => format!("{} to {}", show(min), show(max)),
            (Some(min), None) => format!("≥ {}", show(min)),
            (None, Some(max)) => format!("≤ {}", show(max)),
            (None, None) => String::new(),
        }
    }
}

/// The bound the map's targets put on the series `name`, if any: the checks `vsm check` makes,
/// on the numbers it would check (the lead time target on the items' p85 where the trend has it).
pub fn bound(targets: &[Target], name: &str, has_items_p85: bool) -> Option<Bound> {
    let key: MetricKey = name.parse().ok()?;
    let target = targets.iter().find(|target| {
        let checked = match target.metric {
            TargetMetric::LeadTime if has_items_p85 => {
                Some(MetricKey::Items(ItemsMetric::LeadTimeP85))
            }
            TargetMetric::CompleteAccurate => {
                return matches!(
                    &key,
                    MetricKey::Step {
                        metric: StepMetric::CompleteAccurate,
                        ..
                    }
                );
            }
            metric => vsm_core::check::summary_metric(metric)
                .map(MetricKey::Summary)
                .or_else(|| vsm_core::check::dora_metric(metric).map(MetricKey::Dora)),
        };
        checked.as_ref() == Some(&key)
    })?;
    // Targets keep durations in milliseconds; snapshots in seconds.
    let scale = if target.metric.is_duration() {
        0.001
    } else {
        1.0
    };
    Some(Bound {
        min: target.min.map(|v| v * scale),
        max: target.max.map(|v| v * scale),
    })
}

/// One chart: the values over the snapshots on a value axis from zero (with the metric's unit)
/// and a time axis from the first snapshot's date to the last's; the target's bounds as dashed
/// lines, each snapshot a dot, hollow and red where it misses the target (its date and value
/// on hover too).
pub fn chart(
    name: &str,
    taken_at: &[String],
    values: &[Option<f64>],
    target: Option<Bound>,
) -> String {
    use crate::charts::{Axis, FONT, n, y_axis};
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let bounds = target.iter().flat_map(|b| b.min.into_iter().chain(b.max));
    let high = present.iter().copied().chain(bounds).fold(0.0, f64::max);
    let axis = Axis::new(metrics::unit(name), high);
    let plot_w = PLOT_RIGHT - PLOT_LEFT;
    let plot_h = PLOT_BOTTOM - PLOT_TOP;
    let steps = (values.len().max(2) - 1) as f64;
    let x = |i: usize| PLOT_LEFT + 6.0 + i as f64 / steps * (plot_w - 12.0);
    let y = |v: f64| PLOT_BOTTOM - v / axis.end() * plot_h;
    let mut svg = format!(
        "<svg class=\"trend\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{} over {} snapshots\">",
        escape(&title(name)),
        values.len()
    );
    y_axis(&mut svg, &axis, PLOT_LEFT, PLOT_BOTTOM, plot_h, PLOT_RIGHT);
    let _ = write!(
        svg,
        "<path class=\"chart-axis\" d=\"M{PLOT_LEFT},{PLOT_BOTTOM} H{PLOT_RIGHT}\"/>"
    );
    let day = |i: usize| taken_at.get(i).map_or("", |t| t.get(..10).unwrap_or(t));
    if let Some(last) = values.len().checked_sub(1) {
        let baseline = n(PLOT_BOTTOM + 6.0 + FONT);
        let _ = write!(
            svg,
            "<text class=\"chart-tick\" x=\"{PLOT_LEFT}\" y=\"{baseline}\">{}</text>",
            escape(day(0))
        );
        if last > 0 {
            let _ = write!(
                svg,
                "<text class=\"chart-tick\" x=\"{PLOT_RIGHT}\" y=\"{baseline}\" text-anchor=\"end\">{}</text>",
                escape(day(last))
            );
        }
    }
    if let Some(bound) = target {
        for (value, side) in [(bound.max, "≤"), (bound.min, "≥")] {
            let Some(value) = value else { continue };
            let line_y = y(value);
            // The label above the line, or under it when the line runs along the top.
            let label_y = if line_y - 4.0 - FONT < PLOT_TOP {
                line_y + 4.0 + FONT
            } else {
                line_y - 4.0
            };
            let _ = write!(
                svg,
                "<path class=\"trend-target\" d=\"M{PLOT_LEFT},{} H{PLOT_RIGHT}\"/><text class=\"trend-target-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">target {side} {}</text>",
                n(line_y),
                n(PLOT_RIGHT - 2.0),
                n(label_y),
                escape(&show(name, value))
            );
        }
    }
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
                    n(x(i)),
                    n(y(*v))
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
            let missed = target.is_some_and(|b| !b.holds(*v));
            let _ = write!(
                svg,
                "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" class=\"trend-dot{}\"><title>{}: {}{}</title></circle>",
                n(x(i)),
                n(y(*v)),
                if missed { 4 } else { 3 },
                if missed { " trend-miss" } else { "" },
                day(i),
                escape(&show(name, *v)),
                if missed { ", misses the target" } else { "" }
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
    /// The target and how the snapshots kept it (empty without a target).
    pub target: String,
    /// Whether the latest snapshot misses the target.
    pub missed: bool,
}

/// The rows for the report, one per series with at least one value, each with the bound the
/// map's `targets` put on it.
pub fn rows(trend: &Trend, targets: &[Target]) -> Vec<TrendRow> {
    let p85 = MetricKey::Items(ItemsMetric::LeadTimeP85).to_string();
    let has_items_p85 = trend
        .series
        .iter()
        .any(|(name, values)| *name == p85 && values.iter().any(Option::is_some));
    trend
        .series
        .iter()
        .filter_map(|(name, values)| {
            let present: Vec<f64> = values.iter().flatten().copied().collect();
            let (first, last) = (*present.first()?, *present.last()?);
            let bound = bound(targets, name, has_items_p85);
            let (target, missed) = match bound {
                Some(bound) => {
                    let met = present.iter().filter(|v| bound.holds(**v)).count();
                    let latest = if bound.holds(last) { "met" } else { "missed" };
                    (
                        format!(
                            "Target {}: {latest} by the latest snapshot; met by {met} of {}.",
                            bound.said(name),
                            present.len()
                        ),
                        !bound.holds(last),
                    )
                }
                None => (String::new(), false),
            };
            Some(TrendRow {
                title: title(name),
                chart: chart(name, &trend.taken_at, values, bound),
                first: show(name, first),
                last: show(name, last),
                change: if present.len() < 2 {
                    String::new()
                } else {
                    change(name, first, last)
                },
                target,
                missed,
            })
        })
        .collect()
}

/// A snapshot's identity, as the trend names it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SnapshotInfo<'a> {
    pub id: i64,
    #[serde(serialize_with = "display")]
    pub taken_at: jiff::Timestamp,
    /// The git commit that last changed the map file, if it is in a repository.
    pub commit: Option<&'a str>,
    /// Whether the file differed from that commit (or was not committed).
    pub dirty: bool,
}

fn display<S: serde::Serializer>(at: &jiff::Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(at)
}

impl SnapshotInfo<'_> {
    /// How a snapshot is named in messages: `#3 of 2026-11-26T09:00:00Z (commit 1a2b3c4)`.
    pub fn label(&self) -> String {
        let short = |commit: &str| commit.chars().take(7).collect::<String>();
        let commit = match (self.commit, self.dirty) {
            (Some(commit), false) => format!(", commit {}", short(commit)),
            (Some(commit), true) => {
                format!(", commit {} with uncommitted changes", short(commit))
            }
            (None, true) => ", not committed".to_string(),
            (None, false) => String::new(),
        };
        format!("#{} of {}{commit}", self.id, self.taken_at)
    }
}

/// The widest sparkline: longer histories are drawn with one mark per group of snapshots.
const SPARK_WIDTH: usize = 60;

/// Means over `width` consecutive groups of about equal size (as they are when shorter).
fn squeeze(values: &[Option<f64>], width: usize) -> Vec<Option<f64>> {
    let n = values.len();
    if n <= width {
        return values.to_vec();
    }
    (0..width)
        .map(|i| {
            let group = &values[i * n / width..(i + 1) * n / width];
            let present: Vec<f64> = group.iter().flatten().copied().collect();
            (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
        })
        .collect()
}

/// `▁▂▃▄▅▆▇█` from the lowest to the highest value; a space where a snapshot lacks it.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let values = &squeeze(values, SPARK_WIDTH)[..];
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let present = values.iter().flatten();
    let low = present.clone().copied().fold(f64::INFINITY, f64::min);
    let high = present.copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|value| match value {
            None => ' ',
            Some(_) if high <= low => BARS[3],
            Some(v) => BARS[(((v - low) / (high - low)) * 7.0).round() as usize],
        })
        .collect()
}

/// The trend for people: per metric its sparkline and how it moved, over the snapshots (oldest
/// first) kept at `url`.
pub fn text(
    map: &str,
    url: &str,
    snapshots: &[SnapshotInfo<'_>],
    series: &[(String, Vec<Option<f64>>)],
) -> String {
    let (Some(first), Some(last)) = (snapshots.first(), snapshots.last()) else {
        return format!("Trend of {map}: no snapshots ({url})\n");
    };
    let mut out = format!(
        "Trend of {map}: {} snapshots, {} to {} ({url})\n\n",
        snapshots.len(),
        first.taken_at,
        last.taken_at
    );
    let width = series.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, values) in series {
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        let moved = match (present.first(), present.last()) {
            (Some(a), Some(b)) if present.len() > 1 => {
                let relative = change(name, *a, *b);
                let percent = if relative.is_empty() {
                    relative
                } else {
                    format!(" ({relative})")
                };
                format!("{} -> {}{percent}", show(name, *a), show(name, *b))
            }
            (Some(a), _) => show(name, *a),
            _ => "no values".to_string(),
        };
        let _ = writeln!(out, "  {name:<width$}  {}  {moved}", sparkline(values));
    }
    if snapshots.len() > SPARK_WIDTH {
        let _ = writeln!(
            out,
            "\n(one mark per {:.1} snapshots on average: the mean of each group)",
            snapshots.len() as f64 / SPARK_WIDTH as f64
        );
    }
    let _ = writeln!(out, "\nlatest: snapshot {}", last.label());
    out
}

/// The JSON of `vsm trend`: the snapshots and each metric's values over them.
#[derive(Debug, Serialize)]
pub struct TrendReport<'a> {
    pub schema_version: u32,
    pub map: &'a str,
    pub snapshots: &'a [SnapshotInfo<'a>],
    pub metrics: MetricSeries<'a>,
}

/// The metrics by name, in the order asked for: `{unit, values}` each.
#[derive(Debug)]
pub struct MetricSeries<'a>(pub &'a [(String, Vec<Option<f64>>)]);

/// One metric over the snapshots: its unit and a value (or `null`) per snapshot.
#[derive(Debug, Serialize)]
pub struct SeriesReport {
    pub unit: &'static str,
    pub values: Vec<Option<f64>>,
}

impl Serialize for MetricSeries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seen = std::collections::HashSet::new();
        serializer.collect_map(
            self.0
                .iter()
                .filter(|(name, _)| seen.insert(name.as_str()))
                .map(|(name, values)| {
                    // Percentages rounded to two decimals, as in `analyze --format json`.
                    let unit = metrics::unit(name);
                    let values = values
                        .iter()
                        .map(|value| {
                            value.map(|v| match unit {
                                Unit::Percent => crate::json::percent(v),
                                _ => v,
                            })
                        })
                        .collect();
                    (
                        name,
                        SeriesReport {
                            unit: unit.as_str(),
                            values,
                        },
                    )
                }),
        )
    }
}

/// The trend as pretty JSON.
pub fn json(
    map: &str,
    snapshots: &[SnapshotInfo<'_>],
    series: &[(String, Vec<Option<f64>>)],
) -> String {
    crate::json::to_string(&TrendReport {
        schema_version: crate::json::SCHEMA_VERSION,
        map,
        snapshots,
        metrics: MetricSeries(series),
    })
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
        let svg = chart(
            "lead_time",
            &taken,
            &[Some(86_400.0), None, Some(43_200.0)],
            None,
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<title>2026-10-01: 1d</title>"), "{svg}");
        // Two pieces: the gap lifts the pen.
        let line = svg.split("class=\"trend-line\"").next().unwrap();
        let line = &line[line.rfind("<path d=\"").unwrap()..];
        assert_eq!(line.matches('M').count(), 2, "{line}");
        // The axes: hours up to a day, the first and last dates.
        for label in [">0<", ">12h<", ">1d<", ">2026-10-01<", ">2026-10-15<"] {
            assert!(svg.contains(label), "{label} in {svg}");
        }
        let rows = rows(
            &Trend {
                taken_at: taken.to_vec(),
                series: vec![
                    (
                        "activity_ratio".into(),
                        vec![Some(10.0), Some(12.0), Some(15.0)],
                    ),
                    ("wait_time".into(), vec![None, None, None]),
                ],
            },
            &[],
        );
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

    #[test]
    fn a_chart_draws_the_maps_target_and_marks_the_snapshots_that_miss_it() {
        let stream = vsm_core::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d }\ntargets:\n  lead_time: { max: 3w }\n  activity_ratio: { min: 20% }\n",
        )
        .stream
        .unwrap();
        let days = |d: f64| Some(d * 86_400.0);
        let trend = Trend {
            taken_at: (1..=3).map(|d| format!("2026-10-0{d}T00:00:00Z")).collect(),
            series: vec![
                (
                    "items.lead_time.p85".into(),
                    vec![days(25.0), days(22.0), days(20.0)],
                ),
                ("lead_time".into(), vec![days(30.0), days(30.0), days(30.0)]),
                (
                    "activity_ratio".into(),
                    vec![Some(10.0), Some(25.0), Some(15.0)],
                ),
            ],
        };
        let charted = rows(&trend, &stream.targets);
        // The lead time target bounds the items' p85, as `vsm check` checks it, not the mean.
        assert_eq!(
            charted[0].target,
            "Target ≤ 21d: met by the latest snapshot; met by 1 of 3."
        );
        assert!(!charted[0].missed);
        assert_eq!(
            charted[0].chart.matches("trend-miss").count(),
            2,
            "25d and 22d"
        );
        assert!(
            charted[0].chart.contains(">target ≤ 21d</text>"),
            "{}",
            charted[0].chart
        );
        assert_eq!(
            charted[1].target, "",
            "no bound on the mean with a p85 at hand"
        );
        assert!(!charted[1].chart.contains("trend-target"));
        assert_eq!(
            charted[2].target,
            "Target ≥ 20%: missed by the latest snapshot; met by 1 of 3."
        );
        assert!(charted[2].missed);
        // Without the items' p85 the lead time target bounds the lead time.
        let estimated = Trend {
            series: vec![trend.series[1].clone()],
            ..trend.clone()
        };
        assert!(
            rows(&estimated, &stream.targets)[0]
                .target
                .starts_with("Target ≤ 21d: missed")
        );
    }

    #[test]
    fn sparklines_scale_and_squeeze() {
        assert_eq!(sparkline(&[Some(1.0), Some(8.0), None, Some(4.5)]), "▁█ ▅");
        assert_eq!(sparkline(&[Some(3.0), Some(3.0)]), "▄▄");
        let long: Vec<Option<f64>> = (0..300).map(|i| Some(f64::from(i))).collect();
        let line = sparkline(&long);
        assert_eq!(line.chars().count(), SPARK_WIDTH);
        assert!(line.starts_with('▁') && line.ends_with('█'));
        // Groups of five: the mean of 0..5 is 2.
        assert_eq!(squeeze(&long, 60)[0], Some(2.0));
    }
}
