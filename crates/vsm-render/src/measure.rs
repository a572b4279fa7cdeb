//! `vsm measure`: a map's steps measured from its event log, as JSON and for people; the items
//! behind one step's numbers (`--explain`); and the estimates next to the measured numbers that
//! the text and Markdown analyses end with.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use vsm_core::ValueStream;
use vsm_core::measure::{
    Distribution, EventSource, Measurement, ObjectRef, Provenance, StepMeasurement, StepProvenance,
    WaitBasis,
};

use crate::json::{ActivityCount, DistributionReport, Import, SCHEMA_VERSION};

/// What the import read: the log's name and its event counts.
#[derive(Clone, Copy, Debug)]
pub struct LogRead<'a> {
    /// The log as the reports name it.
    pub log: &'a str,
    pub import: Import,
}

/// A map measured from its log, as the renderers take it.
#[derive(Clone, Copy, Debug)]
pub struct Measured<'a> {
    /// The map as written: its estimates.
    pub estimates: &'a ValueStream,
    /// The map with the measured numbers in place of its estimates.
    pub stream: &'a ValueStream,
    /// Where each step's numbers come from, in step order.
    pub provenance: &'a [StepProvenance],
    pub measurement: &'a Measurement,
    pub read: LogRead<'a>,
}

/// Why `--explain` cannot list a step's items.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("there is no step `{step}`; the steps are {steps}")]
    NoStep { step: String, steps: String },
    #[error("step `{step}` has no `measure:` rule, so no item is behind its numbers")]
    NotMeasured { step: String },
}

/// The JSON of `vsm measure`: the items' lead time, per step distributions, WIP, throughput,
/// %C&A; the coverage.
#[derive(Debug, Serialize)]
pub struct MeasurementReport<'a> {
    pub schema_version: u32,
    pub log: &'a str,
    pub import: Import,
    pub coverage: CoverageReport<'a>,
    pub item_lead_time: DistributionReport,
    pub steps: Vec<StepMeasurementReport<'a>>,
}

/// How much of the log the measured steps cover.
#[derive(Debug, Serialize)]
pub struct CoverageReport<'a> {
    pub items: u64,
    pub items_used: u64,
    pub items_in_progress: u64,
    /// Items that left the stream unfinished (the map's `abandoned:` events).
    pub items_abandoned: u64,
    pub events: u64,
    /// Activities that matched no step, with their event counts.
    pub unmatched: Vec<ActivityCount<'a>>,
}

/// One measured step.
#[derive(Debug, Serialize)]
pub struct StepMeasurementReport<'a> {
    pub id: &'a str,
    /// Items that finished the step, and items that entered it.
    pub completed: u64,
    pub visited: u64,
    /// Hands-on time per item (first pass).
    pub process_time: DistributionReport,
    /// Time an item waited before the step started.
    pub wait_time: DistributionReport,
    /// Wait plus process time.
    pub lead_time: DistributionReport,
    /// Time in later passes of the step, and the waits before them.
    pub rework_time: DistributionReport,
    /// Of the step's items, how many had their wait measured from where.
    pub wait_measured_from: WaitBases<'a>,
    /// Items inside the step at the end of the log.
    pub work_in_progress: u64,
    /// Completions per week over the log's time span.
    pub throughput_per_week: f64,
    /// Items that left the step, and those of them that came back.
    pub left: u64,
    pub returned: u64,
    /// The share of items that left and did not come back.
    pub complete_accurate_percent: Option<f64>,
    /// Process time over lead time, over the visited items.
    pub flow_efficiency_percent: Option<f64>,
    /// Whether the log times the work in the step (start events).
    pub timed: bool,
}

/// A step's wait bases and their item counts, as a JSON object in the measurement's order.
#[derive(Debug)]
pub struct WaitBases<'a>(pub &'a [(WaitBasis, u64)]);

impl Serialize for WaitBases<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(basis, n)| (basis.as_str(), n)))
    }
}

