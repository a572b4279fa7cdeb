//! The words every report uses for a countermeasure: what it changes and what that does to the
//! numbers, against the map's own.

use vsm_core::analysis::Analysis;
use vsm_core::countermeasure::Countermeasure;
use vsm_core::{Duration, format_percent};

use crate::ladder::signed_human;

/// What the overlay sets: `automated false → true, wait_time 6d → 3d, wip_limit 3`.
pub fn changes(countermeasure: &Countermeasure) -> String {
    let flagged = countermeasure.changes.first().map(|c| c.step.as_str());
    countermeasure
        .changes
        .iter()
        .map(|change| {
            // Changes to other steps than the flagged one name their step.
            let field = if Some(change.step.as_str()) == flagged {
                change.field.to_string()
            } else {
                format!("{}'s {}", change.step, change.field)
            };
            match &change.from {
                Some(from) => format!("{field} {from} → {}", change.to),
                None => format!("{field} {}", change.to),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A new value and its change from the map's: `23d 3h (-3d 1h)`, or `26d 4h (no change)`.
fn duration_change(before: Duration, after: Duration) -> String {
    let millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let change = millis(after).saturating_sub(millis(before));
    if change == 0 {
        format!("{} (no change)", after.human())
    } else {
        let sign = if change > 0 { "+" } else { "" };
        format!("{} ({sign}{})", after.human(), signed_human(change))
    }
}

/// What the change does to the numbers: the lead time always, the lead time with rework when
/// rework counts on either side, the rolled %C&A and the step's score when they move.
pub fn effect(analysis: &Analysis, countermeasure: &Countermeasure) -> String {
    let (before, after) = (&analysis.summary, &countermeasure.effect);
    let mut parts = vec![format!(
        "lead time {}",
        duration_change(before.lead_time, after.lead_time)
    )];
    if before.lead_time_with_rework != before.lead_time
        || after.lead_time_with_rework != after.lead_time
    {
        parts.push(format!(
            "with rework {}",
            duration_change(before.lead_time_with_rework, after.lead_time_with_rework)
        ));
    }
    let (ca_before, ca_after) = (
        format_percent(before.rolled_complete_accurate_percent),
        format_percent(after.rolled_complete_accurate_percent),
    );
    if ca_before != ca_after {
        parts.push(format!("rolled %C&A {ca_before} → {ca_after}"));
    }
    let score = analysis
        .bottlenecks
        .iter()
        .find(|b| b.step == countermeasure.step)
        .map(|b| b.score);
    match (score, after.score) {
        (Some(_), None) => parts.push("no longer a bottleneck".into()),
        (Some(was), Some(now)) if (was - now).abs() >= 0.05 => parts.push(format!(
            "score {} → {}",
            vsm_core::format_number(was, 1),
            vsm_core::format_number(now, 1)
        )),
        _ => {}
    }
    parts.join(", ")
}
