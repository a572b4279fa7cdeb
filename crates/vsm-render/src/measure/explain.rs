//! `vsm measure MAP --explain STEP`: the items behind one step's numbers, for people and as JSON.

use std::fmt::Write as _;

use serde::Serialize;
use vsm_core::ValueStream;
use vsm_core::measure::{EventSource, Measurement, ObjectRef, StepMeasurement};

use crate::json::SCHEMA_VERSION;

/// Why `--explain` cannot list a step's items.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("there is no step `{step}`; the steps are {steps}")]
    NoStep { step: String, steps: String },
    #[error("step `{step}` has no `measure:` rule, so no item is behind its numbers")]
    NotMeasured { step: String },
}

/// The step `step_id` and what was measured of it, or why its items cannot be listed.
fn explained<'a>(
    stream: &ValueStream,
    measurement: &'a Measurement,
    step_id: &str,
) -> Result<(usize, &'a StepMeasurement), ExplainError> {
    let Some(index) = stream.step_index(step_id) else {
        return Err(ExplainError::NoStep {
            step: step_id.to_string(),
            steps: stream
                .steps
                .iter()
                .map(|s| format!("`{}`", s.id))
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let Some(step) = measurement.steps.iter().find(|s| s.step == index) else {
        return Err(ExplainError::NotMeasured {
            step: step_id.to_string(),
        });
    };
    Ok((index, step))
}

/// Characters of an object's name shown in the text listing.
const NAME_SHOWN: usize = 40;

/// An object as the text listing names it: its id, a git object id in it cut to 12 digits (as
/// `git log --oneline` shows them), and its name in quotes when the id does not already say it.
fn object_text(object: &ObjectRef) -> String {
    let mut id = object.id.clone();
    let tail = id.rfind([':', '/']).map_or(0, |at| at + 1);
    let hex = &id[tail..];
    if hex.len() >= 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        id.truncate(tail + 12);
    }
    match &object.name {
        Some(name) if !object.id.contains(name.as_str()) => {
            let mut shown: String = name.chars().take(NAME_SHOWN).collect();
            if name.chars().count() > NAME_SHOWN {
                shown.push('…');
            }
            format!("{id} \"{shown}\"")
        }
        _ => id,
    }
}

/// An event that started or ended a visit, and the object it came through unless that is the
/// item's own.
fn source_text(source: &EventSource, item: &str) -> String {
    match &source.object {
        Some(object) if object.id != item => format!("{} {}", source.activity, object_text(object)),
        _ => source.activity.to_string(),
    }
}

/// The items behind one step's figures. An object-centric log adds a last column: the events
/// that started and ended each item's step and the objects they came through.
pub fn explain(
    stream: &ValueStream,
    measurement: &Measurement,
    step_id: &str,
) -> Result<String, ExplainError> {
    let (index, step) = explained(stream, measurement, step_id)?;
    let stamp = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map_or_else(
            |_| ms.to_string(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    let human = |ms: i64| vsm_core::Duration::from_millis(ms.max(0) as u64).human();
    let left = step.items.iter().filter(|r| r.abandoned()).count() as u64;
    let unfinished = step.items.len() as u64 - step.visited - left;
    let mut out = format!(
        "{} ({}): {} items entered it; the {} marked `yes` in `counted` finished the stream and make its figures; {unfinished} still in progress{}\n",
        stream.steps[index].name,
        step_id,
        step.items.len(),
        step.visited,
        if left > 0 {
            format!("; {left} abandoned (`abandoned` in `counted`)")
        } else {
            String::new()
        },
    );
    out.push_str("wait: before the first pass and between its sessions; process: worked on the first pass; rework: later passes and the waits before them\n");
    let objects = step.items.iter().any(|r| {
        r.started_by.object.is_some() || r.ended_by.as_ref().is_some_and(|e| e.object.is_some())
    });
    if objects {
        out.push_str("events: the event that started the first visit and the one that ended the last, each with the object it came through (none named: the item's own)\n");
    }
    for (basis, n) in &step.wait_basis {
        let _ = writeln!(
            out,
            "  {n} counted items: {} ({})",
            basis.describe(),
            basis.as_str()
        );
    }
    out.push('\n');
    // The item column as wide as the longest id, so that every row's columns line up.
    let width = step
        .items
        .iter()
        .map(|r| r.item.chars().count())
        .max()
        .unwrap_or(0)
        .max("item".len());
    let mut header = format!(
        "{:<width$} {:<20} {:<20} {:<20} {:>6} {:>10} {:>10} {:>10} {:<14} {:>9} {:>7}",
        "item",
        "entered (UTC)",
        "first start (UTC)",
        "last end (UTC)",
        "visits",
        "wait",
        "process",
        "rework",
        "wait from",
        "came back",
        "counted"
    );
    if objects {
        header.push_str("  events");
    }
    let _ = writeln!(out, "{header}");
    for record in &step.items {
        let mut row = format!(
            "{:<width$} {:<20} {:<20} {:<20} {:>6} {:>10} {:>10} {:>10} {:<14} {:>9} {:>7}",
            record.item,
            stamp(record.entered),
            stamp(record.first_start),
            record
                .last_end
                .map_or_else(|| open_end(record).to_string(), stamp),
            record.visits,
            human(record.wait),
            if record.timed {
                human(record.process)
            } else {
                "-".into()
            },
            human(record.rework()),
            record.basis.as_str(),
            if record.returned { "yes" } else { "" },
            counted(record)
        );
        if objects {
            let _ = write!(
                row,
                "  start {}",
                source_text(&record.started_by, &record.item)
            );
            if let Some(ended) = &record.ended_by {
                let _ = write!(row, " · end {}", source_text(ended, &record.item));
            }
        }
        let _ = writeln!(out, "{}", row.trim_end());
    }
    Ok(out)
}

/// What the `last end` column says of an item still in the step.
fn open_end(record: &vsm_core::measure::ItemRecord) -> &'static str {
    if record.abandoned() {
        "(abandoned)"
    } else {
        "(in progress)"
    }
}

/// The `counted` column: whether the item makes the step's figures, or why not.
fn counted(record: &vsm_core::measure::ItemRecord) -> &'static str {
    use vsm_core::measure::Outcome;
    match record.outcome {
        Outcome::Finished => "yes",
        Outcome::Abandoned => "abandoned",
        Outcome::InProgress => "",
    }
}

/// The JSON of `vsm measure MAP --explain STEP`: the items behind one step's figures.
#[derive(Debug, Serialize)]
pub struct ExplainReport<'a> {
    pub schema_version: u32,
    pub step: &'a str,
    pub name: &'a str,
    /// How many items entered the step, finished or not.
    #[serde(skip)]
    pub total: usize,
    /// Every item that entered the step, finished or not (the first ones, when bounded).
    pub items: Vec<ExplainedItem<'a>>,
}

/// One item's passage through the step.
#[derive(Debug, Serialize)]
pub struct ExplainedItem<'a> {
    pub item: &'a str,
    /// Its first event, its first start in the step, its last end there (`null` while in it).
    pub entered: String,
    pub first_start: String,
    pub last_end: Option<String>,
    pub visits: u32,
    pub wait_seconds: f64,
    /// `null` when the log does not time the step's work (no start events).
    pub process_seconds: Option<f64>,
    pub rework_seconds: f64,
    /// Where its wait is measured from.
    pub wait_from: &'static str,
    /// Came back into the step after leaving it.
    pub came_back: bool,
    /// Finished the stream, so it makes the step's figures.
    pub counted: bool,
    /// Left the stream unfinished (one of the map's `abandoned:` events): not counted, and not
    /// in progress either.
    pub abandoned: bool,
    pub started_by: SourceReport<'a>,
    pub ended_by: Option<SourceReport<'a>>,
}

