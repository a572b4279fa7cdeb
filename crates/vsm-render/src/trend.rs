//! A map's numbers over its snapshots: `vsm trend` as JSON and for people (a sparkline per
//! metric), and the HTML report's charts (one small line chart per metric).

use std::fmt::Write as _;

use serde::Serialize;
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
