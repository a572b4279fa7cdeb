//! `vsm plan`: the improvement plan with its schedule and targets checked against the numbers.

use std::fmt::Write as _;

use serde_json::json;
use vsm_core::ValueStream;
use vsm_core::model::{Improvement, ImprovementStatus};
use vsm_core::plan::{PlanItem, TargetValue};

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

fn show(value: TargetValue) -> String {
    match value {
        TargetValue::Duration(duration) => duration.human(),
        TargetValue::Percent(percent) => percent.to_string(),
    }
}

fn seconds_or_percent(value: TargetValue) -> serde_json::Value {
    match value {
        TargetValue::Duration(duration) => json!({ "seconds": duration.as_secs_f64() }),
        TargetValue::Percent(percent) => json!({ "percent": percent.value() }),
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

pub fn text(
    stream: &ValueStream,
    analysis: &vsm_core::Analysis,
    plan: &[PlanItem<'_>],
    today: jiff::civil::Date,
    has_history: bool,
) -> String {
    let mut out = format!("Improvement plan: {} (as of {today})\n", stream.name);
    // A measured map's lead time now, as its items took it: what the plan is to move.
    if let Some(measured) = &analysis.measured {
        out.push_str(&format!(
            "Lead time now: {} ({})\n",
            analysis.summary.lead_time.human(),
            vsm_render::ladder::headline(measured)
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

pub fn json(
    stream: &ValueStream,
    analysis: &vsm_core::Analysis,
    plan: &[PlanItem<'_>],
    today: jiff::civil::Date,
) -> String {
    let items: Vec<serde_json::Value> = plan
        .iter()
        .map(|item| {
            let improvement = item.improvement;
            json!({
                "id": improvement.id,
                "step": stream.steps[improvement.step].id,
                "action": improvement.action,
                "owner": improvement.owner,
                "status": improvement.status.as_str(),
                "due": improvement.due.map(|d| d.to_string()),
                "days_left": item.days_left,
                "overdue": item.overdue,
                "baseline": item.baseline,
                "targets": item.targets.iter().map(|t| json!({
                    "metric": t.metric,
                    "target": seconds_or_percent(t.target),
                    "current": seconds_or_percent(t.current),
                    "at_start": t.at_start.map(seconds_or_percent),
                    "provenance": t.provenance.as_str(),
                    "met": t.met,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut value = json!({ "today": today.to_string(), "improvements": items });
    // A measured map's lead time now: the items' distribution, as `analyze` gives it.
    if let Some(measured) = &analysis.measured {
        value["lead_time_now"] = json!({
            "mean_seconds": analysis.summary.lead_time.as_secs_f64(),
            "items": vsm_render::json::DistributionReport::of(&measured.items),
        });
    }
    let mut text = serde_json::to_string_pretty(&value).expect("serializes");
    text.push('\n');
    text
}
