//! Targets: the bounds a stream must keep, checked against its numbers now.

use crate::measure::{Provenance, StepProvenance};
use crate::metrics::{DoraMetric, ItemsMetric, MetricKey, StepMetric, SummaryMetric};
use crate::model::{TargetMetric, ValueStream};

/// One bound checked.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetResult {
    pub metric: TargetMetric,
    /// The step, for per-step targets (%C&A).
    pub step: Option<String>,
    /// The value checked: milliseconds for durations, percent for percentages; `None` when the
    /// numbers checked do not have it (a snapshot taken before the step was added).
    pub actual: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The bounds as the map wrote them, for quoting.
    pub written: crate::model::TargetWritten,
    pub passed: bool,
    /// Where the value comes from, e.g. `p85 of 1266 measured items` or `the map's estimates`.
    pub source: String,
}

/// Which numbers are checked.
#[derive(Clone, Copy, Debug)]
pub enum Basis<'a> {
    /// The analysis now; `provenance` says, per step, whether its numbers were measured (empty:
    /// all estimated).
    Live { provenance: &'a [StepProvenance] },
    /// A stored snapshot.
    Snapshot { id: i64, taken_at: &'a str },
}

/// Checks every target of `stream` against `metrics` (named as in [`crate::metrics`], sorted by
/// name). The lead time target uses the p85 of the measured items' lead times when there is one.
/// `dora_period` names the period the DORA figures are of (`the week 2024-06-03 to
/// 2024-06-09`), for the messages of the DORA targets.
pub fn check(
    stream: &ValueStream,
    metrics: &[(String, f64)],
    basis: Basis<'_>,
    dora_period: &str,
) -> Vec<TargetResult> {
    let value = |key: &MetricKey| crate::metrics::value(metrics, key);
    let items_count = MetricKey::Items(ItemsMetric::Count);
    let items_p85 = MetricKey::Items(ItemsMetric::LeadTimeP85);
    let where_from = |what: String| match basis {
        Basis::Live { .. } => what,
        Basis::Snapshot { id, taken_at } => format!("{what}, snapshot #{id} of {taken_at}"),
    };
    let measured_anywhere = match basis {
        Basis::Live { provenance } => provenance.iter().any(|p| *p != StepProvenance::default()),
        Basis::Snapshot { .. } => value(&items_count).is_some(),
    };
    let analysis_source = || {
        where_from(if measured_anywhere {
            "the analysis, with measured numbers where the map has them".to_string()
        } else {
            "the map's estimates".to_string()
        })
    };
    let mut results = Vec::new();
    for target in &stream.targets {
        let mut push = |key: &MetricKey, step: Option<String>, source: String| {
            let scale = if target.metric.is_duration() {
                1_000.0
            } else {
                1.0
            };
            let actual = value(key).map(|v| v * scale);
            results.push(TargetResult {
                metric: target.metric,
                step,
                actual,
                min: target.min,
                max: target.max,
                written: target.written.clone(),
                passed: actual.is_some_and(|actual| {
                    target.min.is_none_or(|min| actual >= min)
                        && target.max.is_none_or(|max| actual <= max)
                }),
                source: if actual.is_some() {
                    source
                } else {
                    where_from(format!("`{key}` is not in the numbers checked"))
                },
            });
        };
        match target.metric {
            TargetMetric::LeadTime => {
                match value(&items_count).filter(|_| value(&items_p85).is_some()) {
                    Some(items) => push(
                        &items_p85,
                        None,
                        where_from(format!("p85 of {items} measured items")),
                    ),
                    None => push(
                        &MetricKey::Summary(SummaryMetric::LeadTime),
                        None,
                        analysis_source(),
                    ),
                }
            }
            TargetMetric::CompleteAccurate => {
                for (index, step) in stream.steps.iter().enumerate() {
                    let source = match basis {
                        Basis::Live { provenance } => {
                            match provenance.get(index).map(|p| p.complete_accurate) {
                                Some(Provenance::Measured) => "measured".to_string(),
                                _ => "estimated".to_string(),
                            }
                        }
                        Basis::Snapshot { id, taken_at } => {
                            format!("snapshot #{id} of {taken_at}")
                        }
                    };
                    push(
                        &MetricKey::step(&step.id, StepMetric::CompleteAccurate),
                        Some(step.id.clone()),
                        source,
                    );
                }
            }
            metric => {
                if let Some(summary) = summary_metric(metric) {
                    push(&MetricKey::Summary(summary), None, analysis_source());
                } else if let Some(dora) = dora_metric(metric) {
                    let figures = "the DORA figures of";
                    match dora_without_value(metric, dora, target, &value, dora_period) {
                        None => push(
                            &MetricKey::Dora(dora),
                            None,
                            where_from(format!("{figures} {dora_period}")),
                        ),
                        Some((passed, why)) => results.push(TargetResult {
                            metric,
                            step: None,
                            actual: None,
                            min: target.min,
                            max: target.max,
                            written: target.written.clone(),
                            passed,
                            source: where_from(why),
                        }),
                    }
                }
            }
        }
    }
    results
}

/// For a DORA target whose figure the numbers lack: whether it passes, and why, naming
/// `period`. `None` when the figure is there, or when its absence has no reason to give (numbers
/// with no DORA figures, as a snapshot taken before the map had `dora:`): checked as missing.
fn dora_without_value(
    metric: TargetMetric,
    dora: DoraMetric,
    target: &crate::model::Target,
    value: &impl Fn(&MetricKey) -> Option<f64>,
    period: &str,
) -> Option<(bool, String)> {
    let figure = |m: DoraMetric| value(&MetricKey::Dora(m));
    if figure(dora).is_some() || figure(DoraMetric::Deployments).is_none() {
        return None;
    }
    let none_of = |what: &str| Some((false, format!("no {what} in {period}")));
    match metric {
        // A quiet period has nothing to recover from: a bound on at most so long is kept, not
        // broken for want of a number.
        TargetMetric::RecoveryTime => {
            // A count, kept as a number; snapshots of before `dora.failures` know failed
            // deployments only.
            let (failures, nothing) = match figure(DoraMetric::Failures) {
                Some(count) => (
                    count.round() as usize,
                    "no failed deployment or incident attributed to one",
                ),
                None if figure(DoraMetric::ChangeFailureRate).is_none_or(|rate| rate <= 0.0) => {
                    (0, "no failed deployment")
                }
                None => return None,
            };
            if failures == 0 {
                Some((
                    target.min.is_none(),
                    format!("{nothing} to recover from in {period}"),
                ))
            } else {
                Some((
                    false,
                    format!(
                        "{} in {period}, none recovered from yet",
                        crate::diagnostic::counted(failures, "failure")
                    ),
                ))
            }
        }
        TargetMetric::LeadTimeForChanges => Some((false, no_lead_time(value, period))),
        TargetMetric::ChangeFailureRate => none_of("production deployment"),
        TargetMetric::ReworkRate => none_of("successful production deployment"),
        _ => None,
    }
}

/// Why the numbers have no lead time for changes in `period`: no change reached production, or
/// those that did have none (each was deployed before its first commit). Numbers of before
/// `dora.changes_deployed` cannot tell the two apart, and say only what they know.
fn no_lead_time(value: &impl Fn(&MetricKey) -> Option<f64>, period: &str) -> String {
    match value(&MetricKey::Dora(DoraMetric::ChangesDeployed)).map(|n| n.round() as usize) {
        Some(0) => format!("no change reached production in {period}"),
        Some(deployed) => format!(
            "{} reached production in {period}, none with a lead time: each was deployed \
             before its first commit (a time in the data is wrong; `vsm dora --explain \
             lead-time` lists them)",
            crate::diagnostic::counted(deployed, "change")
        ),
        None => format!("no change with a lead time reached production in {period}"),
    }
}

/// The summary metric a stream-wide target bounds; `None` for %C&A, a bound on every step.
pub fn summary_metric(metric: TargetMetric) -> Option<SummaryMetric> {
    Some(match metric {
        TargetMetric::LeadTime => SummaryMetric::LeadTime,
        TargetMetric::ProcessTime => SummaryMetric::ProcessTime,
        TargetMetric::WaitTime => SummaryMetric::WaitTime,
        TargetMetric::LeadTimeWithRework => SummaryMetric::LeadTimeWithRework,
        TargetMetric::ActivityRatio => SummaryMetric::ActivityRatio,
        TargetMetric::RolledCompleteAccurate => SummaryMetric::RolledCompleteAccurate,
        TargetMetric::CompleteAccurate
        | TargetMetric::DeploymentFrequency
        | TargetMetric::LeadTimeForChanges
        | TargetMetric::ChangeFailureRate
        | TargetMetric::RecoveryTime
        | TargetMetric::ReworkRate => return None,
    })
}

/// The DORA metric a DORA target bounds: the last full period's rate, median or share.
pub fn dora_metric(metric: TargetMetric) -> Option<DoraMetric> {
    Some(match metric {
        TargetMetric::DeploymentFrequency => DoraMetric::DeploymentFrequencyPerDay,
        TargetMetric::LeadTimeForChanges => DoraMetric::LeadTimeP50,
        TargetMetric::ChangeFailureRate => DoraMetric::ChangeFailureRate,
        TargetMetric::RecoveryTime => DoraMetric::RecoveryTimeP50,
        TargetMetric::ReworkRate => DoraMetric::ReworkRate,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: &str = "the week 2024-06-03 to 2024-06-09";

    #[test]
    fn bounds_pass_and_fail() {
        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d, complete_accurate: 70% }\n  - { id: b, process_time: 1h, wait_time: 1h }\ntargets:\n  lead_time: { max: 2d }\n  activity_ratio: { min: 15% }\n  complete_accurate: { min: 80% }\n",
        )
        .stream
        .unwrap();
        let analysis = crate::analyze(&stream);
        let metrics = crate::metrics::of(&stream, &analysis, None);
        let results = check(&stream, &metrics, Basis::Live { provenance: &[] }, WEEK);
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
        let mut measured = metrics.clone();
        measured.push(("items.count".into(), 40.0));
        measured.push(("items.lead_time.p85".into(), 3.0 * 86_400.0));
        measured.sort_by(|a, b| a.0.cmp(&b.0));
        let results = check(&stream, &measured, Basis::Live { provenance: &[] }, WEEK);
        assert!(!results[0].passed);
        assert_eq!(results[0].source, "p85 of 40 measured items");
        // From a snapshot that lacks a step.
        let old: Vec<(String, f64)> = metrics
            .iter()
            .filter(|(name, _)| !name.starts_with("steps.b."))
            .cloned()
            .collect();
        let results = check(
            &stream,
            &old,
            Basis::Snapshot {
                id: 4,
                taken_at: "2026-11-20T00:00:00Z",
            },
            WEEK,
        );
        assert_eq!(results[3].actual, None);
        assert!(!results[3].passed);
        assert_eq!(
            results[3].source,
            "`steps.b.complete_accurate` is not in the numbers checked, snapshot #4 of 2026-11-20T00:00:00Z"
        );
        assert_eq!(
            results[1].source,
            "the map's estimates, snapshot #4 of 2026-11-20T00:00:00Z"
        );
    }

    #[test]
    fn each_stream_wide_target_reads_the_summary_metric_of_its_name() {
        for (metric, name) in TargetMetric::ALL {
            assert_eq!(
                summary_metric(metric).map(SummaryMetric::as_str),
                (metric != TargetMetric::CompleteAccurate && !metric.is_dora()).then_some(name)
            );
            assert_eq!(dora_metric(metric).is_some(), metric.is_dora(), "{name}");
        }
    }

    #[test]
    fn dora_targets_read_the_last_full_periods_figures() {
        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h }\ndora: {}\ntargets:\n  deployment_frequency: { min: 1/day }\n  change_failure_rate: { max: 15% }\n  lead_time_for_changes: { max: 1d }\n  recovery_time: { max: 1h }\n",
        )
        .stream
        .unwrap();
        let mut metrics = vec![
            ("dora.change_failure_rate".to_string(), 10.0),
            ("dora.deployment_frequency_per_day".to_string(), 3.0 / 7.0),
            ("dora.lead_time.p50".to_string(), 2.0 * 86_400.0),
        ];
        metrics.sort_by(|a, b| a.0.cmp(&b.0));
        let results = check(&stream, &metrics, Basis::Live { provenance: &[] }, WEEK);
        let outcome: Vec<(&str, Option<f64>, bool)> = results
            .iter()
            .map(|r| (r.metric.as_str(), r.actual, r.passed))
            .collect();
        assert_eq!(
            outcome,
            [
                ("deployment_frequency", Some(3.0 / 7.0), false),
                ("lead_time_for_changes", Some(2.0 * 86_400_000.0), false),
                ("change_failure_rate", Some(10.0), true),
                ("recovery_time", None, false),
            ]
        );
        assert_eq!(results[0].min, Some(1.0));
        assert_eq!(
            results[3].source,
            "`dora.recovery_time.p50` is not in the numbers checked"
        );
    }

    /// `vsm check --live` failed `recovery_time` with "no value" in a week without deployments
    /// or incidents (the docs say it passes), and no message said which week it was.
    #[test]
    fn a_period_with_nothing_to_recover_from_keeps_a_recovery_bound_and_says_which_period() {
        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h }\ndora: {}\ntargets:\n  recovery_time: { max: 1h }\n  lead_time_for_changes: { max: 1d }\n  change_failure_rate: { max: 15% }\n",
        )
        .stream
        .unwrap();
        let quiet = vec![
            ("dora.changes_deployed".to_string(), 0.0),
            ("dora.deployment_frequency_per_day".to_string(), 0.0),
            ("dora.deployments".to_string(), 0.0),
            ("dora.failures".to_string(), 0.0),
            ("dora.production_deployments".to_string(), 0.0),
            ("dora.unrecovered".to_string(), 0.0),
        ];
        let results = check(&stream, &quiet, Basis::Live { provenance: &[] }, WEEK);
        let said: Vec<(bool, &str)> = results
            .iter()
            .map(|r| (r.passed, r.source.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                (
                    false,
                    "no change reached production in the week 2024-06-03 to 2024-06-09"
                ),
                (
                    false,
                    "no production deployment in the week 2024-06-03 to 2024-06-09"
                ),
                (
                    true,
                    "no failed deployment or incident attributed to one to recover from in the week 2024-06-03 to 2024-06-09"
                ),
            ]
        );
        // Two incidents, neither resolved: nothing recovered, which breaks the bound.
        let mut open = quiet.clone();
        open[3].1 = 2.0;
        open[5].1 = 2.0;
        let results = check(&stream, &open, Basis::Live { provenance: &[] }, WEEK);
        assert!(!results[2].passed);
        assert_eq!(
            results[2].source,
            "2 failures in the week 2024-06-03 to 2024-06-09, none recovered from yet"
        );
        // A figure is checked against its period, named.
        let mut recovered = open.clone();
        recovered.push(("dora.recovery_time.p50".to_string(), 1800.0));
        recovered.sort_by(|a, b| a.0.cmp(&b.0));
        let results = check(&stream, &recovered, Basis::Live { provenance: &[] }, WEEK);
        assert!(results[2].passed);
        assert_eq!(
            results[2].source,
            "the DORA figures of the week 2024-06-03 to 2024-06-09"
        );
        // A snapshot of before `dora.failures`: no failed deployment, nothing to recover from.
        let old: Vec<(String, f64)> = vec![
            ("dora.change_failure_rate".to_string(), 0.0),
            ("dora.deployments".to_string(), 1.0),
        ];
        let results = check(
            &stream,
            &old,
            Basis::Snapshot {
                id: 2,
                taken_at: "2024-06-12T00:00:00Z",
            },
            WEEK,
        );
        assert!(results[2].passed, "{results:?}");
    }

    /// Changes that reached production, each deployed before its first commit (so with no
    /// lead time), were checked as "no change reached production".
    #[test]
    fn changes_deployed_with_no_lead_time_are_not_said_to_be_no_change() {
        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h }\ndora: {}\ntargets:\n  lead_time_for_changes: { max: 1d }\n",
        )
        .stream
        .unwrap();
        let source = |changes_deployed: Option<f64>| {
            let mut metrics = vec![
                ("dora.deployments".to_string(), 1.0),
                ("dora.production_deployments".to_string(), 1.0),
            ];
            metrics.extend(changes_deployed.map(|n| ("dora.changes_deployed".to_string(), n)));
            metrics.sort_by(|a, b| a.0.cmp(&b.0));
            let results = check(&stream, &metrics, Basis::Live { provenance: &[] }, WEEK);
            assert!(!results[0].passed);
            results[0].source.clone()
        };
        assert_eq!(
            source(Some(3.0)),
            "3 changes reached production in the week 2024-06-03 to 2024-06-09, none with a lead \
             time: each was deployed before its first commit (a time in the data is wrong; `vsm \
             dora --explain lead-time` lists them)"
        );
        assert_eq!(
            source(Some(0.0)),
            "no change reached production in the week 2024-06-03 to 2024-06-09"
        );
        // Numbers of before `dora.changes_deployed` say only what they know.
        assert_eq!(
            source(None),
            "no change with a lead time reached production in the week 2024-06-03 to 2024-06-09"
        );
    }
}