/// An event that started or ended a visit, and the object it came through (object-centric
/// logs; else `null`).
#[derive(Debug, Serialize)]
pub struct SourceReport<'a> {
    pub activity: &'a str,
    pub object: Option<ObjectReport<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ObjectReport<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub name: Option<&'a str>,
}

impl<'a> SourceReport<'a> {
    fn of(source: &'a EventSource) -> Self {
        SourceReport {
            activity: &source.activity,
            object: source.object.as_deref().map(|o| ObjectReport {
                id: &o.id,
                kind: &o.kind,
                name: o.name.as_deref(),
            }),
        }
    }
}

/// The items behind one step's figures, as JSON.
pub fn explain_json(
    stream: &ValueStream,
    measurement: &Measurement,
    step_id: &str,
) -> Result<String, ExplainError> {
    let report = explain_report(stream, measurement, step_id, usize::MAX)?;
    Ok(crate::json::to_string(&report))
}

/// The items behind one step's figures: the first `most` of them (in the order of
/// [`explain`]'s rows); the report's `total` says how many entered the step.
pub fn explain_report<'a>(
    stream: &'a ValueStream,
    measurement: &'a Measurement,
    step_id: &str,
    most: usize,
) -> Result<ExplainReport<'a>, ExplainError> {
    let (index, step) = explained(stream, measurement, step_id)?;
    let time = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
    };
    let seconds = |ms: i64| ms as f64 / 1000.0;
    Ok(ExplainReport {
        schema_version: SCHEMA_VERSION,
        step: &stream.steps[index].id,
        name: &stream.steps[index].name,
        total: step.items.len(),
        items: step
            .items
            .iter()
            .take(most)
            .map(|r| ExplainedItem {
                item: &r.item,
                entered: time(r.entered),
                first_start: time(r.first_start),
                last_end: r.last_end.map(time),
                visits: r.visits,
                wait_seconds: seconds(r.wait),
                process_seconds: r.timed.then(|| seconds(r.process)),
                rework_seconds: seconds(r.rework()),
                wait_from: r.basis.as_str(),
                came_back: r.returned,
                counted: r.finished(),
                abandoned: r.abandoned(),
                started_by: SourceReport::of(&r.started_by),
                ended_by: r.ended_by.as_ref().map(SourceReport::of),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use vsm_core::discovery::LogEvent;
    use vsm_core::measure::{Measurer, ObjectRef};

    use super::*;

    /// A map with one step, measured from pull requests whose merge commits and releases
    /// (reached through links) start and end it; one id long, one short, one still open.
    fn measured() -> (ValueStream, Measurement) {
        let stream = vsm_core::parse_map(
            "name: PRs\nsteps:\n  - { id: release, name: Merged to released, measure: { start: commit_committed, end: tag_created } }\n",
        )
        .stream
        .unwrap();
        let rules = vec![(0, stream.steps[0].measure.clone().unwrap())];
        let mut measurer = Measurer::new(&stream.steps, rules);
        let names = ["pr_opened", "commit_committed", "tag_created"];
        let object = |id: &str, kind: &str, name: Option<&str>| {
            Arc::new(ObjectRef {
                id: id.into(),
                kind: kind.into(),
                name: name.map(Into::into),
            })
        };
        let event = |activity: u32, hours: i64| LogEvent {
            activity,
            timestamp: 1_600_000_000_000 + hours * 3_600_000,
            is_start: false,
            is_complete: true,
            start: None,
        };
        let items = [
            (
                "github:panjf2000/ants/pull/189",
                vec![
                    object(
                        "github:panjf2000/ants/pull/189",
                        "pull_request",
                        Some("Add Shopify"),
                    ),
                    object(
                        "git:76ce0ce24f21b1dd13050e0c84b07ce55e68f111",
                        "commit",
                        Some(
                            "add shopify into user cases (#189), and a title longer than forty characters",
                        ),
                    ),
                    object("git:ants/tag/v2.4.7", "release", Some("v2.4.7")),
                ],
            ),
            (
                "pr/7",
                vec![
                    object("pr/7", "pull_request", None),
                    object("pr/7", "pull_request", None),
                    object("git:ants/tag/v2.4.8", "release", Some("v2.4.8")),
                ],
            ),
        ];
        for (item, objects) in &items {
            measurer.add_item_of_objects(
                item,
                &mut [event(0, 0), event(1, 2), event(2, 50)],
                |a| names[a as usize],
                |_, _| None,
                |at| Some(objects[at].clone()),
            );
        }
        measurer.add_item_of_objects(
            "pr/8",
            &mut [event(0, 0), event(1, 3)],
            |a| names[a as usize],
            |_, _| None,
            |_| Some(object("pr/8", "pull_request", None)),
        );
        let measurement = measurer.finish();
        (stream, measurement)
    }

    #[test]
    fn explain_names_the_events_and_objects_behind_each_item_in_aligned_columns() {
        let (stream, measurement) = measured();
        let text = explain(&stream, &measurement, "release").unwrap();
        insta::assert_snapshot!(text);
        // Every row's columns start where the header's do, however long its item id.
        let table: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("item"))
            .collect();
        let at = table[0].find("entered").unwrap();
        for row in &table[1..] {
            assert_eq!(&row[at - 1..=at], " 2", "{row}");
        }
        insta::assert_snapshot!(explain_json(&stream, &measurement, "release").unwrap());
    }

    #[test]
    fn a_bounded_report_lists_the_first_items_and_counts_them_all() {
        let (stream, measurement) = measured();
        let report = explain_report(&stream, &measurement, "release", 2).unwrap();
        assert_eq!(report.total, 3);
        let listed: Vec<&str> = report.items.iter().map(|i| i.item).collect();
        assert_eq!(listed, ["github:panjf2000/ants/pull/189", "pr/7"]);
        assert!(
            !crate::json::to_string(&report).contains("\"total\""),
            "the JSON of `vsm measure --explain` keeps its shape"
        );
    }
}
