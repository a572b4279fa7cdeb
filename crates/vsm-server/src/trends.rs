//! A stream's headline numbers across its versions, each number a series over the versions: the
//! latest version's point is its numbers now, as the stream page shows them (measured from the
//! stream's deliveries when it measures), each earlier version's point its map's estimates
//! (deliveries say how the work goes now, not how it went when that version was saved); with
//! the bounds the latest map's `targets:` put on it. The trends page charts them with
//! `vsm-render`'s trend charts, the streams list draws the lead time as a sparkline.

use std::fmt::Write as _;

use serde::Serialize;
use vsm_core::model::Target;
use vsm_render::trend::{Bound, MetricSeries, TrendRow};

use crate::store::{Version, VersionInfo};

/// The numbers charted: the headline of the stream page.
pub const METRICS: [&str; 4] = [
    "lead_time",
    "process_time",
    "activity_ratio",
    "rolled_complete_accurate",
];

/// The most versions a trend reads (the latest ones): a page load stays bounded however long a
/// stream's history grows.
pub const MOST_VERSIONS: i64 = 200;

/// The versions a sparkline of the streams list draws.
pub const SPARKLINE_VERSIONS: i64 = 24;

/// The headline numbers over a stream's versions, oldest first.
#[derive(Debug)]
pub struct Trends {
    /// The latest map's name.
    pub name: String,
    pub versions: Vec<VersionInfo>,
    /// One series per metric of [`METRICS`], with a value (or none) per version.
    pub series: Vec<(String, Vec<Option<f64>>)>,
    /// The latest map's targets.
    pub targets: Vec<Target>,
    /// The charts, told in the days the latest map counts.
    pub rows: Vec<TrendRow>,
    /// Per series, its first and last values, told in the days the latest map counts.
    pub said: Vec<Option<(String, String)>>,
    /// Versions that could not be analyzed (their series have no value there).
    pub unanalyzed: Vec<i64>,
    /// Some version measures (`measure:`) and its point is its map's estimates.
    pub estimated: bool,
    /// The version whose point is measured from the stream's deliveries (the latest).
    pub measured: Option<i64>,
    /// What the latest point comes from, for people (as the stream page says it).
    pub note: Option<String>,
    /// The stream has more versions than were read.
    pub truncated: bool,
}

/// The trends of the versions `newest_first` (as [`crate::Store::recent_versions`] answers),
/// `truncated` when there were more; the latest measured from the stream's event store
/// `events` as [`crate::map::measured`] measures it.
pub fn of(
    stream: &str,
    newest_first: Vec<Version>,
    truncated: bool,
    events: &crate::events::Current,
) -> Trends {
    let mut versions = newest_first;
    versions.reverse();
    let mut series: Vec<(String, Vec<Option<f64>>)> = METRICS
        .iter()
        .map(|name| ((*name).to_string(), Vec::with_capacity(versions.len())))
        .collect();
    let (mut unanalyzed, mut estimated, mut latest) = (Vec::new(), false, None);
    let (mut measured, mut note) = (None, None);
    let last = versions.len().saturating_sub(1);
    for (index, version) in versions.iter().enumerate() {
        let analyzed = if index == last {
            crate::map::measured(stream, &version.yaml, events).map(|(loaded, numbers)| {
                let set_aside = numbers.estimated();
                if matches!(numbers, crate::map::Numbers::Measured(_)) {
                    measured = Some(version.info.number);
                }
                note = numbers.note().map(str::to_string);
                (loaded, set_aside)
            })
        } else {
            crate::map::estimates(stream, &version.yaml, &events.bases)
                .map(|(loaded, set_aside)| (std::sync::Arc::new(loaded), set_aside))
        };
        match analyzed {
            Ok((loaded, set_aside)) => {
                estimated |= set_aside;
                let metrics = loaded.metrics();
                for (name, values) in &mut series {
                    values.push(vsm_core::metrics::get(&metrics, name));
                }
                latest = Some(loaded);
            }
            Err(_) => {
                unanalyzed.push(version.info.number);
                for (_, values) in &mut series {
                    values.push(None);
                }
            }
        }
    }
    let trend = vsm_render::trend::Trend {
        taken_at: versions
            .iter()
            .map(|v| crate::api::time(v.info.created_at))
            .collect(),
        series: series.clone(),
    };
    let said = |series: &[(String, Vec<Option<f64>>)]| -> Vec<Option<(String, String)>> {
        series
            .iter()
            .map(|(name, values)| {
                let mut present = values.iter().flatten();
                let first = *present.next()?;
                let last = present.last().copied().unwrap_or(first);
                let show = |v| vsm_render::trend::show(name, v);
                Some((show(first), show(last)))
            })
            .collect()
    };
    let (name, targets, rows, said) = match &latest {
        Some(loaded) => {
            let targets = loaded.stream.targets.clone();
            let (mut rows, said) = loaded
                .stream
                .told(|| (vsm_render::trend::rows(&trend, &targets), said(&series)));
            // The renderer charts snapshots; here each point is a version.
            for row in &mut rows {
                row.target = row.target.replace("snapshot", "version");
                row.chart = row.chart.replace(" snapshots\"", " versions\"");
            }
            (loaded.stream.name.clone(), targets, rows, said)
        }
        None => (stream.to_string(), Vec::new(), Vec::new(), said(&series)),
    };
    Trends {
        name,
        versions: versions.into_iter().map(|v| v.info).collect(),
        series,
        targets,
        rows,
        said,
        unanalyzed,
        estimated,
        measured,
        note,
        truncated,
    }
}

