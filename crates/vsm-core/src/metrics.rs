//! The named numbers of an analysis, as snapshots keep them and trends and checks read them.
//!
//! Names: `lead_time`, `process_time`, `wait_time`, `work_content`, `lead_time_with_rework`
//! (seconds), `activity_ratio`, `rolled_complete_accurate` (percent); for a measured map (whose
//! `lead_time` is its items' mean, and `process_time`, `wait_time` the ladder's sums)
//! `items.count`, `items.in_progress`, `items.lead_time.mean|p50|p85|p95|min|max`,
//! `rework_time` and `unnamed_time` (seconds); per step
//! `steps.ID.process_time|wait_time|lead_time` (seconds), `steps.ID.complete_accurate` (percent)
//! and, when measured, `steps.ID.throughput_per_week` and `steps.ID.work_in_progress`.

use crate::analysis::Analysis;
use crate::measure::Measurement;
use crate::model::ValueStream;

/// What a metric's number counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Percent,
    Items,
    PerWeek,
}

/// The unit of a metric, from its name.
pub fn unit(name: &str) -> Unit {
    let last = name.rsplit('.').next().unwrap_or(name);
    match last {
        "activity_ratio" | "rolled_complete_accurate" | "complete_accurate" => Unit::Percent,
        "count" | "in_progress" | "work_in_progress" => Unit::Items,
        "throughput_per_week" => Unit::PerWeek,
        _ => Unit::Seconds,
    }
}

/// The summary metrics, in the order reports list them.
pub const SUMMARY: [&str; 7] = [
    "lead_time",
    "process_time",
    "wait_time",
    "work_content",
    "lead_time_with_rework",
    "activity_ratio",
    "rolled_complete_accurate",
];

/// Every metric of the analysis (measured values where `stream` holds them), sorted by name.
pub fn of(
    stream: &ValueStream,
    analysis: &Analysis,
    measurement: Option<&Measurement>,
) -> Vec<(String, f64)> {
    let s = &analysis.summary;
    let secs = |d: crate::Duration| d.as_secs_f64();
    let mut metrics: Vec<(String, f64)> = [
        ("lead_time", secs(s.lead_time)),
        ("process_time", secs(s.process_time)),
        ("wait_time", secs(s.wait_time)),
        ("work_content", secs(s.work_content)),
        ("lead_time_with_rework", secs(s.lead_time_with_rework)),
        ("activity_ratio", s.activity_ratio_percent),
        (
            "rolled_complete_accurate",
            s.rolled_complete_accurate_percent,
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    for (step, m) in stream.steps.iter().zip(&analysis.steps) {
        let id = &step.id;
        metrics.push((format!("steps.{id}.process_time"), secs(m.process_time)));
        metrics.push((format!("steps.{id}.wait_time"), secs(m.wait_time)));
        metrics.push((format!("steps.{id}.lead_time"), secs(m.lead_time)));
        metrics.push((
            format!("steps.{id}.complete_accurate"),
            m.complete_accurate.value(),
        ));
    }
    if let Some(measurement) = measurement {
        let items = &measurement.item_lead_time;
        metrics.push(("items.count".into(), items.count as f64));
        metrics.push((
            "items.in_progress".into(),
            measurement.coverage.items_in_progress as f64,
        ));
        if items.count > 0 {
            metrics.push(("items.lead_time.mean".into(), secs(items.mean)));
            metrics.push(("items.lead_time.p50".into(), secs(items.p50)));
            metrics.push(("items.lead_time.p85".into(), secs(items.p85)));
            metrics.push(("items.lead_time.p95".into(), secs(items.p95)));
            metrics.push(("items.lead_time.min".into(), secs(items.min)));
            metrics.push(("items.lead_time.max".into(), secs(items.max)));
        }
        if let Some(headline) = &analysis.measured {
            metrics.push(("rework_time".into(), secs(headline.rework)));
            metrics.push(("unnamed_time".into(), secs(headline.unnamed)));
        }
        for step in &measurement.steps {
            let id = &stream.steps[step.step].id;
            metrics.push((
                format!("steps.{id}.throughput_per_week"),
                step.throughput_per_week,
            ));
            metrics.push((
                format!("steps.{id}.work_in_progress"),
                step.work_in_progress as f64,
            ));
        }
    }
    metrics.sort_by(|a, b| a.0.cmp(&b.0));
    metrics.dedup_by(|a, b| a.0 == b.0);
    metrics
}

/// The value of `name` in metrics sorted by name.
pub fn get(metrics: &[(String, f64)], name: &str) -> Option<f64> {
    metrics
        .binary_search_by(|(n, _)| n.as_str().cmp(name))
        .ok()
        .map(|i| metrics[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimated_map_gives_summary_and_step_metrics() {
        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d, complete_accurate: 80% }\n  - { id: b, process_time: 2h }\n",
        )
        .stream
        .unwrap();
        let metrics = of(&stream, &crate::analyze(&stream), None);
        assert_eq!(get(&metrics, "lead_time"), Some(27.0 * 3600.0));
        assert_eq!(get(&metrics, "steps.a.complete_accurate"), Some(80.0));
        assert_eq!(get(&metrics, "rolled_complete_accurate"), Some(80.0));
        assert_eq!(get(&metrics, "steps.b.wait_time"), Some(0.0));
        assert_eq!(get(&metrics, "items.count"), None, "not measured");
        assert_eq!(metrics.len(), 7 + 2 * 4);
        assert_eq!(unit("steps.a.complete_accurate"), Unit::Percent);
        assert_eq!(unit("items.lead_time.p85"), Unit::Seconds);
        assert_eq!(unit("steps.a.work_in_progress"), Unit::Items);
    }
}
