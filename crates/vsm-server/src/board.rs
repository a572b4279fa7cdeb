//! The plan of a stream's map as `vsm plan` computes it, with the server's versions for history:
//! each improvement's targets next to the step's value now (the latest version, measured from
//! the stream's deliveries when it measures, as its analysis is) and at its start (the version
//! in which the improvement first appeared, from that version's estimates). The plan page shows it as a
//! board by status; the API answers the JSON `vsm plan --format json` prints.

use std::collections::BTreeMap;

use vsm_core::model::ImprovementStatus;
use vsm_core::plan::PlanItem;
use vsm_render::plan::show;

use crate::map::{Numbers, Problem};
use crate::store::Version;

/// An improvement as a card on the board, told for people.
#[derive(Debug)]
pub struct Card {
    pub id: String,
    pub action: String,
    pub step: String,
    pub owner: Option<String>,
    /// `due 2027-01-15 (in 43 days)`, `due 2026-11-01, overdue by 32 days`, `no due date`.
    pub schedule: String,
    pub overdue: bool,
    /// The version its start values come from, as `v3 of 2026-11-26`.
    pub baseline: Option<String>,
    pub targets: Vec<TargetRow>,
}

/// A target next to the step's value at the start and now.
#[derive(Debug)]
pub struct TargetRow {
    pub metric: String,
    pub target: String,
    pub at_start: String,
    pub now: String,
    pub provenance: &'static str,
    pub met: bool,
}

/// A column of the board: one status of the map format, with its cards.
#[derive(Debug)]
pub struct Column {
    /// As the map writes it (`in_progress`).
    pub status: &'static str,
    /// For people (`In progress`).
    pub title: String,
    pub cards: Vec<Card>,
}

/// The plan of the latest version.
#[derive(Debug)]
pub struct Board {
    /// The JSON `vsm plan --format json` prints for the latest version.
    pub json: String,
    pub columns: Vec<Column>,
    /// The latest version's number: a move is made on it.
    pub version: i64,
    pub name: String,
    /// What the values now come from.
    pub numbers: Numbers,
    /// The stream has more versions than were read, so an improvement's start may be later
    /// than its true first version.
    pub truncated: bool,
}

/// Every status of the map format, in board order, with its title.
pub fn statuses() -> impl Iterator<Item = (ImprovementStatus, &'static str, String)> {
    ImprovementStatus::ALL.iter().map(|(status, written)| {
        let title = written.replace('_', " ");
        let title = title[..1].to_uppercase() + &title[1..];
        (*status, *written, title)
    })
}

/// The plan of the versions `newest_first` (the latest first, as
/// [`crate::Store::recent_versions`] answers) on `today`, the latest measured from the
/// stream's event store `events`.
pub fn of(
    stream: &str,
    newest_first: &[Version],
    truncated: bool,
    today: jiff::civil::Date,
    events: &crate::events::Current,
) -> Result<Board, Problem> {
    let latest = newest_first
        .first()
        .ok_or_else(|| Problem::Other(format!("`{stream}` has no version")))?;
    let (loaded, numbers) = crate::map::measured(stream, &latest.yaml, events)?;
    let mut items = vsm_core::plan::check(&loaded.stream, &loaded.provenance(), today);
    set_starts(
        stream,
        &loaded.stream,
        &mut items,
        newest_first,
        &events.bases,
    );
    let json = vsm_render::plan::json(&loaded.stream, &loaded.analysis, &items, today);
    let columns = loaded.stream.told(|| columns(&loaded.stream, &items));
    Ok(Board {
        json,
        columns,
        version: latest.info.number,
        name: loaded.stream.name.clone(),
        numbers,
        truncated,
    })
}

/// Each item's start: the values of the oldest version whose map has the improvement.
fn set_starts(
    stream: &str,
    current: &vsm_core::ValueStream,
    items: &mut [PlanItem<'_>],
    newest_first: &[Version],
    bases: &crate::future::Bases,
) {
    // The oldest version having each improvement, read oldest first until every one is found.
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, version) in newest_first.iter().enumerate().rev() {
        let missing: Vec<&str> = items
            .iter()
            .map(|item| item.improvement.id.as_str())
            .filter(|id| !first.contains_key(id) && version.yaml.contains(id))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let Some(map) = vsm_core::parse_map(&version.yaml).stream else {
            continue;
        };
        for id in missing {
            if map.improvements.iter().any(|i| i.id == id) {
                first.insert(id, index);
            }
        }
        if first.len() == items.len() {
            break;
        }
    }
    let mut metrics: BTreeMap<usize, Option<Vec<(String, f64)>>> = BTreeMap::new();
    for item in items {
        let Some(&index) = first.get(item.improvement.id.as_str()) else {
            continue;
        };
        let version = &newest_first[index];
        let values = metrics.entry(index).or_insert_with(|| {
            crate::map::estimates(stream, &version.yaml, bases)
                .ok()
                .map(|(loaded, _)| loaded.metrics())
        });
        if let Some(values) = values {
            let label = format!(
                "v{} of {}",
                version.info.number,
                crate::api::time(version.info.created_at)
                    .get(..10)
                    .unwrap_or_default()
            );
            vsm_core::plan::set_baseline(item, current, label, values);
        }
    }
}

