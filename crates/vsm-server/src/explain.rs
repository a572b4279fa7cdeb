//! Where a headline number comes from: the steps behind it, each with its values and their
//! provenance, the arithmetic that makes the number of them (the metric definitions of the
//! design), and each step's own explanation, `vsm analyze --explain STEP`. For a measured map,
//! each measured step counts the items behind its numbers, which its items page lists as
//! `vsm measure MAP --explain STEP` does.

use serde::Serialize;
use vsm_core::Duration;
use vsm_core::measure::{Measurement, StepProvenance};
use vsm_core::{Analysis, ValueStream};

/// The headline numbers that can be explained, by their metric names.
pub const METRICS: [(&str, &str); 4] = [
    ("lead_time", "Lead time"),
    ("process_time", "Process time"),
    ("activity_ratio", "Activity ratio"),
    ("rolled_complete_accurate", "Rolled %C&A"),
];

/// A headline number explained.
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub metric: &'static str,
    pub title: &'static str,
    /// The number as the stream page shows it.
    pub value: String,
    /// The definition, then the arithmetic with this map's numbers.
    pub definition: &'static str,
    pub arithmetic: String,
    /// The steps behind it, in map order.
    pub steps: Vec<ExplainedStep>,
}

/// A step and its part in the number.
#[derive(Debug, Serialize)]
pub struct ExplainedStep {
    pub id: String,
    pub name: String,
    /// Whether the step counts in this number (off the critical path it does not count in the
    /// lead and process times).
    pub counted: bool,
    pub on_critical_path: bool,
    pub wait_seconds: f64,
    pub process_seconds: f64,
    pub lead_seconds: f64,
    pub complete_accurate_percent: f64,
    pub provenance: ProvenanceBody,
    #[serde(skip)]
    pub wait: String,
    #[serde(skip)]
    pub process: String,
    #[serde(skip)]
    pub lead: String,
    #[serde(skip)]
    pub complete_accurate: String,
    /// `vsm analyze --explain STEP`: the step's numbers with their arithmetic.
    pub explain: String,
    /// For a step measured from the stream's deliveries: how many items entered it (its items
    /// page lists them); `null` when its numbers are not measured.
    pub items: Option<usize>,
}

/// Where a step's numbers come from: `estimated`, `measured`, `derived`...
#[derive(Debug, Serialize)]
pub struct ProvenanceBody {
    pub process_time: &'static str,
    pub wait_time: &'static str,
    pub complete_accurate: &'static str,
}

/// The explanation of `metric` for the analyzed map, or what the metrics are.
pub fn explain(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: &[StepProvenance],
    measurement: Option<&Measurement>,
    metric: &str,
) -> Result<Explanation, String> {
    let Some(&(metric, title)) = METRICS.iter().find(|(name, _)| *name == metric) else {
        return Err(format!(
            "there is no headline number `{}` to explain; they are {}",
            vsm_core::diagnostic::shorten(metric),
            vsm_core::diagnostic::backticked(METRICS.iter().map(|(name, _)| *name), usize::MAX)
        ));
    };
    Ok(stream.told(|| told(stream, analysis, provenance, measurement, metric, title)))
}

