//! `vsm plan`: the improvement plan with its schedule and targets checked against the numbers.

use std::fmt::Write as _;

use serde_json::json;
use vsm_core::ValueStream;
use vsm_core::plan::{PlanItem, TargetValue};

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

pub fn text(stream: &ValueStream, plan: &[PlanItem<'_>], today: jiff::civil::Date) -> String {
    let mut out = format!("Improvement plan: {} (as of {today})\n", stream.name);
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
        for target in &item.targets {
            let _ = writeln!(
                out,
                "    {:<18} target {:<8} now {:<8} ({}) {}",
                target.metric,
                show(target.target),
                show(target.current),
                target.provenance.as_str(),
                if target.met { "met" } else { "not met yet" }
            );
        }
    }
    out.push_str("\nThe value at the start of each improvement comes with `vsm snapshot` (not available yet).\n");
    out
}

pub fn json(stream: &ValueStream, plan: &[PlanItem<'_>], today: jiff::civil::Date) -> String {
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
                "targets": item.targets.iter().map(|t| json!({
                    "metric": t.metric,
                    "target": seconds_or_percent(t.target),
                    "current": seconds_or_percent(t.current),
                    "provenance": t.provenance.as_str(),
                    "met": t.met,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&json!({ "today": today.to_string(), "improvements": items }))
            .expect("serializes");
    text.push('\n');
    text
}
