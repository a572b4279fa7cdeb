//! `vsm plan`: the improvement plan by status, with its schedule and each target next to the
//! step's value now and at the improvement's start, as JSON and for people.

use std::fmt::Write as _;

use serde::Serialize;
use vsm_core::model::{Improvement, ImprovementStatus};
use vsm_core::plan::{PlanItem, TargetValue};
use vsm_core::{Analysis, ValueStream};

use crate::json::{DistributionReport, SCHEMA_VERSION};

/// The JSON of `vsm plan`.
#[derive(Debug, Serialize)]
pub struct PlanReport<'a> {
    pub schema_version: u32,
    pub today: String,
    pub improvements: Vec<ItemReport<'a>>,
    /// A measured map's lead time now: the items' distribution, as `analyze` gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_time_now: Option<LeadTimeNow>,
}

/// One improvement of the plan.
#[derive(Debug, Serialize)]
pub struct ItemReport<'a> {
    pub id: &'a str,
    pub step: &'a str,
    pub action: &'a str,
    pub owner: Option<&'a str>,
    pub status: &'static str,
    pub due: Option<String>,
    pub days_left: Option<i64>,
    pub overdue: bool,
    /// The snapshot that stands for the improvement's start, as messages name it.
    pub baseline: Option<&'a str>,
    pub targets: Vec<TargetReport>,
}

/// A target of an improvement, against the step's value now and at the start.
#[derive(Debug, Serialize)]
pub struct TargetReport {
    pub metric: &'static str,
    pub target: Value,
    pub current: Value,
    pub at_start: Option<Value>,
    pub provenance: &'static str,
    pub met: bool,
}

/// A target's value: `{seconds}` or `{percent}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Seconds(f64),
    Percent(f64),
}

impl From<TargetValue> for Value {
    fn from(value: TargetValue) -> Self {
        match value {
            TargetValue::Duration(duration) => Value::Seconds(duration.as_secs_f64()),
            TargetValue::Percent(percent) => Value::Percent(percent.value()),
        }
    }
}

/// A measured map's lead time now.
#[derive(Debug, Serialize)]
pub struct LeadTimeNow {
    pub mean_seconds: f64,
    pub items: DistributionReport,
}

impl<'a> PlanReport<'a> {
    pub fn new(
        stream: &'a ValueStream,
        analysis: &Analysis,
        plan: &'a [PlanItem<'a>],
        today: jiff::civil::Date,
    ) -> Self {
        PlanReport {
            schema_version: SCHEMA_VERSION,
            today: today.to_string(),
            improvements: plan
                .iter()
                .map(|item| {
                    let improvement = item.improvement;
                    ItemReport {
                        id: &improvement.id,
                        step: &stream.steps[improvement.step].id,
                        action: &improvement.action,
                        owner: improvement.owner.as_deref(),
                        status: improvement.status.as_str(),
                        due: improvement.due.map(|d| d.to_string()),
                        days_left: item.days_left,
                        overdue: item.overdue,
                        baseline: item.baseline.as_deref(),
                        targets: item
                            .targets
                            .iter()
                            .map(|t| TargetReport {
                                metric: t.metric,
                                target: t.target.into(),
                                current: t.current.into(),
                                at_start: t.at_start.map(Value::from),
                                provenance: t.provenance.as_str(),
                                met: t.met,
                            })
                            .collect(),
                    }
                })
                .collect(),
            lead_time_now: analysis.measured.as_ref().map(|measured| LeadTimeNow {
                mean_seconds: analysis.summary.lead_time.as_secs_f64(),
                items: DistributionReport::of(&measured.items),
            }),
        }
    }
}