fn told(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: &[StepProvenance],
    measurement: Option<&Measurement>,
    metric: &'static str,
    title: &'static str,
) -> Explanation {
    let summary = &analysis.summary;
    let path = &analysis.critical_path;
    let path_sum = |of: fn(&vsm_core::analysis::StepMetrics) -> Duration| {
        path.iter()
            .map(|&i| of(&analysis.steps[i]).human())
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let (value, definition, arithmetic) = match (metric, &analysis.measured) {
        // A measured map's lead time is its items', which its ladder adds up.
        ("lead_time", Some(measured)) => (
            summary.lead_time.human(),
            "the mean of the finished items' lead times, each from its first event to the end of its last step; it adds up as each step's wait and process time per item (the means over the items that visited the step, times their share), then rework, the activities the map does not name and the rounding of the means",
            format!(
                "{} = {} (the mean of {} items)",
                vsm_render::ladder::rungs(stream, measured)
                    .iter()
                    .map(|rung| vsm_render::ladder::signed_human(rung.per_item_millis))
                    .collect::<Vec<_>>()
                    .join(" + "),
                measured.mean().human(),
                measured.items.count
            ),
        ),
        ("lead_time", None) => (
            summary.lead_time.human(),
            "the sum of each step's lead time (its wait before it, then its process time) along the critical path, the longest path through the map",
            format!(
                "{} = {}",
                path_sum(|s| s.lead_time),
                summary.lead_time.human()
            ),
        ),
        ("process_time", _) => (
            summary.process_time.human(),
            "the sum of each step's process time (hands-on time for one item) along the critical path",
            format!(
                "{} = {}",
                path_sum(|s| s.process_time),
                summary.process_time.human()
            ),
        ),
        ("activity_ratio", _) => (
            vsm_core::format_percent(summary.activity_ratio_percent),
            "the process time over the lead time along the critical path, x 100: the share of an item's time that someone works on it",
            format!(
                "{} / {} x 100 = {}",
                summary.process_time.human(),
                summary.lead_time.human(),
                vsm_core::format_percent(summary.activity_ratio_percent)
            ),
        ),
        _ => (
            vsm_core::format_percent(summary.rolled_complete_accurate_percent),
            "the product of every step's %C&A (the share of its output the next step can use as is), x 100: every item passes every step",
            format!(
                "{} = {}",
                stream
                    .steps
                    .iter()
                    .map(|s| s.complete_accurate.to_string())
                    .collect::<Vec<_>>()
                    .join(" x "),
                vsm_core::format_percent(summary.rolled_complete_accurate_percent)
            ),
        ),
    };
    let steps = stream
        .steps
        .iter()
        .zip(&analysis.steps)
        .enumerate()
        .map(|(index, (step, numbers))| {
            let marks = provenance
                .get(index)
                .copied()
                .unwrap_or_else(|| StepProvenance::of(step));
            ExplainedStep {
                id: step.id.clone(),
                name: step.name.clone(),
                counted: metric == "rolled_complete_accurate" || numbers.on_critical_path,
                on_critical_path: numbers.on_critical_path,
                wait_seconds: numbers.wait_time.as_secs_f64(),
                process_seconds: numbers.process_time.as_secs_f64(),
                lead_seconds: numbers.lead_time.as_secs_f64(),
                complete_accurate_percent: numbers.complete_accurate.value(),
                provenance: ProvenanceBody {
                    process_time: marks.process_time.as_str(),
                    wait_time: marks.wait_time.as_str(),
                    complete_accurate: marks.complete_accurate.as_str(),
                },
                wait: numbers.wait_time.human(),
                process: numbers.process_time.human(),
                lead: numbers.lead_time.human(),
                complete_accurate: numbers.complete_accurate.to_string(),
                explain: vsm_render::queue::explain_measured(
                    stream, analysis, provenance, &step.id,
                )
                .unwrap_or_default(),
                items: measurement.and_then(|m| {
                    m.steps
                        .iter()
                        .find(|measured| measured.step == index)
                        .map(|measured| measured.items.len())
                }),
            }
        })
        .collect();
    Explanation {
        metric,
        title,
        value,
        definition,
        arithmetic,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzed(yaml: &str) -> (ValueStream, Analysis) {
        let stream = vsm_core::parse_map(yaml).stream.unwrap();
        let analysis = vsm_core::analyze(&stream);
        (stream, analysis)
    }

    #[test]
    fn the_lead_time_is_the_sum_along_the_critical_path() {
        let (stream, analysis) = analyzed(
            "name: P\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d }\n  - { id: b, process_time: 2h, wait_time: 1d, after: [a] }\n  - { id: c, process_time: 1h, wait_time: 3d, after: [a] }\n  - { id: d, process_time: 1h, after: [b, c], complete_accurate: 50% }\n",
        );
        let lead = explain(&stream, &analysis, &[], None, "lead_time").unwrap();
        let counted: Vec<&str> = lead
            .steps
            .iter()
            .filter(|s| s.counted)
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(counted, ["a", "c", "d"], "b is on the shorter branch");
        assert_eq!(
            lead.arithmetic,
            format!("1d 1h + 3d 1h + 1h = {}", lead.value)
        );
        let rolled = explain(&stream, &analysis, &[], None, "rolled_complete_accurate").unwrap();
        assert_eq!(rolled.value, "50%");
        assert!(rolled.steps.iter().all(|s| s.counted));
        assert!(
            rolled.steps[0].explain.contains("Process time"),
            "{}",
            rolled.steps[0].explain
        );
        let unknown = explain(&stream, &analysis, &[], None, "speed").unwrap_err();
        assert!(unknown.contains("`lead_time`"), "{unknown}");
    }
}