fn schedule(item: &PlanItem<'_>) -> String {
    match (item.improvement.due, item.days_left) {
        (Some(due), Some(days)) if item.overdue => {
            format!("due {due}, overdue by {}", days_said(-days))
        }
        (Some(due), Some(0)) => format!("due {due} (today)"),
        (Some(due), Some(days)) if days > 0 => format!("due {due} (in {})", days_said(days)),
        (Some(due), _) => format!("due {due}"),
        _ => "no due date".to_string(),
    }
}

fn days_said(days: i64) -> String {
    if days == 1 {
        "1 day".into()
    } else {
        format!("{days} days")
    }
}

fn columns(stream: &vsm_core::ValueStream, items: &[PlanItem<'_>]) -> Vec<Column> {
    statuses()
        .map(|(status, written, title)| Column {
            status: written,
            title,
            cards: items
                .iter()
                .filter(|item| item.improvement.status == status)
                .map(|item| card(stream, item))
                .collect(),
        })
        .collect()
}

fn card(stream: &vsm_core::ValueStream, item: &PlanItem<'_>) -> Card {
    let improvement = item.improvement;
    Card {
        id: improvement.id.clone(),
        action: improvement.action.clone(),
        step: stream.steps[improvement.step].name.clone(),
        owner: improvement.owner.clone(),
        schedule: schedule(item),
        overdue: item.overdue,
        baseline: item.baseline.clone(),
        targets: item
            .targets
            .iter()
            .map(|target| TargetRow {
                metric: target.metric.replace('_', " "),
                target: show(target.target),
                at_start: target.at_start.map_or_else(|| "–".to_string(), show),
                now: show(target.current),
                provenance: target.provenance.as_str(),
                met: target.met,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::VersionInfo;

    fn version(number: i64, yaml: &str) -> Version {
        Version {
            info: VersionInfo {
                number,
                author: "ada".into(),
                created_at: 1_795_000_000 + number * 86_400,
                message: String::new(),
                size: yaml.len() as i64,
            },
            yaml: yaml.into(),
        }
    }

    const BEFORE: &str = "name: D\nsteps:\n  - { id: a, process_time: 4h, wait_time: 2d }\n";

    #[test]
    fn a_target_starts_from_the_version_its_improvement_first_appeared_in() {
        let added = format!(
            "{BEFORE}improvements:\n  - {{ id: faster, step: a, action: Pair, due: 2026-01-01, target: {{ process_time: 2h }} }}\n"
        );
        let moved = added
            .replace("4h", "3h")
            .replace("action: Pair,", "action: Pair, status: done,");
        let versions = [version(3, &moved), version(2, &added), version(1, BEFORE)];
        let today = jiff::civil::date(2026, 1, 10);
        let board = of(
            "d",
            &versions,
            false,
            today,
            &crate::events::Current::default(),
        )
        .unwrap();
        assert_eq!(board.version, 3);
        let done = board.columns.iter().find(|c| c.status == "done").unwrap();
        let card = &done.cards[0];
        assert_eq!(card.baseline.as_deref(), Some("v2 of 2026-11-20"));
        assert_eq!(
            (
                card.targets[0].at_start.as_str(),
                card.targets[0].now.as_str()
            ),
            ("4h", "3h")
        );
        assert!(!card.overdue, "a done improvement is never overdue");
        assert!(board.json.contains("\"at_start\": {\n"), "{}", board.json);

        let planned = added.replace("4h", "3h");
        let versions = [version(2, &planned), version(1, BEFORE)];
        let board = of(
            "d",
            &versions,
            false,
            today,
            &crate::events::Current::default(),
        )
        .unwrap();
        let card = &board.columns[0].cards[0];
        assert!(card.overdue);
        assert_eq!(card.schedule, "due 2026-01-01, overdue by 9 days");
        assert_eq!(
            board.columns.iter().map(|c| c.status).collect::<Vec<_>>(),
            ["planned", "in_progress", "done", "dropped"]
        );
    }
}