/// The JSON of the trends: the versions, each metric's unit and values over them (as
/// `vsm trend --format json` gives them over snapshots), and the targets' bounds.
pub fn json(stream: &str, trends: &Trends) -> String {
    #[derive(Serialize)]
    struct Body<'a> {
        schema_version: u32,
        stream: &'a str,
        map: &'a str,
        versions: Vec<crate::api::VersionBody>,
        metrics: MetricSeries<'a>,
        /// Per metric with a target: `{min, max}` in the metric's unit.
        targets: serde_json::Map<String, serde_json::Value>,
        unanalyzed_versions: &'a [i64],
        /// Some version measures (`measure:`) and its point is its map's estimates.
        estimated: bool,
        /// The version whose point is measured from the stream's deliveries, if any.
        measured_version: Option<i64>,
        /// Only the latest versions were read.
        truncated: bool,
    }
    let targets = trends
        .series
        .iter()
        .filter_map(|(name, _)| {
            let Bound { min, max } = vsm_render::trend::bound(&trends.targets, name, false)?;
            Some((name.clone(), serde_json::json!({"min": min, "max": max})))
        })
        .collect();
    vsm_render::json::to_string(&Body {
        schema_version: vsm_render::json::SCHEMA_VERSION,
        stream,
        map: &trends.name,
        versions: trends
            .versions
            .iter()
            .cloned()
            .map(crate::api::VersionBody::from)
            .collect(),
        metrics: MetricSeries(&trends.series),
        targets,
        unanalyzed_versions: &trends.unanalyzed,
        estimated: trends.estimated,
        measured_version: trends.measured,
        truncated: trends.truncated,
    })
}

/// A small line of `values` (oldest first) as inline SVG, `label` said on hover: no axes, the
/// lowest value at the bottom and the highest at the top; gaps where a version has no value.
pub fn sparkline(values: &[Option<f64>], label: &str) -> String {
    const WIDTH: f64 = 120.0;
    const HEIGHT: f64 = 28.0;
    const PAD: f64 = 3.0;
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    if present.is_empty() {
        return String::new();
    }
    let low = present.iter().copied().fold(f64::INFINITY, f64::min);
    let high = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let steps = (values.len().max(2) - 1) as f64;
    let x = |i: usize| PAD + i as f64 / steps * (WIDTH - 2.0 * PAD);
    let y = |v: f64| {
        if high > low {
            HEIGHT - PAD - (v - low) / (high - low) * (HEIGHT - 2.0 * PAD)
        } else {
            HEIGHT / 2.0
        }
    };
    let label = vsm_render::svg::text::escape(label);
    let mut svg = format!(
        "<svg class=\"spark\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{label}\"><title>{label}</title><path class=\"spark-line\" d=\""
    );
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let _ = write!(
                    svg,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*v)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let last = values.iter().rposition(Option::is_some).unwrap_or(0);
    let _ = write!(
        svg,
        "\"/><circle class=\"spark-dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\"/></svg>",
        x(last),
        y(values[last].unwrap_or(low))
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_runs_from_the_lowest_to_the_highest_value_and_breaks_at_gaps() {
        let svg = sparkline(&[Some(10.0), Some(20.0), None, Some(15.0)], "lead <time>");
        assert!(svg.contains("M3.0,25.0 L41.0,3.0 M117.0,14.0"), "{svg}");
        assert!(svg.contains("<title>lead &lt;time&gt;</title>"), "{svg}");
        assert!(
            svg.contains("cx=\"117.0\" cy=\"14.0\""),
            "the last value marked"
        );
        assert_eq!(sparkline(&[None, None], "x"), "");
        let flat = sparkline(&[Some(5.0)], "x");
        assert!(flat.contains("M3.0,14.0"), "{flat}");
    }
}