/// The plan as pretty JSON.
pub fn json(
    stream: &ValueStream,
    analysis: &Analysis,
    plan: &[PlanItem<'_>],
    today: jiff::civil::Date,
) -> String {
    crate::json::to_string(&PlanReport::new(stream, analysis, plan, today))
}

/// Why an improvement has no value at its start, for the text report.
fn no_baseline(improvement: &Improvement, has_history: bool) -> Option<String> {
    match (improvement.started, has_history) {
        (_, false) => None,
        (Some(started), true) => Some(format!("no snapshot on or before its start ({started})")),
        (None, true) if improvement.status == ImprovementStatus::Planned => None,
        (None, true) => Some(
            "no snapshot shows it in progress; give `started:` to pick the snapshot before it"
                .into(),
        ),
    }
}

/// A target's value for people: `4h`, `90%`.
pub fn show(value: TargetValue) -> String {
    match value {
        TargetValue::Duration(duration) => duration.human(),
        TargetValue::Percent(percent) => percent.to_string(),
    }
}

fn schedule(item: &PlanItem<'_>) -> String {
    match (item.improvement.due, item.days_left) {
        (Some(due), Some(days)) if item.overdue => format!("due {due}, OVERDUE by {} days", -days),
        (Some(due), Some(days)) if days >= 0 => format!("due {due} (in {days} days)"),
        (Some(due), _) => format!("due {due}"),
        _ => "no due date".to_string(),
    }
}

/// The plan for people: by status, each item's schedule and targets; `has_history` says
/// whether there are snapshots to take the values at the start from. Durations are told in the
/// days the map counts.
pub fn text(
    stream: &ValueStream,
    analysis: &Analysis,
    plan: &[PlanItem<'_>],
    today: jiff::civil::Date,
    has_history: bool,
) -> String {
    stream.told(|| text_told(stream, analysis, plan, today, has_history))
}

fn text_told(
    stream: &ValueStream,
    analysis: &Analysis,
    plan: &[PlanItem<'_>],
    today: jiff::civil::Date,
    has_history: bool,
) -> String {
    let mut out = format!("Improvement plan: {} (as of {today})\n", stream.name);
    let _ = writeln!(out, "Days: {}.", stream.working_time.convention());
    // A measured map's lead time now, as its items took it: what the plan is to move.
    if let Some(measured) = &analysis.measured {
        out.push_str(&format!(
            "Lead time now: {} ({})\n",
            analysis.summary.lead_time.human(),
            crate::ladder::headline(measured)
        ));
    }
    if plan.is_empty() {
        out.push_str("\nNo improvements yet: add them under `improvements:` in the map.\n");
        return out;
    }
    let mut status = None;
    for item in plan {
        let improvement = item.improvement;
        if status != Some(improvement.status) {
            status = Some(improvement.status);
            let _ = write!(
                out,
                "\n{}\n",
                improvement.status.as_str().replace('_', " ").to_uppercase()
            );
        }
        let step = &stream.steps[improvement.step];
        let owner = improvement.owner.as_deref().unwrap_or("no owner");
        let _ = writeln!(
            out,
            "  {} [{}] {}",
            improvement.id, step.id, improvement.action
        );
        let _ = writeln!(out, "    {owner}; {}", schedule(item));
        match (&item.baseline, no_baseline(improvement, has_history)) {
            (Some(label), _) => {
                let _ = writeln!(out, "    at start: snapshot {label}");
            }
            (None, Some(why)) if !item.targets.is_empty() => {
                let _ = writeln!(out, "    at start: {why}");
            }
            _ => {}
        }
        for target in &item.targets {
            let start = if has_history {
                format!(
                    "start {:<8} ",
                    target.at_start.map_or_else(|| "-".to_string(), show)
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "    {:<18} target {:<8} {start}now {:<8} ({}) {}",
                target.metric,
                show(target.target),
                show(target.current),
                target.provenance.as_str(),
                if target.met { "met" } else { "not met yet" }
            );
        }
    }
    if !has_history {
        out.push_str("\nTake snapshots (`vsm snapshot`) to see each target's value when its improvement started.\n");
    }
    out
}