impl<'a> MeasurementReport<'a> {
    pub fn new(stream: &'a ValueStream, measured: &Measured<'a>) -> Self {
        let measurement = measured.measurement;
        let coverage = &measurement.coverage;
        MeasurementReport {
            schema_version: SCHEMA_VERSION,
            log: measured.read.log,
            import: measured.read.import,
            coverage: CoverageReport {
                items: coverage.items,
                items_used: coverage.items_used,
                items_in_progress: coverage.items_in_progress,
                items_abandoned: coverage.items_abandoned,
                events: coverage.events,
                unmatched: coverage
                    .unmatched
                    .iter()
                    .map(|(activity, count)| ActivityCount {
                        activity,
                        count: *count,
                    })
                    .collect(),
            },
            item_lead_time: DistributionReport::of(&measurement.item_lead_time),
            steps: measurement
                .steps
                .iter()
                .map(|step| step_report(stream, step))
                .collect(),
        }
    }
}

fn step_report<'a>(
    stream: &'a ValueStream,
    step: &'a StepMeasurement,
) -> StepMeasurementReport<'a> {
    StepMeasurementReport {
        id: &stream.steps[step.step].id,
        completed: step.completed,
        visited: step.visited,
        process_time: DistributionReport::of(&step.process_time),
        wait_time: DistributionReport::of(&step.wait_time),
        lead_time: DistributionReport::of(&step.lead_time),
        rework_time: DistributionReport::of(&step.rework_time),
        wait_measured_from: WaitBases(&step.wait_basis),
        work_in_progress: step.work_in_progress,
        throughput_per_week: step.throughput_per_week,
        left: step.left,
        returned: step.returned,
        complete_accurate_percent: step.complete_accurate.map(vsm_core::Percent::value),
        flow_efficiency_percent: step.flow_efficiency_percent,
        timed: step.timed,
    }
}

/// The measurement as pretty JSON.
pub fn json(stream: &ValueStream, measured: &Measured<'_>) -> String {
    crate::json::to_string(&MeasurementReport::new(stream, measured))
}

fn distribution_line(out: &mut String, label: &str, d: &Distribution) {
    if d.count == 0 {
        let _ = writeln!(out, "  {label:<8} no samples");
        return;
    }
    let _ = write!(out, "  {label:<8}");
    for (name, value) in crate::ladder::figures(d) {
        let _ = write!(out, " {name} {value:<8}");
    }
    let _ = writeln!(out, " (n={})", d.count);
}

/// How many of a step's items had their wait measured from where, one line each.
fn wait_basis_text(out: &mut String, step: &StepMeasurement) {
    if step.wait_basis.len() == 1 && step.wait_basis[0].0 != WaitBasis::Overlap {
        let _ = writeln!(out, "  wait measured {}", step.wait_basis[0].0.describe());
        return;
    }
    for (basis, n) in &step.wait_basis {
        let items = if *n == 1 { "item" } else { "items" };
        let _ = writeln!(out, "  wait of {n} {items}: {}", basis.describe());
    }
}

