//! The improvement plan: each improvement's schedule, and its targets next to the numbers now
//! and at the snapshot taken when it started.

use serde::Deserialize;
use vsm_core::model::ImprovementStatus;
use vsm_core::plan::PlanItem;
use vsm_store::{Snapshot, Store, StoreError};

use crate::Loaded;

/// The plan of a loaded map on a day.
#[derive(Debug)]
pub struct Plan<'a> {
    pub items: Vec<PlanItem<'a>>,
    /// Whether the map has snapshots (without, no target has a value at its start).
    pub has_history: bool,
}

/// The plan of `loaded` on `today`, each target with its value at the start of its improvement
/// from the map's history in `store`, when there is one.
pub fn plan<'a>(
    loaded: &'a Loaded,
    store: Option<&dyn Store>,
    today: jiff::civil::Date,
) -> Result<Plan<'a>, StoreError> {
    let mut items = vsm_core::plan::check(&loaded.stream, &loaded.provenance(), today);
    let history = match store {
        Some(store) => store.history(&loaded.stream.name)?,
        None => Vec::new(),
    };
    let found = baselines(&items, &history, |id| match store {
        Some(store) => store.analysis(id),
        None => Ok(None),
    })?;
    for (item, baseline) in items.iter_mut().zip(found) {
        if let Some(snapshot) = baseline {
            vsm_core::plan::set_baseline(
                item,
                &loaded.stream,
                crate::history::label(snapshot),
                &snapshot.metrics,
            );
        }
    }
    Ok(Plan {
        items,
        has_history: !history.is_empty(),
    })
}

/// For each item, the snapshot that stands for the start of its improvement: with `started:`,
/// the last one taken on or before that day; without, the first in which the map had it in
/// progress or done. Analyses are read one at a time, oldest first, and only while an
/// improvement without `started:` is still looking.
pub fn baselines<'h>(
    items: &[PlanItem<'_>],
    history: &'h [Snapshot],
    analysis: impl Fn(i64) -> Result<Option<String>, StoreError>,
) -> Result<Vec<Option<&'h Snapshot>>, StoreError> {
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
        // An analysis stored by another version may not have what is looked for: then it does
        // not tell when an improvement started.
        let Ok(stored) = serde_json::from_str::<StoredAnalysis>(&text) else {
            continue;
        };
        looking.retain(|&i| {
            let started = stored.improvements.iter().any(|entry| {
                entry.id == items[i].improvement.id
                    && [ImprovementStatus::InProgress, ImprovementStatus::Done]
                        .iter()
                        .any(|s| entry.status == s.as_str())
            });
            if started {
                found[i] = Some(snapshot);
            }
            !started
        });
    }
    Ok(found)
}

/// What the plan reads of a stored analysis (`vsm analyze --format json`): each improvement's
/// status when the snapshot was taken.
#[derive(Debug, Deserialize)]
struct StoredAnalysis {
    #[serde(default)]
    improvements: Vec<StoredImprovement>,
}

#[derive(Debug, Deserialize)]
struct StoredImprovement {
    id: String,
    status: String,
}
