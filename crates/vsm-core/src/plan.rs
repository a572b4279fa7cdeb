//! The improvement plan against the numbers: is each improvement on time, and does its step
//! already meet the targets it promised?

use jiff::civil::Date;

use crate::measure::{Provenance, StepProvenance};
use crate::metrics::{MetricKey, StepMetric, Unit};
use crate::model::{Improvement, ImprovementStatus, ValueStream};
use crate::{Duration, Percent};

/// One promised value next to the step's value now.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetCheck {
    /// `process_time`, `wait_time`, `lead_time` or `complete_accurate`.
    pub metric: &'static str,
    pub target: TargetValue,
    pub current: TargetValue,
    /// The value in the snapshot taken when the improvement started (see [`set_baseline`]).
    pub at_start: Option<TargetValue>,
    /// Where the current value comes from.
    pub provenance: Provenance,
    pub met: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TargetValue {
    Duration(Duration),
    Percent(Percent),
}

/// An improvement with its schedule and targets checked.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanItem<'a> {
    pub improvement: &'a Improvement,
    /// Days until the due date (negative when past), if it has one.
    pub days_left: Option<i64>,
    /// Past its due date and neither done nor dropped.
    pub overdue: bool,
    pub targets: Vec<TargetCheck>,
    /// The snapshot the `at_start` values come from, as the caller named it.
    pub baseline: Option<String>,
}

/// The value of a step's metric (`process_time`, `wait_time`, `lead_time` or
/// `complete_accurate`) in snapshot metrics (named as in [`crate::metrics`], sorted).
pub fn value_in(metrics: &[(String, f64)], step: &str, metric: &str) -> Option<TargetValue> {
    let key = MetricKey::step(step, StepMetric::from_name(metric)?);
    let value = crate::metrics::value(metrics, &key)?;
    Some(if key.unit() == Unit::Percent {
        TargetValue::Percent(Percent::new(value.clamp(0.0, 100.0)).unwrap_or(Percent::ZERO))
    } else {
        TargetValue::Duration(Duration::from_secs_f64(value))
    })
}

/// Fills in each target's value at the start of the improvement from a snapshot's metrics.
pub fn set_baseline(
    item: &mut PlanItem<'_>,
    stream: &ValueStream,
    label: String,
    metrics: &[(String, f64)],
) {
    let step = &stream.steps[item.improvement.step].id;
    for target in &mut item.targets {
        target.at_start = value_in(metrics, step, target.metric);
    }
    item.baseline = Some(label);
}

/// The plan, ordered by status (in progress, planned, done, dropped), then due date, then map
/// order. `stream` holds the step values now (measured where measured); `provenance` says which.
pub fn check<'a>(
    stream: &'a ValueStream,
    provenance: &[StepProvenance],
    today: Date,
) -> Vec<PlanItem<'a>> {
    let mut items: Vec<PlanItem<'a>> = stream
        .improvements
        .iter()
        .map(|improvement| {
            let step = &stream.steps[improvement.step];
            let mark = provenance
                .get(improvement.step)
                .copied()
                .unwrap_or_default();
            let days_left = improvement
                .due
                .map(|due| i64::from((due - today).get_days()));
            let open = matches!(
                improvement.status,
                ImprovementStatus::Planned | ImprovementStatus::InProgress
            );
            let mut targets = Vec::new();
            let time = |metric, target: Option<Duration>, current: Duration, provenance| {
                target.map(|target| TargetCheck {
                    metric,
                    target: TargetValue::Duration(target),
                    current: TargetValue::Duration(current),
                    at_start: None,
                    provenance,
                    met: current <= target,
                })
            };
            let lead_provenance = if mark.process_time == mark.wait_time {
                mark.process_time
            } else {
                Provenance::Mixed
            };
            targets.extend(time(
                "process_time",
                improvement.target.process_time,
                step.process_time,
                mark.process_time,
            ));
            targets.extend(time(
                "wait_time",
                improvement.target.wait_time,
                step.wait_time,
                mark.wait_time,
            ));
            targets.extend(time(
                "lead_time",
                improvement.target.lead_time,
                step.lead_time(),
                lead_provenance,
            ));
            if let Some(target) = improvement.target.complete_accurate {
                targets.push(TargetCheck {
                    metric: "complete_accurate",
                    target: TargetValue::Percent(target),
                    current: TargetValue::Percent(step.complete_accurate),
                    at_start: None,
                    provenance: mark.complete_accurate,
                    met: step.complete_accurate >= target,
                });
            }
            PlanItem {
                improvement,
                days_left,
                overdue: open && days_left.is_some_and(|days| days < 0),
                targets,
                baseline: None,
            }
        })
        .collect();
    let rank = |status: ImprovementStatus| match status {
        ImprovementStatus::InProgress => 0,
        ImprovementStatus::Planned => 1,
        ImprovementStatus::Done => 2,
        ImprovementStatus::Dropped => 3,
    };
    // Stable: equal status and due date keep map order.
    items.sort_by_key(|item| (rank(item.improvement.status), item.improvement.due));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_and_targets_are_checked() {
        let stream = crate::parse_map(
            "name: P\nsteps:\n  - { id: a, process_time: 2h, wait_time: 1d, complete_accurate: 80% }\nimprovements:\n  - { id: late, step: a, action: x, due: 2026-11-01, status: in_progress, target: { wait_time: 4h, complete_accurate: 75% } }\n  - { id: later, step: a, action: y, due: 2027-01-01, target: { lead_time: 2d } }\n  - { id: old, step: a, action: z, due: 2026-01-01, status: done }\n",
        )
        .stream
        .unwrap();
        let provenance = vec![StepProvenance::default()];
        let plan = check(&stream, &provenance, jiff::civil::date(2026, 11, 26));
        let ids: Vec<&str> = plan.iter().map(|p| p.improvement.id.as_str()).collect();
        assert_eq!(ids, ["late", "later", "old"]);
        assert_eq!((plan[0].days_left, plan[0].overdue), (Some(-25), true));
        assert_eq!((plan[1].days_left, plan[1].overdue), (Some(36), false));
        assert!(!plan[2].overdue, "done is never overdue");
        // Wait 1d against 4h: not met; %C&A 80% against 75%: met; lead 1d 2h against 2d: met.
        let met: Vec<(&str, bool)> = plan[0].targets.iter().map(|t| (t.metric, t.met)).collect();
        assert_eq!(met, [("wait_time", false), ("complete_accurate", true)]);
        assert!(plan[1].targets[0].met);
        assert_eq!(
            plan[1].targets[0].current,
            TargetValue::Duration(Duration::from_hours(26))
        );
    }
}