/// The measurement for people.
pub fn text(stream: &ValueStream, measured: &Measured<'_>) -> String {
    let mut out = String::new();
    let measurement = measured.measurement;
    let _ = writeln!(
        out,
        "{}: measured from {}\n",
        stream.name, measured.read.log
    );
    let coverage = &measurement.coverage;
    let _ = writeln!(
        out,
        "Items: {} finished, {} still in progress,{} {} with no measured step (of {} in the log, {} events)",
        measurement.item_lead_time.count,
        coverage.items_in_progress,
        abandoned(coverage.items_abandoned),
        coverage.items - coverage.items_used,
        coverage.items,
        coverage.events
    );
    distribution_line(&mut out, "lead", &measurement.item_lead_time);
    out.push_str("  (each finished item from its first event to the end of its last step; the step figures below are over these items)\n\n");
    for step in &measurement.steps {
        let s = &stream.steps[step.step];
        let _ = writeln!(out, "{} ({})", s.name, s.id);
        let share = if measurement.item_lead_time.count == 0 {
            0.0
        } else {
            step.visited as f64 * 100.0 / measurement.item_lead_time.count as f64
        };
        let _ = writeln!(
            out,
            "  visited by {} of the finished items ({}); {} finished the step in all, {} in it now, {:.1} per week",
            step.visited,
            vsm_core::format_percent(share),
            step.completed,
            step.work_in_progress,
            step.throughput_per_week
        );
        let lead_label = if step.timed { "lead" } else { "lead*" };
        for (label, d) in [
            ("process", &step.process_time),
            ("wait", &step.wait_time),
            (lead_label, &step.lead_time),
            ("rework", &step.rework_time),
        ] {
            if label == "process" && !step.timed {
                let _ = writeln!(
                    out,
                    "  process  not measured: the log has no start events (the lead time is from the previous step's end to the completion)"
                );
                continue;
            }
            if label == "rework" && step.totals.rework == 0 {
                continue;
            }
            distribution_line(&mut out, label, d);
        }
        wait_basis_text(&mut out, step);
        if let Some(ca) = step.complete_accurate {
            let _ = writeln!(
                out,
                "  %C&A    {ca} ({} of {} items that left came back)",
                step.returned, step.left
            );
        }
        if let Some(efficiency) = step.flow_efficiency_percent {
            let _ = writeln!(
                out,
                "  flow efficiency {}",
                vsm_core::format_percent(efficiency)
            );
        }
        out.push('\n');
    }
    out
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

/// ` N abandoned,` for the items line, when the map says what abandons an item and some did.
fn abandoned(count: u64) -> String {
    if count == 0 {
        String::new()
    } else {
        format!(" {count} abandoned,")
    }
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
    /// Every item that entered the step, finished or not.
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
    let (index, step) = explained(stream, measurement, step_id)?;
    let time = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
    };
    let seconds = |ms: i64| ms as f64 / 1000.0;
    let report = ExplainReport {
        schema_version: SCHEMA_VERSION,
        step: &stream.steps[index].id,
        name: &stream.steps[index].name,
        items: step
            .items
            .iter()
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
    };
    Ok(crate::json::to_string(&report))
}

/// Estimates next to the measured numbers, for the text and Markdown reports.
pub fn comparison_text(measured: &Measured<'_>, map: &str) -> String {
    let estimates = measured.estimates;
    let mut out = format!(
        "\nMeasured from {} (means over the finished items that visited each step):\n\n",
        measured.read.log
    );
    let _ = writeln!(
        out,
        "{:<24} {:>24} {:>24} {:>20}",
        "Step", "Process", "Wait", "%C&A"
    );
    let cell = |estimate: String, measured: String, provenance: Provenance| match provenance {
        Provenance::Estimated => format!("{estimate} (est.)"),
        Provenance::Designed => format!("{estimate} (design)"),
        Provenance::Measured => format!("{measured} (was {estimate})"),
        Provenance::Mixed => format!("{measured}* (was {estimate})"),
    };
    for step in &measured.measurement.steps {
        let (before, after, mark) = (
            &estimates.steps[step.step],
            &measured.stream.steps[step.step],
            measured.provenance[step.step],
        );
        let _ = writeln!(
            out,
            "{:<24} {:>24} {:>24} {:>20}",
            before.id,
            cell(
                before.process_time.human(),
                after.process_time.human(),
                mark.process_time
            ),
            cell(
                before.wait_time.human(),
                after.wait_time.human(),
                mark.wait_time
            ),
            cell(
                before.complete_accurate.to_string(),
                after.complete_accurate.to_string(),
                mark.complete_accurate
            ),
        );
    }
    let mixed = measured
        .provenance
        .iter()
        .any(|p| p.wait_time == Provenance::Mixed);
    if mixed {
        out.push_str(
            "\n* measured lead time less the estimated process time (the log has no start events).",
        );
    }
    let _ = writeln!(
        out,
        "\nOther steps keep their estimates. `vsm measure {map}` shows the distributions; `--explain STEP` the items."
    );
    out
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
}
