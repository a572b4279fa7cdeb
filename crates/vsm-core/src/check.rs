//! Targets: the bounds a stream must keep, checked against its numbers now.

use crate::Duration;
use crate::analysis::Analysis;
use crate::measure::{Provenance, StepProvenance};
use crate::model::{TargetMetric, ValueStream};

/// One bound checked.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetResult {
    pub metric: TargetMetric,
    /// The step, for per-step targets (%C&A).
    pub step: Option<String>,
    /// The value checked: milliseconds for durations, percent for percentages.
    pub actual: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub passed: bool,
    /// Where the value comes from, e.g. `p85 of 1266 measured items` or `the map's analysis`.
    pub source: String,
}

/// Checks every target of `stream`. `item_lead_time_p85`: the p85 of the measured items' lead
/// times (with their count), which the lead time target uses when the map is measured.
/// `provenance` says, per step, whether its numbers were measured (empty: all estimated).
pub fn check(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: &[StepProvenance],
    item_lead_time_p85: Option<(Duration, u64)>,
) -> Vec<TargetResult> {
    let measured_anywhere = provenance.iter().any(|p| *p != StepProvenance::default());
    let s = &analysis.summary;
    let mut results = Vec::new();
    for target in &stream.targets {
        let within = |actual: f64| {
            target.min.is_none_or(|min| actual >= min) && target.max.is_none_or(|max| actual <= max)
        };
        let mut push = |actual: f64, step: Option<String>, source: String| {
            results.push(TargetResult {
                metric: target.metric,
                step,
                actual,
                min: target.min,
                max: target.max,
                passed: within(actual),
                source,
            });
        };
        let analysis_source = || {
            if measured_anywhere {
                "the analysis, with measured numbers where the map has them".to_string()
            } else {
                "the map's estimates".to_string()
            }
        };
        match target.metric {
            TargetMetric::LeadTime => match item_lead_time_p85 {
                Some((p85, items)) => push(
                    p85.as_millis() as f64,
                    None,
                    format!("p85 of {items} measured items"),
                ),
                None => push(s.lead_time.as_millis() as f64, None, analysis_source()),
            },
            TargetMetric::ProcessTime => {
                push(s.process_time.as_millis() as f64, None, analysis_source());
            }
            TargetMetric::WaitTime => push(s.wait_time.as_millis() as f64, None, analysis_source()),
            TargetMetric::LeadTimeWithRework => push(
                s.lead_time_with_rework.as_millis() as f64,
                None,
                analysis_source(),
            ),
            TargetMetric::ActivityRatio => push(s.activity_ratio_percent, None, analysis_source()),
            TargetMetric::RolledCompleteAccurate => {
                push(s.rolled_complete_accurate_percent, None, analysis_source());
            }
            TargetMetric::CompleteAccurate => {
                for (index, step) in stream.steps.iter().enumerate() {
                    let source = match provenance.get(index).map(|p| p.complete_accurate) {
                        Some(Provenance::Measured) => "measured",
                        _ => "estimated",
                    };
                    push(
                        step.complete_accurate.value(),
                        Some(step.id.clone()),
                        source.to_string(),
                    );
                }
            }
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_pass_and_fail() {
        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d, complete_accurate: 70% }\n  - { id: b, process_time: 1h, wait_time: 1h }\ntargets:\n  lead_time: { max: 2d }\n  activity_ratio: { min: 15% }\n  complete_accurate: { min: 80% }\n",
        )
        .stream
        .unwrap();
        let analysis = crate::analyze(&stream);
        let results = check(&stream, &analysis, &[], None);
        let outcome: Vec<(&str, Option<&str>, bool)> = results
            .iter()
            .map(|r| (r.metric.as_str(), r.step.as_deref(), r.passed))
            .collect();
        // Lead time 1d 3h <= 2d; activity ratio 2h / 27h = 7.4% < 15%; a's %C&A 70% < 80%.
        assert_eq!(
            outcome,
            [
                ("lead_time", None, true),
                ("activity_ratio", None, false),
                ("complete_accurate", Some("a"), false),
                ("complete_accurate", Some("b"), true)
            ]
        );
        // Measured: the p85 of the items decides.
        let measured = check(&stream, &analysis, &[], Some((Duration::from_days(3), 40)));
        assert!(!measured[0].passed);
        assert_eq!(measured[0].source, "p85 of 40 measured items");
    }
}
