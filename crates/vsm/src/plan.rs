//! `vsm plan`: the improvement plan with its schedule and targets checked against the numbers.

use vsm_core::model::ImprovementStatus;
use vsm_core::plan::PlanItem;
use vsm_store::Snapshot;

/// For each item, the snapshot that stands for the start of its improvement: with `started:`,
/// the last one taken on or before that day; without, the first in which the map had it in
/// progress or done. Analyses are read one at a time, oldest first, and only while an
/// improvement without `started:` is still looking.
pub fn baselines<'h>(
    items: &[PlanItem<'_>],
    history: &'h [Snapshot],
    analysis: impl Fn(i64) -> Result<Option<String>, vsm_store::StoreError>,
) -> Result<Vec<Option<&'h Snapshot>>, vsm_store::StoreError> {
    let mut found: Vec<Option<&Snapshot>> = items
        .iter()
        .map(|item| {
            let started = item.improvement.started?;
            history.iter().rev().find(|snapshot| {
                jiff::tz::Offset::UTC.to_datetime(snapshot.taken_at).date() <= started
            })
        })
        .collect();
    let mut looking: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].improvement.started.is_none())
        .collect();
    for snapshot in history {
        if looking.is_empty() {
            break;
        }
        let Some(text) = analysis(snapshot.id)? else {
            continue;
        };
        let Ok(analysis) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(list) = analysis["improvements"].as_array() else {
            continue;
        };
        looking.retain(|&i| {
            let started = list.iter().any(|entry| {
                entry["id"] == items[i].improvement.id.as_str()
                    && [ImprovementStatus::InProgress, ImprovementStatus::Done]
                        .iter()
                        .any(|s| entry["status"] == s.as_str())
            });
            if started {
                found[i] = Some(snapshot);
            }
            !started
        });
    }
    Ok(found)
}
